"""Batched extraction of pooled features, conv maps and ImageNet probabilities, with a disk cache.

The cache is keyed by what the features depend on (backbone, weights, extraction path,
preprocessing) and by the content of the images (SHA-256 of their pixels), never by file names.
Images are cached in chunks of :data:`CACHE_CHUNK` consecutive images (one atomic, checksummed
entry per chunk through :mod:`tagbook.cache`), so the same list of images hits the cache whatever
``batch_size`` was used; a missing, truncated or corrupted entry, or one whose contents do not
match its key, is recomputed and rewritten, never trusted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from tagbook.cache import cache_path, content_hash, content_key, load_arrays, save_arrays
from tagbook.vision.backbones import Backbone, set_torch_threads

KINDS = ("pooled", "conv", "probs")
CACHE_CHUNK = 64
CACHE_NAMESPACE = "features"
CACHE_FORMAT = 1


@dataclass
class Features:
    """Features of ``n`` images from one backbone; only the kinds asked for are set.

    ``pooled``: ``(n, D)`` float32, the spatial mean of the last conv maps (the input of the
    ImageNet head); ``conv``: ``(n, D, g, g)`` float32 last conv maps; ``probs``: ``(n, 1000)``
    float32 softmax of the ImageNet logits. ``image_keys``: content hash of each image.
    """

    backbone: str
    pooled: np.ndarray | None = None
    conv: np.ndarray | None = None
    probs: np.ndarray | None = None
    image_keys: tuple[str, ...] = field(default=(), repr=False)
    cache_hits: int = 0  # images served from the cache

    def __len__(self) -> int:
        return len(self.image_keys)


# ---------------------------------------------------------------- images in, uint8 RGB out

def as_rgb_uint8(image, where: str = "image") -> np.ndarray:
    """One image as a contiguous ``(H, W, 3)`` uint8 array.

    Accepts a uint8 or bool array ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)`` (alpha dropped), a
    PIL image, or a path to an image file. Anything else is refused with an error naming ``where``.
    """
    if isinstance(image, (str, Path)):
        path = Path(image)
        if not path.is_file():
            raise FileNotFoundError(f"{where}: image file not found: {path}")
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(path) as im:
                return np.ascontiguousarray(np.asarray(im.convert("RGB"), dtype=np.uint8))
        except UnidentifiedImageError as exc:
            raise ValueError(f"{where}: {path} is not an image file PIL can read") from exc
    if hasattr(image, "convert") and hasattr(image, "size") and not isinstance(image, np.ndarray):
        return np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))
    if not isinstance(image, np.ndarray):
        raise TypeError(f"{where}: expected a uint8 array, PIL image or path, got {type(image).__name__}")
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    if image.dtype != np.uint8:
        raise TypeError(f"{where}: pixel arrays must be uint8 (0-255), got dtype {image.dtype}")
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    elif image.ndim == 3 and image.shape[2] == 4:
        image = image[:, :, :3]
    elif image.ndim == 3 and image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    if image.ndim != 3 or image.shape[2] != 3 or min(image.shape[:2]) < 1:
        raise ValueError(f"{where}: expected shape (H, W, 3), got {image.shape}")
    return np.ascontiguousarray(image)


def as_image_list(images) -> list[np.ndarray]:
    """A batch ``(N, H, W, 3)`` uint8 array, or a sequence of images, as a list of RGB arrays."""
    if isinstance(images, np.ndarray):
        if images.ndim not in (3, 4):
            raise ValueError(f"images: expected an array (N, H, W, 3) or (N, H, W), got shape {images.shape}")
        return [as_rgb_uint8(im, f"images[{i}]") for i, im in enumerate(images)]
    if isinstance(images, (str, Path)) or hasattr(images, "convert"):
        raise TypeError("images: pass a list of images (or an (N, H, W, 3) array), not a single image")
    if not isinstance(images, Iterable):
        raise TypeError(f"images: expected an array or a sequence of images, got {type(images).__name__}")
    return [as_rgb_uint8(im, f"images[{i}]") for i, im in enumerate(images)]


def image_key(image: np.ndarray) -> str:
    """SHA-256 (first 32 hex digits) of a uint8 RGB image's shape and pixels.

    The recipe is fixed (cached features are keyed by it): the ASCII bytes of ``repr(image.shape)``
    followed by the C-order pixel bytes, through :func:`tagbook.cache.content_hash`.
    """
    return content_hash((repr(image.shape).encode("ascii"), np.ascontiguousarray(image).tobytes()), 32)


# ---------------------------------------------------------------- the forward pass

@torch.inference_mode()
def forward_batch(backbone: Backbone, images: Sequence[np.ndarray], center_crop: bool = True,
                  with_conv: bool = True) -> dict[str, np.ndarray]:
    """Preprocess and run one batch: ``pooled``, ``probs`` and (with ``with_conv``) ``conv``."""
    x = backbone.preprocessing_for(center_crop).batch(images)
    conv, logits = backbone.conv_and_logits(x)
    out = {
        "pooled": conv.mean(dim=(2, 3)).numpy().astype(np.float32, copy=False),
        "probs": torch.softmax(logits, dim=1).numpy().astype(np.float32, copy=False),
    }
    if with_conv:
        out["conv"] = conv.numpy().astype(np.float32, copy=False)
    return out


def _chunk_path(cache_root: Path | None, backbone: Backbone, center_crop: bool, keys: list[str]) -> Path:
    key = content_key({"format": CACHE_FORMAT, **backbone.cache_identity(center_crop), "images": keys}, length=32)
    if cache_root is None:
        return cache_path(CACHE_NAMESPACE, key)
    return Path(cache_root) / f"{key}.npz"


def _valid_entry(entry, keys: list[str], backbone: Backbone, need: set[str]) -> dict[str, np.ndarray] | None:
    """The entry's arrays when they hold exactly these images with the right shapes, else None."""
    if entry is None:
        return None
    arrays, meta = entry
    if meta.get("images") != keys or meta.get("backbone") != backbone.name:
        return None
    n = len(keys)
    shapes = {
        "pooled": (n, backbone.feature_dim),
        "probs": (n, backbone.n_classes),
        "conv": (n, backbone.feature_dim, backbone.conv_size, backbone.conv_size),
    }
    for kind in need:
        a = arrays.get(kind)
        if a is None or a.dtype != np.float32 or a.shape != shapes[kind] or not np.isfinite(a).all():
            return None
    return arrays


