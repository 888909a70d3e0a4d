"""One seeding function for Python, NumPy and torch."""

from __future__ import annotations

import os
import random

import numpy as np


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python's `random`, NumPy's legacy global state and torch; return a fresh Generator.

    Code in tagbook takes an explicit ``np.random.Generator`` where it can; the global seeds are
    for third-party code (gensim, torch initialisers) that draws from global state.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__} {seed!r}")
    if not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed must lie in [0, 2**32), got {seed}")
    seed = int(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)  # for subprocesses started after this
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a hard dependency, but keep seeding usable
        pass
    else:
        torch.manual_seed(seed)
    return np.random.default_rng(seed)
