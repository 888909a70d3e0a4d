"""Textures applied to an object's body-coloured pixels: stripes, bands, bricks, patches, grain."""

from __future__ import annotations

import numpy as np

TEXTURES = ("stripes", "bands", "bricks", "patches", "grain", "plain")


def texture_factor(kind: str, h: int, w: int, rng: np.random.Generator, scale: float) -> np.ndarray:
    """A multiplicative (h, w) brightness field for one object's bounding box.

    ``kind`` is one of :data:`TEXTURES`; ``scale`` (the box height in pixels) sets the period of
    stripes, bands and bricks. ``"plain"`` is all ones.
    """
    if kind not in TEXTURES:
        raise ValueError(f"texture kind must be one of {TEXTURES}, got {kind!r}")
    yy = np.arange(h, dtype=np.float32)[:, None]
    xx = np.arange(w, dtype=np.float32)[None, :]
    if kind == "stripes":
        period = max(3.0, scale / rng.uniform(4, 6))
        tilt = rng.uniform(-0.4, 0.4)
        return np.where(np.sin(2 * np.pi * (xx + tilt * yy) / period) > 0.15, 0.18, 1.0).astype(np.float32)
    if kind == "bands":
        period = max(3.0, scale / rng.uniform(3, 5))
        bands = np.where(np.sin(2 * np.pi * xx / period) > 0.3, 0.72, 1.0).astype(np.float32)
        return np.broadcast_to(bands, (h, w))
    if kind == "bricks":
        row = max(2.0, scale / 10)
        lines = ((yy % row) < 1) | (((xx + (yy // row) % 2 * row) % (2 * row)) < 1)
        return np.where(lines, 0.75, 1.0).astype(np.float32)
    if kind == "patches":
        cells = rng.random((5, 5)).astype(np.float32)
        iy = np.minimum((yy * 5 / h).astype(int), 4)
        ix = np.minimum((xx * 5 / w).astype(int), 4)
        return np.where(cells[iy, ix] > 0.55, 0.3, 1.0).astype(np.float32)
    if kind == "grain":
        return (1.0 + rng.normal(0, 0.07, (h, w))).astype(np.float32)
    return np.ones((h, w), np.float32)
