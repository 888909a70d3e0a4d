"""Procedural drawing: scene backgrounds (NumPy) and object categories (PIL.ImageDraw).

Every category is drawn by a short function in a unit box ``[0, 1] x [0, 1]`` (u to the right,
v downwards) through a :class:`Pen`, which maps the box onto the image with a scale, a
horizontal flip and a small rotation (the pose), and draws every primitive twice: in colour on
the image and with the object's instance number on the mask. Objects are drawn back to front, so
a later object overwrites an earlier one on the mask as on the image: the final mask holds the
visible pixels of each object, after occlusion.

Instances differ in colour (from the category's palette, jittered), size, position, pose (flip,
rotation), shape parameters drawn from the generator (leg length, ear size, number of windows,
...) and a texture applied to the body-coloured pixels (stripes, patches, bricks, grain).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from PIL import Image, ImageDraw

from tagbook.world.concepts import COLOURS

Colour = tuple[int, int, int]

DARK: Colour = (34, 30, 28)
WHEEL: Colour = (28, 28, 30)
GLASS: Colour = (165, 205, 235)
WHITE: Colour = (246, 246, 244)
METAL: Colour = (165, 165, 170)
WOOD: Colour = (135, 88, 48)
LEAF: Colour = (48, 138, 52)
YELLOW: Colour = (245, 205, 40)
PINKISH: Colour = (230, 150, 160)

_CIRCLE = [(math.cos(2 * math.pi * k / 16), math.sin(2 * math.pi * k / 16)) for k in range(16)]


def shade(colour: Colour, factor: float) -> Colour:
    """Darker (factor < 1) or lighter (factor > 1, towards white) version of a colour."""
    if factor <= 1:
        return tuple(int(c * factor) for c in colour)  # type: ignore[return-value]
    t = min(factor - 1, 1.0)
    return tuple(int(c + (255 - c) * t) for c in colour)  # type: ignore[return-value]


class Pen:
    """Draws unit-box primitives onto an image and its instance mask at once."""

    def __init__(self, image_draw, mask_draw, label: int, box: tuple[float, float, float, float], flip: bool, angle: float):
        x0, y0, w, h = box
        self.rgb, self.mask, self.label = image_draw, mask_draw, label
        self.w, self.h = w, h
        self.cx, self.cy = x0 + w / 2, y0 + h / 2
        self.flip = flip
        self.cos, self.sin = math.cos(angle), math.sin(angle)
        self.unit = min(w, h)

    def pts(self, uv) -> list[tuple[float, float]]:
        out = []
        for u, v in uv:
            if self.flip:
                u = 1.0 - u
            dx, dy = (u - 0.5) * self.w, (v - 0.5) * self.h
            out.append((self.cx + dx * self.cos - dy * self.sin, self.cy + dx * self.sin + dy * self.cos))
        return out

    def poly(self, uv, fill: Colour) -> None:
        p = self.pts(uv)
        self.rgb.polygon(p, fill=fill)
        self.mask.polygon(p, fill=self.label)

    def ellipse(self, cu: float, cv: float, ru: float, rv: float, fill: Colour) -> None:
        self.poly([(cu + ru * c, cv + rv * s) for c, s in _CIRCLE], fill)

    def circle(self, cu: float, cv: float, r: float, fill: Colour) -> None:
        """A circle of radius ``r`` box heights (stays round in a wide box)."""
        self.ellipse(cu, cv, r * self.h / self.w, r, fill)

    def rect(self, u0: float, v0: float, u1: float, v1: float, fill: Colour) -> None:
        self.poly([(u0, v0), (u1, v0), (u1, v1), (u0, v1)], fill)

    def line(self, uv, width: float, fill: Colour) -> None:
        """A polyline ``width`` (fraction of the box's shorter side) wide."""
        p = self.pts(uv)
        px = max(1, int(round(width * self.unit)))
        self.rgb.line(p, fill=fill, width=px, joint="curve")
        self.mask.line(p, fill=self.label, width=px, joint="curve")

    def ring(self, cu: float, cv: float, r: float, width: float, fill: Colour) -> None:
        """A circle outline of radius ``r`` box heights."""
        (x, y), = self.pts([(cu, cv)])
        rp = r * self.h
        px = max(1, int(round(width * self.unit)))
        box = [x - rp, y - rp, x + rp, y + rp]
        if rp < 1:
            return
        self.rgb.ellipse(box, outline=fill, width=px)
        self.mask.ellipse(box, outline=self.label, width=px)


def _legs(p: Pen, us, top: float, bottom: float, width: float, fill: Colour) -> None:
    for u in us:
        p.rect(u - width / 2, top, u + width / 2, bottom, fill)


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


# --------------------------------------------------------------------------------------------
# Animals (facing right before the flip)
# --------------------------------------------------------------------------------------------


def draw_dog(p, c, rng):
    leg = _u(rng, 0.82, 0.95)
    p.line([(0.17, 0.48), (0.06, _u(rng, 0.22, 0.4))], 0.07, c)  # tail
    _legs(p, (0.22, 0.32, 0.58, 0.68), 0.5, leg, 0.08, c)
    p.ellipse(0.45, 0.5, 0.31, _u(rng, 0.13, 0.18), c)
    p.ellipse(0.8, 0.3, 0.12, 0.15, c)
    p.ellipse(0.92, 0.36, 0.07, 0.06, shade(c, 0.8))
    p.ellipse(0.73, 0.34, 0.04, _u(rng, 0.08, 0.13), shade(c, 0.55))  # floppy ear
    p.circle(0.83, 0.26, 0.025, DARK)


def draw_cat(p, c, rng):
    p.line([(0.2, 0.58), (0.08, 0.45), (0.07, _u(rng, 0.18, 0.3))], 0.05, c)  # tail up
    _legs(p, (0.27, 0.35, 0.58, 0.65), 0.6, 0.92, 0.06, c)
    p.ellipse(0.45, 0.6, 0.27, 0.14, c)
    p.ellipse(0.78, 0.4, 0.13, 0.15, c)
    ear = _u(rng, 0.12, 0.18)
    p.poly([(0.67, 0.34), (0.69, 0.34 - ear - 0.05), (0.76, 0.28)], c)
    p.poly([(0.8, 0.28), (0.87, 0.34 - ear - 0.05), (0.89, 0.34)], c)
    p.circle(0.74, 0.38, 0.025, (90, 170, 60))
    p.circle(0.84, 0.38, 0.025, (90, 170, 60))


def _equine(p, c, rng, mane):
    p.line([(0.16, 0.4), (0.09, _u(rng, 0.6, 0.75))], 0.07, mane)  # tail
    _legs(p, (0.22, 0.3, 0.6, 0.68), 0.5, _u(rng, 0.9, 0.98), 0.06, c)
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
    _legs(p, (0.2, 0.3, 0.62, 0.72), 0.6, 0.92, 0.08, c)
    p.rect(0.12, 0.3, 0.78, 0.64, c)
    p.ellipse(0.45, 0.47, 0.34, 0.17, c)
    p.ellipse(0.66, 0.66, 0.07, 0.05, PINKISH)  # udder
    p.line([(0.12, 0.35), (0.05, 0.62)], 0.04, c)
    p.ellipse(0.86, 0.36, 0.1, 0.13, c)
    p.ellipse(0.9, 0.45, 0.07, 0.05, PINKISH)
    p.line([(0.8, 0.25), (0.76, 0.14)], 0.04, WHITE)
    p.line([(0.92, 0.25), (0.96, 0.14)], 0.04, WHITE)


def draw_sheep(p, c, rng):
    _legs(p, (0.28, 0.36, 0.6, 0.68), 0.6, 0.93, 0.05, DARK)
    for cu, cv in ((0.28, 0.45), (0.45, 0.38), (0.62, 0.45), (0.33, 0.62), (0.55, 0.62)):
        p.ellipse(cu, cv, _u(rng, 0.15, 0.19), _u(rng, 0.13, 0.17), c)
    p.ellipse(0.82, 0.42, 0.09, 0.12, DARK)
    p.ellipse(0.76, 0.36, 0.06, 0.03, DARK)


def draw_giraffe(p, c, rng):
    _legs(p, (0.25, 0.33, 0.52, 0.6), 0.5, 0.98, 0.05, c)
    p.ellipse(0.42, 0.5, 0.24, 0.1, c)
    top = _u(rng, 0.08, 0.14)
    p.poly([(0.54, 0.5), (0.72, top + 0.05), (0.8, top + 0.05), (0.66, 0.52)], c)
    p.ellipse(0.8, top, 0.08, 0.05, c)
    p.line([(0.76, top - 0.02), (0.75, top - 0.08)], 0.03, shade(c, 0.5))
    p.line([(0.19, 0.5), (0.14, 0.62)], 0.03, c)


def draw_pig(p, c, rng):
    _legs(p, (0.28, 0.36, 0.6, 0.68), 0.65, 0.9, 0.07, c)
    p.ellipse(0.47, 0.55, 0.3, 0.2, c)
    p.ellipse(0.8, 0.48, 0.13, 0.15, c)
    p.ellipse(0.93, 0.52, 0.045, 0.06, shade(c, 0.75))
    p.poly([(0.72, 0.36), (0.74, 0.24), (0.8, 0.34)], shade(c, 0.85))
    p.line([(0.17, 0.5), (0.1, 0.45), (0.12, 0.38)], 0.03, c)
    p.circle(0.82, 0.43, 0.02, DARK)


def draw_elephant(p, c, rng):
    _legs(p, (0.25, 0.37, 0.58, 0.7), 0.55, 0.95, 0.1, c)
    p.ellipse(0.45, 0.45, 0.32, 0.24, c)
    p.ellipse(0.79, 0.36, 0.14, 0.17, c)
    p.line([(0.88, 0.42), (0.94, 0.62), (0.91, _u(rng, 0.78, 0.92))], 0.08, c)  # trunk
    p.ellipse(0.7, 0.38, 0.09, 0.16, shade(c, 0.8))  # ear
    p.line([(0.86, 0.5), (0.92, 0.56)], 0.03, WHITE)  # tusk
    p.circle(0.83, 0.3, 0.02, DARK)


def draw_bear(p, c, rng):
    _legs(p, (0.25, 0.36, 0.58, 0.69), 0.6, 0.92, 0.11, c)
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
    ear = _u(rng, 0.14, 0.2)
    p.ellipse(0.64, 0.34 - ear, 0.045, ear, c)
    p.ellipse(0.74, 0.34 - ear, 0.045, ear, c)
    p.circle(0.75, 0.42, 0.025, DARK)


def draw_mouse_animal(p, c, rng):
    p.line([(0.2, 0.65), (0.08, 0.5), (0.02, _u(rng, 0.6, 0.8))], 0.03, PINKISH)
    p.ellipse(0.44, 0.6, 0.25, 0.18, c)
    p.poly([(0.6, 0.48), (0.97, 0.66), (0.6, 0.76)], c)
    p.circle(0.63, 0.42, 0.1, shade(c, 0.8))
    p.circle(0.78, 0.58, 0.03, DARK)


def draw_bat_animal(p, c, rng):
    tip = _u(rng, 0.15, 0.35)
    wing = [(0.46, 0.42), (0.25, tip), (0.02, 0.4), (0.12, 0.52), (0.2, 0.66), (0.3, 0.56), (0.46, 0.62)]
    p.poly(wing, c)
    p.poly([(1 - u, v) for u, v in wing], c)
    p.ellipse(0.5, 0.5, 0.08, 0.17, shade(c, 0.8))
    p.poly([(0.44, 0.38), (0.45, 0.22), (0.5, 0.34)], shade(c, 0.8))
    p.poly([(0.5, 0.34), (0.55, 0.22), (0.56, 0.38)], shade(c, 0.8))


def draw_duck(p, c, rng):
    p.ellipse(0.45, 0.62, 0.32, 0.17, c)
    p.poly([(0.14, 0.55), (0.04, 0.45), (0.2, 0.5)], c)
    p.ellipse(0.74, 0.34, 0.11, 0.12, c if _u(rng, 0, 1) < 0.6 else (40, 110, 60))
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
    p.poly([(0.2, 0.5), (0.0, _u(rng, 0.15, 0.3)), (0.04, 0.5), (0.0, _u(rng, 0.7, 0.85))], shade(c, 0.8))
    p.ellipse(0.52, 0.5, 0.34, _u(rng, 0.2, 0.3), c)
    p.poly([(0.45, 0.3), (0.55, 0.1), (0.65, 0.3)], shade(c, 0.8))
    p.circle(0.75, 0.45, 0.05, WHITE)
    p.circle(0.76, 0.45, 0.025, DARK)


def draw_snake(p, c, rng):
    phase, amp = _u(rng, 0, math.pi), _u(rng, 0.15, 0.25)
    pts = [(0.05 + 0.82 * t / 14, 0.5 + amp * math.sin(phase + 2.2 * math.pi * t / 14)) for t in range(15)]
    p.line(pts, 0.16, c)
    hu, hv = pts[-1]
    p.ellipse(hu + 0.04, hv, 0.07, 0.1, c)
    p.line([(hu + 0.1, hv), (hu + 0.16, hv)], 0.02, (200, 30, 35))


def draw_butterfly(p, c, rng):
    for side in (1, -1):
        p.ellipse(0.5 + side * 0.22, 0.3, 0.22, _u(rng, 0.2, 0.26), c)
        p.ellipse(0.5 + side * 0.17, 0.7, 0.15, 0.17, shade(c, 0.8))
        p.circle(0.5 + side * 0.25, 0.3, 0.06, WHITE)
    p.ellipse(0.5, 0.5, 0.04, 0.3, DARK)
    p.line([(0.5, 0.22), (0.4, 0.02)], 0.02, DARK)
    p.line([(0.5, 0.22), (0.6, 0.02)], 0.02, DARK)


# --------------------------------------------------------------------------------------------
# Plants
# --------------------------------------------------------------------------------------------


def draw_tree(p, c, rng):
    p.rect(0.43, 0.5, 0.57, 1.0, (105, 68, 32))
    if rng.random() < 0.35:  # conifer
        for k, (v0, v1) in enumerate(((0.02, 0.35), (0.18, 0.55), (0.35, 0.78))):
            half = 0.25 + 0.1 * k
            p.poly([(0.5, v0), (0.5 + half, v1), (0.5 - half, v1)], shade(c, 0.8))
    else:
        for cu, cv in ((0.5, 0.22), (0.3, 0.38), (0.7, 0.38), (0.5, 0.45)):
            p.ellipse(cu, cv, _u(rng, 0.18, 0.25), _u(rng, 0.16, 0.21), c)


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
    arm = _u(rng, 0.3, 0.5)
    p.rect(0.18, arm + 0.15, 0.4, arm + 0.25, c)
    p.rect(0.18, arm - 0.05, 0.28, arm + 0.25, c)
    p.rect(0.6, arm + 0.25, 0.82, arm + 0.35, c)
    p.rect(0.72, arm + 0.05, 0.82, arm + 0.35, c)


# --------------------------------------------------------------------------------------------
# Vehicles (driving right before the flip)
# --------------------------------------------------------------------------------------------


def _wheels(p, us, v, r):
    for u in us:
        p.circle(u, v, r, WHEEL)
        p.circle(u, v, r * 0.45, METAL)


def draw_car(p, c, rng):
    roof = _u(rng, 0.12, 0.25)
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
    r = _u(rng, 0.26, 0.32)
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


# --------------------------------------------------------------------------------------------
# Furniture
# --------------------------------------------------------------------------------------------


def draw_chair(p, c, rng):
    p.rect(0.15, 0.02, 0.3, 0.55, c)
    p.rect(0.15, 0.5, 0.88, 0.6, c)
    _legs(p, (0.2, 0.82), 0.6, 1.0, 0.07, shade(c, 0.75))


def draw_table(p, c, rng):
    p.rect(0.0, 0.28, 1.0, 0.4, c)
    _legs(p, (0.1, 0.9), 0.4, 1.0, 0.07, shade(c, 0.8))
    if rng.random() < 0.5:
        _legs(p, (0.25, 0.75), 0.4, 0.9, 0.05, shade(c, 0.6))


def draw_sofa(p, c, rng):
    p.rect(0.1, 0.15, 0.9, 0.52, shade(c, 0.85))
    p.rect(0.05, 0.45, 0.95, 0.8, c)
    p.rect(0.0, 0.3, 0.14, 0.8, c)
    p.rect(0.86, 0.3, 1.0, 0.8, c)
    _legs(p, (0.08, 0.92), 0.8, 0.92, 0.05, DARK)
    p.line([(0.5, 0.47), (0.5, 0.78)], 0.03, shade(c, 0.7))


def draw_bed(p, c, rng):
    p.rect(0.02, 0.12, 0.1, 0.95, WOOD)
    p.rect(0.06, 0.45, 0.96, 0.72, WHITE)
    p.rect(0.32, 0.42, 0.97, 0.74, c)
    p.ellipse(0.2, 0.42, 0.1, 0.06, WHITE)
    _legs(p, (0.9,), 0.72, 0.92, 0.05, WOOD)


def draw_lamp(p, c, rng):
    p.ellipse(0.5, 0.95, 0.3, 0.05, DARK)
    p.line([(0.5, 0.4), (0.5, 0.95)], 0.07, DARK)
    p.poly([(0.22, 0.05), (0.78, 0.05), (0.95, 0.45), (0.05, 0.45)], c)


# --------------------------------------------------------------------------------------------
# Food
# --------------------------------------------------------------------------------------------


def draw_apple(p, c, rng):
    p.ellipse(0.5, 0.58, 0.42, 0.38, c)
    p.line([(0.5, 0.25), (0.54, 0.05)], 0.06, WOOD)
    p.ellipse(0.66, 0.14, 0.12, 0.05, LEAF)
    p.circle(0.36, 0.48, 0.07, shade(c, 1.4))


def draw_banana(p, c, rng):
    bend = _u(rng, 0.35, 0.55)
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


# --------------------------------------------------------------------------------------------
# Buildings and structures
# --------------------------------------------------------------------------------------------


def draw_house(p, c, rng):
    p.rect(0.14, 0.45, 0.86, 1.0, c)
    p.poly([(0.04, 0.48), (0.5, _u(rng, 0.05, 0.15)), (0.96, 0.48)], (150, 45, 35) if c[0] < 150 else DARK)
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


# --------------------------------------------------------------------------------------------
# Sky
# --------------------------------------------------------------------------------------------


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
    inner = _u(rng, 0.05, 0.25)
    ts = [math.pi * (t / 12 - 0.5) for t in range(13)]
    outer = [(0.5 - 0.45 * math.cos(t), 0.5 + 0.45 * math.sin(t)) for t in ts]
    back = [(0.5 - inner * math.cos(t), 0.5 - 0.45 * math.sin(t)) for t in ts]
    p.poly(outer + back, c)


def draw_star(p, c, rng):
    r_in = _u(rng, 0.16, 0.24)
    pts = []
    for k in range(10):
        a = -math.pi / 2 + math.pi * k / 5
        r = 0.48 if k % 2 == 0 else r_in
        pts.append((0.5 + r * math.cos(a), 0.52 + r * math.sin(a)))
    p.poly(pts, c)


def draw_cloud(p, c, rng):
    p.ellipse(0.5, 0.68, 0.45, 0.2, c)
    for cu in (0.25, 0.45, 0.68):
        p.circle(cu, _u(rng, 0.42, 0.52), _u(rng, 0.2, 0.3), c)


# --------------------------------------------------------------------------------------------
# Things
# --------------------------------------------------------------------------------------------


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
    hole = _u(rng, 0.06, 0.16)
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
    p.poly([(0.04, 0.44), (0.38, 0.42), (0.98, _u(rng, 0.22, 0.32)), (0.98, _u(rng, 0.68, 0.78)), (0.38, 0.58), (0.04, 0.56)], c)
    p.circle(0.04, 0.5, 0.1, shade(c, 0.8))
    p.rect(0.08, 0.44, 0.25, 0.56, DARK)


def draw_clock(p, c, rng):
    p.circle(0.5, 0.5, 0.48, c)
    p.circle(0.5, 0.5, 0.38, WHITE)
    for k in range(12):
        a = 2 * math.pi * k / 12
        p.line([(0.5 + 0.3 * math.cos(a), 0.5 + 0.3 * math.sin(a)), (0.5 + 0.36 * math.cos(a), 0.5 + 0.36 * math.sin(a))], 0.02, DARK)
    h, m = _u(rng, 0, 2 * math.pi), _u(rng, 0, 2 * math.pi)
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


@dataclass(frozen=True)
class Drawer:
    draw: Callable  # (pen, body colour, rng) -> None
    aspect: float  # width / height of the unit box
    texture: str  # stripes, patches, bricks, bands, grain, plain
    scale: tuple[float, float]  # box height as a fraction of the image side (lo, hi)


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
    "tree": Drawer(draw_tree, 0.8, "grain", (0.45, 0.75)),
    "flower": Drawer(draw_flower, 0.6, "plain", (0.3, 0.5)),
    "cactus": Drawer(draw_cactus, 0.7, "bands", (0.38, 0.6)),
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
    "chair": Drawer(draw_chair, 0.7, "grain", (0.35, 0.55)),
    "table": Drawer(draw_table, 1.5, "grain", (0.3, 0.45)),
    "sofa": Drawer(draw_sofa, 1.8, "grain", (0.28, 0.42)),
    "bed": Drawer(draw_bed, 1.7, "plain", (0.28, 0.42)),
    "lamp": Drawer(draw_lamp, 0.6, "plain", (0.35, 0.55)),
    "apple": Drawer(draw_apple, 1.0, "grain", (0.2, 0.34)),
    "banana": Drawer(draw_banana, 1.6, "plain", (0.18, 0.3)),
    "orange.fruit": Drawer(draw_orange, 1.0, "grain", (0.2, 0.34)),
    "cake": Drawer(draw_cake, 1.1, "plain", (0.28, 0.45)),
    "bread": Drawer(draw_bread, 1.6, "grain", (0.2, 0.34)),
    "carrot": Drawer(draw_carrot, 1.8, "plain", (0.16, 0.28)),
    "house": Drawer(draw_house, 1.0, "bricks", (0.38, 0.6)),
    "church": Drawer(draw_church, 0.9, "bricks", (0.45, 0.7)),
    "tower": Drawer(draw_tower, 0.5, "bricks", (0.5, 0.75)),
    "bridge": Drawer(draw_bridge, 2.2, "bricks", (0.25, 0.38)),
    "window": Drawer(draw_window, 0.9, "plain", (0.3, 0.5)),
    "bank.building": Drawer(draw_bank_building, 1.2, "plain", (0.38, 0.58)),
    "sun": Drawer(draw_sun, 1.0, "plain", (0.25, 0.42)),
    "moon": Drawer(draw_moon, 1.0, "grain", (0.22, 0.38)),
    "star": Drawer(draw_star, 1.0, "plain", (0.18, 0.3)),
    "cloud": Drawer(draw_cloud, 1.8, "plain", (0.2, 0.34)),
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


# --------------------------------------------------------------------------------------------
# Backgrounds
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Textures and rendering
# --------------------------------------------------------------------------------------------


def _texture_factor(kind: str, h: int, w: int, rng: np.random.Generator, scale: float) -> np.ndarray:
    """A multiplicative (h, w) brightness field for one object's bounding box."""
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


@dataclass
class Placed:
    """An object to draw: category, body colour, box in pixels (x0, y0, w, h) and pose."""

    category: str
    colour: str
    body: Colour
    box: tuple[float, float, float, float]
    flip: bool
    angle: float
    shape_seed: int


def render(scene_img: np.ndarray, objects: list[Placed], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Draw objects back to front on a background.

    Returns the ``uint8`` image, the ``uint8`` instance mask (0 background, k for ``objects[k-1]``,
    visible pixels only) and the number of pixels each object covered when it was drawn (before
    later objects hid part of it).
    """
    size = scene_img.shape[0]
    base = np.clip(scene_img, 0, 255).astype(np.uint8)
    image = Image.fromarray(base, "RGB")
    mask = Image.new("L", (size, size), 0)
    di, dm = ImageDraw.Draw(image), ImageDraw.Draw(mask)
    drawn = []
    for k, obj in enumerate(objects, start=1):
        pen = Pen(di, dm, k, obj.box, obj.flip, obj.angle)
        DRAWERS[obj.category].draw(pen, obj.body, np.random.default_rng(obj.shape_seed))
        drawn.append(mask.histogram()[k])
    img = np.asarray(image).astype(np.float32)
    m = np.asarray(mask)
    for k, obj in enumerate(objects, start=1):
        texture = DRAWERS[obj.category].texture
        if texture == "plain":
            continue
        x0, y0, w, h = obj.box
        xs = slice(max(0, int(x0) - 2), min(size, int(x0 + w) + 3))
        ys = slice(max(0, int(y0) - 2), min(size, int(y0 + h) + 3))
        region = img[ys, xs]
        body = (m[ys, xs] == k) & np.all(region == np.array(obj.body, np.float32), axis=-1)
        if not body.any():
            continue
        factor = _texture_factor(texture, region.shape[0], region.shape[1], rng, h)
        region[body] *= factor[body][:, None]
    img *= rng.uniform(0.88, 1.08)  # exposure
    img += rng.normal(0, 3.0, img.shape).astype(np.float32)  # sensor noise
    return np.clip(img, 0, 255).astype(np.uint8), m.copy(), drawn
