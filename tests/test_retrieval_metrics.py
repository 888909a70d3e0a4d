"""Image-caption retrieval metrics (VSE++'s R@k and median rank) on hand-made and random cases."""

import numpy as np
import pytest

from tagbook.metrics.retrieval import (
    best_relevant_ranks,
    caption_recall_at_k,
    recall_at_k,
    recall_at_k_folds,
    summarise_ranks,
)
from tagbook.ranking import rank_labels


def _loop_ranks(similarity, captions_per_image):
    """The definition, one query at a time, with the library's full ranking (ties: lower index first)."""
    n_images = similarity.shape[0]
    order_rows = rank_labels(similarity)  # (n_images, n_captions), best first
    i2t = []
    for i in range(n_images):
        positions = [int(np.flatnonzero(order_rows[i] == j)[0])
                     for j in range(i * captions_per_image, (i + 1) * captions_per_image)]
        i2t.append(min(positions))
    order_cols = rank_labels(similarity.T)
    t2i = [int(np.flatnonzero(order_cols[j] == j // captions_per_image)[0]) for j in range(similarity.shape[1])]
    return np.array(i2t), np.array(t2i)


def _vsepp_numbers(ranks, ks=(1, 5, 10)):
    """R@k, medr and meanr exactly as VSE++'s evaluation writes them."""
    ranks = np.asarray(ranks, dtype=float)
    recalls = [100.0 * len(np.where(ranks < k)[0]) / len(ranks) for k in ks]
    return recalls, np.floor(np.median(ranks)) + 1, ranks.mean() + 1


def test_a_hand_made_case():
    # 2 images x 2 captions each; columns: (img0 cap0, img0 cap1, img1 cap0, img1 cap1)
    sim = np.array([
        [0.1, 0.9, 0.8, 0.2],   # image 0: its caption 1 first -> rank 0
        [0.7, 0.3, 0.5, 0.6],   # image 1: cap 0 (col 0) ahead, then its col 3 -> rank 1
    ])
    r = recall_at_k(sim, captions_per_image=2, ks=(1, 2))
    assert r.image_to_text.ranks.tolist() == [0, 1]
    assert r.image_to_text.recall == {1: 50.0, 2: 100.0}
    # column 0: image 1 (0.7) beats image 0 (0.1) -> caption 0 of image 0 has rank 1, and so on
    assert r.text_to_image.ranks.tolist() == [1, 0, 1, 0]
    assert r.text_to_image.recall == {1: 50.0, 2: 100.0}
    assert r.image_to_text.median_rank == 1.0  # floor(median([0, 1]) = 0.5) + 1
    assert r.text_to_image.mean_rank == 1.5
    assert r.rsum == 300.0
    row = r.as_dict()
    assert list(row) == ["i2t R@1", "i2t R@2", "i2t Mr", "t2i R@1", "t2i R@2", "t2i Mr", "R@sum"]
    assert row["i2t R@1"] == 50.0 and row["R@sum"] == 300.0


def test_ties_put_the_lower_index_first():
    sim = np.zeros((3, 6))  # every score equal
    r = recall_at_k(sim, captions_per_image=2, ks=(1, 3))
    # image i's best caption is its first, column 2i, and the 2i columns before it rank ahead
    assert r.image_to_text.ranks.tolist() == [0, 2, 4]
    # each caption's own image ranks at its index among the 3 images
    assert r.text_to_image.ranks.tolist() == [0, 0, 1, 1, 2, 2]
    assert r.image_to_text.recall == {1: pytest.approx(100 / 3), 3: pytest.approx(200 / 3)}
    # a tie with a lower-index competitor costs a rank; a tie with a higher one does not
    sim = np.array([[1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 1.0, 0.0]])
    r = recall_at_k(sim, captions_per_image=2, ks=(1,))
    assert r.image_to_text.ranks.tolist() == [0, 1]  # image 1's col 2 ties col 0, which is lower


def test_minus_infinity_ranks_last_and_nan_is_rejected():
    sim = np.array([[-np.inf, 0.0], [0.5, -np.inf]])
    r = recall_at_k(sim, captions_per_image=1, ks=(1,))
    assert r.image_to_text.ranks.tolist() == [1, 1]
    with pytest.raises(ValueError, match="NaN"):
        recall_at_k(np.array([[np.nan, 0.0], [0.0, 1.0]]), captions_per_image=1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_a_direct_loop_on_random_matrices_with_ties(seed):
    rng = np.random.default_rng(seed)
    n, c = 13, 5
    sim = np.round(rng.normal(size=(n, n * c)), 1)  # rounding makes many ties
    sim[:, rng.integers(0, n * c, 8)] += 2.0
    r = recall_at_k(sim, captions_per_image=c)
    i2t, t2i = _loop_ranks(sim, c)
    assert r.image_to_text.ranks.tolist() == i2t.tolist()
    assert r.text_to_image.ranks.tolist() == t2i.tolist()
    for summary, ranks in ((r.image_to_text, i2t), (r.text_to_image, t2i)):
        recalls, medr, meanr = _vsepp_numbers(ranks)
        assert [summary.recall[k] for k in (1, 5, 10)] == pytest.approx(recalls)
        assert summary.median_rank == medr and summary.mean_rank == pytest.approx(meanr)
    assert r.rsum == pytest.approx(sum(r.image_to_text.recall.values()) + sum(r.text_to_image.recall.values()))


def test_float32_and_integer_scores_give_the_same_ranks():
    rng = np.random.default_rng(5)
    sim = rng.integers(0, 4, size=(6, 12))
    a = recall_at_k(sim, captions_per_image=2)
    b = recall_at_k(sim.astype(np.float32), captions_per_image=2)
    assert a.image_to_text.ranks.tolist() == b.image_to_text.ranks.tolist() == _loop_ranks(sim, 2)[0].tolist()


def test_perfect_and_reversed_retrieval():
    n, c = 4, 3
    truth = np.repeat(np.eye(n), c, axis=1)
    best = recall_at_k(truth, c, ks=(1,))
    assert best.image_to_text.recall[1] == best.text_to_image.recall[1] == 100.0
    assert best.image_to_text.median_rank == 1.0
    worst = recall_at_k(-truth, c, ks=(1,))
    assert worst.image_to_text.recall[1] == 0.0
    assert worst.image_to_text.ranks.tolist() == [n * c - c] * n  # behind every other image's captions
    assert worst.text_to_image.ranks.tolist() == [n - 1] * (n * c)


def test_folds_are_the_diagonal_blocks():
    rng = np.random.default_rng(3)
    sim = rng.normal(size=(6, 12))
    folds = recall_at_k_folds(sim, captions_per_image=2, fold_size=3)
    assert len(folds) == 2
    second = recall_at_k(sim[3:, 6:], 2)
    assert folds[1].image_to_text.ranks.tolist() == second.image_to_text.ranks.tolist()
    with pytest.raises(ValueError, match="fold_size=4"):
        recall_at_k_folds(sim, 2, fold_size=4)


def test_caption_caption_retrieval_both_directions():
    # 2 images x 2 captions in language A (rows) and in language B (columns)
    sim = np.array([
        [0.9, 0.1, 0.5, 0.2],  # A cap of image 0: B col 0 (its image) first -> rank 0
        [0.1, 0.2, 0.8, 0.3],  # A cap of image 0: col 2 (image 1) first, then col 3, then col 1 -> rank 2
        [0.6, 0.1, 0.4, 0.3],  # A cap of image 1: col 0 first, then col 2 (its image) -> rank 1
        [0.0, 0.0, 0.0, 0.7],  # A cap of image 1: col 3 first -> rank 0
    ])
    a_to_b, b_to_a = caption_recall_at_k(sim, captions_per_image=2, ks=(1, 2))
    assert a_to_b.ranks.tolist() == [0, 2, 1, 0]
    assert a_to_b.recall == {1: 50.0, 2: 75.0}
    assert b_to_a.ranks.tolist() == best_relevant_ranks(sim.T, [0, 0, 1, 1], [0, 0, 1, 1]).tolist()
    # column 1 (a B caption of image 0): row 1 (0.2) leads; column 2 (image 1): rows 0 and 1 lead row 2
    assert b_to_a.ranks.tolist() == [0, 0, 2, 0]


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r"\(2, 10\)"):
        recall_at_k(np.zeros((2, 6)), captions_per_image=5)
    with pytest.raises(ValueError, match="captions_per_image"):
        recall_at_k(np.zeros((2, 2)), captions_per_image=0)
    with pytest.raises(ValueError, match="ks"):
        recall_at_k(np.zeros((2, 2)), captions_per_image=1, ks=(0,))
    with pytest.raises(ValueError, match="2-D"):
        recall_at_k(np.zeros(4), captions_per_image=1)
    with pytest.raises(ValueError, match="no relevant candidate"):
        best_relevant_ranks(np.zeros((2, 2)), [0, 5], [0, 1])
    with pytest.raises(ValueError, match="square"):
        caption_recall_at_k(np.zeros((4, 6)), captions_per_image=2)
    with pytest.raises(ValueError, match="no ranks"):
        summarise_ranks([])


def test_a_thousand_images_by_five_thousand_captions_match_the_definition_on_sampled_queries():
    # the paper's test size (timings: benchmarks/bench_retrieval.py); a direct count per query
    sim = np.random.default_rng(0).normal(size=(1000, 5000)).astype(np.float32)
    r = recall_at_k(sim)
    for i in (0, 137, 999):
        own = sim[i, i * 5 : i * 5 + 5]
        best = int(np.argmax(own))
        expected = int((sim[i] > own[best]).sum())
        assert r.image_to_text.ranks[i] == expected
    for j in (0, 2501, 4999):
        column, target = sim[:, j], sim[j // 5, j]
        assert r.text_to_image.ranks[j] == int((column > target).sum())
