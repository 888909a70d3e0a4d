"""Procedural drawing: scene backgrounds (NumPy) and object categories (PIL.ImageDraw), composed.

Every category is drawn by a short function in a unit box ``[0, 1] x [0, 1]`` (u to the right,
v downwards) through a :class:`Pen`, which maps the box onto the image with a scale, a
horizontal flip and a small rotation (the pose), and draws every primitive twice: in colour on
the image and with the object's instance number on the mask. Objects are drawn back to front, so
a later object overwrites an earlier one on the mask as on the image: the final mask holds the
visible pixels of each object, after occlusion.

Instances differ in colour (from the category's palette, jittered), size, position, pose (flip,
rotation), shape parameters drawn from the generator (leg length, ear size, number of windows,
...) and a texture applied to the body-coloured pixels (stripes, patches, bricks, grain).

The pieces live in their own modules: the pen and palette in :mod:`tagbook.world.pen`, the
scene backgrounds in :mod:`tagbook.world.backgrounds`, one module of category drawers per group
under :mod:`tagbook.world.drawers`, the textures in :mod:`tagbook.world.textures`. This module
composes them: :func:`render` draws placed objects on a background.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from tagbook.world.backgrounds import background
from tagbook.world.drawers import DRAWERS
from tagbook.world.pen import Colour, Drawer, Pen, shade
from tagbook.world.textures import texture_factor

__all__ = ["DRAWERS", "Colour", "Drawer", "Pen", "Placed", "background", "render", "shade"]


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
    subtype: str | None = None  # fine-grained worlds: drawn with the subtype's pattern


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
        factor = texture_factor(texture, region.shape[0], region.shape[1], rng, h)
        region[body] *= factor[body][:, None]
    for k, obj in enumerate(objects, start=1):
        if obj.subtype is None:
            continue
        from tagbook.world.subtypes import pattern_factor, subtype

        x0, y0, w, h = obj.box
        xa, ya = max(0, int(x0)), max(0, int(y0))
        xb, yb = min(size, int(np.ceil(x0 + w))), min(size, int(np.ceil(y0 + h)))
        if xb <= xa or yb <= ya:
            continue
        factor = pattern_factor(subtype(obj.subtype).pattern, int(round(h)) or 1, int(round(w)) or 1)
        fy = np.clip(np.arange(ya, yb) - int(y0), 0, factor.shape[0] - 1)
        fx = np.clip(np.arange(xa, xb) - int(x0), 0, factor.shape[1] - 1)
        if obj.flip:
            fx = factor.shape[1] - 1 - fx
        region = img[ya:yb, xa:xb]
        inside = m[ya:yb, xa:xb] == k
        region[inside] *= factor[np.ix_(fy, fx)][inside][:, None]
    img *= rng.uniform(0.88, 1.08)  # exposure
    img += rng.normal(0, 3.0, img.shape).astype(np.float32)  # sensor noise
    return np.clip(img, 0, 255).astype(np.uint8), m.copy(), drawn
