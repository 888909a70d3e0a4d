"""Backbones, ImageNet label space, feature extraction and the feature cache."""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pytest
import torch

from tagbook.vision import (
    BACKBONES,
    CACHE_CHUNK,
    IMAGENET,
    Preprocessing,
    extract_features,
    image_key,
    load_backbone,
    top_imagenet_labels,
)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TABBY, TIGER_CAT, EGYPTIAN_CAT = 281, 282, 285
ESPRESSO = 967
MISSILE, PROJECTILE, SPACE_SHUTTLE = 657, 744, 812


@pytest.fixture(scope="module")
def lite0():
    return load_backbone("efficientnet-lite0")


@pytest.fixture(scope="module")
def photos():
    import skimage.data

    return {"chelsea": skimage.data.chelsea(), "coffee": skimage.data.coffee(), "rocket": skimage.data.rocket()}


@pytest.fixture(scope="module")
def photo_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("features")


@pytest.fixture(scope="module")
def lite0_feats(lite0, photos, photo_cache):
    return extract_features(lite0, list(photos.values()), kinds=("pooled", "conv", "probs"), cache=photo_cache,
                            progress=False)


def small_images(n: int, seed: int = 0, size: int = 48) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(n, size, size, 3), dtype=np.uint8)


# ---------------------------------------------------------------- ImageNet label space

def test_imagenet_label_space_ids_and_names():
    assert len(IMAGENET.wnids) == len(IMAGENET.names) == len(IMAGENET.synonyms) == 1000
    assert IMAGENET.wnids[TABBY] == "n02123045" and IMAGENET.names[TABBY] == "tabby cat"
    assert IMAGENET.wnids[ESPRESSO] == "n07920052" and IMAGENET.names[ESPRESSO] == "espresso"
    assert IMAGENET.synonyms[TABBY] == ("tabby", "tabby cat")
    assert len(set(IMAGENET.wnids)) == 1000
    assert list(IMAGENET.wnids) == sorted(IMAGENET.wnids)  # ILSVRC class order is WordNet-id order
    assert all(o == int(w[1:]) for o, w in zip(IMAGENET.offsets, IMAGENET.wnids))
    assert IMAGENET.index("n02123045") == TABBY
    with pytest.raises(KeyError, match="n00000000"):
        IMAGENET.index("n00000000")


@pytest.mark.shared_data
def test_imagenet_label_space_matches_ilsvrc_synsets():
    path = DATA / "hierse" / "synset_words_ilsvrc12_test1k.txt"
    if not path.exists():
        pytest.skip(f"real data not present: {path}")
    rows = [line.split("\t") for line in path.read_text(encoding="ascii").splitlines()]
    assert [w for w, _ in rows] == list(IMAGENET.wnids)
    lemmas = [tuple(s.strip() for s in words.split(",")) for _, words in rows]
    agree = sum(a == b for a, b in zip(lemmas, IMAGENET.synonyms))
    assert agree >= 990, f"only {agree} of 1000 lemma lists agree with the ILSVRC synset words"


# ---------------------------------------------------------------- backbones and known answers

def test_preprocessing_crop_and_normalisation():
    prep = Preprocessing(224, (127.0,) * 3, (128.0,) * 3)
    # chelsea is 300 x 451: side = floor(224 / 256 * 300) = 262, centred
    assert prep.crop_box(300, 451) == (19, 95, 262, 262)
    assert Preprocessing(224, (127.0,) * 3, (128.0,) * 3, center_crop=False).crop_box(300, 451) == (0, 0, 300, 451)
    x = prep(np.full((300, 451, 3), 255, dtype=np.uint8))
    assert x.shape == (3, 224, 224) and x.dtype == np.float32
    np.testing.assert_allclose(x, 128.0 / 128.0, atol=1e-6)


