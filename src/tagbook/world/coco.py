"""Export a toy world as PNG files plus COCO-style JSON readable by ``pycocotools``.

Layout of the output folder::

    images/000000.png ...
    annotations/instances.json      images, categories (with supercategory), instance
                                    annotations (RLE segmentation of the visible pixels, bbox,
                                    area, iscrowd=0, attributes), scene, split and tags per image
    annotations/captions_en.json    COCO caption format, one file per language (en, zh, de, ja)
    annotations/labels.json         the full label vocabulary with names in four languages
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from tagbook.world.captions import LANGS
from tagbook.world.concepts import CATEGORIES, CATEGORY_INFO
from tagbook.world.world import ToyWorld


def _rle(mask: np.ndarray) -> dict:
    from pycocotools import mask as mask_utils

    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(s) for s in rle["size"]], "counts": rle["counts"].decode("ascii")}


def category_ids() -> dict[str, int]:
    """COCO category id (1-based, stable) of every object category key."""
    return {key: j for j, key in enumerate(CATEGORIES, start=1)}


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def export_coco(world: ToyWorld, out: str | Path, progress: bool = True) -> dict[str, Path]:
    """Write ``world`` under ``out`` (created if missing); returns the paths written, by role."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {out} exists and is not a folder")
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "annotations").mkdir(parents=True, exist_ok=True)
    cfg = world.config
    split_of = {int(i): name for name, idx in world.splits.items() for i in idx}
    cat_ids = category_ids()
    info = {
        "description": "tagbook toy world",
        "version": str(cfg),
        "n_images": cfg.n_images, "seed": cfg.seed, "image_size": cfg.image_size,
    }
    images, annotations = [], []
    ann_id = 1
    for i in tqdm(range(len(world)), desc="export", unit="img", disable=not progress):
        file_name = f"{i:06d}.png"
        Image.fromarray(world.images[i]).save(out / "images" / file_name, compress_level=1)
        images.append({
            "id": i, "file_name": file_name, "width": cfg.image_size, "height": cfg.image_size,
            "scene": world.scenes[i], "split": split_of[i], "tags": world.tags[i],
        })
        for o in world.objects[i]:
            annotations.append({
                "id": ann_id, "image_id": i, "category_id": cat_ids[o.category],
                "segmentation": _rle(world.instance_masks[i] == o.instance_id),
                "area": int(o.area), "bbox": [int(v) for v in o.bbox], "iscrowd": 0,
                "attributes": {"colour": o.colour, "size": o.size, "position": o.position, "instance_id": o.instance_id},
            })
            ann_id += 1
    categories = [
        {"id": cat_ids[k], "name": k, "supercategory": CATEGORY_INFO[k].group, "names": dict(c.names), "wnid": c.wnid}
        for k, c in CATEGORIES.items()
    ]
    paths = {"images": out / "images", "instances": out / "annotations" / "instances.json"}
    _write_json(paths["instances"], {"info": info, "licenses": [], "images": images, "annotations": annotations, "categories": categories})
    for lang in LANGS:
        caps = []
        for i in range(len(world)):
            for j, text in enumerate(world.captions[lang][i]):
                caps.append({"id": len(caps) + 1, "image_id": i, "caption": text, "tokens": world.caption_tokens[lang][i][j]})
        paths[f"captions_{lang}"] = out / "annotations" / f"captions_{lang}.json"
        _write_json(paths[f"captions_{lang}"], {"info": {**info, "language": lang}, "licenses": [], "images": images, "annotations": caps})
    paths["labels"] = out / "annotations" / "labels.json"
    _write_json(paths["labels"], {"labels": [
        {"key": lab.key, "kind": lab.kind, "names": dict(lab.names), "wnid": lab.wnid, "group": lab.group} for lab in world.vocabulary
    ]})
    return paths
