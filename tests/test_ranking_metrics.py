import numpy as np
import pytest

from tagbook.metrics.ranking import (
    average_precision,
    hit_at_k,
    hits_at_k,
    hits_per_image,
    hits_per_query_ranked,
    mean_average_precision,
    precision_recall_f1_at_k,
    predicted_labels,
    predicted_mask,
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


INF = np.inf


def test_a_true_label_scored_minus_inf_is_never_a_hit():
    # fewer than k labels have finite scores: the -inf label must not fill a top-k slot
    assert hit_at_k([[0.9, 0.5, -INF]], [[False, False, True]], 5) == 0.0
    assert hit_at_k([[0.9, 0.5, -INF]], [[False, True, False]], 5) == 1.0
    assert hit_at_k([[-INF, -INF]], [[True, True]], 2) == 0.0
    assert hits_at_k([[0.9, -INF, 0.5]], [[0, 1, 0]], ks=(1, 3))["sum"] == 0.0
    assert hits_per_image([[0.9, -INF], [0.1, 0.2]], [[0, 1], [1, 0]], 2).tolist() == [False, True]


def test_predicted_labels_leave_minus_inf_slots_empty():
    scores = np.array([[0.9, -INF, 0.5], [-INF, -INF, -INF], [INF, 0.0, 1.0]])
    assert predicted_labels(scores, 5).tolist() == [[0, 2, -1], [-1, -1, -1], [0, 2, 1]]
    assert predicted_labels(scores, 1).tolist() == [[0], [-1], [0]]
    assert predicted_mask(scores, 2).tolist() == [[True, False, True], [False] * 3, [True, False, True]]


def test_precision_recall_f1_never_count_a_minus_inf_label_as_predicted():
    scores = np.array([[0.9, -INF, 0.5], [0.8, 0.7, -INF]])
    truth = np.array([[1, 1, 0], [0, 0, 1]], dtype=bool)
    # top-3 predicts only the finite labels: image0 -> {0, 2} (0 correct), image1 -> {0, 1} (none)
    by_label = precision_recall_f1_at_k(scores, truth, 3, average="label")
    # label0: P 1/2, R 1/1; label1: P 0/1, R 0/1 (its -inf relevant image still counts); label2: P 0/1, R 0/1
    assert by_label.precision == pytest.approx(1 / 6) and by_label.recall == pytest.approx(1 / 3)
    assert by_label.f1 == pytest.approx(2 * (1 / 6) * (1 / 3) / (1 / 6 + 1 / 3)) and by_label.n_plus == 1
    by_image = precision_recall_f1_at_k(scores, truth, 3, average="image")
    # image0: P 1/2, R 1/2; image1: P 0/2, R 0/1
    assert by_image.precision == pytest.approx(0.25) and by_image.recall == pytest.approx(0.25)
    micro = precision_recall_f1_at_k(scores, truth, 3, average="micro")
    assert micro.precision == pytest.approx(1 / 4) and micro.recall == pytest.approx(1 / 3)


def test_average_precision_counts_a_minus_inf_relevant_item_as_never_retrieved():
    # ranking: item2 (hit), item0 (miss), then the -inf items; relevant item1 adds 0 but counts
    assert average_precision([0.5, -INF, 0.9, -INF], [0, 1, 1, 0]) == pytest.approx(0.5)
    # its place among the other -inf items does not matter
    assert average_precision([0.5, -INF, 0.9, -INF], [0, 0, 1, 1]) == pytest.approx(0.5)
    assert average_precision([0.5, -INF], [0, 1]) == 0.0
    assert average_precision([0.5, 0.1, 0.9], [0, 1, 1]) == pytest.approx((1 + 2 / 3) / 2)  # no -inf: unchanged
    scores = np.array([[0.9, -INF], [0.1, 0.9], [0.5, 0.5]])
    truth = np.array([[1, 1], [0, 1], [1, 0]], dtype=bool)
    # by image: image0 AP (1 + 0) / 2, image1 AP 1, image2 AP 1
    assert mean_average_precision(scores, truth, over="image") == pytest.approx((0.5 + 1 + 1) / 3)
    # by label: label0 ranks images 0, 2, 1 -> AP 1; label1 ranks 1, 2, then image0 (-inf) -> (1 + 0) / 2
    assert mean_average_precision(scores, truth, over="label") == pytest.approx((1 + 0.5) / 2)


def test_hits_per_query_ranked_empty_slots_never_hit():
    ranked = np.array([[-1, -1], [3, -1], [2, 5]])
    assert hits_per_query_ranked(ranked, [{-1}, {3}, {5}], 2).tolist() == [False, True, True]
    assert hits_per_query_ranked(ranked, [{-1}, {3}, {5}], 1).tolist() == [False, True, False]
    with pytest.raises(ValueError, match="k must lie in"):
        hits_per_query_ranked(ranked, [{1}] * 3, 3)
    with pytest.raises(ValueError, match="integer indices"):
        hits_per_query_ranked(ranked.astype(float), [{1}] * 3, 1)
    with pytest.raises(ValueError, match="rows but gold"):
        hits_per_query_ranked(ranked, [{1}] * 2, 1)


def test_both_forms_of_hit_at_k_agree_with_the_definition_on_random_scores():
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 4, size=(60, 7)).astype(float)  # ties
    scores[rng.random(scores.shape) < 0.3] = -INF
    truth = rng.random(scores.shape) < 0.25
    gold = [set(np.flatnonzero(row).tolist()) for row in truth]
    for k in range(1, 9):
        per_image = hits_per_image(scores, truth, k)
        by_definition = (top_k_mask(scores, k) & truth & np.isfinite(scores)).any(axis=1)
        np.testing.assert_array_equal(per_image, by_definition)
        np.testing.assert_array_equal(per_image, hits_per_query_ranked(predicted_labels(scores, k), gold, min(k, 7)))
        assert hit_at_k(scores, truth, k) == pytest.approx(per_image.mean())


