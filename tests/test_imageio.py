"""The one image reader: formats, orientation, truncated and corrupt files, size limits, draft decoding."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from PIL import Image, ImageFile

from tagbook.vision import imageio
from tagbook.vision.imageio import IMAGE_SUFFIXES, MAX_PIXELS, ImageReadError, image_files, iter_images, read_image


def blocks(height: int = 48, width: int = 64) -> np.ndarray:
    """Four flat colour quadrants: survive lossy formats and show any flip or rotation."""
    img = np.zeros((height, width, 3), np.uint8)
    h, w = height // 2, width // 2
    img[:h, :w] = (220, 30, 30)
    img[:h, w:] = (30, 200, 40)
    img[h:, :w] = (40, 40, 210)
    img[h:, w:] = (240, 240, 240)
    return img


def smooth(height: int, width: int) -> np.ndarray:
    """A smooth colour pattern (what photos look like to a JPEG decoder at reduced scale)."""
    y, x = np.arange(height, dtype=np.float32), np.arange(width, dtype=np.float32)
    image = np.empty((height, width, 3), np.uint8)
    image[:, :, 0] = 127 + 100 * np.sin(x / 97.0)[None, :]
    image[:, :, 1] = 127 + 100 * np.cos(y / 71.0)[:, None]
    image[:, :, 2] = 127 + 100 * np.outer(np.cos(y / 53.0), np.sin(x / 89.0))
    return image


def save(array: np.ndarray, path, **params):
    Image.fromarray(array).save(path, **params)
    return path


# ---------------------------------------------------------------- formats and modes

@pytest.mark.parametrize("suffix", IMAGE_SUFFIXES)
def test_every_format_reads_as_rgb_uint8(tmp_path, suffix):
    original = blocks()
    path = save(original, tmp_path / f"photo{suffix}")
    image = read_image(path)
    assert image.dtype == np.uint8 and image.shape == original.shape and image.flags.c_contiguous
    lossless = suffix in (".png", ".bmp", ".tif", ".tiff", ".gif")  # four colours fit a GIF palette
    tolerance = 0 if lossless else 12
    assert np.abs(image.astype(int) - original).mean() <= tolerance


def test_suffixes_are_compared_in_lower_case(tmp_path):
    path = save(blocks(), tmp_path / "PHOTO.PNG")
    assert read_image(path).shape == (48, 64, 3)
    assert [p.name for p in image_files([tmp_path])] == ["PHOTO.PNG"]


def test_palette_grey_alpha_cmyk_and_16_bit_images_become_rgb(tmp_path):
    rgb = blocks()
    grey = rgb[:, :, 0]
    palette = Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    palette.save(tmp_path / "palette.png")
    palette.save(tmp_path / "transparent.png", transparency=0)
    Image.fromarray(np.dstack([rgb, np.full(grey.shape, 128, np.uint8)])).save(tmp_path / "rgba.png")
    Image.fromarray(grey).save(tmp_path / "grey.png")
    Image.fromarray(grey).convert("LA").save(tmp_path / "grey_alpha.png")
    Image.fromarray(grey > 100).save(tmp_path / "bilevel.png")
    Image.fromarray(rgb).convert("CMYK").save(tmp_path / "cmyk.jpg", quality=95)
    Image.fromarray(grey.astype(np.uint16) * 257).save(tmp_path / "grey16.png")
    Image.fromarray(grey.astype(np.uint16) * 257).save(tmp_path / "grey16.tif")
    for path in sorted(tmp_path.iterdir()):
        image = read_image(path)
        assert image.dtype == np.uint8 and image.shape == rgb.shape, path.name
    assert np.array_equal(read_image(tmp_path / "palette.png"), rgb)
    assert np.array_equal(read_image(tmp_path / "rgba.png"), rgb)  # alpha dropped
    for name in ("grey.png", "grey_alpha.png", "grey16.png", "grey16.tif"):
        assert np.array_equal(read_image(tmp_path / name), np.repeat(grey[:, :, None], 3, axis=2)), name
    assert set(np.unique(read_image(tmp_path / "bilevel.png")).tolist()) == {0, 255}
    assert np.abs(read_image(tmp_path / "cmyk.jpg").astype(int) - rgb).mean() < 12


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_exif_orientation_6_is_turned_upright(tmp_path, suffix):
    original = blocks(40, 60)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned 90 degrees; view rotated 90 clockwise
    path = tmp_path / f"phone{suffix}"
    Image.fromarray(original).save(path, exif=exif.tobytes(), **({"quality": 95} if suffix == ".jpg" else {}))
    image = read_image(path)
    upright = np.rot90(original, k=-1)  # 90 degrees clockwise: (60, 40, 3)
    assert image.shape == upright.shape == (60, 40, 3)
    assert np.abs(image.astype(int) - upright).mean() < 6
    half = read_image(path, min_side=20)  # JPEG: decoded at 1/2 scale, then turned
    assert half.shape == ((30, 20, 3) if suffix == ".jpg" else (60, 40, 3))
    expected = upright[::2, ::2] if suffix == ".jpg" else upright
    assert np.abs(half.astype(int) - expected).mean() < 12


# ---------------------------------------------------------------- refused files

def test_truncated_jpeg_raises_naming_the_file_never_a_grey_image(tmp_path):
    full = save(smooth(300, 400), tmp_path / "full.jpg", quality=90)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    for min_side in (None, 64):
        with pytest.raises(ImageReadError, match="cut.jpg: cannot read the image: image file is truncated") as exc:
            read_image(cut, min_side=min_side)
        assert exc.value.path == cut
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False  # left off by this module


def test_truncated_png_raises(tmp_path):
    full = save(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8), tmp_path / "full.png")
    cut = tmp_path / "cut.png"
    cut.write_bytes(full.read_bytes()[:300])
    with pytest.raises(ImageReadError, match="cut.png: cannot read the image"):
        read_image(cut)


def test_a_non_image_file_with_an_image_suffix_is_refused(tmp_path):
    fake = tmp_path / "fake.jpg"
    fake.write_bytes(b"\xff\xd8 this is no JPEG")
    with pytest.raises(ImageReadError, match=r"fake.jpg: not an image \(or an image format that cannot be read\)"):
        read_image(fake)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ImageReadError, match="empty.png: not an image"):
        read_image(empty)


def test_unknown_suffixes_are_refused_even_for_real_images(tmp_path):
    png_as_txt = save(blocks(), tmp_path / "notes.txt", format="PNG")
    with pytest.raises(ImageReadError, match=r"notes.txt: not an image file \(suffix '.txt'; expected one of .jpg"):
        read_image(png_as_txt)
    bare = save(blocks(), tmp_path / "photo", format="PNG")
    with pytest.raises(ImageReadError, match=r"photo: not an image file \(no suffix"):
        read_image(bare)
    png_as_jpg = save(blocks(), tmp_path / "really_a_png.jpg", format="PNG")
    assert np.array_equal(read_image(png_as_jpg), blocks())  # the content decides the format


def test_missing_files_and_folders_are_refused(tmp_path):
    with pytest.raises(ImageReadError, match="missing.jpg: no such file or folder"):
        read_image(tmp_path / "missing.jpg")
    with pytest.raises(ImageReadError, match="the folder has no image files"):
        read_image(tmp_path)
    save(blocks(), tmp_path / "a.png")
    with pytest.raises(ImageReadError, match="a folder, not an image file"):
        read_image(tmp_path)


def test_images_over_the_pixel_limit_are_refused_before_decoding(tmp_path):
    path = save(blocks(300, 400), tmp_path / "big.png")
    assert MAX_PIXELS == 90_000_000
    too_large = r"big.png: image too large: 400 x 300 pixels \(the limit is 100,000 pixels\)"
    with pytest.raises(ImageReadError, match=too_large):
        read_image(path, max_pixels=100_000)
    assert read_image(path, max_pixels=120_000).shape == (300, 400, 3)


@pytest.mark.parametrize("pillow_limit", [100_000, 50_000])  # warning zone (1x-2x) and error zone (> 2x)
def test_pillows_decompression_bomb_warning_and_error_become_image_read_errors(tmp_path, monkeypatch, pillow_limit):
    path = save(blocks(300, 400), tmp_path / "bomb.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", pillow_limit)
    with pytest.raises(ImageReadError, match="bomb.png: image too large: Image size \\(120000 pixels\\) exceeds limit"):
        read_image(path)


def test_bad_parameters_are_refused_at_once(tmp_path):
    with pytest.raises(ValueError, match="min_side must be a positive int or None, got 0"):
        read_image(tmp_path / "x.jpg", min_side=0)
    with pytest.raises(ValueError, match="max_pixels must be a positive int"):
        iter_images([tmp_path], max_pixels=None)  # before the first image is read


def test_the_error_is_a_value_error_with_path_and_reason_and_pickles(tmp_path):
    err = ImageReadError(tmp_path / "a.jpg", "permission denied")
    assert isinstance(err, ValueError) and err.reason == "permission denied"
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) == f"{tmp_path / 'a.jpg'}: permission denied" and again.path == err.path


# ---------------------------------------------------------------- reduced JPEG decoding

@pytest.fixture(scope="module")
def phone_jpeg(tmp_path_factory):
    """A 2400 x 1800 JPEG (4.3 megapixels), written once for the draft tests."""
    return save(smooth(1800, 2400), tmp_path_factory.mktemp("draft") / "phone.jpg", quality=92)


def test_draft_decoding_of_a_large_jpeg_is_small_and_close_to_the_full_decode(phone_jpeg):
    path = phone_jpeg
    full = read_image(path)
    reduced = read_image(path, min_side=224)
    assert full.shape == (1800, 2400, 3)
    assert reduced.shape == (225, 300, 3)  # 1/8 scale: the shorter side still >= 224
    assert reduced.size * 50 < full.size
    resized = np.asarray(Image.fromarray(full).resize((300, 225), Image.Resampling.BOX), dtype=int)
    assert np.abs(reduced.astype(int) - resized).mean() < 3


@pytest.mark.parametrize("min_side, scale", [(224, 8), (225, 8), (226, 4), (450, 4), (451, 2), (900, 2), (901, 1),
                                             (1800, 1), (5000, 1)])
def test_draft_takes_the_strongest_reduction_that_keeps_the_shorter_side(phone_jpeg, min_side, scale):
    image = read_image(phone_jpeg, min_side=min_side)
    assert image.shape[:2] == (1800 // scale, 2400 // scale)
    assert min(image.shape[:2]) >= min(min_side, 1800)  # never smaller than asked (nor enlarged)


def test_draft_leaves_other_formats_at_full_size(tmp_path):
    path = save(smooth(300, 400), tmp_path / "photo.png")
    assert read_image(path, min_side=32).shape == (300, 400, 3)


# ---------------------------------------------------------------- folders and streams

def test_image_files_expands_folders_sorted_not_recursive(tmp_path):
    folder = tmp_path / "holiday"
    (folder / "sub").mkdir(parents=True)
    for name in ("b.jpg", "a.png", "c.WEBP", ".hidden.jpg", "notes.txt", "sub/deep.jpg"):
        (folder / name).write_bytes(b"")
    odd = tmp_path / "scan.pdf"
    odd.write_bytes(b"")
    empty = tmp_path / "empty"
    empty.mkdir()
    skipped: list = []
    files = list(image_files([odd, folder, tmp_path / "missing.jpg", empty], skipped=skipped))
    assert files == [odd, folder / "a.png", folder / "b.jpg", folder / "c.WEBP", tmp_path / "missing.jpg", empty]
    assert skipped == [folder / "notes.txt"]
    assert list(image_files(str(folder / "a.png"))) == [folder / "a.png"]  # one path, not a list


def test_iter_images_goes_on_past_bad_files_and_names_each(tmp_path):
    save(blocks(), tmp_path / "a.png")
    (tmp_path / "b.jpg").write_text("not a JPEG")
    save(blocks(), tmp_path / "c.jpg", quality=95)
    results = list(iter_images([tmp_path, tmp_path / "gone.png"]))
    assert [p.name for p, _ in results] == ["a.png", "b.jpg", "c.jpg", "gone.png"]
    kinds = [type(r).__name__ for _, r in results]
    assert kinds == ["ndarray", "ImageReadError", "ndarray", "ImageReadError"]
    assert "b.jpg: not an image" in str(results[1][1]) and "gone.png: no such file" in str(results[3][1])


def test_iter_images_streams_one_file_at_a_time(tmp_path, monkeypatch):
    for name in ("a.png", "b.png", "c.png"):
        save(blocks(), tmp_path / name)
    reads = []
    real = imageio.read_image
    monkeypatch.setattr(imageio, "read_image", lambda path, **kw: reads.append(path.name) or real(path, **kw))
    stream = iter_images([tmp_path], min_side=8)
    assert reads == []
    path, image = next(stream)
    assert path.name == "a.png" and image.shape == (48, 64, 3) and reads == ["a.png"]
