"""The pen every category drawer draws with, the shared palette, and what a drawer is.

A drawer draws its category in a unit box ``[0, 1] x [0, 1]`` (u to the right, v downwards)
through a :class:`Pen`, which maps the box onto the image with a scale, a horizontal flip and a
small rotation (the pose), and draws every primitive twice: in colour on the image and with the
object's instance number on the mask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

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



def legs(p: Pen, us, top: float, bottom: float, width: float, fill: Colour) -> None:
    """Vertical bars (legs, table legs) centred at each ``u`` in ``us``, from ``top`` to ``bottom``."""
    for u in us:
        p.rect(u - width / 2, top, u + width / 2, bottom, fill)


def uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    """One shape parameter drawn uniformly from ``[lo, hi)`` by the instance's generator."""
    return float(rng.uniform(lo, hi))


@dataclass(frozen=True)
class Drawer:
    """How one category is drawn: its drawing function, box aspect, texture and size range."""

    draw: Callable  # (pen, body colour, rng) -> None
    aspect: float  # width / height of the unit box
    texture: str  # stripes, patches, bricks, bands, grain, plain
    scale: tuple[float, float]  # box height as a fraction of the image side (lo, hi)