def _resolve_cache(cache) -> tuple[bool, Path | None]:
    if cache is True:
        return True, None
    if cache is False or cache is None:
        return False, None
    if isinstance(cache, (str, Path)):
        return True, Path(cache)
    raise TypeError(f"cache must be True, False or a folder path, got {cache!r}")


def extract_features(
    backbone: Backbone,
    images,
    kinds: Sequence[str] = ("pooled",),
    batch_size: int = 4,
    cache=True,
    progress: bool = True,
    center_crop: bool = True,
    conv_grid: int | None = None,
) -> Features:
    """Features of ``images`` from ``backbone`` (see :class:`Features`).

    ``images``: a uint8 array ``(N, H, W, 3)`` (or ``(N, H, W)``) or a list of uint8 arrays, PIL
    images or paths, of any sizes. ``kinds``: any of ``"pooled"``, ``"conv"``, ``"probs"``.
    ``batch_size``: images per forward pass (small batches are fastest on a few CPU cores:
    ``benchmarks/bench_backbones.py`` measured Lite0 at about 62-83 img/s in batches of 4 and
    41-52 img/s in batches of 32 on 2 cores; the features do not depend on it). ``cache``: ``True`` (the default folder,
    ``$TAGBOOK_CACHE/features``), ``False``, or a folder. ``center_crop``: the backbone's
    evaluation crop (``False`` resizes the whole image). ``conv_grid``: average-pool the conv
    maps to ``conv_grid x conv_grid`` cells (``None`` keeps the backbone's own grid: 7 for Lite0
    at 224 px, 8 for Lite1, 9 for Lite2).
    """
    if not isinstance(backbone, Backbone):
        raise TypeError(f"backbone must come from load_backbone(), got {type(backbone).__name__}")
    if isinstance(kinds, str):
        kinds = (kinds,)
    kinds = tuple(dict.fromkeys(kinds))
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise ValueError(f"kinds must be a non-empty subset of {KINDS}, got {kinds!r}")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if conv_grid is not None and (not isinstance(conv_grid, (int, np.integer)) or conv_grid < 1):
        raise ValueError(f"conv_grid must be a positive int or None, got {conv_grid!r}")
    use_cache, cache_root = _resolve_cache(cache)
    set_torch_threads()

    rgb = as_image_list(images)
    keys = [image_key(im) for im in rgb]
    need = set(kinds) | {"pooled", "probs"}  # cheap to keep; conv only when asked
    parts: dict[str, list[np.ndarray]] = {k: [] for k in kinds}
    hits = 0
    bar = tqdm(total=len(rgb), desc=f"{backbone.name} features", unit="img", disable=not progress)
    for start in range(0, len(rgb), CACHE_CHUNK):
        chunk, chunk_keys = rgb[start : start + CACHE_CHUNK], keys[start : start + CACHE_CHUNK]
        arrays = None
        if use_cache:
            path = _chunk_path(cache_root, backbone, center_crop, chunk_keys)
            arrays = _valid_entry(load_arrays(path), chunk_keys, backbone, need)
        if arrays is not None:
            hits += len(chunk)
            bar.update(len(chunk))
        else:
            pieces: dict[str, list[np.ndarray]] = {k: [] for k in need}
            for b in range(0, len(chunk), int(batch_size)):
                out = forward_batch(backbone, chunk[b : b + int(batch_size)], center_crop, "conv" in need)
                for k in need:
                    pieces[k].append(out[k])
                bar.update(len(chunk[b : b + int(batch_size)]))
            arrays = {k: np.concatenate(v) for k, v in pieces.items()}
            if use_cache:
                meta = {"backbone": backbone.name, "images": chunk_keys, **backbone.cache_identity(center_crop)}
                save_arrays(path, arrays, meta)
        for k in kinds:
            parts[k].append(arrays[k])
    bar.close()

    feats = Features(backbone=backbone.name, image_keys=tuple(keys), cache_hits=hits)
    for k in kinds:
        if parts[k]:
            value = np.concatenate(parts[k])
        else:  # no images
            value = _empty(backbone, k)
        if k == "conv" and conv_grid is not None and value.shape[-1] != conv_grid:
            value = F.adaptive_avg_pool2d(torch.from_numpy(value), conv_grid).numpy()
        setattr(feats, k, np.ascontiguousarray(value, dtype=np.float32))
    return feats


def _empty(backbone: Backbone, kind: str) -> np.ndarray:
    g = backbone.conv_size
    shape = {"pooled": (0, backbone.feature_dim), "probs": (0, backbone.n_classes),
             "conv": (0, backbone.feature_dim, g, g)}[kind]
    return np.zeros(shape, dtype=np.float32)
