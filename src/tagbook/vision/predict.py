"""Top ImageNet labels of a backbone on photos: the table chapter 01 shows."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from tagbook.ranking import top_k
from tagbook.vision.backbones import Backbone
from tagbook.vision.extract import extract_features
from tagbook.vision.imagenet import IMAGENET


def top_imagenet_labels(
    backbone: Backbone,
    photos: Sequence,
    k: int = 5,
    cache=True,
    progress: bool = False,
    wide: bool = False,
) -> pd.DataFrame:
    """The ``k`` most probable ImageNet-1k classes of each photo.

    ``photos``: :class:`tagbook.photos.SamplePhoto` objects (their ``name`` labels the rows) or
    plain images (named ``image 0``, ``image 1``, ...). Long form (default): one row per photo and
    rank with columns ``backbone, photo, rank, class, wnid, label, prob``. ``wide=True``: one row
    per photo, columns ``top-1 .. top-k`` holding ``"label (prob)"``.
    """
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= IMAGENET.n_classes:
        raise ValueError(f"k must be an int in [1, {IMAGENET.n_classes}], got {k!r}")
    names = [getattr(p, "name", f"image {i}") for i, p in enumerate(photos)]
    images = [getattr(p, "image", p) for p in photos]
    probs = extract_features(backbone, images, kinds=("probs",), cache=cache, progress=progress).probs
    order = top_k(probs, k)  # best first, ties by the lower class index
    rows = []
    for name, p, top in zip(names, probs, order):
        for rank, c in enumerate(top, start=1):
            rows.append({
                "backbone": backbone.name, "photo": name, "rank": rank, "class": int(c),
                "wnid": IMAGENET.wnids[c], "label": IMAGENET.names[c], "prob": float(p[c]),
            })
    table = pd.DataFrame(rows, columns=["backbone", "photo", "rank", "class", "wnid", "label", "prob"])
    if not wide:
        return table
    table["shown"] = [f"{lab} ({p:.2f})" for lab, p in zip(table["label"], table["prob"])]
    out = table.pivot(index="photo", columns="rank", values="shown").reindex(names)
    out.columns = [f"top-{r}" for r in out.columns]
    out.index.name = "photo"
    return out
