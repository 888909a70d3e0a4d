"""Data-parallel check of the tagging methods' training: two processes train what one trains.

DREL (``fit`` and an online ``partial_fit`` with new tags) and WSABIE train unchanged under
``torchrun`` (gloo on CPU, :mod:`tagbook.training.distributed`)::

    torchrun --standalone --nproc_per_node 2 -m tagbook.methods.tagging.ddp_selftest --selftest

Each rank trains the tiny self-test models, reports how far its weights are from rank 0's and,
on rank 0, how far they are from the same training in one process.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import torch

from tagbook.methods.tagging.drel import DREL, DRELConfig
from tagbook.methods.tagging.synthetic import planted_problem
from tagbook.methods.tagging.wsabie import WSABIE, WSABIEConfig
from tagbook.training.distributed import DistributedContext

SELFTEST_VARIANTS = ("drel", "wsabie")
# 11 images in batches of 5 (DREL: 5, 5, 1 images; WSABIE: its pairs likewise): uneven shards
# and an empty one. Measured gaps to one process: about 1e-7 (float32 summation order through
# a few SGD steps); averaging the shards' mean losses without the shard weights misses by about
# 3e-2 (DREL) and 3e-1 (WSABIE). 1e-4 lies orders of magnitude from each.
SELFTEST_TOLERANCE = 1e-4


def selftest_problem() -> tuple[np.ndarray, np.ndarray]:
    pb = planted_problem(n_images=17, n_tags=6, n_features=5, max_tags_per_image=2, seed=0)
    return pb.features, pb.tag_matrix


def selftest_train(variant: str, context: DistributedContext | None = None) -> tuple[torch.nn.Module, list[float]]:
    """Train the self-test model ``variant``; returns its parameters (one module) and epoch losses."""
    x, y = selftest_problem()
    common = dict(seed=0, num_threads=1, show_progress=False)
    if variant == "drel":
        cfg = DRELConfig(image_hidden=6, latent_dim=4, tag_embedding_dim=3, tag_hidden=5, epochs=3, batch_size=5,
                         triplets_per_image=3, learning_rate=0.5, partial_fit_epochs=2, **common)
        model = DREL(cfg).fit(x[:11], y[:11, :4], context=context)
        model.partial_fit(x[11:], y[11:], new_tags=2, context=context)
        return model.net, model.history_
    if variant == "wsabie":
        cfg = WSABIEConfig(embedding_dim=3, epochs=3, batch_size=5, learning_rate=0.2, draw_block=2, **common)
        model = WSABIE(cfg).fit(x[:11], y[:11], context=context)
        return model.net, model.history_
    raise ValueError(f"variant must be one of {', '.join(SELFTEST_VARIANTS)}, got {variant!r}")


def _selftest(out: Path | None, timeout_s: float) -> int:
    ctx = DistributedContext.from_environment(timeout=timedelta(seconds=timeout_s))
    failed = False
    try:
        for variant in SELFTEST_VARIANTS:
            model, losses = selftest_train(variant, context=ctx)
            spread = ctx.max_difference_from_main(model)
            if out is not None:
                out.mkdir(parents=True, exist_ok=True)
                torch.save({"state_dict": model.state_dict(), "losses": losses, "world_size": ctx.world_size},
                           out / f"{variant}.rank{ctx.rank}.pt")
            if not ctx.is_main:
                continue
            reference, reference_losses = selftest_train(variant, context=DistributedContext())
            gap = max((a - b).abs().max().item() for a, b in zip(model.parameters(), reference.parameters()))
            loss_gap = max(abs(a - b) for a, b in zip(losses, reference_losses))
            ok = spread == 0.0 and gap < SELFTEST_TOLERANCE and loss_gap < SELFTEST_TOLERANCE
            failed |= not ok
            print(f"{variant:7s} {ctx.world_size} process(es): ranks differ by {spread:.1e}; "
                  f"against 1 process: weights {gap:.1e}, epoch losses {loss_gap:.1e} "
                  f"(tolerance {SELFTEST_TOLERANCE:.0e}) -> {'ok' if ok else 'FAILED'}")
    finally:
        ctx.cleanup()
    return int(failed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tagbook.methods.tagging.ddp_selftest",
        description="torchrun --standalone --nproc_per_node 2 -m tagbook.methods.tagging.ddp_selftest --selftest",
    )
    parser.add_argument("--selftest", action="store_true", help="train tiny models; compare with one process")
    parser.add_argument("--out", type=Path, help="also save each rank's trained weights and losses here")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the other ranks")
    args = parser.parse_args(argv)
    if not args.selftest:
        parser.print_help()
        return 2
    return _selftest(args.out, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
