"""Scene backgrounds, drawn with NumPy: sky, grass, water, beach, snow, street, river bank, room.

Each scene is a sky gradient over one or more ground bands below a horizon line, with jittered
colours, noise and a few scene marks (waves, lane dashes, floor planks).
"""

from __future__ import annotations

import numpy as np

from tagbook.world.pen import Colour


def _grid(size: int):
    v = (np.arange(size, dtype=np.float32) + 0.5) / size
    return v[:, None], v[None, :]  # yy (H,1), xx (1,W)


def _gradient(yy, top: Colour, bottom: Colour, xx) -> np.ndarray:
    t = yy + 0 * xx
    a, b = np.array(top, np.float32), np.array(bottom, np.float32)
    return a + (b - a) * t[..., None]


def _sky(yy, xx, rng, night=False):
    if night:
        return _gradient(yy, (15, 20, 55), (45, 55, 100), xx)
    j = rng.uniform(-15, 15)
    return _gradient(yy, (70 + j, 130 + j, 215), (175 + j, 210 + j, 245), xx)


def _ground(img, yy, xx, horizon, colour, rng, jitter=12.0, streak=0.0):
    ground = (yy + 0 * xx) >= horizon
    base = np.array(colour, np.float32) * rng.uniform(0.9, 1.1)
    shade_ = 1.0 - 0.25 * np.clip((yy - horizon) / max(1e-3, 1 - horizon), 0, 1)
    g = base * (0.85 + 0.3 * (1 - shade_))[..., None] + rng.normal(0, jitter, img.shape[:2] + (1,)).astype(np.float32)
    if streak:
        g += streak * np.sin(xx * rng.uniform(40, 90) + rng.uniform(0, 6))[..., None]
    img[ground] = g[ground]
    return img


def background(scene: str, size: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """An ``(size, size, 3)`` float32 background for a scene and the horizon line (0..1)."""
    yy, xx = _grid(size)
    horizon = float(rng.uniform(0.22, 0.38))
    if scene == "sky":
        img = _sky(yy, xx, rng, night=rng.random() < 0.15)
        return img + rng.normal(0, 2.0, img.shape).astype(np.float32), 1.0
    if scene == "room":
        wall = np.array([(225, 215, 190), (200, 220, 235), (215, 235, 205), (240, 215, 215), (230, 230, 230)][rng.integers(5)], np.float32)
        floor = float(rng.uniform(0.6, 0.75))
        img = np.broadcast_to(wall, (size, size, 3)).copy() * (0.95 + 0.05 * yy[..., None])
        img = _ground(img, yy, xx, floor, (150, 100, 60), rng, jitter=6.0)
        planks = ((xx * rng.uniform(6, 10)) % 1.0 < 0.06) & (yy >= floor)
        img[np.broadcast_to(planks, (size, size))] *= 0.75
        return img, floor
    img = _sky(yy, xx, rng)
    if scene == "grass":
        img = _ground(img, yy, xx, horizon, (70, 150, 55), rng, jitter=14.0, streak=8.0)
    elif scene == "water":
        img = _ground(img, yy, xx, horizon, (40, 95, 170), rng, jitter=5.0)
        waves = (np.sin(yy * rng.uniform(60, 110) + 3 * np.sin(xx * 12)) > 0.75) & (yy >= horizon)
        img[np.broadcast_to(waves, (size, size))] = np.array((150, 190, 230), np.float32)
    elif scene == "beach":
        sea = float(horizon + rng.uniform(0.1, 0.2))
        img = _ground(img, yy, xx, horizon, (40, 110, 180), rng, jitter=4.0)
        img = _ground(img, yy, xx, sea, (228, 205, 155), rng, jitter=10.0)
    elif scene == "snow":
        img = _gradient(yy, (185, 195, 210), (225, 230, 238), xx)
        img = _ground(img, yy, xx, horizon, (238, 240, 247), rng, jitter=5.0)
    elif scene == "street":
        img = _ground(img, yy, xx, horizon, (160, 155, 150), rng, jitter=6.0)
        road = float(horizon + rng.uniform(0.12, 0.2))
        img = _ground(img, yy, xx, road, (88, 88, 92), rng, jitter=5.0)
        lane = float(road + (1 - road) * rng.uniform(0.45, 0.6))
        dash = (np.abs(yy - lane) < 0.02) & ((xx * 6 + rng.uniform(0, 1)) % 1.0 < 0.5)
        img[np.broadcast_to(dash, (size, size))] = np.array((235, 235, 225), np.float32)
    elif scene == "bank.river":
        img = _ground(img, yy, xx, horizon, (40, 95, 165), rng, jitter=5.0)
        slope = rng.uniform(-0.6, 0.6)
        side = xx if rng.random() < 0.5 else 1 - xx
        land = (yy >= horizon) & ((yy - horizon) * 1.2 + side * slope > (0.45 - 0.5 * side))
        bank = _ground(np.zeros_like(img), yy, xx, 0.0, (95, 140, 60), rng, jitter=12.0)
        land = np.broadcast_to(land, (size, size))
        img[land] = bank[land]
    else:
        raise ValueError(f"unknown scene {scene!r}")
    return img, horizon
