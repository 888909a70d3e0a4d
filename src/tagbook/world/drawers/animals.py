"""Drawers of the animal categories, each facing right before the flip.

Each ``draw_*`` function draws its category in the unit box through a
:class:`~tagbook.world.pen.Pen` ``p``, in body colour ``c``, with shape parameters drawn from the
instance's generator ``rng``. ``DRAWERS`` gives each category its drawer, aspect, texture and scale.
"""

from __future__ import annotations

import math

from tagbook.world.pen import DARK, PINKISH, WHITE, Drawer, legs, shade, uniform


def draw_dog(p, c, rng):
    leg = uniform(rng, 0.82, 0.95)
    p.line([(0.17, 0.48), (0.06, uniform(rng, 0.22, 0.4))], 0.07, c)  # tail
    legs(p, (0.22, 0.32, 0.58, 0.68), 0.5, leg, 0.08, c)
    p.ellipse(0.45, 0.5, 0.31, uniform(rng, 0.13, 0.18), c)
    p.ellipse(0.8, 0.3, 0.12, 0.15, c)
    p.ellipse(0.92, 0.36, 0.07, 0.06, shade(c, 0.8))
    p.ellipse(0.73, 0.34, 0.04, uniform(rng, 0.08, 0.13), shade(c, 0.55))  # floppy ear
    p.circle(0.83, 0.26, 0.025, DARK)


def draw_cat(p, c, rng):
    p.line([(0.2, 0.58), (0.08, 0.45), (0.07, uniform(rng, 0.18, 0.3))], 0.05, c)  # tail up
    legs(p, (0.27, 0.35, 0.58, 0.65), 0.6, 0.92, 0.06, c)
    p.ellipse(0.45, 0.6, 0.27, 0.14, c)
    p.ellipse(0.78, 0.4, 0.13, 0.15, c)
    ear = uniform(rng, 0.12, 0.18)
    p.poly([(0.67, 0.34), (0.69, 0.34 - ear - 0.05), (0.76, 0.28)], c)
    p.poly([(0.8, 0.28), (0.87, 0.34 - ear - 0.05), (0.89, 0.34)], c)
    p.circle(0.74, 0.38, 0.025, (90, 170, 60))
    p.circle(0.84, 0.38, 0.025, (90, 170, 60))


def _equine(p, c, rng, mane):
    p.line([(0.16, 0.4), (0.09, uniform(rng, 0.6, 0.75))], 0.07, mane)  # tail
    legs(p, (0.22, 0.3, 0.6, 0.68), 0.5, uniform(rng, 0.9, 0.98), 0.06, c)
    p.ellipse(0.45, 0.45, 0.3, 0.15, c)
    p.poly([(0.64, 0.42), (0.7, 0.14), (0.82, 0.12), (0.78, 0.46)], c)  # neck
    p.poly([(0.72, 0.1), (0.96, 0.22), (0.95, 0.3), (0.78, 0.27)], c)  # head
    p.line([(0.68, 0.16), (0.64, 0.38)], 0.05, mane)
    p.circle(0.8, 0.16, 0.02, DARK)


def draw_horse(p, c, rng):
    _equine(p, c, rng, shade(c, 0.5))


def draw_zebra(p, c, rng):
    _equine(p, c, rng, DARK)


def draw_cow(p, c, rng):
    legs(p, (0.2, 0.3, 0.62, 0.72), 0.6, 0.92, 0.08, c)
    p.rect(0.12, 0.3, 0.78, 0.64, c)
    p.ellipse(0.45, 0.47, 0.34, 0.17, c)
    p.ellipse(0.66, 0.66, 0.07, 0.05, PINKISH)  # udder
    p.line([(0.12, 0.35), (0.05, 0.62)], 0.04, c)
    p.ellipse(0.86, 0.36, 0.1, 0.13, c)
    p.ellipse(0.9, 0.45, 0.07, 0.05, PINKISH)
    p.line([(0.8, 0.25), (0.76, 0.14)], 0.04, WHITE)
    p.line([(0.92, 0.25), (0.96, 0.14)], 0.04, WHITE)


def draw_sheep(p, c, rng):
    legs(p, (0.28, 0.36, 0.6, 0.68), 0.6, 0.93, 0.05, DARK)
    for cu, cv in ((0.28, 0.45), (0.45, 0.38), (0.62, 0.45), (0.33, 0.62), (0.55, 0.62)):
        p.ellipse(cu, cv, uniform(rng, 0.15, 0.19), uniform(rng, 0.13, 0.17), c)
    p.ellipse(0.82, 0.42, 0.09, 0.12, DARK)
    p.ellipse(0.76, 0.36, 0.06, 0.03, DARK)


