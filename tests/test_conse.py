"""ConSE (Eq. 1 of Wei et al. 2017) on hand-computed cases."""

import numpy as np
import pytest

from tagbook.methods.zeroshot.conse import ConSE, ZeroShotConfig

NAN = np.nan
SOURCE = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [NAN, NAN]])  # the last label has no vector
TARGET = np.array([[1.0, 0.0], [0.0, 2.0], [-1.0, 0.0], [0.0, 0.0]])  # the last label has no vector
PROBS = np.array([[0.5, 0.3, 0.1, 0.9]])


def test_eq1_image_vector_by_hand():
    model = ConSE(ZeroShotConfig(k=2)).fit(SOURCE, TARGET)
    # label 3 is the most probable but has no vector: the top-2 embeddable are labels 0 and 1
    idx, p = model.top_source_labels(PROBS)
    assert idx.tolist() == [[0, 1]] and p.tolist() == [[0.5, 0.3]]
    # phi(x) = (0.5 * (1, 0) + 0.3 * (0, 1)) / 0.8
    np.testing.assert_allclose(model.embed_images(PROBS), [[0.625, 0.375]])


def test_scores_are_cosines_and_missing_targets_never_win():
    scores = ConSE(ZeroShotConfig(k=2)).fit(SOURCE, TARGET).score(PROBS)
    norm = np.sqrt(0.625**2 + 0.375**2)
    np.testing.assert_allclose(scores[0, :3], [0.625 / norm, 0.375 / norm, -0.625 / norm])
    assert scores[0, 3] == -np.inf


def test_label_vectors_are_normalised_so_only_probabilities_weigh():
    longer = SOURCE.copy()
    longer[1] *= 7.0
    a = ConSE(ZeroShotConfig(k=2)).fit(SOURCE, TARGET).embed_images(PROBS)
    b = ConSE(ZeroShotConfig(k=2)).fit(longer, TARGET).embed_images(PROBS)
    np.testing.assert_allclose(a, b)


def test_k1_is_the_top_label_vector():
    model = ConSE(ZeroShotConfig(k=1)).fit(SOURCE, TARGET)
    np.testing.assert_allclose(model.embed_images(PROBS), [[1.0, 0.0]])
    np.testing.assert_allclose(model.score(PROBS)[0, :3], [1.0, 0.0, -1.0])


def test_k_larger_than_embeddable_labels_uses_them_all():
    model = ConSE(ZeroShotConfig(k=10)).fit(SOURCE, TARGET)
    assert model.k == 3
    w = np.array([0.5, 0.3, 0.1]) / 0.9
    expected = w[0] * np.array([1, 0]) + w[1] * np.array([0, 1]) + w[2] * np.array([1, 1]) / np.sqrt(2)
    np.testing.assert_allclose(model.embed_images(PROBS)[0], expected)


def test_zero_probabilities_weigh_labels_equally():
    model = ConSE(ZeroShotConfig(k=2)).fit(SOURCE, TARGET)
    np.testing.assert_allclose(model.embed_images(np.zeros((1, 4))), [[0.5, 0.5]])


def test_bad_inputs_have_clear_errors():
    with pytest.raises(ValueError, match="k"):
        ZeroShotConfig(k=0)
    with pytest.raises(ValueError, match="dimensions"):
        ConSE().fit(SOURCE, np.ones((2, 3)))
    with pytest.raises(RuntimeError, match="not fitted"):
        ConSE().score(PROBS)
    model = ConSE().fit(SOURCE, TARGET)
    with pytest.raises(ValueError, match=r"\(n_images, 4\)"):
        model.score(np.ones((1, 3)))
    with pytest.raises(ValueError, match="non-negative"):
        model.score(-PROBS)
    with pytest.raises(ValueError, match="no source label"):
        ConSE().fit(np.full((2, 2), NAN), TARGET)


def test_with_source_swaps_the_source_side_only():
    model = ConSE(ZeroShotConfig(k=2)).fit(SOURCE, TARGET)
    other_source = SOURCE[[1, 0, 2, 3]]
    swapped = model.with_source(other_source)
    np.testing.assert_allclose(swapped.score(PROBS), ConSE(ZeroShotConfig(k=2)).fit(other_source, TARGET).score(PROBS))
    np.testing.assert_allclose(model.score(PROBS), ConSE(ZeroShotConfig(k=2)).fit(SOURCE, TARGET).score(PROBS))
