"""Drawers of the sky objects.

Each ``draw_*`` function draws its category in the unit box through a
:class:`~tagbook.world.pen.Pen` ``p``, in body colour ``c``, with shape parameters drawn from the
instance's generator ``rng``. ``DRAWERS`` gives each category its drawer, aspect, texture and scale.
"""

from __future__ import annotations

import math

from tagbook.world.pen import Drawer, shade, uniform


def draw_sun(p, c, rng):
    n = int(rng.integers(8, 13))
    for k in range(n):
        a = 2 * math.pi * k / n
        p.line([(0.5 + 0.32 * math.cos(a), 0.5 + 0.32 * math.sin(a)), (0.5 + 0.48 * math.cos(a), 0.5 + 0.48 * math.sin(a))], 0.06, c)
    p.circle(0.5, 0.5, 0.28, c)


def draw_moon(p, c, rng):
    if rng.random() < 0.3:
        p.circle(0.5, 0.5, 0.42, c)
        p.circle(0.38, 0.4, 0.08, shade(c, 0.85))
        p.circle(0.6, 0.62, 0.06, shade(c, 0.85))
        return
    inner = uniform(rng, 0.05, 0.25)
    ts = [math.pi * (t / 12 - 0.5) for t in range(13)]
    outer = [(0.5 - 0.45 * math.cos(t), 0.5 + 0.45 * math.sin(t)) for t in ts]
    back = [(0.5 - inner * math.cos(t), 0.5 - 0.45 * math.sin(t)) for t in ts]
    p.poly(outer + back, c)


def draw_star(p, c, rng):
    r_in = uniform(rng, 0.16, 0.24)
    pts = []
    for k in range(10):
        a = -math.pi / 2 + math.pi * k / 5
        r = 0.48 if k % 2 == 0 else r_in
        pts.append((0.5 + r * math.cos(a), 0.52 + r * math.sin(a)))
    p.poly(pts, c)


def draw_cloud(p, c, rng):
    p.ellipse(0.5, 0.68, 0.45, 0.2, c)
    for cu in (0.25, 0.45, 0.68):
        p.circle(cu, uniform(rng, 0.42, 0.52), uniform(rng, 0.2, 0.3), c)


DRAWERS: dict[str, Drawer] = {
    "sun": Drawer(draw_sun, 1.0, "plain", (0.25, 0.42)),
    "moon": Drawer(draw_moon, 1.0, "grain", (0.22, 0.38)),
    "star": Drawer(draw_star, 1.0, "plain", (0.18, 0.3)),
    "cloud": Drawer(draw_cloud, 1.8, "plain", (0.2, 0.34)),
}