def test_lite0_known_answers_and_shapes(lite0, lite0_feats):
    assert (lite0.name, lite0.input_size, lite0.feature_dim, lite0.conv_size) == ("efficientnet-lite0", 224, 1280, 7)
    f = lite0_feats
    assert f.pooled.shape == (3, 1280) and f.conv.shape == (3, 1280, 7, 7) and f.probs.shape == (3, 1000)
    assert f.pooled.dtype == f.conv.dtype == f.probs.dtype == np.float32
    np.testing.assert_allclose(f.probs.sum(axis=1), 1.0, atol=1e-4)
    np.testing.assert_allclose(f.pooled, f.conv.mean(axis=(2, 3)), rtol=1e-5, atol=1e-5)
    top = np.argsort(-f.probs, axis=1)
    assert top[0, 0] in (TABBY, TIGER_CAT, EGYPTIAN_CAT), IMAGENET.names[top[0, 0]]
    assert top[1, 0] == ESPRESSO and f.probs[1, ESPRESSO] > 0.5
    assert {MISSILE, PROJECTILE, SPACE_SHUTTLE} & set(top[2, :3].tolist())
    # the probabilities are the softmax of the head applied to the pooled feature
    with torch.inference_mode():
        logits = lite0.head(torch.from_numpy(f.pooled))
    np.testing.assert_allclose(torch.softmax(logits, 1).numpy(), f.probs, atol=1e-5)


@pytest.mark.parametrize("name, size, grid", [("efficientnet-lite1", 240, 8), ("efficientnet-lite2", 260, 9)])
def test_larger_lite_models_resolution_grid_and_answer(name, size, grid, photos):
    bb = load_backbone(name)
    assert (bb.input_size, bb.conv_size, bb.feature_dim) == (size, grid, 1280)
    f = extract_features(bb, [photos["coffee"]], kinds=("conv", "probs"), cache=False, progress=False)
    assert f.conv.shape == (1, 1280, grid, grid)
    assert int(np.argmax(f.probs[0])) == ESPRESSO


def test_folded_batch_norm_path_matches_the_plain_model(lite0, photos):
    eager = load_backbone("efficientnet-lite0", fold_bn=False)
    assert eager.extraction_path == "eager" and lite0.extraction_path == "folded-bn"
    a = extract_features(eager, [photos["coffee"]], kinds=("pooled", "probs"), cache=False, progress=False)
    b = extract_features(lite0, [photos["coffee"]], kinds=("pooled", "probs"), cache=False, progress=False)
    assert not np.array_equal(a.pooled, b.pooled)  # two different computations...
    np.testing.assert_allclose(a.pooled, b.pooled, atol=1e-3)
    np.testing.assert_allclose(a.probs, b.probs, atol=1e-4)  # ...of the same function


def test_backbone_is_a_frozen_module_returning_conv_maps(lite0):
    lite0.train()
    assert not lite0.training and not any(p.requires_grad for p in lite0.parameters())
    with torch.inference_mode():
        out = lite0(torch.zeros(1, 3, 224, 224))
    assert out.shape == (1, 1280, 7, 7)


def test_extraction_is_deterministic_and_conv_grid_pools(lite0):
    ims = small_images(2, seed=1)
    a = extract_features(lite0, ims, kinds=("pooled", "conv"), cache=False, progress=False)
    b = extract_features(lite0, ims, kinds=("pooled", "conv"), cache=False, progress=False, conv_grid=1)
    c = extract_features(lite0, ims, kinds=("pooled",), cache=False, progress=False)
    assert np.array_equal(a.pooled, c.pooled)
    np.testing.assert_allclose(b.conv[:, :, 0, 0], a.pooled, rtol=1e-5, atol=1e-6)


def test_paths_pil_images_and_arrays_give_the_same_features(lite0, tmp_path):
    from PIL import Image

    im = small_images(1, seed=2)[0]
    Image.fromarray(im).save(tmp_path / "a.png")
    grey = im[:, :, 0]
    a = extract_features(lite0, [im, np.stack([grey] * 3, axis=2)], cache=False, progress=False)
    b = extract_features(lite0, [tmp_path / "a.png", grey], cache=False, progress=False)
    c = extract_features(lite0, [Image.fromarray(im), Image.fromarray(grey)], cache=False, progress=False)
    assert np.array_equal(a.pooled, b.pooled) and np.array_equal(a.pooled, c.pooled)
    assert a.image_keys == b.image_keys == (image_key(im), image_key(np.stack([grey] * 3, axis=2)))


def test_cache_key_parts_are_pinned(lite0):
    # cached features are found by these keys: the image recipe (shape, then C-order pixels) and
    # the weights digest (first 16 hex digits of the weights file's SHA-256) may never change
    image = (np.arange(5 * 7 * 3) % 251).astype(np.uint8).reshape(5, 7, 3)
    assert image_key(image) == "379aadc1cc18a0cfb8f7347ae857cc6d"
    assert image_key(image[:, ::2]) == "3c0c6481fd3fcaa2705a708d1794fef6"  # a strided view: its pixels
    assert lite0.weights_digest == "579344248a93e230"


