"""Self-test of AME's data-parallel training: two processes train the weights one process trains.

Tiny AME models (the paper's alignment variant with the order similarity, the released code's
variant with mixed-language batches and the hardest negative, and frozen embeddings) are
trained on a made-up problem under ``torchrun`` and compared with a single process::

    torchrun --standalone --nproc_per_node 2 -m tagbook.methods.retrieval.ddp_selftest --selftest
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

from tagbook.methods.retrieval.ame import AME
from tagbook.methods.retrieval.config import AMEConfig, ame_preset
from tagbook.training.distributed import DistributedContext
from tagbook.training.selftest import run_selftest, selftest_main

SELFTEST_IMAGES, SELFTEST_BATCH = 11, 4  # paired: 25 items (last batch 1: an empty shard); mixed: 43
SELFTEST_VARIANTS = ("ame", "released", "fme")
# Two processes sum float32 gradients in another order than one and run the GRU on other batch
# compositions; Adam carries the rounding through the steps: measured gaps are about 1e-7.
SELFTEST_TOLERANCE = 1e-5
_WORDS = {
    "en": ["a", "dog", "cat", "runs", "sleeps", "red", "ball", "on", "the", "grass", "sofa", "big"],
    "de": ["ein", "hund", "katze", "rennt", "schläft", "rot", "ball", "auf", "dem", "gras", "sofa", "groß"],
}


def selftest_problem(seed: int = 0) -> dict:
    """Made-up images ``(11, 6)``, captions (English: 2 per image; German: 1 to 3), aligned
    4-d word vectors (German = English + noise) and the word-for-word lexicon."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(SELFTEST_IMAGES, 6)).astype(np.float32)
    base = rng.normal(size=(len(_WORDS["en"]), 4))
    vectors = {
        "en": dict(zip(_WORDS["en"], base)),
        "de": dict(zip(_WORDS["de"], base + 0.1 * rng.normal(size=base.shape))),
    }

    def caption(lang: str) -> list[str]:
        return [str(w) for w in rng.choice(_WORDS[lang], size=int(rng.integers(1, 6)))]

    captions = {
        "en": [[caption("en") for _ in range(2)] for _ in range(SELFTEST_IMAGES)],
        "de": [[caption("de") for _ in range(1 + i % 3)] for i in range(SELFTEST_IMAGES)],
    }
    lexicon = list(zip(_WORDS["en"], _WORDS["de"]))
    return {"features": features, "captions": captions, "vectors": vectors, "lexicon": lexicon}


def selftest_config(variant: str) -> AMEConfig:
    """The self-test configuration ``variant``: two epochs of batches of 4, tiny dimensions."""
    if variant not in SELFTEST_VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(SELFTEST_VARIANTS)}, got {variant!r}")
    small = dict(joint_dim=5, gru_width=7, epochs=2, batch_size=SELFTEST_BATCH, lr=1e-2, alignment_k=3,
                 show_progress=False, num_threads=1, seed=0)
    if variant == "ame":
        return ame_preset("ame", similarity="asymmetric", alignment_every=2, alignment_lr=0.5, **small)
    if variant == "released":
        return ame_preset("ame", alignment="released", batch_layout="mixed", max_violation=True,
                          translator_init="procrustes", alignment_lr=0.5, **small)
    return ame_preset("fme", **small)


def selftest_train(variant: str, context: DistributedContext | None = None) -> tuple[nn.Module, list[dict]]:
    """Train the self-test model ``variant`` (``context`` None: the one the environment gives);
    returns its parameters (network and alignment matrices) as one module and its history."""
    problem = selftest_problem()
    model = AME(selftest_config(variant)).fit(
        problem["features"], problem["captions"], word_vectors=problem["vectors"], lexicon=problem["lexicon"],
        context=context,
    )
    return nn.ModuleDict({"network": model.network_, "matrices": model.matrices_}), model.history_


def _history_gap(a: list[dict], b: list[dict]) -> float:
    """Largest difference of the epoch losses of two histories (an absent alignment loss is 0)."""
    values = lambda h: np.array([[e["ranking_loss"], e["alignment_loss"] or 0.0] for e in h], dtype=float)  # noqa: E731
    return float(np.abs(values(a) - values(b)).max()) if a else 0.0


def _selftest(out: Path | None, timeout_s: float) -> int:
    # with --out the caller compares the saved weights with one process itself
    return run_selftest(lambda variant, ctx: selftest_train(variant, context=ctx), SELFTEST_VARIANTS, out, timeout_s,
                        tolerance=SELFTEST_TOLERANCE, loss_gap=_history_gap, compare_when_saving=False)


def main(argv: list[str] | None = None) -> int:
    return selftest_main(argv, "tagbook.methods.retrieval.ddp_selftest", "AME models", _selftest)


if __name__ == "__main__":
    sys.exit(main())
