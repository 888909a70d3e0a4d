"""Drawers of the buildings and structures.

Each ``draw_*`` function draws its category in the unit box through a
:class:`~tagbook.world.pen.Pen` ``p``, in body colour ``c``, with shape parameters drawn from the
instance's generator ``rng``. ``DRAWERS`` gives each category its drawer, aspect, texture and scale.
"""

from __future__ import annotations

import numpy as np

from tagbook.world.pen import DARK, GLASS, WOOD, YELLOW, Drawer, shade, uniform


def draw_house(p, c, rng):
    p.rect(0.14, 0.45, 0.86, 1.0, c)
    p.poly([(0.04, 0.48), (0.5, uniform(rng, 0.05, 0.15)), (0.96, 0.48)], (150, 45, 35) if c[0] < 150 else DARK)
    p.rect(0.42, 0.68, 0.58, 1.0, WOOD)
    for u in (0.24, 0.66):
        p.rect(u, 0.58, u + 0.12, 0.72, GLASS)


def draw_church(p, c, rng):
    p.poly([(0.02, 0.5), (0.32, 0.25), (0.62, 0.5)], shade(c, 0.7))
    p.rect(0.06, 0.48, 0.6, 1.0, c)
    p.rect(0.62, 0.22, 0.9, 1.0, c)
    p.poly([(0.58, 0.24), (0.76, 0.02), (0.94, 0.24)], shade(c, 0.6))
    p.circle(0.33, 0.62, 0.06, GLASS)
    p.poly([(0.7, 1.0), (0.7, 0.82), (0.76, 0.76), (0.82, 0.82), (0.82, 1.0)], WOOD)


def draw_tower(p, c, rng):
    p.rect(0.22, 0.14, 0.78, 1.0, c)
    for u in (0.22, 0.42, 0.62):
        p.rect(u, 0.04, u + 0.16, 0.16, c)
    for v in np.linspace(0.3, 0.75, int(rng.integers(2, 4))):
        p.rect(0.44, float(v), 0.56, float(v) + 0.08, DARK)


def draw_bridge(p, c, rng):
    p.rect(0.0, 0.32, 1.0, 0.45, c)
    p.line([(0.0, 0.25), (1.0, 0.25)], 0.05, shade(c, 0.7))
    for u in np.linspace(0.05, 0.95, 7):
        p.line([(float(u), 0.25), (float(u), 0.33)], 0.03, shade(c, 0.7))
    for u in (0.12, 0.5, 0.88):
        p.rect(u - 0.05, 0.44, u + 0.05, 0.98, shade(c, 0.85))


def draw_window(p, c, rng):
    p.rect(0.05, 0.05, 0.95, 0.95, c)
    p.rect(0.14, 0.14, 0.86, 0.86, GLASS)
    p.line([(0.5, 0.12), (0.5, 0.88)], 0.07, c)
    p.line([(0.12, 0.5), (0.88, 0.5)], 0.07, c)


def draw_bank_building(p, c, rng):
    p.rect(0.05, 0.88, 0.95, 1.0, shade(c, 0.8))
    p.rect(0.1, 0.3, 0.9, 0.36, c)
    p.poly([(0.06, 0.3), (0.5, 0.04), (0.94, 0.3)], c)
    n = int(rng.integers(4, 6))
    for u in np.linspace(0.16, 0.84, n):
        p.rect(float(u) - 0.04, 0.36, float(u) + 0.04, 0.88, shade(c, 1.15))
    p.circle(0.5, 0.2, 0.05, YELLOW)


DRAWERS: dict[str, Drawer] = {
    "house": Drawer(draw_house, 1.0, "bricks", (0.38, 0.6)),
    "church": Drawer(draw_church, 0.9, "bricks", (0.45, 0.7)),
    "tower": Drawer(draw_tower, 0.5, "bricks", (0.5, 0.75)),
    "bridge": Drawer(draw_bridge, 2.2, "bricks", (0.25, 0.38)),
    "window": Drawer(draw_window, 0.9, "plain", (0.3, 0.5)),
    "bank.building": Drawer(draw_bank_building, 1.2, "plain", (0.38, 0.58)),
}
