"""WSABIE and the WARP loss (Weston, Bengio, Usunier 2011): the vectorised search against a plain
per-pair loop, the weights, the constraints, planted-structure recovery."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tagbook.methods.tagging.inputs import as_tag_matrix
from tagbook.methods.tagging.sampling import TagIndex
from tagbook.methods.tagging.synthetic import planted_problem
from tagbook.methods.tagging.warp import (
    first_violators,
    harmonic_numbers,
    rank_estimate,
    sample_warp_negatives,
    warp_weights,
)
from tagbook.methods.tagging.wsabie import WSABIE, WSABIEConfig, WSABIENet, warp_batch_loss

FAST = dict(show_progress=False, num_threads=1)


def precision_at(scores: np.ndarray, truth: np.ndarray, k: int = 3) -> float:
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float(np.take_along_axis(truth, top, axis=1).mean())


# -- the pieces of WARP -----------------------------------------------------------------------
def test_weight_is_the_harmonic_sum_not_one_plus():
    h = harmonic_numbers(4)
    np.testing.assert_allclose(h, [0.0, 1.0, 1.5, 11 / 6, 25 / 12])
    # the slip "sum of 1/j + 1" would give 2, 3.5, ... for k = 1, 2
    assert h[1] == 1.0 and h[2] == 1.5


def test_rank_estimate_is_integer_floor_and_counts_draws_from_one():
    assert rank_estimate(np.array([7, 7, 7, 5]), np.array([1, 2, 3, 5])).tolist() == [7, 3, 2, 1]
    assert rank_estimate(np.array([7]), np.array([2])).dtype == np.int64  # not 3.5
    with pytest.raises(ValueError, match="n_draws"):
        rank_estimate(np.array([7]), np.array([0]))
    # the first draw violating: N = 1, rank n-, weight L(n-); no violator: weight 0
    h = harmonic_numbers(10)
    w = warp_weights(np.array([3, -1]), np.array([1, 5]), np.array([5, 5]), h)
    np.testing.assert_allclose(w, [137 / 60, 0.0], rtol=1e-6)


def loop_first_violator(s_pos, stream, relevant, budget, margin, score):
    """Plain WARP search for one pair: walk the candidate stream, skip relevant tags."""
    n = 0
    for c in stream:
        if relevant[c]:
            continue
        n += 1
        if n > budget:
            return -1, budget
        if margin + score[c] > s_pos:
            return c, n
    raise AssertionError("candidate stream too short for the test")


def tiny_problem(seed=0, n_pairs=40, n_tags=8):
    rng = np.random.default_rng(seed)
    tags = rng.random((n_pairs, n_tags)) < 0.3
    tags[np.arange(n_pairs), rng.integers(0, n_tags, n_pairs)] = True  # a relevant tag each
    tags[0] = True  # an image with every tag relevant: no search at all
    scores = rng.normal(size=(n_pairs, n_tags))
    positives = np.array([rng.choice(np.flatnonzero(r)) for r in tags])
    stream = rng.integers(0, n_tags, size=(n_pairs, 400))
    return tags, scores, positives, stream


@pytest.mark.parametrize("block", [1, 3, 16])
def test_vectorised_search_matches_the_per_pair_loop(block):
    tags, scores, positives, stream = tiny_problem()
    index = TagIndex(as_tag_matrix(tags, len(tags)))
    rows = np.arange(len(tags))
    s_pos = scores[rows, positives]
    pointer = np.zeros(len(tags), dtype=int)

    def draw(pairs, size):  # the same candidate stream the loop walks, in blocks
        out = np.stack([stream[p, pointer[p] : pointer[p] + size] for p in pairs])
        pointer[pairs] += size
        return out

    negatives, n_draws = sample_warp_negatives(
        rows, s_pos, lambda p, c: np.take_along_axis(scores[p], c, axis=1), index,
        np.random.default_rng(0), block_size=block, margin=1.0, draw=draw,
    )
    assert negatives[0] == -1 and n_draws[0] == 0  # no irrelevant tag
    found_any = False
    for p in rows[1:]:
        neg, n = loop_first_violator(s_pos[p], stream[p], tags[p], index.n_irrelevant[p], 1.0, scores[p])
        assert (negatives[p], n_draws[p]) == (neg, n), f"pair {p}"
        found_any |= neg >= 0
    assert found_any and (negatives[1:] == -1).any()  # both outcomes occur
    found = negatives >= 0
    loop_ranks = index.n_irrelevant[found] // n_draws[found]
    np.testing.assert_array_equal(rank_estimate(index.n_irrelevant[found], n_draws[found]), loop_ranks)


def test_first_violators_respects_the_draw_budget():
    scores, usable = np.array([[0.0, 9.0, 9.0, 9.0]]), np.array([[True, False, True, True]])
    # slot 1 is a relevant tag (not a draw); the violator in slot 2 is the second draw
    pos, n = first_violators(np.array([5.0]), scores, usable, np.array([0]), np.array([2]), margin=1.0)
    assert (pos[0], n[0]) == (2, 2)
    # with a budget of one draw it is out of reach
    pos, n = first_violators(np.array([5.0]), scores, usable, np.array([0]), np.array([1]), margin=1.0)
    assert (pos[0], n[0]) == (-1, 1)
    # draws made in earlier blocks count against the budget
    pos, n = first_violators(np.array([5.0]), scores, usable, np.array([3]), np.array([4]), margin=1.0)
    assert (pos[0], n[0]) == (-1, 4)


def test_batch_gradient_equals_the_per_pair_loop():
    """Vectorised search + autograd against a plain loop: same negatives, weights and gradient."""
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    n_images, n_feat, n_tags, dim = 12, 5, 7, 3
    x = torch.randn(n_images, n_feat)
    tags = rng.random((n_images, n_tags)) < 0.3
    tags[np.arange(n_images), rng.integers(0, n_tags, n_images)] = True
    index = TagIndex(as_tag_matrix(tags, n_images))
    rows, positives = index.positive_pairs()
    net = WSABIENet(n_feat, n_tags, dim)
    with torch.no_grad():
        full = (net.embed(x) @ net.W.T).numpy()
    stream = rng.integers(0, n_tags, size=(rows.size, 500))
    pointer = np.zeros(rows.size, dtype=int)

    def draw(pairs, size):
        out = np.stack([stream[p, pointer[p] : pointer[p] + size] for p in pairs])
        pointer[pairs] += size
        return out

    s_pos = full[rows, positives]
    negatives, n_draws = sample_warp_negatives(rows, s_pos, lambda p, c: np.take_along_axis(full[rows[p]], c, axis=1),
                                               index, rng, block_size=4, draw=draw)
    h = harmonic_numbers(n_tags)
    weights = warp_weights(negatives, n_draws, index.n_irrelevant[rows], h)
    neg = np.where(negatives >= 0, negatives, positives)
    sp, sn = net(x[rows], torch.from_numpy(positives), torch.from_numpy(neg))
    warp_batch_loss(sp, sn, torch.from_numpy(weights), 1.0).backward()

    V, W = net.V.detach().numpy(), net.W.detach().numpy()
    gV, gW = np.zeros_like(V), np.zeros_like(W)
    for p, (i, y) in enumerate(zip(rows, positives)):
        ybar, n = loop_first_violator(full[i, y], stream[p], tags[i], index.n_irrelevant[i], 1.0, full[i])
        assert (ybar, n) == (negatives[p], n_draws[p])
        if ybar < 0:
            continue
        weight = sum(1.0 / j for j in range(1, index.n_irrelevant[i] // n + 1))
        phi = x[i].numpy() @ V
        gW[y] -= weight * phi / rows.size
        gW[ybar] += weight * phi / rows.size
        gV += weight * np.outer(x[i].numpy(), W[ybar] - W[y]) / rows.size
    assert (negatives >= 0).sum() >= 3
    np.testing.assert_allclose(net.W.grad.numpy(), gW, atol=1e-5)
    np.testing.assert_allclose(net.V.grad.numpy(), gV, atol=1e-5)
    g = np.concatenate([net.V.grad.numpy().ravel(), net.W.grad.numpy().ravel()])
    ref = np.concatenate([gV.ravel(), gW.ravel()])
    assert g @ ref / (np.linalg.norm(g) * np.linalg.norm(ref)) > 0.99999


# -- the model --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def problem():
    return planted_problem(n_images=600, n_tags=20, n_features=30, noise=0.3, seed=2)


@pytest.fixture(scope="module")
def trained(problem):
    return WSABIE(WSABIEConfig(**FAST, embedding_dim=16, epochs=8, learning_rate=0.05)).fit(
        problem.features[:500], problem.tag_matrix[:500]
    )


def test_recovers_planted_tags_and_keeps_the_unit_ball(problem, trained):
    scores = trained.score(problem.features[500:])
    assert scores.shape == (100, 20) and scores.dtype == np.float32
    truth = problem.tag_matrix[500:]
    measured, chance = precision_at(scores, truth), truth.mean()
    assert measured > 0.4 > 3 * chance, f"precision@3 {measured:.3f} (chance {chance:.3f})"
    assert trained.history_[-1] < trained.history_[0]
    assert np.linalg.norm(trained.tag_embeddings(), axis=1).max() <= 1 + 1e-5
    assert np.linalg.norm(trained.net.V.detach().numpy(), axis=1).max() <= 1 + 1e-5


def test_same_seed_same_model(problem):
    cfg = WSABIEConfig(**FAST, embedding_dim=8, epochs=2)
    x, y = problem.features[:100], problem.tag_matrix[:100]
    np.testing.assert_array_equal(WSABIE(cfg).fit(x, y).score(x), WSABIE(cfg).fit(x, y).score(x))
    other = WSABIE(WSABIEConfig(**FAST, embedding_dim=8, epochs=2, seed=5)).fit(x, y).score(x)
    assert not np.allclose(WSABIE(cfg).fit(x, y).score(x), other)


def test_large_vocabulary_path_matches_the_full_score_path(problem, monkeypatch):
    import tagbook.methods.tagging.wsabie as wsabie

    cfg = WSABIEConfig(**FAST, embedding_dim=8, epochs=2)
    x, y = problem.features[:100], problem.tag_matrix[:100]
    full = WSABIE(cfg).fit(x, y).score(x)
    monkeypatch.setattr(wsabie, "_FULL_SCORES_LIMIT", 0)  # gather only the drawn candidates
    np.testing.assert_allclose(WSABIE(cfg).fit(x, y).score(x), full, rtol=1e-4, atol=1e-5)


def test_clear_errors(problem):
    x, y = problem.features[:20], problem.tag_matrix[:20]
    with pytest.raises(RuntimeError, match="fit"):
        WSABIE(WSABIEConfig(**FAST)).score(x)
    with pytest.raises(ValueError, match="rows"):
        WSABIE(WSABIEConfig(**FAST)).fit(x, y[:5])
    with pytest.raises(ValueError, match="nothing to train"):
        WSABIE(WSABIEConfig(**FAST)).fit(x, np.zeros_like(y))
    with pytest.raises(ValueError, match="0/1"):
        WSABIE(WSABIEConfig(**FAST)).fit(x, y.astype(float) * 0.5)
    for bad in (dict(embedding_dim=0), dict(learning_rate=-1.0), dict(max_norm=0), dict(draw_block=0)):
        with pytest.raises(ValueError, match=next(iter(bad))):
            WSABIEConfig(**bad).validate()
    model = WSABIE(WSABIEConfig(**FAST, epochs=1)).fit(x, y)
    with pytest.raises(ValueError, match="dimensions"):
        model.score(x[:, :4])


def test_standardised_features_use_the_training_statistics(problem):
    x, y = problem.features[:200] * 50 + 7, problem.tag_matrix[:200]  # a scale the unit ball dislikes
    model = WSABIE(WSABIEConfig(**FAST, embedding_dim=16, epochs=6, learning_rate=0.05, standardise=True)).fit(x, y)
    np.testing.assert_allclose(model.scaler.mean, x.mean(0), rtol=1e-4, atol=1e-3)
    test = problem.features[500:] * 50 + 7
    assert precision_at(model.score(test), problem.tag_matrix[500:]) > 0.4


def test_epoch_callback_sees_every_epoch_and_does_not_change_training(problem):
    cfg = WSABIEConfig(**FAST, embedding_dim=8, epochs=3)
    x, y = problem.features[:100], problem.tag_matrix[:100]
    seen = []
    model = WSABIE(cfg).fit(x, y, callback=lambda epoch, m: seen.append(epoch))
    assert seen == [1, 2, 3]
    np.testing.assert_array_equal(model.score(x), WSABIE(cfg).fit(x, y).score(x))
