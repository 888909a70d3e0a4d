"""DREL (He et al. 2015): architecture and equations, planted-structure recovery, online updating."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

from tagbook.methods.tagging.drel import DREL, DRELConfig, DRELNet, triplet_hinge
from tagbook.methods.tagging.inputs import as_tag_matrix
from tagbook.methods.tagging.sampling import TagIndex, sample_triplets
from tagbook.methods.tagging.synthetic import planted_problem

SMALL = dict(image_hidden=64, latent_dim=64, tag_embedding_dim=16, tag_hidden=32, show_progress=False, num_threads=1)


def precision_at(scores: np.ndarray, truth: np.ndarray, k: int = 3) -> float:
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float(np.take_along_axis(truth, top, axis=1).mean())


def within_image_ranks(scores: np.ndarray) -> np.ndarray:
    """1 = the image's best-scored tag."""
    return np.argsort(np.argsort(-scores, axis=1, kind="stable"), axis=1) + 1


@pytest.fixture(scope="module")
def problem():
    return planted_problem(n_images=500, n_tags=12, n_features=24, noise=0.2, seed=3)


@pytest.fixture(scope="module")
def trained(problem):
    cfg = DRELConfig(**SMALL, learning_rate=0.5, momentum=0.9, epochs=15)
    return DREL(cfg).fit(problem.features[:400], problem.tag_matrix[:400])


# -- architecture and equations -------------------------------------------------------------
def test_default_sizes_are_the_papers_for_cnn_features():
    cfg = DRELConfig()
    assert (cfg.image_hidden, cfg.latent_dim, cfg.tag_embedding_dim, cfg.tag_hidden) == (2048, 1024, 256, 512)
    assert cfg.margin == 1.0  # m = 1
    assert DRELConfig.low_level().image_hidden == 1024
    net = DRELNet(n_features=1280, n_tags=81, config=cfg)
    linear = [m for m in net.image_tower if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linear] == [(1280, 2048), (2048, 1024)]
    linear = [m for m in net.tag_tower if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linear] == [(256, 512), (512, 1024)]
    assert all(isinstance(net.image_tower[i], torch.nn.Sigmoid) for i in (1, 3))
    assert all(isinstance(net.tag_tower[i], torch.nn.Sigmoid) for i in (1, 3))
    assert tuple(net.tag_embeddings.shape) == (81, 256) and tuple(net.metric.shape) == (1024, 1024)


def test_relevance_is_y_transposed_M_x():
    torch.manual_seed(0)
    net = DRELNet(5, 4, DRELConfig(image_hidden=6, latent_dim=3, tag_embedding_dim=2, tag_hidden=4))
    x = torch.randn(2, 5)
    x_lat, y_lat = net.image_latent(x), net.tag_latent()
    by_hand = torch.stack([torch.stack([y_lat[t] @ net.metric @ x_lat[b] for t in range(4)]) for b in range(2)])
    torch.testing.assert_close(net.relevance(x_lat, y_lat), by_hand)
    # Eq. 1-2: two sigmoid layers
    a = torch.sigmoid(x @ net.image_tower[0].weight.T + net.image_tower[0].bias)
    torch.testing.assert_close(x_lat, torch.sigmoid(a @ net.image_tower[2].weight.T + net.image_tower[2].bias))
    # the training forward gives the same s+ and s- as the all-pairs relevance
    pos, neg = torch.tensor([[0, 1], [2, 2]]), torch.tensor([[3, 3], [0, 1]])
    s_pos, s_neg = net(x, pos, neg)
    full = net.relevance(x_lat, y_lat)
    torch.testing.assert_close(s_pos, torch.gather(full, 1, pos))
    torch.testing.assert_close(s_neg, torch.gather(full, 1, neg))


def test_triplet_hinge_is_eq_5_averaged():
    s_pos = torch.tensor([[2.0, 0.5], [0.0, 1.0]])
    s_neg = torch.tensor([[0.5, 0.5], [0.2, -1.0]])
    # max(0, 1 + s- - s+): 0, 1, 1.2, 0 -> mean 0.55
    assert triplet_hinge(s_pos, s_neg, 1.0).item() == pytest.approx(0.55)


def test_triplets_are_relevant_then_irrelevant_and_uniform():
    tags = np.zeros((3, 6), dtype=bool)
    tags[0, [0, 1]] = True
    tags[1, :] = True  # no irrelevant tag: never drawn
    tags[2, [5]] = True
    index = TagIndex(as_tag_matrix(tags, 3))
    rng = np.random.default_rng(0)
    images, pos, neg = sample_triplets(index, 3000, rng)
    assert set(images) == {0, 2}
    assert tags[images, pos].all() and not tags[images, neg].any()
    # image 0: relevant tags 0 and 1 equally often, irrelevant 2..5 equally often
    counts = np.bincount(pos[images == 0], minlength=6)[:2] / 3000
    np.testing.assert_allclose(counts, 0.5, atol=0.04)
    counts = np.bincount(neg[images == 0], minlength=6)[2:] / 3000
    np.testing.assert_allclose(counts, 0.25, atol=0.04)


