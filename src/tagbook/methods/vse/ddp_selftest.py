"""Self-test of data-parallel training: two processes train the weights one process trains.

Tiny conv-level, pooled and fine-tuned models are trained with the shared label-sampling loop
(:mod:`tagbook.training.label_sampling`) under ``torchrun`` and compared with a single process::

    torchrun --standalone --nproc_per_node 2 -m tagbook.methods.vse.ddp_selftest --selftest
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

from tagbook.methods.vse.conv import ConvVSEConfig, ConvVSEHead
from tagbook.methods.vse.pooled import PooledVSEConfig, PooledVSEHead
from tagbook.seeding import seed_everything
from tagbook.training.distributed import DistributedContext
from tagbook.training.label_sampling import LabelSamplingConfig, train_label_sampling, unit_rows
from tagbook.training.selftest import run_selftest, selftest_main

SELFTEST_IMAGES, SELFTEST_BATCH = 11, 5  # batches of 5, 5, 1: uneven shards and an empty one


def selftest_problem(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, torch.Tensor]:
    """Tiny random conv maps ``(11, 6, 5, 5)``, targets over 9 labels, 4-d label vectors, and
    images ``(11, 3, 10, 10)`` for the fine-tuning variant."""
    rng = np.random.default_rng(seed)
    conv = rng.normal(size=(SELFTEST_IMAGES, 6, 5, 5)).astype(np.float32)
    targets = rng.random((SELFTEST_IMAGES, 9)) < 0.3
    vectors = rng.normal(size=(9, 4))
    images = torch.as_tensor(rng.normal(size=(SELFTEST_IMAGES, 3, 10, 10)).astype(np.float32))
    return conv, targets, vectors, images


SELFTEST_VARIANTS = ("conv", "pooled", "fine_tune")


def selftest_model(variant: str) -> tuple[nn.Module, nn.Module | None, "LabelSamplingConfig"]:
    """The untrained self-test model ``variant`` (``conv``, ``pooled`` or ``fine_tune``), seeded
    with 0: ``(head, backbone or None, training config)``; three epochs of batches of 5."""
    if variant not in SELFTEST_VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(SELFTEST_VARIANTS)}, got {variant!r}")
    conv, _, vectors, _ = selftest_problem()
    channels, dim = conv.shape[1], vectors.shape[1]
    small = dict(epochs=3, batch_size=SELFTEST_BATCH, labels_per_image=6, max_lr=1e-2, hidden_channels=8,
                 show_progress=False, num_threads=1)
    seed_everything(0)
    if variant == "pooled":
        config = PooledVSEConfig(**small)
        return PooledVSEHead(channels, dim, config), None, config
    config = ConvVSEConfig(**small, k_blocks=2, map_channels=4, map_layers=1, fine_tune=variant == "fine_tune")
    head = ConvVSEHead(channels, dim, config)
    if variant == "conv":
        return head, None, config
    return head, _TinyBackbone(channels), config


class _TinyBackbone(nn.Module):
    """Images -> conv maps, with an unused classifier like the ImageNet backbones' own."""

    def __init__(self, channels: int):
        super().__init__()
        self.trunk = nn.Sequential(nn.Conv2d(3, channels, 3, stride=2, padding=1), nn.ReLU())
        self.classifier = nn.Linear(channels, 10)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.trunk(images)


def selftest_train(variant: str, context: DistributedContext | None = None) -> tuple[nn.Module, list[float]]:
    """Train the self-test model ``variant`` with the shared training loop (``context`` None: the
    one the environment gives); returns its parameters as one module and the epoch losses."""
    conv, targets, vectors, images = selftest_problem()
    head, backbone, config = selftest_model(variant)
    inputs = torch.as_tensor(conv) if backbone is None else images
    losses = train_label_sampling(head, inputs, targets, unit_rows(vectors), config, backbone=backbone, context=context)
    return (head if backbone is None else nn.ModuleDict({"backbone": backbone, "head": head})), losses


# Two processes sum float32 gradients in another order than one, and AdamW carries the rounding
# through 9 steps: measured gaps are below 1e-7. Averaging the shards' mean losses without the
# shard weights (plain DDP) misses by about 1e-2. 1e-5 lies two orders of magnitude or more
# from each.
SELFTEST_TOLERANCE = 1e-5


def _selftest(out: Path | None, timeout_s: float) -> int:
    return run_selftest(lambda variant, ctx: selftest_train(variant, context=ctx), SELFTEST_VARIANTS, out, timeout_s,
                        tolerance=SELFTEST_TOLERANCE)


def main(argv: list[str] | None = None) -> int:
    return selftest_main(argv, "tagbook.methods.vse.ddp_selftest", "conv-level, pooled and fine-tuned models", _selftest)


if __name__ == "__main__":
    sys.exit(main())
