"""What the label-sampling training loops share: the settings, the label sampler, input checks,
batched inference and the loop itself (binary cross-entropy over sampled labels, AdamW with the
one-cycle schedule, data-parallel under ``torchrun``). It knows no particular model: a model is
any module ``model(features, labels (B, n, d)) -> logits (B, n)``.
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

from tagbook.seeding import seed_everything
from tagbook.training.distributed import DistributedContext


@dataclass
class LabelSamplingConfig:
    """Settings of the label-sampling loop (the conv-level model and the pooled baseline use it)."""

    labels_per_image: int = 50  # positives first, the rest random negatives
    epochs: int = 10
    batch_size: int = 32
    max_lr: float = 3e-3  # peak of the one-cycle schedule
    weight_decay: float = 1e-4
    fine_tune: bool = False  # train the backbone too (needs images and a backbone module)
    backbone_lr_ratio: float = 0.1  # backbone learning rate relative to the head's
    seed: int = 0
    num_threads: int = 2
    show_progress: bool = True

    def validate(self) -> None:
        for name in ("labels_per_image", "epochs", "batch_size", "num_threads"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        for name in ("max_lr", "backbone_lr_ratio"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay!r}")


def unit_rows(vectors: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Label vectors as a float32 tensor with unit-norm rows (zero rows stay zero)."""
    t = torch.as_tensor(np.asarray(vectors, dtype=np.float32))
    if t.ndim != 2:
        raise ValueError(f"label vectors must be (n_labels, d), got shape {tuple(t.shape)}")
    return F.normalize(t, dim=-1)


