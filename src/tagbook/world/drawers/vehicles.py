"""Drawers of the vehicle categories, each driving right before the flip.

Each ``draw_*`` function draws its category in the unit box through a
:class:`~tagbook.world.pen.Pen` ``p``, in body colour ``c``, with shape parameters drawn from the
instance's generator ``rng``. ``DRAWERS`` gives each category its drawer, aspect, texture and scale.
"""

from __future__ import annotations

import numpy as np

from tagbook.world.pen import DARK, GLASS, METAL, WHEEL, WHITE, WOOD, YELLOW, Drawer, shade, uniform


def _wheels(p, us, v, r):
    for u in us:
        p.circle(u, v, r, WHEEL)
        p.circle(u, v, r * 0.45, METAL)


def draw_car(p, c, rng):
    roof = uniform(rng, 0.12, 0.25)
    p.poly([(0.22, 0.46), (0.33, roof), (0.68, roof), (0.82, 0.46)], c)
    p.poly([(0.3, 0.44), (0.37, roof + 0.06), (0.49, roof + 0.06), (0.49, 0.44)], GLASS)
    p.poly([(0.53, 0.44), (0.53, roof + 0.06), (0.65, roof + 0.06), (0.75, 0.44)], GLASS)
    p.rect(0.03, 0.45, 0.97, 0.78, c)
    p.rect(0.92, 0.5, 0.97, 0.58, YELLOW)
    _wheels(p, (0.25, 0.75), 0.8, 0.14)


def draw_truck(p, c, rng):
    p.rect(0.03, 0.12, 0.64, 0.78, shade(c, 1.25) if rng.random() < 0.5 else c)
    p.rect(0.66, 0.32, 0.97, 0.78, c)
    p.rect(0.74, 0.38, 0.94, 0.55, GLASS)
    _wheels(p, (0.16, 0.4, 0.8), 0.82, 0.13)


def draw_motorcycle(p, c, rng):
    _wheels(p, (0.2, 0.8), 0.72, 0.22)
    p.poly([(0.28, 0.5), (0.72, 0.42), (0.66, 0.66), (0.34, 0.68)], c)
    p.rect(0.3, 0.4, 0.55, 0.48, DARK)
    p.line([(0.72, 0.42), (0.8, 0.72)], 0.05, METAL)
    p.line([(0.7, 0.4), (0.76, 0.2), (0.86, 0.18)], 0.05, DARK)


def draw_bicycle(p, c, rng):
    r = uniform(rng, 0.26, 0.32)
    for u in (0.22, 0.78):
        p.ring(u, 0.68, r, 0.06, WHEEL)
    frame = [(0.22, 0.68), (0.45, 0.68), (0.7, 0.38), (0.38, 0.38), (0.22, 0.68)]
    p.line(frame, 0.06, c)
    p.line([(0.38, 0.38), (0.45, 0.68)], 0.06, c)
    p.line([(0.7, 0.38), (0.78, 0.68)], 0.06, c)
    p.line([(0.36, 0.3), (0.44, 0.3)], 0.07, DARK)
    p.line([(0.68, 0.28), (0.76, 0.24)], 0.05, DARK)


def draw_boat(p, c, rng):
    p.poly([(0.04, 0.56), (0.96, 0.56), (0.8, 0.88), (0.2, 0.88)], c)
    if rng.random() < 0.6:
        p.line([(0.5, 0.56), (0.5, 0.04)], 0.04, WOOD)
        p.poly([(0.52, 0.06), (0.52, 0.52), (0.88, 0.52)], WHITE)
    else:
        p.rect(0.35, 0.38, 0.65, 0.56, WHITE)


def draw_ship(p, c, rng):
    p.poly([(0.0, 0.55), (1.0, 0.52), (0.9, 0.9), (0.08, 0.9)], c)
    p.rect(0.25, 0.35, 0.75, 0.55, WHITE)
    p.rect(0.35, 0.22, 0.62, 0.36, WHITE)
    for u in (0.42, 0.55)[: int(rng.integers(1, 3))]:
        p.rect(u - 0.04, 0.05, u + 0.04, 0.24, (200, 30, 35))
    for u in np.linspace(0.15, 0.85, 6):
        p.circle(float(u), 0.66, 0.035, DARK)


def draw_airplane(p, c, rng):
    p.poly([(0.44, 0.5), (0.6, 0.5), (0.38, 0.96), (0.3, 0.96)], shade(c, 0.85))  # near wing
    p.ellipse(0.52, 0.5, 0.46, 0.1, c)
    p.poly([(0.08, 0.5), (0.16, 0.46), (0.08, 0.16), (0.03, 0.16)], c)  # tail fin
    p.poly([(0.46, 0.46), (0.58, 0.46), (0.46, 0.2), (0.42, 0.2)], shade(c, 0.75))  # far wing
    for u in np.linspace(0.3, 0.85, 7):
        p.circle(float(u), 0.47, 0.018, GLASS)


def draw_balloon(p, c, rng):
    p.line([(0.25, 0.62), (0.42, 0.86)], 0.02, DARK)
    p.line([(0.75, 0.62), (0.58, 0.86)], 0.02, DARK)
    p.ellipse(0.5, 0.38, 0.38, 0.36, c)
    p.poly([(0.2, 0.5), (0.8, 0.5), (0.6, 0.74), (0.4, 0.74)], c)
    p.rect(0.4, 0.84, 0.6, 1.0, WOOD)


def draw_bus(p, c, rng):
    p.rect(0.02, 0.12, 0.98, 0.82, c)
    n = int(rng.integers(4, 7))
    for k in range(n):
        u0 = 0.06 + k * 0.8 / n
        p.rect(u0, 0.22, u0 + 0.8 / n - 0.03, 0.45, GLASS)
    p.rect(0.88, 0.22, 0.96, 0.72, GLASS)
    _wheels(p, (0.2, 0.78), 0.84, 0.13)


def draw_train(p, c, rng):
    n = int(rng.integers(2, 4))
    width = 0.95 / n
    for k in range(n):
        u0 = 0.02 + k * width
        p.rect(u0, 0.25, u0 + width - 0.02, 0.8, c if k < n - 1 else shade(c, 0.8))
        p.rect(u0 + 0.03, 0.32, u0 + width - 0.05, 0.5, GLASS)
        for u in (u0 + 0.06, u0 + width - 0.08):
            p.circle(u, 0.84, 0.08, WHEEL)
    p.poly([(0.97, 0.25), (1.0, 0.5), (1.0, 0.8), (0.97, 0.8)], c)


DRAWERS: dict[str, Drawer] = {
    "car": Drawer(draw_car, 1.8, "plain", (0.22, 0.38)),
    "truck": Drawer(draw_truck, 1.8, "plain", (0.26, 0.42)),
    "motorcycle": Drawer(draw_motorcycle, 1.6, "plain", (0.24, 0.38)),
    "bicycle": Drawer(draw_bicycle, 1.6, "plain", (0.26, 0.4)),
    "boat": Drawer(draw_boat, 1.5, "plain", (0.26, 0.45)),
    "ship": Drawer(draw_ship, 2.2, "plain", (0.22, 0.36)),
    "airplane": Drawer(draw_airplane, 2.0, "plain", (0.2, 0.32)),
    "balloon": Drawer(draw_balloon, 0.8, "bands", (0.35, 0.55)),
    "bus": Drawer(draw_bus, 2.0, "plain", (0.25, 0.38)),
    "train": Drawer(draw_train, 2.6, "plain", (0.18, 0.28)),
}
