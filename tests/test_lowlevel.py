"""Low-level features (NUS-WIDE set used by DREL) on hand-made images with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from tagbook.vision.lowlevel import (
    FEATURE_DIMS,
    BagOfVisualWords,
    BagOfVisualWordsConfig,
    LowLevelConfig,
    color_correlogram,
    color_histogram,
    color_moments,
    concatenate_low_level,
    dense_descriptors,
    edge_direction_histogram,
    low_level_features,
    quantize_hsv36,
    to_lab,
    wavelet_texture,
)


def solid(rgb, h=40, w=60) -> np.ndarray:
    return np.broadcast_to(np.asarray(rgb, np.uint8), (h, w, 3)).copy()


def step(h=64, w=64, vertical=True, dark=40, bright=200) -> np.ndarray:
    """Dark left / bright right (vertical edge) or bright top / dark bottom (horizontal edge)."""
    im = np.full((h, w, 3), dark, np.uint8)
    if vertical:
        im[:, w // 2 :] = bright
    else:
        im[: h // 2] = bright
    return im


def test_dimensions_add_up_to_the_nus_wide_sizes():
    assert FEATURE_DIMS == {"color_histogram": 64, "color_correlogram": 144, "edge_histogram": 73,
                            "wavelet_texture": 128, "color_moments": 225}
    feats = low_level_features([solid((10, 200, 30)), step()], progress=False)
    assert {k: v.shape for k, v in feats.items()} == {k: (2, d) for k, d in FEATURE_DIMS.items()}
    assert concatenate_low_level(feats).shape == (2, 634)
    with pytest.raises(KeyError, match="color_moments"):
        concatenate_low_level({k: v for k, v in feats.items() if k != "color_moments"})


def test_one_colour_puts_all_histogram_mass_in_its_bin():
    h = color_histogram(solid((255, 0, 0)))
    # red is LAB (53.2, 80.1, 67.2): L bin 2 (50-75), a bin 3 (64-128), b bin 3 (64-128)
    assert h.sum() == pytest.approx(1.0) and h[(2 * 4 + 3) * 4 + 3] == pytest.approx(1.0)
    half = solid((255, 0, 0))
    half[:, :30] = 0  # black: L bin 0, a and b bin 2 ([0, 64))
    h2 = color_histogram(half)
    assert h2[(2 * 4 + 3) * 4 + 3] == pytest.approx(0.5) and h2[(0 * 4 + 2) * 4 + 2] == pytest.approx(0.5)


def test_correlogram_of_one_colour_and_of_a_checkerboard():
    c = color_correlogram(solid((0, 0, 255))).reshape(4, 36)
    colour = quantize_hsv36(solid((0, 0, 255)))[0, 0]
    assert np.all(c[:, colour] == 1.0) and c.sum() == 4.0
    yy, xx = np.mgrid[:32, :32]
    board = np.where(((yy + xx) % 2 == 0)[..., None], np.uint8(255), np.uint8(0)) * np.ones(3, np.uint8)
    cb = color_correlogram(board).reshape(4, 36)
    white, black = quantize_hsv36(board)[0, 0], quantize_hsv36(board)[0, 1]
    assert white != black
    # at chessboard distance 1, the 4 diagonal neighbours share a pixel's colour and the 4 others do not
    assert cb[0, white] == pytest.approx(0.5, abs=0.02) and cb[0, black] == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize("vertical, bins", [(True, {0}), (False, {18})])
def test_edge_mass_sits_in_the_edge_direction_bin(vertical, bins):
    h = edge_direction_histogram(step(vertical=vertical))
    assert h.shape == (73,) and h.sum() == pytest.approx(1.0)
    edge = h[:72]
    assert edge.sum() > 0.01  # a line of edge pixels ...
    assert set(np.flatnonzero(edge).tolist()) == bins  # ... all in one direction bin
    assert h[72] == pytest.approx(1.0 - edge.sum())
    flipped = edge_direction_histogram(step(vertical=vertical)[::-1, ::-1])  # bright on the other side
    assert set(np.flatnonzero(flipped[:72]).tolist()) == {b + 36 for b in bins}


def test_flat_image_has_no_edges():
    h = edge_direction_histogram(solid((120, 120, 120)))
    assert h[72] == 1.0 and h[:72].sum() == 0.0


def test_wavelet_texture_of_flat_and_striped_images():
    flat = wavelet_texture(solid((90, 90, 90), 64, 64)).reshape(64, 2)
    assert flat[0, 0] > 0 and np.allclose(flat[1:], 0.0, atol=1e-9)
    stripes = np.zeros((64, 64, 3), np.uint8)
    stripes[:, ::2] = 255  # columns alternate: all detail is vertical, at the finest scale
    w = wavelet_texture(stripes).reshape(64, 2)
    import pywt

    paths = [n.path for n in pywt.WaveletPacket2D(np.zeros((8, 8)), "haar", maxlevel=3).get_level(3, "natural")]
    active = {paths[i] for i in np.flatnonzero(w[:, 0] > 1e-9)}
    assert active == {"aaa", "vaa"}


def test_moments_of_a_constant_image_are_mean_zero_zero():
    im = solid((30, 160, 220), 50, 50)
    m = color_moments(im).reshape(25, 3, 3)
    lab = to_lab(im[:1, :1])[0, 0]
    np.testing.assert_allclose(m[:, :, 0], np.broadcast_to(lab, (25, 3)), atol=1e-4)
    np.testing.assert_allclose(m[:, :, 1:], 0.0, atol=1e-4)


def test_moments_follow_the_blocks_and_skewness_has_a_sign():
    im = solid((0, 0, 0), 50, 50)
    im[:, 25:] = 255  # the middle column of blocks straddles the boundary
    m = color_moments(im).reshape(5, 5, 3, 3)
    assert m[0, 0, 0, 0] == pytest.approx(0.0, abs=1e-3) and m[0, 4, 0, 0] == pytest.approx(100.0, abs=1e-2)
    assert m[2, 0, 0, 1] == pytest.approx(0.0, abs=1e-3) and m[2, 2, 0, 1] > 10  # mixed block varies
    mostly_dark = solid((0, 0, 0), 50, 50)
    mostly_dark[:2, :] = 255  # a few bright pixels: positive skew in the top blocks
    assert color_moments(mostly_dark).reshape(5, 5, 3, 3)[0, 0, 0, 2] > 0
    with pytest.raises(ValueError, match="at least 5x5"):
        color_moments(solid((1, 2, 3), 3, 3))


def test_large_images_are_shrunk_first():
    big = np.kron(step(64, 64), np.ones((8, 8, 1), np.uint8))  # 512 x 512, same picture
    small = low_level_features([step(64, 64)], progress=False)
    large = low_level_features([big], LowLevelConfig(max_side=64), progress=False)
    np.testing.assert_allclose(large["color_histogram"], small["color_histogram"])
    with pytest.raises(ValueError, match="max_side"):
        LowLevelConfig(max_side=4)


def test_dense_descriptors_are_sift_like():
    yy, xx = np.mgrid[:64, :64]
    im = (((xx // 4) % 2) * 255).astype(np.uint8)[..., None] * np.ones(3, np.uint8)
    d = dense_descriptors(im)
    assert d.shape == (((64 // 4 - 4) // 2 + 1) ** 2, 128)
    np.testing.assert_allclose(np.linalg.norm(d, axis=1), 1.0, atol=1e-3)  # L2-Hys normalised
    orientation_mass = d.reshape(-1, 16, 8).sum(axis=(0, 1))
    assert orientation_mass.argmax() == 0  # vertical stripes: horizontal gradients, orientation bin 0
    assert orientation_mass[0] > 0.9 * orientation_mass.sum()
    assert dense_descriptors(np.zeros((8, 8, 3), np.uint8)).shape == (0, 128)  # smaller than a patch


def test_bag_of_visual_words_fit_transform_is_deterministic_and_separates_textures():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:64, :64]
    vertical = (((xx // 3) % 2) * 255).astype(np.uint8)
    horizontal = (((yy // 3) % 2) * 255).astype(np.uint8)
    noise = rng.integers(0, 256, (64, 64), dtype=np.uint8)
    images = [np.stack([g] * 3, axis=2) for g in (vertical, horizontal, noise)]
    config = BagOfVisualWordsConfig(n_words=6, per_image=40, seed=1)
    a = BagOfVisualWords(config).fit(images)
    b = BagOfVisualWords(config).fit(images)
    ha, hb = a.transform(images), b.transform(images)
    assert ha.shape == (3, 6) and np.allclose(ha.sum(axis=1), 1.0)
    assert np.array_equal(ha, hb) and np.array_equal(a.codebook_, b.codebook_)
    assert ha[0].argmax() != ha[1].argmax()  # vertical and horizontal stripes use different words
    feats = low_level_features(images[:2], bovw=a, progress=False)
    assert feats["bovw"].shape == (2, 6) and concatenate_low_level(feats).shape == (2, 640)
    with pytest.raises(RuntimeError, match="not fitted"):
        BagOfVisualWords(config).transform(images)
    with pytest.raises(ValueError, match="cannot make 500 words"):
        BagOfVisualWords().fit(images)
    with pytest.raises(ValueError, match="n_words"):
        BagOfVisualWordsConfig(n_words=0)
