"""Self-test of AME's data-parallel training: two processes train the weights one process trains.

Tiny AME models (the paper's alignment variant with the order similarity, the released code's
variant with mixed-language batches and the hardest negative, and frozen embeddings) are
trained on a made-up problem under ``torchrun`` and compared with a single process::

    torchrun --standalone --nproc_per_node 2 -m tagbook.methods.retrieval.ddp_selftest --selftest
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import torch
from torch import nn

from tagbook.methods.retrieval.ame import AME
from tagbook.methods.retrieval.config import AMEConfig, ame_preset
from tagbook.training.distributed import DistributedContext

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
    ctx = DistributedContext.from_environment(timeout=timedelta(seconds=timeout_s))
    failed = False
    try:
        for variant in SELFTEST_VARIANTS:
            model, history = selftest_train(variant)
            spread = ctx.max_difference_from_main(model)
            if out is not None:
                out.mkdir(parents=True, exist_ok=True)
                torch.save({"state_dict": model.state_dict(), "history": history, "world_size": ctx.world_size},
                           out / f"{variant}.rank{ctx.rank}.pt")
            if not ctx.is_main:
                continue
            report = f"{variant:9s} {ctx.world_size} process(es): ranks differ by {spread:.1e}"
            ok = spread == 0.0
            if out is None:  # with --out the caller compares the saved weights with one process itself
                reference, reference_history = selftest_train(variant, context=DistributedContext())
                gap = max((a - b).abs().max().item() for a, b in zip(model.parameters(), reference.parameters()))
                loss_gap = _history_gap(history, reference_history)
                ok = ok and gap < SELFTEST_TOLERANCE and loss_gap < SELFTEST_TOLERANCE
                report += (f"; against 1 process: weights {gap:.1e}, epoch losses {loss_gap:.1e} "
                           f"(tolerance {SELFTEST_TOLERANCE:.0e})")
            failed |= not ok
            print(f"{report} -> {'ok' if ok else 'FAILED'}")
    finally:
        ctx.cleanup()
    return int(failed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tagbook.methods.retrieval.ddp_selftest",
        description="Data-parallel check: torchrun --standalone --nproc_per_node 2 -m "
                    "tagbook.methods.retrieval.ddp_selftest --selftest",
    )
    parser.add_argument("--selftest", action="store_true", help="train tiny AME models; compare with one process")
    parser.add_argument("--out", type=Path, help="save each rank's trained weights and losses here (and leave "
                                                 "the comparison with one process to the caller)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the other ranks")
    args = parser.parse_args(argv)
    if not args.selftest:
        parser.print_help()
        return 2
    return _selftest(args.out, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