def sample_label_sets(
    targets: np.ndarray, n_per_image: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Per image, ``n`` label indices: all positives (in random order) then random negatives.

    ``targets`` is a boolean ``(N, L)`` matrix. Returns ``(indices, is_positive)``, both
    ``(N, n)`` with ``n = min(n_per_image, L)``. An image with more than ``n`` positives keeps a
    random ``n`` of them.
    """
    targets = np.asarray(targets, dtype=bool)
    n = min(int(n_per_image), targets.shape[1])
    keys = rng.random(targets.shape) - 2.0 * targets  # positives sort first, then a random order
    idx = np.argsort(keys, axis=1, kind="stable")[:, :n]
    return idx, np.take_along_axis(targets, idx, axis=1)


def as_tensor(x: np.ndarray | torch.Tensor, name: str, ndim: int = 4) -> torch.Tensor:
    t = torch.as_tensor(x)
    if t.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} axes, got shape {tuple(t.shape)}")
    return t


def check_targets(targets: np.ndarray, n_images: int, n_labels: int) -> np.ndarray:
    targets = np.asarray(targets)
    if targets.shape != (n_images, n_labels):
        raise ValueError(
            f"targets must be (n_images, n_labels) = ({n_images}, {n_labels}), got {targets.shape}"
        )
    return targets.astype(bool)


def batched(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, batch_size: int) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([fn(x[i : i + batch_size].float()) for i in range(0, x.shape[0], batch_size)])




def train_label_sampling(
    model: nn.Module,
    inputs: torch.Tensor,
    targets: np.ndarray,
    label_vectors: torch.Tensor,
    config: LabelSamplingConfig,
    backbone: nn.Module | None = None,
    desc: str = "training",
    context: DistributedContext | None = None,
    on_epoch: Callable[[int], None] | None = None,
) -> list[float]:
    """The shared training loop: label sampling, BCE, AdamW with the one-cycle schedule.

    ``model(features, labels (B, n, d)) -> logits (B, n)``. With ``backbone`` (fine-tuning),
    ``inputs`` are images and ``backbone(images)`` gives the features inside the loop.
    Returns the mean loss of each epoch.

    Under ``torchrun`` (``context`` None: read from the environment, see
    :mod:`tagbook.training.distributed`) the loop is data-parallel: every rank draws the same permutation
    and label samples from the same seed, computes the loss of its shard of each batch, and
    DistributedDataParallel averages the gradients. Shards differ in size when the batch does
    not divide evenly (the last batch), so each rank's mean BCE is weighted by ``W b / B`` (its
    shard size ``b``, the batch size ``B``, ``W`` ranks; :meth:`DistributedContext.shard_weight`):
    the rank-average of the gradients is then exactly the full batch's mean-loss gradient, and
    training matches one process up to float rounding. The progress bar shows on rank 0 only;
    the epoch losses are global means. In a single process the loop is the plain one
    (bit-identical results).

    ``on_epoch(epoch)``, when given, is called after each epoch (``epoch`` = 1, 2, ... the epochs
    done) to measure the model as it stands, e.g. a held-out loss per epoch. It runs with
    ``model`` (and ``backbone``) in evaluation mode under ``torch.no_grad()``; both are back in
    training mode afterwards. It cannot change training: the optimiser, the schedule and the
    loop's label and permutation draws are out of its reach, and the global random states
    (torch's CPU generator, NumPy's legacy one, Python's ``random``, which dropout and third-party
    code draw from) are saved before and restored after it, so whatever it draws, training goes
    on exactly as without it (:func:`isolated_random_state`). Under ``torchrun`` it runs on
    every rank, on the unwrapped ``model``: it must not call collectives, and it should read the
    model only (each rank's copy holds the same weights).
    """
    config.validate()
    ctx = context if context is not None else DistributedContext.from_environment()
    rng = seed_everything(config.seed)
    torch.set_num_threads(config.num_threads)
    n_images = inputs.shape[0]
    steps_per_epoch = -(-n_images // config.batch_size)
    groups = [{"params": [p for p in model.parameters() if p.requires_grad], "lr": config.max_lr}]
    max_lrs = [config.max_lr]
    if backbone is not None:
        groups.append({"params": list(backbone.parameters()), "lr": config.max_lr * config.backbone_lr_ratio})
        max_lrs.append(config.max_lr * config.backbone_lr_ratio)
    optimiser = torch.optim.AdamW(groups, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=max_lrs, total_steps=config.epochs * steps_per_epoch
    )
    model.train()
    if backbone is None:
        net = ctx.wrap(model)
    else:  # a backbone may hold layers its forward leaves out (an ImageNet classifier)
        backbone.train()
        net = ctx.wrap(BackboneThenHead(backbone, model), find_unused_parameters=True)
    losses: list[float] = []
    bar = tqdm(range(config.epochs), desc=desc, disable=not (config.show_progress and ctx.is_main))
    for _ in bar:
        order = rng.permutation(n_images)
        label_idx, is_pos = sample_label_sets(targets, config.labels_per_image, rng)
        total, seen = 0.0, 0
        for start in range(0, n_images, config.batch_size):
            batch = order[start : start + config.batch_size]
            shard = ctx.shard(batch)  # the whole batch in a single process
            # a rank with an empty shard (a last batch smaller than the world) runs one item
            # at weight 0: every rank must run forward and backward for DDP's gradient average
            rows = shard if len(shard) else batch[:1]
            x = inputs[torch.as_tensor(rows)].float()
            labels = label_vectors[torch.as_tensor(label_idx[rows])]  # (b, n, d)
            y = torch.as_tensor(is_pos[rows], dtype=torch.float32)
            bce = F.binary_cross_entropy_with_logits(net(x, labels), y)
            loss = bce * ctx.shard_weight(len(shard), len(batch))  # 1.0 in a single process
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            total += bce.item() * len(shard)
            seen += len(shard)
        losses.append(ctx.all_reduce_mean(total, seen))
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
        if on_epoch is not None:
            _measure(on_epoch, len(losses), model, backbone)
    model.eval()
    if backbone is not None:
        backbone.eval()
    return losses


@contextmanager
def isolated_random_state() -> Iterator[None]:
    """Save torch's CPU generator, NumPy's legacy global state and Python's ``random`` state, and
    restore them on exit: draws made inside leave the draws after it as they were."""
    torch_state, numpy_state, python_state = torch.get_rng_state(), np.random.get_state(), random.getstate()
    try:
        yield
    finally:
        torch.set_rng_state(torch_state)
        np.random.set_state(numpy_state)
        random.setstate(python_state)


def _measure(on_epoch: Callable[[int], None], epoch: int, model: nn.Module, backbone: nn.Module | None) -> None:
    """Call ``on_epoch(epoch)`` with the modules in evaluation mode, no gradients and the random
    states isolated; put the modules back in training mode."""
    modules = [model] if backbone is None else [model, backbone]
    for module in modules:
        module.eval()
    try:
        with torch.no_grad(), isolated_random_state():
            on_epoch(epoch)
    finally:
        for module in modules:
            module.train()


class BackboneThenHead(nn.Module):
    """``head(backbone(images), labels)``: one module, so that DDP averages both gradients."""

    def __init__(self, backbone: nn.Module, head: nn.Module):
        super().__init__()
        self.backbone, self.head = backbone, head

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(images), labels)


