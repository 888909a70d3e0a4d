"""Drawers of the furniture categories.

Each ``draw_*`` function draws its category in the unit box through a
:class:`~tagbook.world.pen.Pen` ``p``, in body colour ``c``, with shape parameters drawn from the
instance's generator ``rng``. ``DRAWERS`` gives each category its drawer, aspect, texture and scale.
"""

from __future__ import annotations

from tagbook.world.pen import DARK, WHITE, WOOD, Drawer, legs, shade


def draw_chair(p, c, rng):
    p.rect(0.15, 0.02, 0.3, 0.55, c)
    p.rect(0.15, 0.5, 0.88, 0.6, c)
    legs(p, (0.2, 0.82), 0.6, 1.0, 0.07, shade(c, 0.75))


def draw_table(p, c, rng):
    p.rect(0.0, 0.28, 1.0, 0.4, c)
    legs(p, (0.1, 0.9), 0.4, 1.0, 0.07, shade(c, 0.8))
    if rng.random() < 0.5:
        legs(p, (0.25, 0.75), 0.4, 0.9, 0.05, shade(c, 0.6))


def draw_sofa(p, c, rng):
    p.rect(0.1, 0.15, 0.9, 0.52, shade(c, 0.85))
    p.rect(0.05, 0.45, 0.95, 0.8, c)
    p.rect(0.0, 0.3, 0.14, 0.8, c)
    p.rect(0.86, 0.3, 1.0, 0.8, c)
    legs(p, (0.08, 0.92), 0.8, 0.92, 0.05, DARK)
    p.line([(0.5, 0.47), (0.5, 0.78)], 0.03, shade(c, 0.7))


def draw_bed(p, c, rng):
    p.rect(0.02, 0.12, 0.1, 0.95, WOOD)
    p.rect(0.06, 0.45, 0.96, 0.72, WHITE)
    p.rect(0.32, 0.42, 0.97, 0.74, c)
    p.ellipse(0.2, 0.42, 0.1, 0.06, WHITE)
    legs(p, (0.9,), 0.72, 0.92, 0.05, WOOD)


def draw_lamp(p, c, rng):
    p.ellipse(0.5, 0.95, 0.3, 0.05, DARK)
    p.line([(0.5, 0.4), (0.5, 0.95)], 0.07, DARK)
    p.poly([(0.22, 0.05), (0.78, 0.05), (0.95, 0.45), (0.05, 0.45)], c)


DRAWERS: dict[str, Drawer] = {
    "chair": Drawer(draw_chair, 0.7, "grain", (0.35, 0.55)),
    "table": Drawer(draw_table, 1.5, "grain", (0.3, 0.45)),
    "sofa": Drawer(draw_sofa, 1.8, "grain", (0.28, 0.42)),
    "bed": Drawer(draw_bed, 1.7, "plain", (0.28, 0.42)),
    "lamp": Drawer(draw_lamp, 0.6, "plain", (0.35, 0.55)),
}
