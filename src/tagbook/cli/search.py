"""`tagbook search`: rank images by where concepts appear (localisation-map search).

    tagbook search toy --train --model conv_vse.pt
    tagbook search toy --model conv_vse.pt --where "sky:top" --not "cloud:top" --k 10
    tagbook search photos/ --model conv_vse.pt --where "dog:right" --not "dog:left" --json

A folder's image files (sorted, not recursive) are read by :mod:`tagbook.vision.imageio`. A file
that cannot be read gets a message on stderr and the others are still ranked, with exit status 1
(as ``tagbook annotate``); a folder with no readable image, or a bad query, model or option, is
an error with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

SEARCH_SIDE = 224  # images are resized to SEARCH_SIDE x SEARCH_SIDE (JPEGs decoded at reduced scale down to it)


class SearchError(Exception):
    """A problem with the command's input, reported as one clear line."""


def add_parser(subparsers) -> None:
    from tagbook.methods.vse.localisation import REGION_NAMES

    p = subparsers.add_parser(
        "search",
        help="rank images by where concepts appear (localisation-map search)",
        description=(
            "Rank the images of a folder (or of the toy world's test split: SOURCE 'toy') by a "
            "spatial query. Each --where LABEL:REGION paints where a concept should be, each "
            "--not LABEL:REGION where it should not; an image's score is the sum of its "
            "localisation maps weighted by the painting (Kovacs & Bremner 2019). REGION is one of "
            f"{', '.join(REGION_NAMES)}, or a 7x7 mask of 0/1 rows separated by '/'. Labels may be "
            "any word or phrase with a word vector, seen in training or not."
        ),
        epilog=(
            "examples:\n"
            "  tagbook search toy --train --model conv_vse.pt\n"
            "  tagbook search toy --model conv_vse.pt --where sky:top --not cloud:top\n"
            "  tagbook search photos/ --model conv_vse.pt --where dog:right --not dog:left --k 5 --json"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("source", metavar="DIR_OR_TOY", help="a folder of images, one image file, or 'toy'")
    p.add_argument("--where", action="append", default=[], metavar="LABEL:REGION", help="where a concept should be")
    p.add_argument("--not", dest="where_not", action="append", default=[], metavar="LABEL:REGION",
                   help="where a concept should not be")
    p.add_argument("--k", type=int, default=10, help="number of images to list (default 10)")
    p.add_argument("--json", action="store_true", help="print the ranking as JSON")
    p.add_argument("--model", metavar="PATH", help="model file written by --train (or ConvVSE.save)")
    train = p.add_argument_group("training (--train: fit a model on the toy world and save it to --model)")
    train.add_argument("--train", action="store_true", help="train a model first (then search if a query is given)")
    train.add_argument("--n-images", type=int, default=800, help="toy images to generate (default 800)")
    train.add_argument("--image-size", type=int, default=64, help="toy image side in pixels (default 64)")
    train.add_argument("--epochs", type=int, default=15, help="training epochs (default 15)")
    train.add_argument("--k-blocks", type=int, default=5, help="region-embedding blocks k (default 5)")
    train.add_argument("--label-vectors", choices=("glove", "toy"), default="glove", help="label word vectors")
    train.add_argument("--seed", type=int, default=0, help="seed of the world and the training (default 0)")
    p.set_defaults(func=run)


def run(args) -> int:
    try:
        return _run(args)
    except SearchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _run(args) -> int:
    from tagbook.methods.vse.localisation import QueryError, SpatialQuery

    if args.k < 1:
        raise SearchError(f"--k must be a positive number, got {args.k}")
    if not args.model:
        raise SearchError("no model given: pass --model PATH (create one with: tagbook search toy --train --model PATH)")
    query = None
    if args.where or args.where_not:
        try:
            query = SpatialQuery.parse(args.where, args.where_not)
        except QueryError as exc:
            raise SearchError(str(exc)) from None
    elif not args.train:
        raise SearchError("empty query: give at least one --where LABEL:REGION or --not LABEL:REGION")
    if args.train:
        if args.source != "toy":
            raise SearchError("--train learns from the toy world's labels: use SOURCE 'toy'")
        if query is not None:  # an unknown query word fails before the training, not after
            _query_vectors(query, {"label_vectors": args.label_vectors})
        _train(args)
    model, meta = _load_model(args.model)
    if query is None:
        return 0
    vectors = _query_vectors(query, meta)
    images, names, failed = (None, None, 0) if args.source == "toy" else load_image_source(args.source)
    if images is None:
        images, names, world = _toy_test_images(meta)
    else:
        world = None
    from tagbook.apps.map_index import MapIndex
    from tagbook.methods.vse.inputs import conv_features

    index = MapIndex.build(model, conv_features(images), names)
    hits = index.search(query, vectors, k=args.k)
    _print_hits(hits, query, args.json, world)
    return 1 if failed else 0  # as annotate: the readable images are ranked, the status says some were not


# -- inputs ---------------------------------------------------------------------------------
def load_image_source(source: str) -> tuple[np.ndarray, list[str], int]:
    """Images of a folder (its image files, sorted, not recursive; other files skipped with a note)
    or of one image file, read one at a time by :func:`tagbook.vision.imageio.iter_images` and
    resized to ``(N, 224, 224, 3)`` uint8; their names; and how many files could not be read. A
    file that cannot be read gets a message on stderr and the others are kept; an empty folder, a
    bad single file or a folder with no readable image is a :class:`SearchError`."""
    from PIL import Image

    from tagbook.vision.imageio import IMAGE_SUFFIXES, ImageReadError, iter_images

    path = Path(source)
    if not path.exists():
        raise SearchError(f"no such folder or file: {source} (or use 'toy' for the toy world)")
    skipped: list[Path] = []
    images, names, failed = [], [], 0
    for file, image in iter_images([path], min_side=SEARCH_SIDE, skipped=skipped):
        if isinstance(image, ImageReadError):
            if file == path and path.is_dir() and image.reason.startswith("the folder has no image files"):
                extra = f" ({len(skipped)} other files skipped)" if skipped else ""
                raise SearchError(f"no images in folder {source}{extra}: expected {', '.join(IMAGE_SUFFIXES)} files")
            if file == path:  # the one file given, or a folder that cannot be listed
                raise SearchError(str(image))
            print(f"error: {image}", file=sys.stderr)
            failed += 1
            continue
        resized = Image.fromarray(image).resize((SEARCH_SIDE, SEARCH_SIDE), Image.Resampling.BILINEAR)
        images.append(np.asarray(resized))
        names.append(str(file))
    if skipped:
        print(f"note: skipped {len(skipped)} non-image files: {', '.join(f.name for f in skipped[:5])}"
              f"{' ...' if len(skipped) > 5 else ''}", file=sys.stderr)
    if not images:
        raise SearchError(f"no image could be read in folder {source} ({failed} files failed, each reported above)")
    return np.stack(images), names, failed


def _load_model(path: str):
    from tagbook.methods.vse.conv import ConvVSE

    try:
        return ConvVSE.load(path)
    except FileNotFoundError:
        raise SearchError(f"model file not found: {path} (create one with: tagbook search toy --train --model {path})") from None
    except ValueError as exc:
        raise SearchError(str(exc)) from None


def _train(args) -> None:
    from tagbook.methods.vse.conv import ConvVSEConfig
    from tagbook.apps.search_model import train_toy_model

    for name in ("n_images", "image_size", "epochs", "k_blocks"):
        if getattr(args, name) < 1:
            raise SearchError(f"--{name.replace('_', '-')} must be a positive number, got {getattr(args, name)}")
    try:
        config = ConvVSEConfig(epochs=args.epochs, k_blocks=args.k_blocks, seed=args.seed)
        train_toy_model(args.model, n_images=args.n_images, image_size=args.image_size,
                        label_vectors=args.label_vectors, config=config, world_seed=args.seed)
    except (TypeError, ValueError) as exc:
        raise SearchError(str(exc)) from None
    print(f"saved the model to {args.model}", file=sys.stderr)


def _query_vectors(query, meta: dict) -> np.ndarray:
    from tagbook.apps.map_index import QueryError, query_vectors
    from tagbook.methods.vse.inputs import load_word_vectors

    source = meta.get("label_vectors", "glove")
    vectors = load_word_vectors(source)
    lookup = lambda label: vectors.phrase_vector(label.replace(".", " "), unit=True)  # noqa: E731
    try:
        return query_vectors(query, lookup, source=f"the {source} word vectors")
    except QueryError as exc:
        raise SearchError(str(exc)) from None


def _toy_test_images(meta: dict):
    from tagbook.world import WorldConfig, make_world

    if "world" not in meta:
        raise SearchError("this model was not trained on the toy world; search a folder instead")
    world = make_world(WorldConfig(**meta["world"]), progress=False)
    test = world.splits["test"]
    return world.images[test], [f"toy:{i}" for i in test], world


# -- output ---------------------------------------------------------------------------------
def _describe_toy(world, name: str) -> str:
    i = int(name.split(":", 1)[1])
    objects = ", ".join(f"{o.category} ({o.position})" for o in world.objects[i])
    return f"{world.scenes[i]} scene: {objects}"


def _print_hits(hits, query, as_json: bool, world) -> None:
    rows = [
        {"rank": r, "image": name, "score": round(score, 6),
         **({"content": _describe_toy(world, name)} if world is not None else {})}
        for r, (_, name, score) in enumerate(hits, start=1)
    ]
    if as_json:
        print(json.dumps({"query": str(query), "results": rows}, ensure_ascii=False, indent=2))
        return
    print(f"query: {query}")
    for row in rows:
        extra = f"  {row['content']}" if "content" in row else ""
        print(f"{row['rank']:>3}  {row['score']:+.4f}  {row['image']}{extra}")
