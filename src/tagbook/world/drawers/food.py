"""Drawers of the food categories.

Each ``draw_*`` function draws its category in the unit box through a
:class:`~tagbook.world.pen.Pen` ``p``, in body colour ``c``, with shape parameters drawn from the
instance's generator ``rng``. ``DRAWERS`` gives each category its drawer, aspect, texture and scale.
"""

from __future__ import annotations

import math

import numpy as np

from tagbook.world.pen import LEAF, WHITE, WOOD, Drawer, shade, uniform


def draw_apple(p, c, rng):
    p.ellipse(0.5, 0.58, 0.42, 0.38, c)
    p.line([(0.5, 0.25), (0.54, 0.05)], 0.06, WOOD)
    p.ellipse(0.66, 0.14, 0.12, 0.05, LEAF)
    p.circle(0.36, 0.48, 0.07, shade(c, 1.4))


def draw_banana(p, c, rng):
    bend = uniform(rng, 0.35, 0.55)
    outer = [(0.05 + 0.9 * t / 10, 0.3 + bend * math.sin(math.pi * t / 10)) for t in range(11)]
    inner = [(0.05 + 0.9 * t / 10, 0.3 + (bend - 0.22) * math.sin(math.pi * t / 10)) for t in range(10, -1, -1)]
    p.poly(outer + inner, c)
    p.line([outer[0], inner[-1]], 0.08, WOOD)


def draw_orange(p, c, rng):
    p.ellipse(0.5, 0.55, 0.42, 0.42, c)
    p.ellipse(0.56, 0.12, 0.1, 0.05, LEAF)
    p.circle(0.5, 0.15, 0.03, (90, 110, 40))


def draw_cake(p, c, rng):
    p.ellipse(0.5, 0.9, 0.48, 0.07, WHITE)
    p.rect(0.1, 0.38, 0.9, 0.88, c)
    p.line([(0.1, 0.63), (0.9, 0.63)], 0.05, shade(c, 0.75))
    p.poly([(0.08, 0.32)] + [(0.08 + 0.84 * t / 8, 0.32 + 0.1 * (t % 2)) for t in range(9)] + [(0.92, 0.32), (0.92, 0.4), (0.08, 0.4)], WHITE)
    for u in np.linspace(0.3, 0.7, int(rng.integers(1, 4))):
        p.rect(float(u) - 0.025, 0.12, float(u) + 0.025, 0.33, (240, 200, 220))
        p.ellipse(float(u), 0.08, 0.03, 0.05, (250, 170, 30))


def draw_bread(p, c, rng):
    p.poly([(0.02, 0.85)] + [(0.02 + 0.96 * t / 10, 0.85 - 0.6 * math.sin(math.pi * t / 10) ** 0.6) for t in range(11)] + [(0.98, 0.85)], c)
    for u in (0.3, 0.5, 0.7):
        p.line([(u - 0.06, 0.45), (u + 0.06, 0.32)], 0.04, shade(c, 0.7))


def draw_carrot(p, c, rng):
    for dv in (-0.12, 0.0, 0.12):
        p.line([(0.2, 0.5), (0.02, 0.5 + dv * 2.5)], 0.06, LEAF)
    p.poly([(0.16, 0.36), (0.22, 0.64), (0.98, 0.52)], c)
    for u in (0.4, 0.6):
        p.line([(u, 0.44), (u + 0.05, 0.5)], 0.02, shade(c, 0.75))


DRAWERS: dict[str, Drawer] = {
    "apple": Drawer(draw_apple, 1.0, "grain", (0.2, 0.34)),
    "banana": Drawer(draw_banana, 1.6, "plain", (0.18, 0.3)),
    "orange.fruit": Drawer(draw_orange, 1.0, "grain", (0.2, 0.34)),
    "cake": Drawer(draw_cake, 1.1, "plain", (0.28, 0.45)),
    "bread": Drawer(draw_bread, 1.6, "grain", (0.2, 0.34)),
    "carrot": Drawer(draw_carrot, 1.8, "plain", (0.16, 0.28)),
}
