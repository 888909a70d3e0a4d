"""The data-parallel self-test every training loop shares: two processes must train the weights
one process trains.

A model family provides ``train(variant, context) -> (module, losses)``, a tiny training run of
each of its variants; :func:`run_selftest` runs it under the ``torchrun`` launch it is in, checks
that every rank holds the same weights, and (on rank 0) trains the same variant again in one
process and compares weights and epoch losses. :func:`selftest_main` is the command line of a
family's ``ddp_selftest`` module::

    torchrun --standalone --nproc_per_node 2 -m tagbook.methods.vse.ddp_selftest --selftest
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Sequence

import torch
from torch import nn

from tagbook.training.distributed import DistributedContext

TrainVariant = Callable[[str, DistributedContext], tuple[nn.Module, Any]]


def largest_loss_gap(a: Sequence[float], b: Sequence[float]) -> float:
    """The largest difference between two runs' epoch losses."""
    return max((abs(x - y) for x, y in zip(a, b)), default=0.0)


def run_selftest(
    train: TrainVariant,
    variants: Sequence[str],
    out: Path | None = None,
    timeout_s: float = 120.0,
    tolerance: float = 1e-5,
    loss_gap: Callable[[Any, Any], float] = largest_loss_gap,
    compare_when_saving: bool = True,
) -> int:
    """Train each variant in this launch; 0 when every check passed, 1 otherwise.

    With ``out``, every rank also saves its weights and losses there (``VARIANT.rankR.pt``);
    ``compare_when_saving=False`` then leaves the comparison with one process to the caller.
    """
    ctx = DistributedContext.from_environment(timeout=timedelta(seconds=timeout_s))
    width = max(len(v) for v in variants)
    failed = False
    try:
        for variant in variants:
            model, losses = train(variant, ctx)
            spread = ctx.max_difference_from_main(model)
            if out is not None:
                out.mkdir(parents=True, exist_ok=True)
                torch.save({"state_dict": model.state_dict(), "losses": losses, "world_size": ctx.world_size},
                           out / f"{variant}.rank{ctx.rank}.pt")
            if not ctx.is_main:
                continue
            report = f"{variant:{width}s} {ctx.world_size} process(es): ranks differ by {spread:.1e}"
            ok = spread == 0.0
            if out is None or compare_when_saving:
                reference, reference_losses = train(variant, DistributedContext())
                gap = max((a - b).abs().max().item() for a, b in zip(model.parameters(), reference.parameters()))
                epoch_gap = loss_gap(losses, reference_losses)
                ok = ok and gap < tolerance and epoch_gap < tolerance
                report += f"; against 1 process: weights {gap:.1e}, epoch losses {epoch_gap:.1e} (tolerance {tolerance:.0e})"
            failed |= not ok
            print(f"{report} -> {'ok' if ok else 'FAILED'}")
    finally:
        ctx.cleanup()
    return int(failed)


def selftest_main(argv: list[str] | None, module: str, what: str, run: Callable[[Path | None, float], int]) -> int:
    """The command line of ``python -m MODULE --selftest [--out DIR] [--timeout S]``."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {module}",
        description=f"Data-parallel check: torchrun --standalone --nproc_per_node 2 -m {module} --selftest",
    )
    parser.add_argument("--selftest", action="store_true", help=f"train tiny {what}; compare with one process")
    parser.add_argument("--out", type=Path, help="also save each rank's trained weights and losses here")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the other ranks")
    args = parser.parse_args(argv)
    if not args.selftest:
        parser.print_help()
        return 2
    return run(args.out, args.timeout)
