"""Flickr8k-CN (Li, Lan, Dong, Liu, ICMR 2016): Chinese sentences for the Flickr8k images.

Reads the release as published in the authors' repository (``li-xirong/flickr8kcn``, folder
``data/``): one caption per line, ``<image>.jpg#<source>#<n> <caption>``, and the image-id lists of
the 6k/1k/1k split, one id (without ``.jpg``) per line.

============  ==============================================  ===============================
source        what                                            file
============  ==============================================  ===============================
``zhm``       human translations of the English sentences      ``flickr8kzhmtest.captions.txt``
              (test images only; what Wei et al. 2017 use)
``zhc``       Chinese sentences written by native speakers     ``flickr8kzhc.caption.txt``
``zhb``       Baidu machine translation                        ``flickr8kzhb.caption.txt``
``zhg``       Google machine translation                       ``flickr8kzhg.caption.txt``
``enc``       the original English sentences                   ``flickr8kenc.caption.txt``
============  ==============================================  ===============================

Split files: ``flickr8ktrain.txt``, ``flickr8kval.txt``, ``flickr8ktest.txt``. The images are not in
that repository; they come with the original Flickr8k release (folder ``Flicker8k_Dataset``, sic).
Point ``data_dir`` at the repository (or its ``data/`` folder); the images are looked for in
``image_dir`` if given, else in a ``Flicker8k_Dataset``, ``Flickr8k_Dataset`` or ``images`` folder
in or beside ``data_dir``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["SOURCES", "SPLITS", "Flickr8kCN", "load_flickr8kcn", "read_caption_file", "read_split_file"]

SOURCES = {
    "zhm": "flickr8kzhmtest.captions.txt",
    "zhc": "flickr8kzhc.caption.txt",
    "zhb": "flickr8kzhb.caption.txt",
    "zhg": "flickr8kzhg.caption.txt",
    "enc": "flickr8kenc.caption.txt",
}
SPLITS = {"train": "flickr8ktrain.txt", "val": "flickr8kval.txt", "test": "flickr8ktest.txt"}
IMAGE_DIR_NAMES = ("Flicker8k_Dataset", "Flickr8k_Dataset", "images")


class Flickr8kCNError(FileNotFoundError):
    """The Flickr8k-CN files are missing or not in the published layout."""


@dataclass
class Flickr8kCN:
    """One split of Flickr8k-CN with the captions of one source, aligned with ``image_ids``."""

    root: Path
    split: str
    source: str
    image_ids: list[str]
    captions: list[list[str]]
    image_dir: Path | None
    without_captions: list[str]  # ids listed in the split file that have no caption of this source

    def __len__(self) -> int:
        return len(self.image_ids)

    def image_path(self, i: int) -> Path:
        if self.image_dir is None:
            raise Flickr8kCNError(
                f"no Flickr8k image folder found for {self.root}: pass image_dir, or put the images of the "
                f"original Flickr8k release in one of {', '.join(IMAGE_DIR_NAMES)} beside the caption files"
            )
        return self.image_dir / f"{self.image_ids[i]}.jpg"


def _image_id(name: str) -> str:
    return name[: -len(".jpg")] if name.lower().endswith(".jpg") else name


def read_caption_file(path: str | Path) -> dict[str, list[str]]:
    """``{image_id: [caption 0, caption 1, ...]}`` from a ``<image>.jpg#<source>#<n> <caption>`` file.

    Captions are ordered by ``<n>``; a line out of that layout raises an error naming file and line.
    """
    path = Path(path)
    numbered: dict[str, list[tuple[int, str]]] = {}
    with path.open(encoding="utf-8-sig") as f:
        for line_no, line in enumerate(f, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            key, _, caption = line.partition(" ")
            parts = key.split("#")
            if len(parts) != 3 or not parts[2].isdigit() or not caption.strip():
                raise ValueError(
                    f"{path}:{line_no}: expected '<image>.jpg#<source>#<n> <caption>', got {line[:80]!r}"
                )
            numbered.setdefault(_image_id(parts[0]), []).append((int(parts[2]), caption.strip()))
    return {image: [c for _, c in sorted(items)] for image, items in numbered.items()}


def read_split_file(path: str | Path) -> list[str]:
    """Image ids of a split file (one per line, ``.jpg`` optional), in file order."""
    path = Path(path)
    with path.open(encoding="utf-8-sig") as f:
        return [_image_id(line.strip()) for line in f if line.strip()]


def _find_root(data_dir: Path, caption_file: str) -> Path:
    for candidate in (data_dir, data_dir / "data"):
        if (candidate / caption_file).is_file():
            return candidate
    raise Flickr8kCNError(
        f"data_dir {str(data_dir)!r} does not hold the Flickr8k-CN file {caption_file!r} (looked in it and in its "
        f"data/ folder). Get the release from the li-xirong/flickr8kcn repository and point data_dir at it."
    )


def _find_image_dir(root: Path) -> Path | None:
    for base in (root, root.parent):
        for name in IMAGE_DIR_NAMES:
            if (base / name).is_dir():
                return base / name
    return None


def load_flickr8kcn(
    data_dir: str | Path,
    split: str = "test",
    source: str = "zhm",
    image_dir: str | Path | None = None,
) -> Flickr8kCN:
    """Load one split of Flickr8k-CN with the captions of one source (defaults: the paper's test set).

    Images of the split without a caption of that source are reported in ``without_captions``
    (``zhm`` covers the test split only).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
    if data_dir is None:
        raise Flickr8kCNError("data_dir is None: set it to the folder of the Flickr8k-CN release")
    data_dir = Path(data_dir).expanduser()
    if not data_dir.is_dir():
        raise Flickr8kCNError(f"data_dir {str(data_dir)!r} is not a folder")
    root = _find_root(data_dir, SOURCES[source])
    split_path = root / SPLITS[split]
    if not split_path.is_file():
        raise Flickr8kCNError(f"the split file {SPLITS[split]!r} is missing from {root}")
    captions = read_caption_file(root / SOURCES[source])
    ids = read_split_file(split_path)
    kept = [i for i in ids if i in captions]
    if not kept:
        raise Flickr8kCNError(f"no image of the {split} split has a caption in {SOURCES[source]} ({root})")
    if image_dir is not None:
        image_dir = Path(image_dir).expanduser()
        if not image_dir.is_dir():
            raise Flickr8kCNError(f"image_dir {str(image_dir)!r} is not a folder")
    else:
        image_dir = _find_image_dir(root)
    return Flickr8kCN(
        root=root,
        split=split,
        source=source,
        image_ids=kept,
        captions=[captions[i] for i in kept],
        image_dir=image_dir,
        without_captions=[i for i in ids if i not in captions],
    )
