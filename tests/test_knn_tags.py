"""kNN tag voting: hand-made votes and tie-breaks, chunked search against brute force, self-exclusion."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from tagbook.methods.tagging.knn import KNNTagConfig, KNNTagVoting
from tagbook.methods.tagging.synthetic import planted_problem


def brute_force_scores(train, tags, queries, k, exclude=None):
    a = train / np.linalg.norm(train, axis=1, keepdims=True)
    q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    sims = q @ a.T
    if exclude is not None:
        sims[np.arange(len(q)), exclude] = -np.inf
    out = np.zeros((len(q), tags.shape[1]))
    for i, row in enumerate(sims):
        nn = np.argsort(-row, kind="stable")[:k]
        votes = tags[nn].sum(0)
        similarity = (tags[nn] * row[nn, None]).sum(0)
        out[i] = votes + (similarity + k) / (2 * k + 1)
    return out


def test_hand_made_votes_and_tie_break():
    train = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    tags = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1]], dtype=bool)
    model = KNNTagVoting(KNNTagConfig(k=2)).fit(train, tags)
    votes, similarity = model.votes(np.array([[1.0, 0.05]]))
    np.testing.assert_array_equal(votes[0], [2, 1, 0])  # neighbours: images 0 and 1
    scores = model.score(np.array([[1.0, 0.05]]))[0]
    assert scores[0] > scores[1] > scores[2]
    # a tie in votes is broken by the summed similarity: tag 0 (image 0, nearer) over tag 1 (image 1)
    model = KNNTagVoting(KNNTagConfig(k=2)).fit(train, np.array([[1, 0], [0, 1], [0, 0], [0, 0]], dtype=bool))
    votes, similarity = model.votes(np.array([[1.0, 0.0]]))
    np.testing.assert_array_equal(votes[0], [1, 1])
    assert similarity[0, 0] > similarity[0, 1]
    s = model.score(np.array([[1.0, 0.0]]))[0]
    assert s[0] > s[1] and np.floor(s).tolist() == [1, 1]  # the tie-break never adds a vote


def test_chunked_search_equals_brute_force():
    rng = np.random.default_rng(0)
    train, queries = rng.normal(size=(53, 6)), rng.normal(size=(17, 6))
    tags = rng.random((53, 9)) < 0.3
    model = KNNTagVoting(KNNTagConfig(k=10, query_chunk=4, train_chunk=7)).fit(train, tags)
    np.testing.assert_allclose(model.score(queries), brute_force_scores(train, tags, queries, 10), rtol=1e-5)
    # a sparse tag matrix gives the same scores
    sparse_model = KNNTagVoting(KNNTagConfig(k=10, query_chunk=4, train_chunk=7)).fit(train, sparse.csr_matrix(tags))
    np.testing.assert_array_equal(sparse_model.score(queries), model.score(queries))


def test_training_set_scored_without_itself():
    rng = np.random.default_rng(1)
    train = rng.normal(size=(30, 4))
    train[7] = train[3]  # a duplicate image is still a neighbour; only the image itself is left out
    tags = rng.random((30, 5)) < 0.4
    model = KNNTagVoting(KNNTagConfig(k=5, train_chunk=8)).fit(train, tags)
    idx, _ = model.neighbours(train, exclude=np.arange(30))
    assert idx.shape == (30, 5) and not (idx == np.arange(30)[:, None]).any()
    assert 7 in idx[3] and 3 in idx[7]
    np.testing.assert_allclose(model.score_training(), brute_force_scores(train, tags, train, 5, np.arange(30)), rtol=1e-5)
    with_self = KNNTagVoting(KNNTagConfig(k=5, exclude_self=False)).fit(train, tags)
    idx, _ = with_self.neighbours(train)
    assert (idx[:, 0] == np.arange(30)).sum() >= 28  # itself first (the duplicate pair may swap)
    np.testing.assert_allclose(with_self.score_training(), brute_force_scores(train, tags, train, 5), rtol=1e-5)


def test_recovers_planted_tags_and_k_capped_by_the_training_set():
    pb = planted_problem(n_images=400, n_tags=20, n_features=20, noise=0.3, seed=4)
    model = KNNTagVoting(KNNTagConfig(k=20)).fit(pb.features[:300], pb.tag_matrix[:300])
    scores = model.score(pb.features[300:])
    assert scores.shape == (100, 20) and scores.dtype == np.float32
    top = np.argsort(-scores, axis=1, kind="stable")[:, :3]
    precision, chance = np.take_along_axis(pb.tag_matrix[300:], top, axis=1).mean(), pb.tag_matrix.mean()
    assert precision > 0.45 > 3 * chance, f"precision@3 {precision:.3f} (chance {chance:.3f})"
    small = KNNTagVoting(KNNTagConfig(k=100)).fit(pb.features[:8], pb.tag_matrix[:8])  # k > N
    assert small.neighbours(pb.features[300:302])[0].shape == (2, 8)
    assert small.score_training().shape == (8, 20)  # 7 neighbours each


def test_clear_errors():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(10, 3)), rng.random((10, 4)) < 0.5
    with pytest.raises(RuntimeError, match="fit"):
        KNNTagVoting().score(x)
    with pytest.raises(ValueError, match="rows"):
        KNNTagVoting().fit(x, y[:3])
    with pytest.raises(ValueError, match="k must"):
        KNNTagVoting(KNNTagConfig(k=0))
    model = KNNTagVoting(KNNTagConfig(k=3)).fit(x, y)
    with pytest.raises(ValueError, match="dimensions"):
        model.score(x[:, :2])
    with pytest.raises(ValueError, match="exclude"):
        model.score(x, exclude=np.arange(3))
    with pytest.raises(ValueError, match="exclude"):
        model.score(x, exclude=np.full(10, 10))
    with pytest.raises(ValueError, match="too small"):
        KNNTagVoting().fit(x[:1], y[:1]).score_training()
