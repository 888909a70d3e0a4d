"""Data-parallel check of chapter 04's sampled tagger: two processes train what one trains.

``SampledTagger.fit`` trains unchanged under ``torchrun`` (gloo on CPU; see
:mod:`tagbook.methods.tagging.sampled_tagging`, "Data-parallel under torchrun")::

    torchrun --standalone --nproc_per_node 2 -m tagbook.methods.tagging.sampled_ddp_selftest --selftest

Each rank trains tiny models of the paper's objectives (sampled with optimised word vectors and
the alpha term, sampled with fixed vectors, sampled Fast0Tag, and the full objective with
optimised vectors), reports how far its network and word table are from rank 0's and, on rank 0,
how far they are from the same training in one process.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

from tagbook.methods.tagging.sampled_tagging import SampledTagger, variant_config
from tagbook.methods.tagging.synthetic import planted_problem
from tagbook.training.distributed import DistributedContext
from tagbook.training.selftest import run_selftest, selftest_main

SELFTEST_VARIANTS = {
    "sampled_opt": "S+Opt+X-Ent",
    "sampled_fixed": "S Fixed WV",
    "sampled_fast0tag": "S+Fast0Tag",
    "full_opt": "Opt+X-Ent",
}
# 11 images in batches of 4 (4, 4, 3: shards of 2/2, 2/2, 2/1) for 3 epochs; word learning rate
# 0.05 so that the word table moves visibly. Measured gaps to one process: below 1e-6 (float32
# summation order); averaging the ranks' shard means instead (weight 1/2 for every shard, wrong
# for the uneven last batch) misses by 4e-2 to 9e-2 in the weights. 1e-4 lies far from both.
SELFTEST_TOLERANCE = 1e-4


class TrainedTagger(nn.Module):
    """A trained tagger's network and word table as one module (what the self-test compares)."""

    def __init__(self, model: SampledTagger):
        super().__init__()
        self.net = model.net
        self.word_vectors = nn.Parameter(torch.from_numpy(np.array(model.word_vectors_)), requires_grad=False)


def selftest_problem() -> tuple[np.ndarray, list[list[int]], np.ndarray]:
    pb = planted_problem(n_images=11, n_tags=9, n_features=6, max_tags_per_image=3, seed=0)
    tags = [np.flatnonzero(row).tolist() for row in pb.tag_matrix]
    vectors = np.random.default_rng(1).standard_normal((12, 4)).astype(np.float32)  # 3 words never tagged
    return pb.features, tags, vectors


def selftest_train(variant: str, context: DistributedContext | None = None) -> tuple[nn.Module, list[float]]:
    """Train the self-test model ``variant`` (a key of :data:`SELFTEST_VARIANTS`)."""
    if variant not in SELFTEST_VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(SELFTEST_VARIANTS)}, got {variant!r}")
    x, tags, vectors = selftest_problem()
    config = variant_config(SELFTEST_VARIANTS[variant], hidden=(5,), epochs=3, batch_size=4, n_positive=3,
                            n_negative=4, learning_rate=0.02, word_learning_rate=0.05, seed=0, num_threads=1,
                            show_progress=False)
    model = SampledTagger(config).fit(x, tags, vectors, context=context or DistributedContext())
    return TrainedTagger(model), model.history_


def _selftest(out: Path | None, timeout_s: float) -> int:
    return run_selftest(lambda variant, ctx: selftest_train(variant, context=ctx), tuple(SELFTEST_VARIANTS), out,
                        timeout_s, tolerance=SELFTEST_TOLERANCE)


def main(argv: list[str] | None = None) -> int:
    return selftest_main(argv, "tagbook.methods.tagging.sampled_ddp_selftest", "sampled taggers", _selftest)


if __name__ == "__main__":
    sys.exit(main())
