"""Drawers of the remaining things (cameras, clocks, balls, cups, ...).

Each ``draw_*`` function draws its category in the unit box through a
:class:`~tagbook.world.pen.Pen` ``p``, in body colour ``c``, with shape parameters drawn from the
instance's generator ``rng``. ``DRAWERS`` gives each category its drawer, aspect, texture and scale.
"""

from __future__ import annotations

import math

import numpy as np

from tagbook.world.concepts import COLOURS
from tagbook.world.pen import DARK, GLASS, METAL, WHITE, Drawer, shade, uniform


def draw_camera(p, c, rng):
    p.rect(0.15, 0.15, 0.4, 0.3, c)
    p.rect(0.04, 0.26, 0.96, 0.9, c)
    p.circle(0.52, 0.58, 0.27, METAL)
    p.circle(0.52, 0.58, 0.17, DARK)
    p.circle(0.47, 0.53, 0.05, GLASS)
    p.rect(0.78, 0.32, 0.9, 0.4, WHITE)


def draw_shutter_camera(p, c, rng):
    p.circle(0.5, 0.5, 0.48, c)
    n = int(rng.integers(5, 8))
    hole = uniform(rng, 0.06, 0.16)
    for k in range(n):
        a0, a1 = 2 * math.pi * k / n, 2 * math.pi * (k + 1) / n
        p.poly([(0.5 + 0.42 * math.cos(a0), 0.5 + 0.42 * math.sin(a0)), (0.5 + 0.42 * math.cos(a1), 0.5 + 0.42 * math.sin(a1)),
                (0.5 + hole * math.cos(a1 + 1.2), 0.5 + hole * math.sin(a1 + 1.2))], shade(METAL, 0.9 if k % 2 else 0.7))
    p.circle(0.5, 0.5, hole, DARK)


def draw_shutter_window(p, c, rng):
    p.rect(0.05, 0.02, 0.95, 0.98, c)
    n = int(rng.integers(6, 10))
    for v in np.linspace(0.1, 0.9, n):
        p.line([(0.12, float(v)), (0.88, float(v))], 0.06, shade(c, 0.65))
    p.rect(0.45, 0.02, 0.55, 0.98, shade(c, 0.85))


def draw_mouse_computer(p, c, rng):
    p.line([(0.5, 0.12), (0.45, 0.0)], 0.04, DARK)
    p.ellipse(0.5, 0.55, 0.36, 0.44, c)
    p.line([(0.5, 0.12), (0.5, 0.45)], 0.03, shade(c, 0.6) if c[0] > 60 else METAL)
    p.rect(0.46, 0.2, 0.54, 0.32, shade(c, 0.6) if c[0] > 60 else METAL)


def draw_bat_sports(p, c, rng):
    p.poly([(0.04, 0.44), (0.38, 0.42), (0.98, uniform(rng, 0.22, 0.32)), (0.98, uniform(rng, 0.68, 0.78)), (0.38, 0.58), (0.04, 0.56)], c)
    p.circle(0.04, 0.5, 0.1, shade(c, 0.8))
    p.rect(0.08, 0.44, 0.25, 0.56, DARK)


def draw_clock(p, c, rng):
    p.circle(0.5, 0.5, 0.48, c)
    p.circle(0.5, 0.5, 0.38, WHITE)
    for k in range(12):
        a = 2 * math.pi * k / 12
        p.line([(0.5 + 0.3 * math.cos(a), 0.5 + 0.3 * math.sin(a)), (0.5 + 0.36 * math.cos(a), 0.5 + 0.36 * math.sin(a))], 0.02, DARK)
    h, m = uniform(rng, 0, 2 * math.pi), uniform(rng, 0, 2 * math.pi)
    p.line([(0.5, 0.5), (0.5 + 0.18 * math.cos(h), 0.5 + 0.18 * math.sin(h))], 0.05, DARK)
    p.line([(0.5, 0.5), (0.5 + 0.3 * math.cos(m), 0.5 + 0.3 * math.sin(m))], 0.03, DARK)