# -- chunked top-k by dot product ---------------------------------------------------------------
from tagbook.ranking import top_k_scores  # noqa: E402


def _brute_top_k(queries, labels, k, exclude=None):
    scores = (np.asarray(queries, np.float64) @ np.asarray(labels, np.float64).T)
    scores = np.where(np.isfinite(scores), scores, -np.inf)
    if exclude is not None:
        scores = np.where(exclude, -np.inf, scores)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    best = np.take_along_axis(scores, order, axis=1)
    return np.where(np.isfinite(best), order, -1), best


@pytest.mark.parametrize("chunk_size", [1, 3, 7, 64])
def test_top_k_scores_matches_a_full_stable_sort_with_ties(chunk_size):
    rng = np.random.default_rng(0)
    # small integer vectors: many exact ties, across chunk boundaries too
    queries = rng.integers(-2, 3, size=(9, 4)).astype(np.float32)
    labels = rng.integers(-2, 3, size=(40, 4)).astype(np.float32)
    for k in (1, 5, 40, 45):
        idx, scores = top_k_scores(queries, labels, k, chunk_size=chunk_size)
        want_idx, want_scores = _brute_top_k(queries, labels, k)
        if k > 40:  # fewer labels than k: padded with -1 / -inf
            want_idx = np.concatenate([want_idx, np.full((9, k - 40), -1)], axis=1)
            want_scores = np.concatenate([want_scores, np.full((9, k - 40), -np.inf)], axis=1)
        assert np.array_equal(idx, want_idx), (k, chunk_size)
        assert np.allclose(scores, want_scores)


def test_top_k_scores_exclusions_non_finite_scores_and_precision():
    rng = np.random.default_rng(1)
    queries = rng.standard_normal((5, 3)).astype(np.float32)
    labels = rng.standard_normal((30, 3)).astype(np.float32)
    exclude = rng.random((5, 30)) < 0.5
    exclude[0] = True  # nothing left for query 0
    idx, scores = top_k_scores(queries, labels, 4, chunk_size=8, exclude=exclude)
    want, _ = _brute_top_k(queries, labels, 4, exclude)
    assert np.array_equal(idx, want) and (idx[0] == -1).all() and np.isneginf(scores[0]).all()
    shared = np.zeros(30, dtype=bool)
    shared[want[1, 0]] = True
    idx2, _ = top_k_scores(queries, labels, 3, exclude=shared)
    assert want[1, 0] not in idx2[1]
    labels_inf = labels.copy()
    labels_inf[2] = 3e38  # overflows to a score of +inf against the positive queries: never returned
    idx3, _ = top_k_scores(np.abs(queries) + 0.1, labels_inf, 30, chunk_size=7)
    assert all(2 not in row for row in idx3) and (idx3[:, -1] == -1).all()
    with pytest.raises(ValueError, match="NaN"):
        top_k_scores(queries, np.where(np.arange(30)[:, None] == 4, np.nan, labels), 2)
    idx64, scores64 = top_k_scores(queries.astype(np.float64), labels, 3)
    assert scores64.dtype == np.float64 and np.array_equal(idx64, _brute_top_k(queries, labels, 3)[0])
    _, scores32 = top_k_scores(queries, labels, 3)
    assert scores32.dtype == np.float32
    with pytest.raises(ValueError, match="dimension"):
        top_k_scores(queries, labels[:, :2], 2)
    with pytest.raises(ValueError, match="exclude"):
        top_k_scores(queries, labels, 2, exclude=np.zeros(3, dtype=bool))
