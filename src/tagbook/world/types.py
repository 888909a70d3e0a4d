"""Plain records of the toy world: object instances, labels, zero-shot splits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np


@dataclass(frozen=True)
class ObjectInstance:
    """One visible object of an image, measured on its (visible) instance mask.

    ``position`` is the region of a 3 x 3 grid that holds the mask centroid ("top left", "top",
    ..., "centre", ..., "bottom right"); ``size`` is small / medium / large by visible area;
    ``bbox`` is COCO-style ``(x, y, width, height)`` of the visible pixels; ``centroid`` is
    ``(x, y)`` in pixels; ``instance_id`` is the object's value in the instance mask.
    """

    category: str
    colour: str
    size: str
    position: str
    bbox: tuple[int, int, int, int]
    instance_id: int
    area: int = 0
    centroid: tuple[float, float] = (0.0, 0.0)
    subtype: str | None = None  # fine-grained worlds only: a key of tagbook.world.subtypes


@dataclass(frozen=True)
class Label:
    """A label of the vocabulary: an object category, a scene or an attribute."""

    key: str
    kind: str  # "object", "scene" or "attribute"
    names: Mapping[str, str] = field(default_factory=dict)  # en, zh, de, ja
    wnid: str | None = None
    group: str | None = None  # objects: supercategory; attributes: colour, size or position


@dataclass(frozen=True)
class ZeroShotSplit:
    """Labels split into seen and unseen; no training image carries an unseen label."""

    seen: list[str]
    unseen: list[str]
    train_idx: np.ndarray
    test_idx: np.ndarray