# -- learning ---------------------------------------------------------------------------------
def test_recovers_planted_tags_far_above_chance(problem, trained):
    scores = trained.score(problem.features[400:])
    assert scores.shape == (100, 12) and scores.dtype == np.float32
    truth = problem.tag_matrix[400:]
    chance = truth.mean()  # ~0.17: precision at 3 of a random ranking
    measured = precision_at(scores, truth)
    assert measured > 0.4 > 2 * chance, f"precision@3 {measured:.3f} (chance {chance:.3f})"
    assert trained.history_[-1] < 0.5 * trained.history_[0]  # the hinge went down


def test_same_seed_same_model_other_seed_other_model(problem):
    cfg = DRELConfig(**SMALL, epochs=2)
    x, y = problem.features[:100], problem.tag_matrix[:100]
    a = DREL(cfg).fit(x, y).score(x)
    b = DREL(cfg).fit(x, y).score(x)
    np.testing.assert_array_equal(a, b)
    c = DREL(DRELConfig(**{**SMALL, "seed": 1}, epochs=2)).fit(x, y).score(x)
    assert not np.allclose(a, c)


def test_online_update_learns_new_tags_and_keeps_old_ones():
    pb = planted_problem(n_images=900, n_tags=12, n_features=24, noise=0.2, seed=3)
    x, y = pb.features, pb.tag_matrix
    old, test = slice(0, 9), np.arange(700, 900)
    first = np.flatnonzero(~y[:700, 9:].any(axis=1))[:300]  # images without the new tags
    second = np.setdiff1d(np.arange(700), first)[:200]  # new images, old and new tags
    model = DREL(DRELConfig(**SMALL, learning_rate=0.5, momentum=0.9, epochs=20)).fit(x[first], y[first][:, old])
    before = model.score(x[test])
    model.partial_fit(x[second], y[second], new_tags=3)
    after = model.score(x[test])
    assert model.n_tags_ == 12 and after.shape == (200, 12)
    # new tags: ranked near the top (of 12) for test images that carry them, low for the rest
    ranks = within_image_ranks(after)
    for t in range(9, 12):
        carriers, others = ranks[y[test, t], t].mean(), ranks[~y[test, t], t].mean()
        assert carriers < 3.0 and others > carriers + 1.5, f"tag {t}: mean rank {carriers:.2f} vs {others:.2f}"
    # old tags: measured precision@3 0.528 -> 0.513 and per-image Spearman 0.82 between their
    # scores before and after (a retrained model of another seed correlates about as well)
    p_before, p_after = precision_at(before, y[test][:, old]), precision_at(after[:, :9], y[test][:, old])
    assert abs(p_after - p_before) < 0.05, f"old-tag precision@3 {p_before:.3f} -> {p_after:.3f}"
    rho = np.mean([spearmanr(a, b).statistic for a, b in zip(before, after[:, :9])])
    assert rho > 0.7, f"old-tag scores moved: mean per-image Spearman {rho:.3f}"


def test_partial_fit_without_new_tags_and_its_errors(problem, trained):
    import copy

    model = copy.deepcopy(trained)
    model.partial_fit(problem.features[400:450], problem.tag_matrix[400:450], epochs=1)
    assert model.n_tags_ == 12 and model.n_updates_ == 1
    with pytest.raises(ValueError, match="expected 14"):
        model.partial_fit(problem.features[:10], problem.tag_matrix[:10], new_tags=2)
    with pytest.raises(ValueError, match="new_tags"):
        model.partial_fit(problem.features[:10], problem.tag_matrix[:10], new_tags=-1)
    with pytest.raises(ValueError, match="dimensions"):
        model.partial_fit(problem.features[:10, :5], problem.tag_matrix[:10])
    with pytest.raises(RuntimeError, match="fit"):
        DREL(DRELConfig(**SMALL)).partial_fit(problem.features[:10], problem.tag_matrix[:10])


# -- bad input --------------------------------------------------------------------------------
def test_clear_errors(problem):
    x, y = problem.features[:20], problem.tag_matrix[:20]
    model = DREL(DRELConfig(**SMALL, epochs=1))
    with pytest.raises(RuntimeError, match="fit"):
        model.score(x)
    with pytest.raises(ValueError, match="rows"):
        model.fit(x, y[:10])
    with pytest.raises(ValueError, match="0/1"):
        model.fit(x, y * 2)
    with pytest.raises(ValueError, match="NaN"):
        model.fit(np.where(np.eye(20, 24) > 0, np.nan, x), y)
    with pytest.raises(ValueError, match="nothing to train"):
        model.fit(x, np.ones_like(y))
    model.fit(x, y)
    with pytest.raises(ValueError, match="dimensions"):
        model.score(x[:, :3])
    for bad in (dict(learning_rate=0), dict(epochs=0), dict(batch_size=1.5), dict(momentum=1.0), dict(seed=-1)):
        with pytest.raises(ValueError, match=next(iter(bad))):
            DRELConfig(**bad).validate()


def test_epoch_callback_sees_every_epoch_and_does_not_change_training(problem):
    cfg = DRELConfig(**SMALL, epochs=3, triplets_per_image=4)
    x, y = problem.features[:80], problem.tag_matrix[:80]
    seen = []
    with_callback = DREL(cfg).fit(x, y, callback=lambda epoch, model: seen.append((epoch, model.score(x[:5]))))
    assert [epoch for epoch, _ in seen] == [1, 2, 3]
    np.testing.assert_array_equal(seen[-1][1], with_callback.score(x[:5]))
    np.testing.assert_array_equal(with_callback.score(x), DREL(cfg).fit(x, y).score(x))