def draw_umbrella(p, c, rng):
    p.line([(0.5, 0.4), (0.5, 0.92), (0.58, 0.98), (0.64, 0.9)], 0.05, DARK)
    top = [(0.5 - 0.48 * math.cos(math.pi * t / 12), 0.45 - 0.4 * math.sin(math.pi * t / 12)) for t in range(13)]
    scallops = [(0.98 - 0.96 * t / 8, 0.45 - 0.05 * (t % 2)) for t in range(9)]
    p.poly(top + scallops, c)
    for u in (0.26, 0.5, 0.74):
        p.line([(0.5, 0.06), (u, 0.44)], 0.02, shade(c, 0.7))


def draw_ball(p, c, rng):
    p.circle(0.5, 0.5, 0.46, c)
    if rng.random() < 0.5:
        p.line([(0.08, 0.5), (0.92, 0.5)], 0.07, WHITE)
        p.line([(0.5, 0.06), (0.5, 0.94)], 0.07, WHITE)
    else:
        p.poly([(0.5, 0.35), (0.64, 0.45), (0.59, 0.62), (0.41, 0.62), (0.36, 0.45)], DARK if c != COLOURS["black"].extra["rgb"] else WHITE)


def draw_kite(p, c, rng):
    tail = [(0.5, 0.75)] + [(0.5 + 0.12 * math.sin(k), 0.75 + 0.06 * k) for k in range(1, 5)]
    p.line(tail, 0.03, DARK)
    p.poly([(0.5, 0.0), (0.9, 0.32), (0.5, 0.75), (0.1, 0.32)], c)
    p.poly([(0.5, 0.0), (0.9, 0.32), (0.5, 0.32)], shade(c, 0.75))
    p.line([(0.5, 0.0), (0.5, 0.75)], 0.03, DARK)
    p.line([(0.1, 0.32), (0.9, 0.32)], 0.03, DARK)


def draw_cup(p, c, rng):
    p.ellipse(0.45, 0.9, 0.42, 0.07, WHITE if c != COLOURS["white"].extra["rgb"] else METAL)
    p.ring(0.76, 0.48, 0.14, 0.06, c)
    p.poly([(0.12, 0.22), (0.72, 0.22), (0.64, 0.86), (0.2, 0.86)], c)
    p.ellipse(0.42, 0.22, 0.3, 0.05, (110, 70, 40))


def draw_mug(p, c, rng):
    p.ring(0.74, 0.52, 0.22, 0.1, c)
    p.rect(0.12, 0.12, 0.7, 0.95, c)
    p.ellipse(0.41, 0.12, 0.29, 0.05, shade(c, 0.6))


def draw_bottle(p, c, rng):
    p.rect(0.2, 0.4, 0.8, 1.0, c)
    p.poly([(0.2, 0.42), (0.38, 0.24), (0.62, 0.24), (0.8, 0.42)], c)
    p.rect(0.38, 0.06, 0.62, 0.26, c)
    p.rect(0.36, 0.0, 0.64, 0.08, DARK if rng.random() < 0.5 else (200, 30, 35))
    p.rect(0.2, 0.55, 0.8, 0.75, WHITE)


DRAWERS: dict[str, Drawer] = {
    "camera": Drawer(draw_camera, 1.4, "plain", (0.24, 0.4)),
    "shutter.camera": Drawer(draw_shutter_camera, 1.0, "plain", (0.26, 0.42)),
    "shutter.window": Drawer(draw_shutter_window, 0.6, "plain", (0.4, 0.6)),
    "mouse.computer": Drawer(draw_mouse_computer, 0.7, "plain", (0.22, 0.36)),
    "bat.sports": Drawer(draw_bat_sports, 2.5, "grain", (0.12, 0.2)),
    "clock": Drawer(draw_clock, 1.0, "plain", (0.25, 0.4)),
    "umbrella": Drawer(draw_umbrella, 1.0, "plain", (0.32, 0.5)),
    "ball": Drawer(draw_ball, 1.0, "plain", (0.18, 0.3)),
    "kite": Drawer(draw_kite, 0.8, "plain", (0.28, 0.45)),
    "cup": Drawer(draw_cup, 1.2, "plain", (0.2, 0.32)),
    "mug": Drawer(draw_mug, 1.0, "plain", (0.22, 0.34)),
    "bottle": Drawer(draw_bottle, 0.45, "plain", (0.3, 0.48)),
}
