"""The sample photos: real photographs that ship inside installed packages, labelled by hand.

Seventeen photos reach every machine without a download: fifteen from scikit-image
(``skimage.data``), two from scikit-learn (``load_sample_images``: ``china.jpg``,
``flower.jpg``) and one from matplotlib (``grace_hopper.jpg``). Their labels in English,
Simplified Chinese, German and Japanese were written by hand, by looking at each photo, and
are kept as data in ``tagbook/data/sample_photos.csv`` (one row per concept; column ``en`` is
aligned with ``zh``, ``de`` and ``ja``, so ``labels["zh"][j]`` translates ``labels["en"][j]``).
They are a small real test set: objects and scene words one can actually see, 4 to 8 a photo.
Grey-level photos are returned as RGB (the grey level in all three channels); the binary
``horse`` silhouette as black on white.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Callable, Sequence

import numpy as np
import pandas as pd

LANGUAGES = ("en", "zh", "de", "ja")
LABELS_FILE = "sample_photos.csv"


@dataclass(frozen=True)
class SamplePhoto:
    """One photo: ``image`` is a read-only uint8 ``(H, W, 3)`` array, ``labels[lang]`` its words."""

    name: str
    image: np.ndarray
    labels: dict[str, list[str]]
    source: str

    def __repr__(self) -> str:
        return f"SamplePhoto({self.name!r}, {self.image.shape}, en={self.labels['en']}, source={self.source!r})"


def _skimage(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        import skimage.data

        return getattr(skimage.data, name)()

    return load


def _motorcycle(side: int) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        import skimage.data

        return skimage.data.stereo_motorcycle()[side]

    return load


def _sklearn(filename: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from sklearn.datasets import load_sample_image

        return load_sample_image(filename)

    return load


def _matplotlib(filename: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from matplotlib.cbook import get_sample_data

        from tagbook.vision.imageio import read_image

        return read_image(get_sample_data(filename, asfileobj=False))

    return load


# name -> (where it comes from, loader); the order is the order photos are returned in.
SOURCES: dict[str, tuple[str, Callable[[], np.ndarray]]] = {
    "astronaut": ("scikit-image skimage.data.astronaut()", _skimage("astronaut")),
    "camera": ("scikit-image skimage.data.camera()", _skimage("camera")),
    "chelsea": ("scikit-image skimage.data.chelsea()", _skimage("chelsea")),
    "coffee": ("scikit-image skimage.data.coffee()", _skimage("coffee")),
    "rocket": ("scikit-image skimage.data.rocket()", _skimage("rocket")),
    "horse": ("scikit-image skimage.data.horse()", _skimage("horse")),
    "hubble_deep_field": ("scikit-image skimage.data.hubble_deep_field()", _skimage("hubble_deep_field")),
    "coins": ("scikit-image skimage.data.coins()", _skimage("coins")),
    "moon": ("scikit-image skimage.data.moon()", _skimage("moon")),
    "brick": ("scikit-image skimage.data.brick()", _skimage("brick")),
    "grass": ("scikit-image skimage.data.grass()", _skimage("grass")),
    "gravel": ("scikit-image skimage.data.gravel()", _skimage("gravel")),
    "motorcycle_left": ("scikit-image skimage.data.stereo_motorcycle()[0]", _motorcycle(0)),
    "motorcycle_right": ("scikit-image skimage.data.stereo_motorcycle()[1]", _motorcycle(1)),
    "china": ("scikit-learn sklearn.datasets.load_sample_image('china.jpg')", _sklearn("china.jpg")),
    "flower": ("scikit-learn sklearn.datasets.load_sample_image('flower.jpg')", _sklearn("flower.jpg")),
    "grace_hopper": ("matplotlib matplotlib.cbook.get_sample_data('grace_hopper.jpg')", _matplotlib("grace_hopper.jpg")),
}


def load_labels() -> pd.DataFrame:
    """The hand-written label table: columns ``photo, en, zh, de, ja``, one row per concept."""
    with resources.files("tagbook.data").joinpath(LABELS_FILE).open("r", encoding="utf-8") as f:
        table = pd.read_csv(f, dtype=str, keep_default_na=False)
    missing = [c for c in ("photo", *LANGUAGES) if c not in table.columns]
    if missing:
        raise ValueError(f"{LABELS_FILE}: missing columns {missing}")
    return table


@functools.lru_cache(maxsize=None)
def _load_image(name: str) -> np.ndarray:
    from tagbook.vision.extract import as_rgb_uint8

    source, loader = SOURCES[name]
    try:
        image = as_rgb_uint8(loader(), where=f"sample photo {name!r}")
        image.flags.writeable = False  # cached and shared: read-only
        return image
    except Exception as exc:  # noqa: BLE001 - say which photo and package failed
        raise RuntimeError(f"sample photo {name!r} could not be loaded from {source}: {exc}") from exc


def load_sample_photos(names: Sequence[str] | None = None) -> list[SamplePhoto]:
    """The hand-labelled sample photos (all 17, or those named), in :data:`SOURCES` order."""
    if names is not None:
        if isinstance(names, str):
            names = [names]
        unknown = [n for n in names if n not in SOURCES]
        if unknown:
            raise ValueError(f"unknown sample photo(s) {unknown}; known: {', '.join(SOURCES)}")
    wanted = list(SOURCES) if names is None else list(dict.fromkeys(names))
    table = load_labels()
    photos = []
    for name in wanted:
        rows = table[table["photo"] == name]
        labels = {lang: rows[lang].tolist() for lang in LANGUAGES}
        photos.append(SamplePhoto(name, _load_image(name), labels, SOURCES[name][0]))
    return photos


def photo_grid(photos: Sequence[SamplePhoto], captions: Sequence[str] | None = None, ncols: int = 6,
               size: float = 2.2):
    """A matplotlib figure showing ``photos`` in a grid, each titled by its name or ``captions[i]``."""
    import matplotlib.pyplot as plt

    if captions is not None and len(captions) != len(photos):
        raise ValueError(f"captions: {len(captions)} given for {len(photos)} photos")
    n = max(1, len(photos))
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * 1.1), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for i, photo in enumerate(photos):
        ax = axes.ravel()[i]
        ax.imshow(photo.image)
        ax.set_title(captions[i] if captions is not None else photo.name, fontsize=8)
    fig.tight_layout()
    return fig
