"""Drawers of the plant categories.

Each ``draw_*`` function draws its category in the unit box through a
:class:`~tagbook.world.pen.Pen` ``p``, in body colour ``c``, with shape parameters drawn from the
instance's generator ``rng``. ``DRAWERS`` gives each category its drawer, aspect, texture and scale.
"""

from __future__ import annotations

import math

from tagbook.world.pen import LEAF, YELLOW, Drawer, shade, uniform


def draw_tree(p, c, rng):
    p.rect(0.43, 0.5, 0.57, 1.0, (105, 68, 32))
    if rng.random() < 0.35:  # conifer
        for k, (v0, v1) in enumerate(((0.02, 0.35), (0.18, 0.55), (0.35, 0.78))):
            half = 0.25 + 0.1 * k
            p.poly([(0.5, v0), (0.5 + half, v1), (0.5 - half, v1)], shade(c, 0.8))
    else:
        for cu, cv in ((0.5, 0.22), (0.3, 0.38), (0.7, 0.38), (0.5, 0.45)):
            p.ellipse(cu, cv, uniform(rng, 0.18, 0.25), uniform(rng, 0.16, 0.21), c)


def draw_flower(p, c, rng):
    p.line([(0.5, 1.0), (0.5, 0.35)], 0.07, LEAF)
    p.ellipse(0.38, 0.7, 0.12, 0.05, LEAF)
    n = int(rng.integers(5, 8))
    for k in range(n):
        a = 2 * math.pi * k / n
        p.ellipse(0.5 + 0.2 * math.cos(a), 0.3 + 0.14 * math.sin(a), 0.14, 0.1, c)
    p.circle(0.5, 0.3, 0.08, YELLOW)


def draw_cactus(p, c, rng):
    p.rect(0.4, 0.12, 0.6, 1.0, c)
    p.ellipse(0.5, 0.12, 0.1, 0.06, c)
    arm = uniform(rng, 0.3, 0.5)
    p.rect(0.18, arm + 0.15, 0.4, arm + 0.25, c)
    p.rect(0.18, arm - 0.05, 0.28, arm + 0.25, c)
    p.rect(0.6, arm + 0.25, 0.82, arm + 0.35, c)
    p.rect(0.72, arm + 0.05, 0.82, arm + 0.35, c)


DRAWERS: dict[str, Drawer] = {
    "tree": Drawer(draw_tree, 0.8, "grain", (0.45, 0.75)),
    "flower": Drawer(draw_flower, 0.6, "plain", (0.3, 0.5)),
    "cactus": Drawer(draw_cactus, 0.7, "bands", (0.38, 0.6)),
}
