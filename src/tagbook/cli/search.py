"""`tagbook search`: rank images by where concepts appear (localisation-map search), or the toy
world's test images by words (text search with chapter 04's sampled tagger).

    tagbook search toy --train --model conv_vse.pt
    tagbook search toy --model conv_vse.pt --where "sky:top" --not "cloud:top" --k 10
    tagbook search photos/ --model conv_vse.pt --where "dog:right" --not "dog:left" --json
    tagbook search toy --train --text "dog grass" --model tagger.pt    # train, then search
    tagbook search toy --text "puppy" --model tagger.pt --k 6

A text query's words are looked up in the tagger's vocabulary (GloVe's 400,000 words and the
training tags): words never used as a training tag are scored with their vectors after the
out-of-vocabulary update, and a word outside the vocabulary is an error that names it.

A folder's image files (sorted, not recursive) are read by :mod:`tagbook.vision.imageio`. A file
that cannot be read gets a message on stderr and the others are still ranked, with exit status 1
(as ``tagbook annotate``); a folder with no readable image, or a bad query, model or option, is
an error with exit status 2.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys


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
            "  tagbook search photos/ --model conv_vse.pt --where dog:right --not dog:left --k 5 --json\n"
            "  tagbook search toy --train --text \"dog grass\" --model tagger.pt\n"
            "  tagbook search toy --text \"puppy\" --model tagger.pt --k 6"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("source", metavar="DIR_OR_TOY", help="a folder of images, one image file, or 'toy'")
    p.add_argument("--where", action="append", default=[], metavar="LABEL:REGION", help="where a concept should be")
    p.add_argument("--not", dest="where_not", action="append", default=[], metavar="LABEL:REGION",
                   help="where a concept should not be")
    p.add_argument("--text", metavar="WORDS",
                   help="search the toy test images by words with a chapter-04 sampled tagger (SOURCE 'toy')")
    p.add_argument("--k", type=int, default=10, help="number of images to list (default 10)")
    p.add_argument("--json", action="store_true", help="print the ranking as JSON")
    p.add_argument("--model", metavar="PATH", help="model file written by --train (or ConvVSE.save)")
    train = p.add_argument_group("training (--train: fit a model on the toy world and save it to --model)")
    train.add_argument("--train", action="store_true", help="train a model first (then search if a query is given)")
    train.add_argument("--n-images", type=int, default=800, help="toy images to generate (default 800)")
    train.add_argument("--image-size", type=int, default=64, help="toy image side in pixels (default 64)")
    train.add_argument("--epochs", type=int, default=15, help="training epochs (default 15)")
    train.add_argument("--hidden", type=int, default=512, help="hidden width of the text model's network (default 512)")
    train.add_argument("--k-blocks", type=int, default=5, help="region-embedding blocks k (default 5)")
    train.add_argument("--label-vectors", choices=("glove", "toy"), default="glove", help="label word vectors")
    train.add_argument("--seed", type=int, default=0, help="seed of the world and the training (default 0)")
    p.set_defaults(func=run)


def run(args) -> int:
    from tagbook.apps.search_model import SearchError

    try:
        return _run(args)
    except SearchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _run(args) -> int:
    from tagbook.apps.search_model import (
        QueryError, SearchError, SpatialQuery, load_image_source, load_search_model, search_images,
        search_label_vectors, toy_test_images,
    )

    if args.k < 1:
        raise SearchError(f"--k must be a positive number, got {args.k}")
    if not args.model:
        raise SearchError("no model given: pass --model PATH (create one with: tagbook search toy --train --model PATH)")
    if args.text is not None:
        return _run_text(args)
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
            search_label_vectors(query, {"label_vectors": args.label_vectors})
        _train(args)
    model, meta = load_search_model(args.model)
    if query is None:
        return 0
    vectors = search_label_vectors(query, meta)
    images, names, failed = (None, None, 0) if args.source == "toy" else load_image_source(args.source)
    if images is None:
        images, names, world = toy_test_images(meta)
    else:
        world = None
    hits = search_images(model, images, names, query, vectors, args.k)
    _print_hits(hits, query, args.json, world)
    return 1 if failed else 0  # as annotate: the readable images are ranked, the status says some were not


def _run_text(args) -> int:
    from tagbook.apps.search_model import SearchError, load_text_model, search_text, train_text_model

    if args.where or args.where_not:
        raise SearchError("--text searches by words; it cannot be combined with --where/--not")
    if args.source != "toy":
        raise SearchError("--text searches the toy world's test images: use SOURCE 'toy'")
    if not args.text.split():
        raise SearchError("empty --text query: give at least one word")
    if args.train:
        for name in ("n_images", "epochs", "hidden"):
            if getattr(args, name) < 1:
                raise SearchError(f"--{name.replace('_', '-')} must be a positive number, got {getattr(args, name)}")
        try:
            train_text_model(args.model, n_images=args.n_images, epochs=args.epochs, world_seed=args.seed,
                             hidden=args.hidden)
        except (TypeError, ValueError) as exc:
            raise SearchError(str(exc)) from None
        print(f"saved the model to {args.model}", file=sys.stderr)
    model, meta = load_text_model(args.model)
    hits, words = search_text(model, meta, args.text, args.k)
    world = _toy_world(meta)
    _print_hits(hits, " ".join(w["word"] for w in words), args.json, world, words)
    return 0


@functools.lru_cache(maxsize=2)
def _toy_world_of(n_images: int, seed: int):
    from tagbook.world import WorldConfig, make_world

    return make_world(WorldConfig(n_images=n_images, seed=seed), progress=False)


def _toy_world(meta: dict):
    """The toy world a text model was trained on (made once per process)."""
    return _toy_world_of(int(meta["world"]["n_images"]), int(meta["world"]["seed"]))


def _train(args) -> None:
    from tagbook.apps.search_model import SearchError, train_toy_model
    from tagbook.methods.vse.conv import ConvVSEConfig

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


# -- output ---------------------------------------------------------------------------------
def _print_hits(hits, query, as_json: bool, world, words=None) -> None:
    from tagbook.apps.search_model import describe_toy_image

    rows = [
        {"rank": r, "image": name, "score": round(score, 6),
         **({"content": describe_toy_image(world, name)} if world is not None else {}),
         **({"tags": list(world.tags[int(name.split(":", 1)[1])])} if world is not None and words is not None else {})}
        for r, (_, name, score) in enumerate(hits, start=1)
    ]
    if as_json:
        extra = {"words": words} if words is not None else {}
        print(json.dumps({"query": str(query), **extra, "results": rows}, ensure_ascii=False, indent=2))
        return
    print(f"query: {query}")
    for w in words or []:
        status = "a training tag" if w["training tag"] else "never a training tag (vector from the OOV update)"
        print(f"  {w['word']}: {status}")
    for row in rows:
        extra = f"  {row['content']}" if "content" in row else ""
        if "tags" in row:
            extra += f"  [tags: {', '.join(row['tags'][:8])}]"
        print(f"{row['rank']:>3}  {row['score']:+.4f}  {row['image']}{extra}")