def draw_giraffe(p, c, rng):
    legs(p, (0.25, 0.33, 0.52, 0.6), 0.5, 0.98, 0.05, c)
    p.ellipse(0.42, 0.5, 0.24, 0.1, c)
    top = uniform(rng, 0.08, 0.14)
    p.poly([(0.54, 0.5), (0.72, top + 0.05), (0.8, top + 0.05), (0.66, 0.52)], c)
    p.ellipse(0.8, top, 0.08, 0.05, c)
    p.line([(0.76, top - 0.02), (0.75, top - 0.08)], 0.03, shade(c, 0.5))
    p.line([(0.19, 0.5), (0.14, 0.62)], 0.03, c)


def draw_pig(p, c, rng):
    legs(p, (0.28, 0.36, 0.6, 0.68), 0.65, 0.9, 0.07, c)
    p.ellipse(0.47, 0.55, 0.3, 0.2, c)
    p.ellipse(0.8, 0.48, 0.13, 0.15, c)
    p.ellipse(0.93, 0.52, 0.045, 0.06, shade(c, 0.75))
    p.poly([(0.72, 0.36), (0.74, 0.24), (0.8, 0.34)], shade(c, 0.85))
    p.line([(0.17, 0.5), (0.1, 0.45), (0.12, 0.38)], 0.03, c)
    p.circle(0.82, 0.43, 0.02, DARK)


def draw_elephant(p, c, rng):
    legs(p, (0.25, 0.37, 0.58, 0.7), 0.55, 0.95, 0.1, c)
    p.ellipse(0.45, 0.45, 0.32, 0.24, c)
    p.ellipse(0.79, 0.36, 0.14, 0.17, c)
    p.line([(0.88, 0.42), (0.94, 0.62), (0.91, uniform(rng, 0.78, 0.92))], 0.08, c)  # trunk
    p.ellipse(0.7, 0.38, 0.09, 0.16, shade(c, 0.8))  # ear
    p.line([(0.86, 0.5), (0.92, 0.56)], 0.03, WHITE)  # tusk
    p.circle(0.83, 0.3, 0.02, DARK)


def draw_bear(p, c, rng):
    legs(p, (0.25, 0.36, 0.58, 0.69), 0.6, 0.92, 0.11, c)
    p.ellipse(0.45, 0.55, 0.32, 0.22, c)
    p.ellipse(0.79, 0.4, 0.13, 0.14, c)
    p.circle(0.72, 0.26, 0.05, c)
    p.circle(0.85, 0.26, 0.05, c)
    p.ellipse(0.88, 0.45, 0.06, 0.05, shade(c, 1.4))
    p.circle(0.89, 0.43, 0.02, DARK)


def draw_rabbit(p, c, rng):
    p.ellipse(0.42, 0.67, 0.26, 0.22, c)
    p.circle(0.17, 0.62, 0.07, WHITE)
    p.ellipse(0.7, 0.45, 0.14, 0.13, c)
    ear = uniform(rng, 0.14, 0.2)
    p.ellipse(0.64, 0.34 - ear, 0.045, ear, c)
    p.ellipse(0.74, 0.34 - ear, 0.045, ear, c)
    p.circle(0.75, 0.42, 0.025, DARK)


def draw_mouse_animal(p, c, rng):
    p.line([(0.2, 0.65), (0.08, 0.5), (0.02, uniform(rng, 0.6, 0.8))], 0.03, PINKISH)
    p.ellipse(0.44, 0.6, 0.25, 0.18, c)
    p.poly([(0.6, 0.48), (0.97, 0.66), (0.6, 0.76)], c)
    p.circle(0.63, 0.42, 0.1, shade(c, 0.8))
    p.circle(0.78, 0.58, 0.03, DARK)


def draw_bat_animal(p, c, rng):
    tip = uniform(rng, 0.15, 0.35)
    wing = [(0.46, 0.42), (0.25, tip), (0.02, 0.4), (0.12, 0.52), (0.2, 0.66), (0.3, 0.56), (0.46, 0.62)]
    p.poly(wing, c)
    p.poly([(1 - u, v) for u, v in wing], c)
    p.ellipse(0.5, 0.5, 0.08, 0.17, shade(c, 0.8))
    p.poly([(0.44, 0.38), (0.45, 0.22), (0.5, 0.34)], shade(c, 0.8))
    p.poly([(0.5, 0.34), (0.55, 0.22), (0.56, 0.38)], shade(c, 0.8))


def draw_duck(p, c, rng):
    p.ellipse(0.45, 0.62, 0.32, 0.17, c)
    p.poly([(0.14, 0.55), (0.04, 0.45), (0.2, 0.5)], c)
    p.ellipse(0.74, 0.34, 0.11, 0.12, c if uniform(rng, 0, 1) < 0.6 else (40, 110, 60))
    p.poly([(0.82, 0.34), (0.98, 0.38), (0.82, 0.42)], (240, 140, 20))
    p.ellipse(0.42, 0.58, 0.14, 0.07, shade(c, 0.8))
    p.circle(0.76, 0.3, 0.02, DARK)


