"""Generating the toy world: configuration, per-image generation, the ToyWorld record, caching.

Image ``i`` of a world is generated from its own generator ``default_rng([seed, i, ...])``, so a
world is deterministic in ``(seed, n_images, image_size, ugc_tags)`` whatever the number of
worker processes, and the first ``n`` images of a larger world equal a world of ``n`` images.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Iterable

import numpy as np
from tqdm import tqdm

from tagbook.cache import cache_path, content_key, load_arrays, save_arrays
from tagbook.world.captions import LANGS, CaptionSpec, image_captions
from tagbook.world.concepts import CATEGORIES, CATEGORY_INFO, COLOURS, POSITIONS, REGIONS, SCENES, SIZES
from tagbook.world.drawing import DRAWERS, Placed, background, render
from tagbook.world.subtypes import draw_subtypes, subtype, subtype_keys
from tagbook.world.types import Label, ObjectInstance, ZeroShotSplit
from tagbook.world.ugc import UGC_VOCABULARY_SIZE, image_tags

GENERATOR_VERSION = 1  # bump when generation changes, so cached worlds are not reused
N_CAPTIONS = 5
MAX_IMAGES = 200_000
MIN_SIZE, MAX_SIZE = 64, 224
SMALL_AREA, LARGE_AREA = 0.03, 0.09  # visible-area fractions separating small / medium / large
OBJECT_COUNTS, OBJECT_COUNT_P = (1, 2, 3, 4), (0.3, 0.35, 0.22, 0.13)
OUT_OF_CONTEXT_P = 0.1  # chance that an object comes from any category, not the scene's usual ones
REPEAT_P = 0.25  # chance that an object repeats an earlier category (counting in captions)
MIN_VISIBLE_FRACTION = 0.3  # an object hidden more than this is left out and the image redrawn


@dataclass(frozen=True)
class WorldConfig:
    """What a world is made of. Frozen; validated on construction."""

    n_images: int = 400
    seed: int = 0
    image_size: int = 64
    ugc_tags: bool = True
    split_fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)
    fine_grained: bool = False  # opt-in: each object gets a subtype (tagbook.world.subtypes), drawn visibly

    def __post_init__(self) -> None:
        def integer(name, lo, hi):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"WorldConfig.{name} must be an int, got {type(value).__name__} {value!r}")
            if not lo <= value <= hi:
                raise ValueError(f"WorldConfig.{name} must lie in [{lo}, {hi}], got {value}")
            object.__setattr__(self, name, int(value))

        integer("n_images", 1, MAX_IMAGES)
        integer("seed", 0, 2**32 - 1)
        integer("image_size", MIN_SIZE, MAX_SIZE)
        if not isinstance(self.ugc_tags, bool):
            raise TypeError(f"WorldConfig.ugc_tags must be a bool, got {self.ugc_tags!r}")
        if not isinstance(self.fine_grained, bool):
            raise TypeError(f"WorldConfig.fine_grained must be a bool, got {self.fine_grained!r}")
        fractions = tuple(float(f) for f in self.split_fractions)
        if len(fractions) != 3 or min(fractions) < 0 or abs(sum(fractions) - 1) > 1e-9:
            raise ValueError(f"WorldConfig.split_fractions must be three non-negative numbers summing to 1, got {self.split_fractions!r}")
        object.__setattr__(self, "split_fractions", fractions)


# --------------------------------------------------------------------------------------------
# One image
# --------------------------------------------------------------------------------------------


def region_of(cx: float, cy: float, size: int) -> str:
    """The 3 x 3 grid region of a point (pixels): thirds of the image side."""
    col = "left" if cx < size / 3 else "right" if cx >= 2 * size / 3 else ""
    row = "top" if cy < size / 3 else "bottom" if cy >= 2 * size / 3 else ""
    return " ".join(p for p in (row, col) if p) or "centre"


def size_of(area: int, size: int) -> str:
    frac = area / (size * size)
    return "small" if frac < SMALL_AREA else "large" if frac >= LARGE_AREA else "medium"


def _choose_categories(scene: str, rng: np.random.Generator) -> list[str]:
    usual = [c for c, info in CATEGORY_INFO.items() if scene in info.scenes]
    every = list(CATEGORIES)
    chosen: list[str] = []
    for _ in range(int(rng.choice(OBJECT_COUNTS, p=OBJECT_COUNT_P))):
        if chosen and rng.random() < REPEAT_P:
            chosen.append(chosen[int(rng.integers(len(chosen)))])
        elif rng.random() < OUT_OF_CONTEXT_P:
            chosen.append(every[int(rng.integers(len(every)))])
        else:
            chosen.append(usual[int(rng.integers(len(usual)))])
    return chosen


def _overlap(a, b) -> float:
    ax0, ay0, aw, ah = a
    bx0, by0, bw, bh = b
    ix = max(0.0, min(ax0 + aw, bx0 + bw) - max(ax0, bx0))
    iy = max(0.0, min(ay0 + ah, by0 + bh) - max(ay0, by0))
    return ix * iy / min(aw * ah, bw * bh)


def _place(categories: list[str], horizon: float, size: int, rng: np.random.Generator,
           subtypes: list[str] | None = None) -> list[Placed]:
    placed: list[Placed] = []
    ground_top = min(horizon + 0.12, 0.55) * size
    for n, category in enumerate(categories):
        drawer, info = DRAWERS[category], CATEGORY_INFO[category]
        sub = subtypes[n] if subtypes is not None else None
        aspect = drawer.aspect * (subtype(sub).aspect if sub is not None else 1.0)
        for _ in range(25):
            h = rng.uniform(*drawer.scale) * size
            w = h * aspect
            if w > 0.95 * size:
                w, h = 0.95 * size, 0.95 * size / aspect
            x0 = rng.uniform(0, size - w)
            if info.zone == "sky":
                y0 = rng.uniform(0, max(1.0, min(0.5 * size, horizon * size) - 0.5 * h))
            elif info.zone in ("ground", "water"):
                bottom = rng.uniform(min(ground_top + h, size), size)
                y0 = bottom - h
            else:
                y0 = rng.uniform(0, size - h)
            box = (float(x0), float(y0), float(w), float(h))
            if all(_overlap(box, other.box) <= 0.3 for other in placed):
                colours = info.colours
                weights = np.array([2.0] + [1.0] * (len(colours) - 1))
                colour = colours[int(rng.choice(len(colours), p=weights / weights.sum()))]
                rgb = np.array(COLOURS[colour].extra["rgb"]) + rng.integers(-14, 15, 3)
                placed.append(Placed(
                    category, colour, tuple(int(v) for v in np.clip(rgb, 0, 255)), box,
                    flip=bool(rng.random() < 0.5), angle=float(rng.normal(0, 0.1)), shape_seed=int(rng.integers(2**31)),
                    subtype=sub,
                ))
                break
    # back to front: sky objects first, then by the bottom edge (farther objects are higher up)
    placed.sort(key=lambda p: (CATEGORY_INFO[p.category].zone != "sky", p.box[1] + p.box[3]))
    return placed


def _measure(mask: np.ndarray, placed: list[Placed]) -> list[ObjectInstance]:
    size = mask.shape[0]
    flat = mask.ravel()
    k_max = len(placed) + 1
    counts = np.bincount(flat, minlength=k_max)
    idx = np.arange(flat.size)
    sum_x = np.bincount(flat, weights=(idx % size) + 0.5, minlength=k_max)
    sum_y = np.bincount(flat, weights=(idx // size) + 0.5, minlength=k_max)
    objects = []
    for k, obj in enumerate(placed, start=1):
        m = mask == k
        rows, cols = np.flatnonzero(m.any(axis=1)), np.flatnonzero(m.any(axis=0))
        cx, cy = sum_x[k] / counts[k], sum_y[k] / counts[k]
        objects.append(ObjectInstance(
            category=obj.category, colour=obj.colour, size=size_of(int(counts[k]), size),
            position=region_of(cx, cy, size),
            bbox=(int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)),
            instance_id=k, area=int(counts[k]), centroid=(float(cx), float(cy)), subtype=obj.subtype,
        ))
    return objects


def generate_image(config: WorldConfig, index: int) -> dict:
    """Everything about image ``index`` of a world: pixels, mask, objects, captions, tags."""
    size = config.image_size
    rng = np.random.default_rng([config.seed, index, 0x7AB])
    scene = list(SCENES)[int(rng.integers(len(SCENES)))]
    categories = _choose_categories(scene, rng)
    bg, horizon = background(scene, size, rng)
    subtypes = draw_subtypes(categories, config.seed, index) if config.fine_grained else None
    placed = _place(categories, horizon, size, rng, subtypes)
    min_pixels = max(6, int(0.0015 * size * size))
    for _ in range(len(placed) + 1):
        image, mask, drawn = render(bg, placed, rng)
        visible = np.bincount(mask.ravel(), minlength=len(placed) + 1)[1:]
        keep = [k for k in range(len(placed)) if visible[k] >= max(min_pixels, MIN_VISIBLE_FRACTION * drawn[k])]
        if len(keep) == len(placed):
            break
        if not keep:  # keep the most visible object at least
            keep = [int(np.argmax(visible))]
        placed = [placed[k] for k in keep]
    objects = _measure(mask, placed)
    specs, captions, tokens = image_captions(objects, scene, size, rng, N_CAPTIONS)
    tags = image_tags(objects, scene, rng) if config.ugc_tags else []
    return dict(image=image, mask=mask, objects=objects, scene=scene, specs=specs, captions=captions, tokens=tokens, tags=tags)


def _generate_chunk(args) -> list[dict]:
    config, indices = args
    return [generate_image(config, i) for i in indices]


# --------------------------------------------------------------------------------------------
# The world
# --------------------------------------------------------------------------------------------


def label_vocabulary() -> list[Label]:
    """Objects (every category), then scenes, then attributes (colours, sizes, positions)."""
    labels = [Label(k, "object", dict(c.names), c.wnid, CATEGORY_INFO[k].group) for k, c in CATEGORIES.items()]
    labels += [Label(k, "scene", dict(t.names), t.wnid) for k, t in SCENES.items()]
    for group, table in (("colour", COLOURS), ("size", SIZES), ("position", POSITIONS)):
        labels += [Label(k, "attribute", dict(t.names), t.wnid, group) for k, t in table.items()]
    return labels


@dataclass
class ToyWorld:
    """A generated world. See the package docstring for the meaning of every field."""

    config: WorldConfig
    images: np.ndarray  # (N, H, W, 3) uint8
    instance_masks: np.ndarray  # (N, H, W) uint8, 0 background, k the k-th object (1-based)
    objects: list[list[ObjectInstance]]
    scenes: list[str]
    captions: dict[str, list[list[str]]]
    caption_tokens: dict[str, list[list[list[str]]]]
    caption_specs: list[list[CaptionSpec]]
    tags: list[list[str]]
    splits: dict[str, np.ndarray]
    vocabulary: list[Label] = field(default_factory=label_vocabulary)

    def __post_init__(self) -> None:
        self.label_index = {label.key: j for j, label in enumerate(self.vocabulary)}
        self.label_matrix = self._label_matrix()

    def __len__(self) -> int:
        return len(self.scenes)

    @property
    def ugc_vocabulary_size(self) -> int:
        return UGC_VOCABULARY_SIZE

    def image_labels(self, i: int) -> list[str]:
        """Label keys of image ``i``: its object categories, its scene and its attributes."""
        keys = [o.category for o in self.objects[i]] + [self.scenes[i]]
        for o in self.objects[i]:
            keys += [o.colour, o.size, *REGIONS[o.position]]
        return list(dict.fromkeys(keys))

    def _label_matrix(self) -> np.ndarray:
        y = np.zeros((len(self), len(self.vocabulary)), dtype=bool)
        for i in range(len(self)):
            y[i, [self.label_index[k] for k in self.image_labels(i)]] = True
        return y

    def subtype_label_matrix(self) -> tuple[list[str], np.ndarray]:
        """``(keys, matrix)``: every subtype key and the boolean ``(n_images, n_subtypes)`` matrix of
        the subtypes each image shows (a world made with ``fine_grained=True`` only)."""
        if not self.config.fine_grained:
            raise ValueError("this world has no subtypes: make it with WorldConfig(fine_grained=True)")
        keys = subtype_keys()
        column = {k: j for j, k in enumerate(keys)}
        y = np.zeros((len(self), len(keys)), dtype=bool)
        for i, objs in enumerate(self.objects):
            for o in objs:
                y[i, column[o.subtype]] = True
        return keys, y

    def labels_of_kind(self, kind: str) -> list[str]:
        if kind not in ("object", "scene", "attribute"):
            raise ValueError(f"kind must be object, scene or attribute, got {kind!r}")
        return [label.key for label in self.vocabulary if label.kind == kind]

    def label_names(self, lang: str = "en", keys: Iterable[str] | None = None) -> list[str]:
        """Names of labels (all, or the given keys) in one language."""
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; choose one of {LANGS}")
        keys = [label.key for label in self.vocabulary] if keys is None else list(keys)
        return [self.vocabulary[self.label_index[k]].names[lang] for k in keys]

    def object_counts(self) -> dict[str, int]:
        """Number of images containing each object category (all categories, zeros included)."""
        cols = [self.label_index[k] for k in CATEGORIES]
        return dict(zip(CATEGORIES, self.label_matrix[:, cols].sum(axis=0).tolist()))

    def zero_shot_split(self, n_unseen: int = 10, seed: int = 0) -> ZeroShotSplit:
        """Hold ``n_unseen`` object labels out of training.

        Unseen labels are drawn (with ``seed``) among the object categories present in the world.
        ``train_idx``: images of the train and val splits carrying no unseen label.
        ``test_idx``: every image carrying at least one unseen label.
        ``seen``: the other object categories.
        """
        present = [k for k, n in self.object_counts().items() if n > 0]
        if isinstance(n_unseen, bool) or not isinstance(n_unseen, (int, np.integer)) or not 1 <= n_unseen < len(present):
            raise ValueError(f"n_unseen must be an int in [1, {len(present) - 1}] (object categories present: {len(present)}), got {n_unseen!r}")
        rng = np.random.default_rng([seed, 0x25])
        unseen = sorted(present[j] for j in rng.choice(len(present), size=int(n_unseen), replace=False))
        seen = [k for k in CATEGORIES if k not in unseen]
        has_unseen = self.label_matrix[:, [self.label_index[k] for k in unseen]].any(axis=1)
        trainable = np.zeros(len(self), dtype=bool)
        trainable[np.concatenate([self.splits["train"], self.splits["val"]])] = True
        return ZeroShotSplit(seen, unseen, np.flatnonzero(trainable & ~has_unseen), np.flatnonzero(has_unseen))

    # -- persistence -------------------------------------------------------------------------

    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict]:
        arrays = {"images": self.images, "instance_masks": self.instance_masks, **{f"split_{k}": v for k, v in self.splits.items()}}
        meta = {
            "config": config_record(self.config),
            "version": GENERATOR_VERSION,
            "objects": [[[o.category, o.colour, o.size, o.position, list(o.bbox), o.instance_id, o.area, list(o.centroid)]
                         + ([o.subtype] if self.config.fine_grained else []) for o in objs] for objs in self.objects],
            "scenes": self.scenes,
            "captions": self.captions,
            "caption_tokens": self.caption_tokens,
            "caption_specs": [[s.to_dict() for s in specs] for specs in self.caption_specs],
            "tags": self.tags,
        }
        return arrays, meta

    @classmethod
    def from_arrays(cls, config: WorldConfig, arrays: dict[str, np.ndarray], meta: dict) -> "ToyWorld":
        objects = [
            [ObjectInstance(c, col, s, p, tuple(b), k, a, tuple(ct), *rest) for c, col, s, p, b, k, a, ct, *rest in objs]
            for objs in meta["objects"]
        ]
        return cls(
            config=config, images=arrays["images"], instance_masks=arrays["instance_masks"], objects=objects,
            scenes=meta["scenes"], captions=meta["captions"], caption_tokens=meta["caption_tokens"],
            caption_specs=[[CaptionSpec.from_dict(d) for d in specs] for specs in meta["caption_specs"]],
            tags=meta["tags"], splits={k: arrays[f"split_{k}"] for k in ("train", "val", "test")},
        )


def _splits(config: WorldConfig) -> dict[str, np.ndarray]:
    order = np.random.default_rng([config.seed, 0x5B]).permutation(config.n_images)
    n_train = int(round(config.split_fractions[0] * config.n_images))
    n_val = int(round(config.split_fractions[1] * config.n_images))
    return {
        "train": np.sort(order[:n_train]),
        "val": np.sort(order[n_train:n_train + n_val]),
        "test": np.sort(order[n_train + n_val:]),
    }


def generate_world(config: WorldConfig, workers: int | None = None, progress: bool = True) -> ToyWorld:
    """Generate a world (no cache).

    ``workers``: processes to use (default 1). Every image has its own generator, so the world
    is the same for any number of workers; on a 2-core machine shared with other work one
    process was measured faster than two (benchmarks/bench_world.py).
    """
    n = config.n_images
    workers = 1 if workers is None else int(workers)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    chunks = [range(start, min(n, start + 250)) for start in range(0, n, 250)]
    bar = tqdm(total=n, desc="toy world", unit="img", disable=not progress)
    records: list[dict] = []
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for chunk in pool.map(_generate_chunk, [(config, c) for c in chunks]):
                records += chunk
                bar.update(len(chunk))
    else:
        for c in chunks:
            records += _generate_chunk((config, c))
            bar.update(len(c))
    bar.close()
    size = config.image_size
    images = np.empty((n, size, size, 3), np.uint8)
    masks = np.empty((n, size, size), np.uint8)
    for i, r in enumerate(records):
        images[i], masks[i] = r["image"], r["mask"]
    return ToyWorld(
        config=config, images=images, instance_masks=masks, objects=[r["objects"] for r in records],
        scenes=[r["scene"] for r in records],
        captions={lang: [r["captions"][lang] for r in records] for lang in LANGS},
        caption_tokens={lang: [r["tokens"][lang] for r in records] for lang in LANGS},
        caption_specs=[r["specs"] for r in records], tags=[r["tags"] for r in records], splits=_splits(config),
    )


def config_record(config: WorldConfig) -> dict:
    """The configuration as stored and hashed: ``fine_grained`` appears only when set, so a world
    made without subtypes keeps the cache key (and the stored record) it had before the field existed."""
    record = asdict(config)
    if not config.fine_grained:
        record.pop("fine_grained")
    return record


def world_cache_path(config: WorldConfig):
    return cache_path("world", content_key({"config": config_record(config), "version": GENERATOR_VERSION}))


def make_world(config: WorldConfig | None = None, cache: bool = True, workers: int | None = None, progress: bool = True) -> ToyWorld:
    """The world of ``config``: read from the on-disk cache when a verified entry exists,
    otherwise generated (and, with ``cache=True``, stored atomically for next time)."""
    config = WorldConfig() if config is None else config
    if not isinstance(config, WorldConfig):
        raise TypeError(f"config must be a WorldConfig, got {type(config).__name__}")
    path = world_cache_path(config)
    if cache:
        loaded = load_arrays(path)
        if loaded is not None:
            arrays, meta = loaded
            if meta.get("version") == GENERATOR_VERSION and meta.get("config") == _jsonable(config_record(config)):
                return ToyWorld.from_arrays(config, arrays, meta)
    world = generate_world(config, workers=workers, progress=progress)
    if cache:
        save_arrays(path, *world.to_arrays())
    return world


def _jsonable(d: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}
