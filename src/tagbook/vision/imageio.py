"""One image reader for the whole library: image files in, ``(H, W, 3)`` uint8 RGB arrays out.

```python
from tagbook.vision.imageio import ImageReadError, iter_images, read_image
image = read_image("photo.jpg", min_side=256)          # reduced JPEG decoding, EXIF orientation applied
for path, image in iter_images(["photo.jpg", "holiday/"]):   # folders expanded, one image at a time
    if isinstance(image, ImageReadError):
        print(f"error: {image}")                          # names the file and says why
```

What is read, and what is refused:

- Files whose suffix (compared in lower case) is one of :data:`IMAGE_SUFFIXES`. A file with
  another suffix is refused with a message saying so; the content decides the format, so a PNG
  saved as ``.jpg`` is read.
- Missing files, folders, files Pillow cannot identify and corrupt or truncated files raise
  :class:`ImageReadError`. A truncated JPEG is an error, never a partly grey image: this module
  never turns Pillow's ``ImageFile.LOAD_TRUNCATED_IMAGES`` on (it must stay off, its default).
- Images of more than ``max_pixels`` pixels (:data:`MAX_PIXELS`, 90 megapixels, by default) are
  refused from their header, before any decoding; Pillow's own decompression-bomb warning and
  error (``Image.MAX_IMAGE_PIXELS``, about 89.5 megapixels; the error at twice that) become
  :class:`ImageReadError` too, so a limit above Pillow's is still capped by Pillow's.
- The EXIF orientation tag is applied (``ImageOps.exif_transpose``), so a phone photo taken
  upright comes out upright.
- Palette, grey, grey+alpha, RGBA, CMYK and 16-bit images become RGB: alpha is dropped (as in
  :func:`tagbook.vision.extract.as_rgb_uint8`), 16-bit and 32-bit integer grey levels keep their
  top 8 bits (the 0-65535 range mapped to 0-255), float grey levels are clipped to 0-255.
  Animated GIF and WebP files give their first frame.

Folders are expanded by :func:`image_files`: their image files, sorted by name, **not recursive**
(sub-folders are left out, as are hidden files whose name starts with ``.``).
"""

from __future__ import annotations

import os
import struct
import warnings
import zlib
from pathlib import Path
from typing import Iterator

import numpy as np

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp")
MAX_PIXELS = 90_000_000  # larger images are refused before decoding (90 megapixels)

# What Pillow raises on a corrupt or truncated file, beyond UnidentifiedImageError.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, KeyError, zlib.error)
_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")


class ImageReadError(ValueError):
    """An image file that cannot be read: ``path`` and ``reason``; the message names both."""

    def __init__(self, path, reason: str):
        self.path = Path(path)
        self.reason = str(reason)
        super().__init__(f"{path}: {reason}")

    def __reduce__(self):
        return type(self), (str(self.path), self.reason)


def has_image_suffix(path) -> bool:
    """Whether ``path`` ends with one of :data:`IMAGE_SUFFIXES` (in any case)."""
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


# ---------------------------------------------------------------- one file

