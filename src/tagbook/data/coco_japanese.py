"""MS-COCO with English and Japanese captions on the Karpathy split (the MS-COCO setting of
Mohammadshahi et al. 2019, Tables 3-4).

Three files, none shipped here (MS-COCO's images and captions have their own licences):

- **Karpathy split** (Karpathy & Fei-Fei 2015, ``dataset_coco.json``): ``{"images": [{"cocoid",
  "filename", "filepath", "split", "sentences": [{"raw", "tokens"}, ...]}, ...]}`` with ``split``
  one of ``train``, ``restval``, ``val``, ``test`` (``restval`` is usually added to ``train``:
  113,287 training, 5,000 validation and 5,000 test images). It carries the English captions.
- **Japanese captions** in the COCO annotation layout, ``{"images": [{"id", "file_name"}],
  "annotations": [{"id", "image_id", "caption"}]}``:

  * ``layout="stair"``: STAIR Captions (Yoshikawa, Shigeto, Takeuchi 2017),
    ``stair_captions_v1.2_{train,val}.json``, five captions for each of the 164,062 COCO images;
    the ``_tokenized`` files add a ``tokenized_caption`` (MeCab tokens joined by spaces), used
    when present;
  * ``layout="yj"``: YJ Captions 26k (Miyazaki & Shimizu 2016), ``yjcaptions26k_clean.json``,
    about five captions for 26,500 images of COCO's train2014.

  Both are keyed by the COCO image id (``cocoid`` in the Karpathy file). Several files (STAIR's
  train and val) may be passed at once.
- **Image features**: a reader's own file, read by :func:`tagbook.data.multi30k.load_image_features`
  (``.npy`` rows in the split's order or ``.npz`` with ``names`` = COCO file names).

:func:`load_coco_japanese` keeps the images of a split that have captions in both languages
(YJ covers only part of train2014, so its val and test images come from the train2014 part of the
Karpathy split only when they are there), in the Karpathy file's order, the same number of
captions per language and image (``captions_per_image``, the first ones; images with fewer are
dropped), so that :func:`tagbook.metrics.retrieval.recall_at_k` and its 5-fold ``1K`` variant
apply directly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

__all__ = ["COCO_LAYOUTS", "KARPATHY_SPLITS", "CocoJapanese", "load_coco_japanese", "read_japanese_captions",
           "read_karpathy_split"]

COCO_LAYOUTS = ("stair", "yj")
KARPATHY_SPLITS = ("train", "restval", "val", "test")


def _read_json(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"caption file not found: {path}")
    with path.open(encoding="utf-8") as handle:
        blob = json.load(handle)
    if not isinstance(blob, dict):
        raise ValueError(f"{path}: expected a JSON object at the top level, got {type(blob).__name__}")
    return blob


def read_karpathy_split(path: str | Path, splits: Sequence[str] = ("test",)) -> list[dict]:
    """The images of ``splits`` in the Karpathy file, in file order: ``{"cocoid", "filename",
    "split", "captions": [English caption tokens joined by spaces]}`` (the ``tokens`` field,
    lower-cased by Karpathy's preprocessing; ``raw`` when an entry has no tokens)."""
    unknown = [s for s in splits if s not in KARPATHY_SPLITS]
    if unknown or not splits:
        raise ValueError(f"splits must be among {', '.join(KARPATHY_SPLITS)}, got {list(splits)}")
    blob = _read_json(path)
    if "images" not in blob or not isinstance(blob["images"], list):
        raise ValueError(f"{path}: not the Karpathy layout (no 'images' list)")
    out = []
    for number, image in enumerate(blob["images"]):
        missing = [key for key in ("cocoid", "split", "sentences") if key not in image]
        if missing:
            raise ValueError(f"{path}: image entry {number} lacks {', '.join(missing)}")
        if image["split"] not in KARPATHY_SPLITS:
            raise ValueError(f"{path}: image {image['cocoid']} has an unknown split {image['split']!r}")
        if image["split"] not in splits:
            continue
        captions = [" ".join(s["tokens"]) if s.get("tokens") else str(s.get("raw", "")).strip().lower()
                    for s in image["sentences"]]
        out.append({"cocoid": int(image["cocoid"]), "filename": image.get("filename", ""),
                    "split": image["split"], "captions": captions})
    return out


def read_japanese_captions(paths: str | Path | Iterable[str | Path], layout: str = "stair") -> dict[int, list[str]]:
    """``{COCO image id: [Japanese captions]}`` from one or more files in the COCO annotation
    layout (``layout`` ``"stair"`` or ``"yj"``), captions in annotation-id order. STAIR's
    tokenised files give the ``tokenized_caption`` (space-separated); otherwise the caption with
    its spaces removed (Japanese is written without them)."""
    if layout not in COCO_LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(COCO_LAYOUTS)}, got {layout!r}")
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if not paths:
        raise ValueError("no Japanese caption file given")
    found: dict[int, list[tuple[int, str]]] = {}
    for path in paths:
        blob = _read_json(path)
        if "annotations" not in blob or not isinstance(blob["annotations"], list):
            raise ValueError(f"{path}: not the COCO annotation layout (no 'annotations' list)")
        for number, entry in enumerate(blob["annotations"]):
            if "image_id" not in entry or "caption" not in entry:
                raise ValueError(f"{path}: annotation {number} lacks image_id or caption")
            if layout == "stair" and entry.get("tokenized_caption"):
                text = " ".join(str(entry["tokenized_caption"]).split())
            else:
                text = "".join(str(entry["caption"]).split())
            if text:
                found.setdefault(int(entry["image_id"]), []).append((int(entry.get("id", number)), text))
    return {image: [text for _, text in sorted(entries)] for image, entries in found.items()}