def test_bad_inputs_get_clear_errors(lite0, tmp_path):
    with pytest.raises(ValueError, match="unknown backbone 'vgg16'.*efficientnet-lite0"):
        load_backbone("vgg16")
    with pytest.raises(TypeError, match=r"images\[0\].*uint8.*float64"):
        extract_features(lite0, np.zeros((1, 8, 8, 3)), cache=False, progress=False)
    with pytest.raises(ValueError, match="kinds"):
        extract_features(lite0, small_images(1), kinds=("logits",), cache=False, progress=False)
    with pytest.raises(ValueError, match="batch_size"):
        extract_features(lite0, small_images(1), batch_size=0, cache=False, progress=False)
    with pytest.raises(FileNotFoundError, match="nope.jpg"):
        extract_features(lite0, [tmp_path / "nope.jpg"], cache=False, progress=False)
    with pytest.raises(ValueError, match=r"images\[0\].*\(H, W, 3\)"):
        extract_features(lite0, [np.zeros((4, 4, 2), np.uint8)], cache=False, progress=False)


def test_optional_torchvision_backbone_says_what_is_missing():
    try:
        importlib.import_module("torchvision")
    except Exception:  # noqa: BLE001 - the CPU build here cannot import the CUDA torchvision wheel
        for name in ("resnet152", "googlenet", "resnet34"):
            with pytest.raises(ImportError, match=rf"{name}.*torchvision.*efficientnet-lite0"):
                load_backbone(name)
    else:  # torchvision is importable: then the weights must be local, or the error names the file
        try:
            bb = load_backbone("resnet152")
        except FileNotFoundError as exc:
            assert "never downloaded" in str(exc) and ".pth" in str(exc)
        else:
            assert bb.feature_dim == 2048 and bb.conv_size == 7
    assert {"resnet152", "googlenet", "resnet34"} <= set(BACKBONES)


def test_features_do_not_depend_on_the_batch_size(lite0):
    ims = small_images(6, seed=5)
    by_batch = {b: extract_features(lite0, ims, kinds=("pooled", "conv", "probs"), batch_size=b, cache=False,
                                    progress=False) for b in (1, 4, 6)}
    for kind in ("pooled", "conv", "probs"):
        for b in (1, 4):
            np.testing.assert_allclose(getattr(by_batch[b], kind), getattr(by_batch[6], kind), rtol=0, atol=1e-4)


# ---------------------------------------------------------------- the feature cache

def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.npz"))


def test_cached_features_equal_fresh_ones(lite0, tmp_path):
    ims = small_images(3, seed=3)
    first = extract_features(lite0, ims, kinds=("pooled", "conv", "probs"), cache=tmp_path, progress=False)
    assert first.cache_hits == 0 and len(_entries(tmp_path)) == 1
    again = extract_features(lite0, ims, kinds=("pooled", "conv", "probs"), cache=tmp_path, progress=False, batch_size=1)
    fresh = extract_features(lite0, ims, kinds=("pooled", "conv", "probs"), cache=False, progress=False)
    assert again.cache_hits == 3
    for kind in ("pooled", "conv", "probs"):
        assert np.array_equal(getattr(again, kind), getattr(first, kind))
        np.testing.assert_allclose(getattr(again, kind), getattr(fresh, kind), rtol=0, atol=1e-5)


def test_cache_is_keyed_by_content_backbone_and_preprocessing(lite0, tmp_path):
    ims = small_images(2, seed=4)
    extract_features(lite0, ims, cache=tmp_path, progress=False)
    assert extract_features(lite0, ims.copy(), cache=tmp_path, progress=False).cache_hits == 2  # same pixels
    changed = ims.copy()
    changed[0, 0, 0, 0] ^= 1
    assert extract_features(lite0, changed, cache=tmp_path, progress=False).cache_hits == 0
    assert extract_features(lite0, ims, cache=tmp_path, progress=False, center_crop=False).cache_hits == 0
    eager = load_backbone("efficientnet-lite0", fold_bn=False)
    assert extract_features(eager, ims, cache=tmp_path, progress=False).cache_hits == 0