def read_image(path, min_side: int | None = None, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """The image file ``path`` as a contiguous ``(H, W, 3)`` uint8 RGB array, upright.

    ``min_side``: the shorter side the caller needs (e.g. the model input plus its crop margin).
    JPEG files are then decoded at reduced scale (``Image.draft``: 1/2, 1/4 or 1/8, done by the
    JPEG decoder on the DCT coefficients, which is much faster and lighter than a full decode
    followed by a resize): the strongest reduction whose shorter side is still at least
    ``min_side``, never smaller. A 4000 x 3000 phone photo read with ``min_side=256`` decodes at
    1/8 scale, 500 x 375. Other formats, and images already smaller than ``min_side``, are
    decoded at full size (never enlarged). ``None`` decodes at full size.

    ``max_pixels``: images of more pixels (width x height, read from the header) are refused.

    Raises :class:`ImageReadError` (a ``ValueError``) naming the file and the reason; see the
    module docstring for what is refused.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    min_side = _check_positive("min_side", min_side, allow_none=True)
    max_pixels = _check_positive("max_pixels", max_pixels, allow_none=False)
    path = Path(path)
    _check_file(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                _check_size(path, img.size, max_pixels)
                if min_side is not None:
                    img.draft("RGB", (min_side, min_side))
                img.load()
                upright = ImageOps.exif_transpose(img)
            return _rgb_array(upright)
    except ImageReadError:
        raise
    except UnidentifiedImageError:
        raise ImageReadError(path, "not an image (or an image format that cannot be read)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageReadError(path, f"image too large: {exc}") from None
    except PermissionError:
        raise ImageReadError(path, "permission denied") from None
    except _DECODE_ERRORS as exc:
        raise ImageReadError(path, f"cannot read the image: {exc}") from None


def _check_positive(name: str, value, allow_none: bool):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        expected = "a positive int or None" if allow_none else "a positive int"
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return int(value)


def _check_file(path: Path) -> None:
    """Refuse what is not an existing regular file with an image suffix, before opening it."""
    if not path.exists():
        raise ImageReadError(path, "no such file or folder")
    if path.is_dir():
        raise ImageReadError(path, _folder_reason(path))
    if not path.is_file():
        raise ImageReadError(path, "not a regular file")
    if not has_image_suffix(path):
        suffix = f"suffix {path.suffix!r}" if path.suffix else "no suffix"
        raise ImageReadError(path, f"not an image file ({suffix}; expected one of {', '.join(IMAGE_SUFFIXES)})")


def _folder_reason(path: Path) -> str:
    try:
        has_images = any(_is_listed_image(entry) for entry in path.iterdir())
    except OSError as exc:
        return f"cannot read the folder: {exc.strerror or exc}"
    if has_images:
        return "a folder, not an image file (image_files expands folders)"
    return f"the folder has no image files ({', '.join(IMAGE_SUFFIXES)})"


def _check_size(path: Path, size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise ImageReadError(path, "image has no pixels")
    if width * height > max_pixels:
        raise ImageReadError(path, f"image too large: {width} x {height} pixels (the limit is {max_pixels:,} pixels)")


def _rgb_array(img) -> np.ndarray:
    """A decoded PIL image of any mode as a contiguous ``(H, W, 3)`` uint8 RGB array."""
    if img.mode in _SIXTEEN_BIT_MODES:
        grey = (np.clip(np.asarray(img).astype(np.int64), 0, 65535) >> 8).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    if img.mode == "F":
        grey = np.clip(np.rint(np.asarray(img, dtype=np.float64)), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    if img.mode in ("P", "PA") and "transparency" in img.info:
        img = img.convert("RGBA")  # the palette's transparency, then alpha dropped below
    rgb = img if img.mode == "RGB" else img.convert("RGB")
    return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))


# ---------------------------------------------------------------- many files

def _is_listed_image(entry: Path) -> bool:
    """Whether a folder entry is one :func:`image_files` yields: a visible file with an image suffix."""
    return not entry.name.startswith(".") and has_image_suffix(entry) and entry.is_file()


def image_files(paths, skipped: list[Path] | None = None) -> Iterator[Path]:
    """The image files named by ``paths`` (files and folders, or one of them), in order.

    A folder gives its files with an image suffix (:data:`IMAGE_SUFFIXES`), sorted by name, **not
    recursive**: sub-folders and hidden files (name starting with ``.``) are left out; its other
    files are appended to ``skipped`` when a list is given. A file named explicitly is yielded
    whatever its suffix, and so is a path that does not exist, a folder with no image files and a
    folder that cannot be listed: :func:`read_image` then raises an :class:`ImageReadError`
    saying what is wrong (no such file or folder, not an image file, the folder has no image
    files, ...), so every problem reaches the caller through the same channel.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            yield path
            continue
        try:
            entries = sorted(path.iterdir())
        except OSError:
            yield path  # read_image says why the folder cannot be read
            continue
        found = False
        for entry in entries:
            if _is_listed_image(entry):
                found = True
                yield entry
            elif skipped is not None and not entry.name.startswith(".") and entry.is_file():
                skipped.append(entry)
        if not found:
            yield path  # read_image says the folder has no image files


def iter_images(paths, min_side: int | None = None, max_pixels: int = MAX_PIXELS,
                skipped: list[Path] | None = None) -> Iterator[tuple[Path, np.ndarray | ImageReadError]]:
    """``(path, image)`` for each file of :func:`image_files(paths) <image_files>`, read one at a time.

    ``image`` is the :func:`read_image` array, or the :class:`ImageReadError` saying why that
    path could not be read (returned, not raised, so the caller reports it and goes on). Images
    are decoded lazily as the iterator is consumed, never all at once.
    """
    min_side = _check_positive("min_side", min_side, allow_none=True)  # checked now, not at the first image
    max_pixels = _check_positive("max_pixels", max_pixels, allow_none=False)
    return _read_each(image_files(paths, skipped=skipped), min_side, max_pixels)


def _read_each(files: Iterator[Path], min_side: int | None, max_pixels: int):
    for path in files:
        try:
            yield path, read_image(path, min_side=min_side, max_pixels=max_pixels)
        except ImageReadError as exc:
            yield path, exc


__all__ = ["IMAGE_SUFFIXES", "MAX_PIXELS", "ImageReadError", "has_image_suffix", "image_files", "iter_images",
           "read_image"]
