"""`tagbook world export`: write the toy world as PNG images and COCO-style JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "world",
        help="generate the toy world and export it (PNG + COCO JSON)",
        description="The procedurally generated, multilingual toy world the book runs on.",
    )
    sub = p.add_subparsers(dest="world_command", metavar="ACTION", required=True)
    e = sub.add_parser(
        "export",
        help="write the world as PNG files plus COCO-style JSON (instances, captions per language, labels)",
        description=(
            "Generate (or read from the cache) a toy world and write images/NNNNNN.png, "
            "annotations/instances.json (RLE masks, bbox, area, categories with supercategory, "
            "tags), annotations/captions_{en,zh,de,ja}.json and annotations/labels.json under --out."
        ),
        epilog="example: tagbook world export --n-images 200 --seed 1 --image-size 96 --out toy_coco",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    e.add_argument("--n-images", type=int, default=400, help="number of images (1 to 200000; default 400)")
    e.add_argument("--seed", type=int, default=0, help="random seed (0 to 2**32-1; default 0)")
    e.add_argument("--image-size", type=int, default=64, help="image side in pixels (64 to 224; default 64)")
    e.add_argument("--out", required=True, help="output folder (created if missing)")
    e.add_argument("--no-tags", action="store_true", help="leave out the noisy user tags")
    e.add_argument("--no-cache", action="store_true", help="do not read or write the on-disk world cache")
    e.set_defaults(func=export)


def export(args) -> int:
    from tagbook.world import WorldConfig, make_world
    from tagbook.world.coco import export_coco

    names = {"n_images": "--n-images", "seed": "--seed", "image_size": "--image-size"}
    try:
        config = WorldConfig(n_images=args.n_images, seed=args.seed, image_size=args.image_size, ugc_tags=not args.no_tags)
    except (TypeError, ValueError) as exc:
        message = str(exc)
        for field, flag in names.items():
            message = message.replace(f"WorldConfig.{field}", flag)
        print(f"error: {message}", file=sys.stderr)
        return 2
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"error: --out {out} exists and is not a folder", file=sys.stderr)
        return 2
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"error: cannot create --out {out}: {exc}", file=sys.stderr)
        return 2
    world = make_world(config, cache=not args.no_cache)
    paths = export_coco(world, out)
    n_ann = sum(len(o) for o in world.objects)
    print(f"wrote {len(world)} images and {n_ann} instance annotations to {out}")
    for role, path in paths.items():
        print(f"  {role:<12} {path}")
    return 0