def draw_owl(p, c, rng):
    p.ellipse(0.5, 0.58, 0.33, 0.4, c)
    p.poly([(0.2, 0.26), (0.24, 0.05), (0.36, 0.2)], c)
    p.poly([(0.64, 0.2), (0.76, 0.05), (0.8, 0.26)], c)
    p.ellipse(0.5, 0.36, 0.28, 0.17, shade(c, 1.35))
    for u in (0.37, 0.63):
        p.circle(u, 0.35, 0.1, WHITE)
        p.circle(u, 0.35, 0.05, DARK)
    p.poly([(0.46, 0.45), (0.54, 0.45), (0.5, 0.55)], (240, 170, 40))
    p.ellipse(0.5, 0.72, 0.18, 0.18, shade(c, 1.2))


def draw_parrot(p, c, rng):
    wing = (35, 75, 205) if c[2] < 150 else (200, 30, 35)
    p.poly([(0.42, 0.7), (0.58, 0.7), (0.55, 1.0), (0.45, 1.0)], wing)  # tail
    p.ellipse(0.5, 0.5, 0.2, 0.28, c)
    p.ellipse(0.44, 0.52, 0.1, 0.2, wing)
    p.ellipse(0.58, 0.2, 0.16, 0.15, c)
    p.poly([(0.7, 0.14), (0.85, 0.2), (0.8, 0.32), (0.7, 0.27)], (40, 40, 40))
    p.circle(0.62, 0.16, 0.03, WHITE)


def draw_fish(p, c, rng):
    p.poly([(0.2, 0.5), (0.0, uniform(rng, 0.15, 0.3)), (0.04, 0.5), (0.0, uniform(rng, 0.7, 0.85))], shade(c, 0.8))
    p.ellipse(0.52, 0.5, 0.34, uniform(rng, 0.2, 0.3), c)
    p.poly([(0.45, 0.3), (0.55, 0.1), (0.65, 0.3)], shade(c, 0.8))
    p.circle(0.75, 0.45, 0.05, WHITE)
    p.circle(0.76, 0.45, 0.025, DARK)


def draw_snake(p, c, rng):
    phase, amp = uniform(rng, 0, math.pi), uniform(rng, 0.15, 0.25)
    pts = [(0.05 + 0.82 * t / 14, 0.5 + amp * math.sin(phase + 2.2 * math.pi * t / 14)) for t in range(15)]
    p.line(pts, 0.16, c)
    hu, hv = pts[-1]
    p.ellipse(hu + 0.04, hv, 0.07, 0.1, c)
    p.line([(hu + 0.1, hv), (hu + 0.16, hv)], 0.02, (200, 30, 35))


def draw_butterfly(p, c, rng):
    for side in (1, -1):
        p.ellipse(0.5 + side * 0.22, 0.3, 0.22, uniform(rng, 0.2, 0.26), c)
        p.ellipse(0.5 + side * 0.17, 0.7, 0.15, 0.17, shade(c, 0.8))
        p.circle(0.5 + side * 0.25, 0.3, 0.06, WHITE)
    p.ellipse(0.5, 0.5, 0.04, 0.3, DARK)
    p.line([(0.5, 0.22), (0.4, 0.02)], 0.02, DARK)
    p.line([(0.5, 0.22), (0.6, 0.02)], 0.02, DARK)


DRAWERS: dict[str, Drawer] = {
    "dog": Drawer(draw_dog, 1.3, "grain", (0.28, 0.5)),
    "cat": Drawer(draw_cat, 1.2, "grain", (0.26, 0.45)),
    "horse": Drawer(draw_horse, 1.2, "grain", (0.35, 0.6)),
    "zebra": Drawer(draw_zebra, 1.2, "stripes", (0.35, 0.6)),
    "cow": Drawer(draw_cow, 1.4, "patches", (0.3, 0.5)),
    "sheep": Drawer(draw_sheep, 1.2, "grain", (0.28, 0.45)),
    "giraffe": Drawer(draw_giraffe, 0.8, "patches", (0.45, 0.7)),
    "pig": Drawer(draw_pig, 1.3, "plain", (0.26, 0.42)),
    "elephant": Drawer(draw_elephant, 1.3, "grain", (0.4, 0.65)),
    "bear": Drawer(draw_bear, 1.3, "grain", (0.32, 0.55)),
    "rabbit": Drawer(draw_rabbit, 0.9, "grain", (0.26, 0.42)),
    "mouse.animal": Drawer(draw_mouse_animal, 1.6, "grain", (0.18, 0.3)),
    "bat.animal": Drawer(draw_bat_animal, 1.8, "plain", (0.2, 0.35)),
    "duck": Drawer(draw_duck, 1.2, "plain", (0.24, 0.4)),
    "owl": Drawer(draw_owl, 0.8, "grain", (0.3, 0.48)),
    "parrot": Drawer(draw_parrot, 0.7, "plain", (0.32, 0.5)),
    "fish": Drawer(draw_fish, 1.7, "stripes", (0.2, 0.36)),
    "snake": Drawer(draw_snake, 2.0, "bands", (0.2, 0.32)),
    "butterfly": Drawer(draw_butterfly, 1.3, "plain", (0.22, 0.38)),
}