def test_cache_adds_conv_maps_when_first_asked_for(lite0, tmp_path):
    ims = small_images(2, seed=5)
    extract_features(lite0, ims, kinds=("pooled",), cache=tmp_path, progress=False)
    with_conv = extract_features(lite0, ims, kinds=("conv",), cache=tmp_path, progress=False)
    assert with_conv.cache_hits == 0 and with_conv.conv.shape == (2, 1280, 7, 7)
    assert extract_features(lite0, ims, kinds=("conv", "probs"), cache=tmp_path, progress=False).cache_hits == 2


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "drop_checksum"])
def test_corrupted_cache_entries_are_recomputed_not_trusted(lite0, tmp_path, damage):
    ims = small_images(2, seed=6)
    good = extract_features(lite0, ims, kinds=("pooled", "probs"), cache=tmp_path, progress=False)
    (entry,) = _entries(tmp_path)
    data = entry.read_bytes()
    if damage == "truncate":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        b = bytearray(data)
        b[len(b) // 2] ^= 0xFF
        entry.write_bytes(bytes(b))
    elif damage == "garbage":
        entry.write_bytes(b"not an npz")
    else:
        entry.with_name(entry.name + ".sha256").unlink()
    again = extract_features(lite0, ims, kinds=("pooled", "probs"), cache=tmp_path, progress=False)
    assert again.cache_hits == 0
    assert np.array_equal(again.pooled, good.pooled) and np.array_equal(again.probs, good.probs)
    # the entry was rewritten and is trusted again
    assert extract_features(lite0, ims, kinds=("pooled", "probs"), cache=tmp_path, progress=False).cache_hits == 2


def test_an_entry_for_other_images_is_not_trusted(lite0, tmp_path):
    a, b = small_images(1, seed=7), small_images(1, seed=8)
    extract_features(lite0, a, cache=tmp_path, progress=False)
    (entry_a,) = _entries(tmp_path)
    extract_features(lite0, b, cache=tmp_path, progress=False)
    (entry_b,) = [e for e in _entries(tmp_path) if e != entry_a]
    for suffix in ("", ".sha256"):  # put a's complete, valid entry under b's key
        Path(str(entry_b) + suffix).write_bytes(Path(str(entry_a) + suffix).read_bytes())
    fresh = extract_features(lite0, b, cache=False, progress=False)
    again = extract_features(lite0, b, cache=tmp_path, progress=False)
    assert again.cache_hits == 0 and np.array_equal(again.pooled, fresh.pooled)


def test_cache_works_in_chunks(lite0, tmp_path, monkeypatch):
    import tagbook.vision.extract as extract

    assert CACHE_CHUNK == extract.CACHE_CHUNK >= 32
    monkeypatch.setattr(extract, "CACHE_CHUNK", 2)
    n = 3
    ims = small_images(n, seed=9, size=16)
    extract_features(lite0, ims, kinds=("probs",), cache=tmp_path, progress=False, batch_size=3)
    assert len(_entries(tmp_path)) == 2
    again = extract_features(lite0, ims, kinds=("probs",), cache=tmp_path, progress=False, batch_size=8)
    assert again.cache_hits == n and again.probs.shape == (n, 1000)


def test_no_images_gives_empty_arrays(lite0):
    f = extract_features(lite0, [], kinds=("pooled", "conv", "probs"), cache=False, progress=False)
    assert f.pooled.shape == (0, 1280) and f.conv.shape == (0, 1280, 7, 7) and f.probs.shape == (0, 1000)


# ---------------------------------------------------------------- the chapter table

def test_top_imagenet_labels_long_and_wide(lite0, photos, lite0_feats, photo_cache):
    from tagbook.photos import SamplePhoto

    named = [SamplePhoto(n, im, {}, "skimage") for n, im in photos.items()]
    long = top_imagenet_labels(lite0, named, k=3, cache=photo_cache)
    assert list(long.columns) == ["backbone", "photo", "rank", "class", "wnid", "label", "prob"]
    assert len(long) == 9 and set(long["photo"]) == set(photos)
    coffee = long[long["photo"] == "coffee"].sort_values("rank")
    assert coffee["class"].iloc[0] == ESPRESSO and coffee["label"].iloc[0] == "espresso"
    assert coffee["prob"].is_monotonic_decreasing
    np.testing.assert_allclose(coffee["prob"].iloc[0], lite0_feats.probs[1, ESPRESSO], atol=1e-6)
    wide = top_imagenet_labels(lite0, named, k=2, cache=photo_cache, wide=True)
    assert list(wide.index) == list(photos) and list(wide.columns) == ["top-1", "top-2"]
    assert wide.loc["coffee", "top-1"].startswith("espresso (")
    with pytest.raises(ValueError, match="k must be"):
        top_imagenet_labels(lite0, named, k=0)
