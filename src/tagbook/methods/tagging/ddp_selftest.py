"""Data-parallel check of the tagging methods' training: two processes train what one trains.

DREL (``fit`` and an online ``partial_fit`` with new tags) and WSABIE train unchanged under
``torchrun`` (gloo on CPU, :mod:`tagbook.training.distributed`)::

    torchrun --standalone --nproc_per_node 2 -m tagbook.methods.tagging.ddp_selftest --selftest

Each rank trains the tiny self-test models, reports how far its weights are from rank 0's and,
on rank 0, how far they are from the same training in one process.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

from tagbook.methods.tagging.drel import DREL, DRELConfig
from tagbook.methods.tagging.synthetic import planted_problem
from tagbook.methods.tagging.wsabie import WSABIE, WSABIEConfig
from tagbook.training.distributed import DistributedContext
from tagbook.training.selftest import run_selftest, selftest_main

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
    return run_selftest(lambda variant, ctx: selftest_train(variant, context=ctx), SELFTEST_VARIANTS, out, timeout_s,
                        tolerance=SELFTEST_TOLERANCE)


def main(argv: list[str] | None = None) -> int:
    return selftest_main(argv, "tagbook.methods.tagging.ddp_selftest", "DREL and WSABIE models", _selftest)


if __name__ == "__main__":
    sys.exit(main())
