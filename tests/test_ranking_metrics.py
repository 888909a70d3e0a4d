import numpy as np
import pytest

from tagbook.metrics.ranking import (
    average_precision,
    hit_at_k,
    hits_at_k,
    mean_average_precision,
    precision_recall_f1_at_k,
    random_ranking_map,
)
from tagbook.ranking import rank_labels, top_k, top_k_mask


def test_top_k_orders_best_first_and_breaks_ties_by_index():
    scores = np.array([[0.1, 0.9, 0.5, 0.9], [3.0, 1.0, 2.0, 0.0]])
    assert top_k(scores, 2).tolist() == [[1, 3], [0, 2]]
    assert top_k(scores, 3).tolist() == [[1, 3, 2], [0, 2, 1]]
    # a tie at the boundary: labels 1, 2, 3 tie; the lowest indices win
    tied = np.array([[0.0, 1.0, 1.0, 1.0, 2.0]])
    assert top_k(tied, 2).tolist() == [[4, 1]]
    assert rank_labels(tied).tolist() == [[4, 1, 2, 3, 0]]


def test_top_k_matches_full_sort_on_random_scores():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, size=(50, 40)).astype(float)  # many ties
    assert np.array_equal(top_k(scores, 7), rank_labels(scores)[:, :7])


def test_top_k_rejects_bad_input():
    with pytest.raises(ValueError, match="k must be"):
        top_k(np.zeros((2, 3)), 0)
    with pytest.raises(ValueError, match="NaN"):
        top_k(np.array([[np.nan, 1.0]]), 1)


def test_hit_at_k_hand_computed():
    scores = np.array([[0.9, 0.8, 0.1], [0.2, 0.3, 0.9], [0.5, 0.4, 0.3]])
    truth = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], dtype=bool)
    assert hit_at_k(scores, truth, 1) == 0.0
    assert hit_at_k(scores, truth, 2) == pytest.approx(1 / 3)
    assert hit_at_k(scores, truth, 3) == pytest.approx(2 / 3)
    h = hits_at_k(scores, truth, ks=(1, 2))
    assert h["sum"] == pytest.approx(1 / 3)


def test_precision_recall_per_label_hand_computed():
    scores = np.array([[0.9, 0.1, 0.5], [0.8, 0.7, 0.1]])
    truth = np.array([[1, 0, 1], [0, 1, 0]], dtype=bool)
    # top-1: image0 -> label0 (correct), image1 -> label0 (wrong)
    r = precision_recall_f1_at_k(scores, truth, 1, average="label")
    # label0: P=1/2, label1: never predicted -> 0, label2: never predicted -> 0; mean P = 1/6
    # recall: label0 1/1, label1 0/1, label2 0/1 -> 1/3
    assert r.precision == pytest.approx(1 / 6)
    assert r.recall == pytest.approx(1 / 3)
    assert r.f1 == pytest.approx(2 * (1 / 6) * (1 / 3) / (1 / 6 + 1 / 3))
    assert r.n_plus == 1
    img = precision_recall_f1_at_k(scores, truth, 1, average="image")
    assert img.precision == pytest.approx(0.5) and img.recall == pytest.approx(0.25)
    micro = precision_recall_f1_at_k(scores, truth, 1, average="micro")
    assert micro.precision == pytest.approx(0.5) and micro.recall == pytest.approx(1 / 3)


def test_average_precision_hand_computed():
    # ranking: item2 (hit), item0 (miss), item1 (hit) -> AP = (1/1 + 2/3) / 2
    assert average_precision([0.5, 0.1, 0.9], [0, 1, 1]) == pytest.approx((1 + 2 / 3) / 2)
    assert np.isnan(average_precision([0.5, 0.1], [0, 0]))
    scores = np.array([[0.9, 0.1], [0.1, 0.9], [0.5, 0.5]])
    truth = np.array([[1, 0], [0, 1], [1, 0]], dtype=bool)
    # label0 ranks images 0,2,1 -> hits at 1,2 -> AP 1; label1 ranks 1,2,0 -> hit at 1 -> AP 1
    assert mean_average_precision(scores, truth) == pytest.approx(1.0)
    assert top_k_mask(scores, 1).sum() == 3


def test_random_ranking_map_matches_the_expected_ap_of_a_random_order():
    # one relevant item among 3: AP = 1/position, the position uniform on 1..3
    truth = np.array([[True], [False], [False]])
    draws = random_ranking_map(truth, draws=3000, seed=1)
    assert draws.shape == (3000,)
    assert set(np.round(draws, 6)) == {1.0, 0.5, round(1 / 3, 6)}
    assert abs(draws.mean() - (1 + 1 / 2 + 1 / 3) / 3) < 0.02


def test_random_ranking_map_is_seeded_and_checks_draws():
    truth = np.random.default_rng(0).random((20, 4)) < 0.3
    np.testing.assert_array_equal(random_ranking_map(truth, 5, seed=2), random_ranking_map(truth, 5, seed=2))
    assert not np.array_equal(random_ranking_map(truth, 5, seed=2), random_ranking_map(truth, 5, seed=3))
    assert np.all(random_ranking_map(np.ones((4, 2), bool), 3) == 1.0)
    with pytest.raises(ValueError, match="draws"):
        random_ranking_map(truth, 0)