@dataclass
class CocoJapanese:
    """One split: COCO ids, file names and ``captions[lang][i]`` (``"en"``, ``"ja"``) of image ``i``."""

    split: str
    cocoids: list[int]
    filenames: list[str]
    captions: dict[str, list[list[str]]]
    dropped: int  # images of the split left out: no Japanese captions, or too few in a language

    def __len__(self) -> int:
        return len(self.cocoids)

    def flat_captions(self, lang: str) -> list[str]:
        """Image-major (caption ``j`` of image ``j // c``), the layout of ``recall_at_k``."""
        return [c for per_image in self.captions[lang] for c in per_image]


def load_coco_japanese(karpathy_json: str | Path, japanese_json: str | Path | Iterable[str | Path],
                       split: str = "test", layout: str = "stair", captions_per_image: int = 5) -> CocoJapanese:
    """The Karpathy ``split`` (``"train"`` includes ``restval``) with ``captions_per_image``
    English and Japanese captions per image (see the module docstring)."""
    if split not in ("train", "val", "test"):
        raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}")
    if isinstance(captions_per_image, bool) or not isinstance(captions_per_image, int) or captions_per_image < 1:
        raise ValueError(f"captions_per_image must be a positive int, got {captions_per_image!r}")
    images = read_karpathy_split(karpathy_json, ("train", "restval") if split == "train" else (split,))
    japanese = read_japanese_captions(japanese_json, layout)
    kept, dropped = [], 0
    for image in images:
        ja = japanese.get(image["cocoid"], [])
        if len(ja) < captions_per_image or len(image["captions"]) < captions_per_image:
            dropped += 1
            continue
        kept.append((image, ja[:captions_per_image]))
    return CocoJapanese(split=split, cocoids=[im["cocoid"] for im, _ in kept],
                        filenames=[im["filename"] for im, _ in kept],
                        captions={"en": [im["captions"][:captions_per_image] for im, _ in kept],
                                  "ja": [ja for _, ja in kept]},
                        dropped=dropped)
