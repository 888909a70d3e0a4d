"""Photos as ``tagbook annotate`` reads them: files and folders streamed one image at a time
through the one image reader, decoded no larger than the model needs, in batches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator


@dataclass
class PhotoItem:
    """One image to annotate, or the reason it cannot be."""

    path: str
    image: object = None  # (H, W, 3) uint8 RGB array, dropped once annotated
    error: str | None = None
    labels: list | None = None  # the predictions, once annotated


def iter_photo_items(inputs: Iterable[str], min_side: int | None = None, max_pixels: int | None = None) -> Iterator[PhotoItem]:
    """The images named by ``inputs`` (files and folders), read lazily by
    :func:`tagbook.vision.imageio.iter_images`: one :class:`PhotoItem` per image file, or per input
    that cannot be read, with the reason (``max_pixels``: default :data:`~tagbook.vision.imageio.MAX_PIXELS`)."""
    from tagbook.vision.imageio import MAX_PIXELS, ImageReadError, iter_images

    limit = MAX_PIXELS if max_pixels is None else max_pixels
    for path, image in iter_images(list(inputs), min_side=min_side, max_pixels=limit):
        if isinstance(image, ImageReadError):
            yield PhotoItem(str(path), error=image.reason)
        else:
            yield PhotoItem(str(path), image=image)


def decode_min_side(backbone: str) -> int:
    """The shorter side a photo needs for ``backbone``'s centre crop: its input size plus the crop
    margin (256 px for a 224-px input), so reduced JPEG decoding never goes below the model input."""
    from tagbook.vision.backbones import BACKBONES, Preprocessing

    spec = BACKBONES[backbone]
    preprocessing = Preprocessing(spec.input_size, spec.mean, spec.std)
    return preprocessing.size + preprocessing.crop_padding


def batches(items: Iterator[PhotoItem], size: int) -> Iterator[list[PhotoItem]]:
    """``items`` in lists of ``size`` (the last one shorter), consumed lazily."""
    batch: list[PhotoItem] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
