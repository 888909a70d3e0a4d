"""`tagbook annotate IMAGE_OR_DIR... --lang zh --method label-enhanced`: label any photo in another language.

Harvests an ImageNet model (EfficientNet-Lite) for target-language labels as in Wei, Wang and Li
(2017): machine translation of its English labels, zero-shot ConSE / HierSE through a
multilingual space, or label-enhanced zero-shot. Every input is checked first; a bad one (missing,
not an image, unreadable, too large, an empty folder) gets a message and a non-zero exit status,
and the others are still annotated.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm")
MAX_PIXELS = 50_000_000  # larger photos are refused rather than decoded (a 50-megapixel limit)
BACKBONES = ("efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2")


def add_parser(subparsers) -> None:
    from tagbook.methods.crosslingual import LANGUAGES, METHODS

    p = subparsers.add_parser(
        "annotate",
        help="label photos with words in Chinese, English, Japanese or German",
        description=(
            "Annotate photos with labels in a target language by harvesting an ImageNet model "
            "(EfficientNet-Lite) as in Wei, Wang and Li (2017): mt translates its English labels "
            "word by word; conse and hierse embed the photo in a multilingual word space and take "
            "the nearest target words; label-enhanced (the paper's method) moves the photo's vector "
            "towards each of its top English labels in turn and picks one new word per step. "
            "Each label is printed with its English gloss where the dictionary has one. "
            "The first run encodes the labels it needs (a few seconds to a minute); later runs reuse them."
        ),
        epilog="example: tagbook annotate photo.jpg holiday/ --lang zh --method label-enhanced --theta 0.5 --k 5",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="IMAGE_OR_DIR", help="image files or folders of images")
    p.add_argument("--lang", choices=LANGUAGES, default="zh", help="target language (default zh)")
    p.add_argument("--method", choices=METHODS, default="label-enhanced", help="default label-enhanced")
    p.add_argument("--theta", type=_unit_float, default=0.5, help="weight of the image vector in Eq. 3, in [0, 1] (default 0.5)")
    p.add_argument("--k", type=_positive_int, default=5, help="number of labels to print per image (default 5)")
    p.add_argument("--source-k", type=_positive_int, default=10, metavar="K",
                   help="number K of top English labels combined in Eq. 1 and used in Eq. 3 (default 10)")
    p.add_argument("--base", choices=("hierse", "conse"), default="hierse", help="zero-shot model under label-enhanced")
    p.add_argument("--backbone", choices=BACKBONES, default="efficientnet-lite0", help="ImageNet model (default lite0)")
    p.add_argument("--vocabulary-size", type=_non_negative_int, default=2000, metavar="N",
                   help="frequent English nouns translated into the target vocabulary (default 2000; 0: only "
                        "the sample-photo words and the toy lexicon)")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    p.set_defaults(func=run)


def _unit_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--theta must be a number in [0, 1], got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"--theta must be in [0, 1], got {text}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text}")
    return value


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


@dataclass
class Item:
    """One image to annotate, or the reason it cannot be."""

    path: str
    image: object = None  # an RGB PIL image
    error: str | None = None


def collect_images(inputs: list[str]) -> list[Item]:
    """Expand folders (their image files, sorted, not recursive) and load every image, checking it."""
    items: list[Item] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            try:
                files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            except OSError as exc:
                items.append(Item(raw, error=f"cannot read the folder: {exc.strerror or exc}"))
                continue
            if not files:
                items.append(Item(raw, error=f"the folder has no image files ({', '.join(IMAGE_SUFFIXES)})"))
                continue
            items.extend(load_image(str(p)) for p in files)
        else:
            items.append(load_image(raw))
    return items


def load_image(raw: str) -> Item:
    from PIL import Image, UnidentifiedImageError

    path = Path(raw)
    if not path.exists():
        return Item(raw, error="no such file or folder")
    if not path.is_file():
        return Item(raw, error="not a regular file")
    try:
        with Image.open(path) as img:
            width, height = img.size
            if width * height > MAX_PIXELS:
                return Item(raw, error=f"image too large: {width} x {height} pixels (the limit is {MAX_PIXELS:,} pixels)")
            if width < 1 or height < 1:
                return Item(raw, error="image has no pixels")
            rgb = img.convert("RGB")
            rgb.load()
    except UnidentifiedImageError:
        return Item(raw, error="not an image (or an image format that cannot be read)")
    except Image.DecompressionBombError as exc:
        return Item(raw, error=f"image too large: {exc}")
    except PermissionError:
        return Item(raw, error="permission denied")
    except (OSError, SyntaxError, ValueError) as exc:
        return Item(raw, error=f"cannot read the image: {exc}")
    return Item(raw, image=rgb)


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


def run(args) -> int:
    from tagbook.methods.crosslingual import AnnotatorConfig, CrossLingualAnnotator, NoDictionary

    items = collect_images(args.inputs)
    good = [it for it in items if it.error is None]
    results: dict[int, list] = {}
    status = 0 if len(good) == len(items) else 1
    if good:
        config = AnnotatorConfig(
            lang=args.lang, method=args.method, theta=args.theta, k=args.source_k, base=args.base,
            backbone=args.backbone, n_frequent=args.vocabulary_size,
        )
        try:
            annotator = CrossLingualAnnotator(config).fit()
            predictions = annotator.annotate([it.image for it in good], top=args.k)
        except NoDictionary as exc:
            print(f"error: --method mt needs a dictionary: {exc}; use --method conse, hierse or label-enhanced", file=sys.stderr)
            return 2
        for it, preds in zip(good, predictions):
            results[id(it)] = preds
    if args.json:
        doc = []
        for it in items:
            entry = {"input": it.path}
            if it.error is not None:
                entry["error"] = it.error
            else:
                entry["labels"] = [{"label": p.label, "gloss": p.gloss, "score": round(p.score, 4)} for p in results[id(it)]]
            doc.append(entry)
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        for it in items:
            if it.error is None:
                labels = "  ".join(p.label + (f" ({p.gloss})" if p.gloss else "") for p in results[id(it)])
                print(f"{it.path}: {labels}")
    for it in items:
        if it.error is not None:
            print(f"error: {it.path}: {it.error}", file=sys.stderr)
    return status

