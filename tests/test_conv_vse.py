"""The conv-level visual-semantic model and the pooled baseline on small random tensors."""

import numpy as np
import pytest
import torch

from tagbook.methods.vse.conv import ConvVSE, ConvVSEConfig, ConvVSEHead, mix_pool
from tagbook.training.label_sampling import sample_label_sets, unit_rows
from tagbook.methods.vse.pooled import PooledVSE, PooledVSEConfig

N, C, L, D = 48, 16, 12, 8


def _toy_problem(seed=0):
    """Label l present <=> channel l is switched on in one random cell: learnable and spatial."""
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=0.3, size=(N, C, 7, 7)).astype(np.float32)
    targets = rng.random((N, L)) < 0.2
    targets[np.arange(N), rng.integers(0, L, N)] = True
    for i, j in zip(*np.nonzero(targets)):
        x[i, j, rng.integers(7), rng.integers(7)] += 4.0
    vectors = rng.normal(size=(L, D))
    return x, targets, vectors


def _small(**kw):
    base = dict(epochs=2, batch_size=16, hidden_channels=32, map_channels=8, show_progress=False, num_threads=1)
    base.update(kw)
    return ConvVSEConfig(**base)


def test_head_shapes_and_unit_region_embeddings():
    config = _small(k_blocks=3)
    head = ConvVSEHead(C, D, config)
    conv = torch.randn(4, C, 7, 7)
    labels = unit_rows(np.random.default_rng(0).normal(size=(5, D)))
    regions = head.region_embeddings(conv)
    assert regions.shape == (4, 3, D, 7, 7)
    assert torch.allclose(regions.norm(dim=2), torch.ones(4, 3, 7, 7), atol=1e-5)
    cos = head.cosine_maps(regions, labels)
    assert cos.shape == (4, 5, 3, 7, 7)
    assert cos.abs().max() <= 1 + 1e-5
    # per-image label sets give the same maps as a shared label list
    per_image = head.cosine_maps(regions, labels.expand(4, 5, D))
    assert torch.allclose(cos, per_image, atol=1e-6)
    assert head.maps_from_regions(regions, labels).shape == (4, 5, 7, 7)
    assert head(conv, labels).shape == (4, 5)


def test_mix_pool_extremes_are_pure_average_and_pure_max():
    maps = torch.randn(3, 4, 7, 7)
    assert torch.allclose(mix_pool(maps, 1.0), maps.mean(dim=(-2, -1)))
    assert torch.allclose(mix_pool(maps, 0.0), maps.amax(dim=(-2, -1)))
    head = ConvVSEHead(C, D, _small())
    with torch.no_grad():
        head.pool_logit.fill_(40.0)  # sigmoid -> 1: average pooling
        assert torch.allclose(head.pool(maps), maps.mean(dim=(-2, -1)), atol=1e-6)
        head.pool_logit.fill_(-40.0)  # sigmoid -> 0: max pooling
        assert torch.allclose(head.pool(maps), maps.amax(dim=(-2, -1)), atol=1e-6)


def test_label_sampling_keeps_all_positives_and_fills_with_negatives():
    rng = np.random.default_rng(0)
    targets = np.zeros((3, 100), bool)
    targets[0, [3, 50, 99]] = True
    targets[2, :60] = True  # more positives than slots
    idx, pos = sample_label_sets(targets, 50, rng)
    assert idx.shape == pos.shape == (3, 50)
    assert set(idx[0, :3]) == {3, 50, 99} and pos[0].sum() == 3
    assert not pos[1].any()
    assert pos[2].all()
    for row in idx:
        assert len(set(row)) == 50  # no label twice
    small, _ = sample_label_sets(targets[:, :10], 50, rng)
    assert small.shape == (3, 10)  # fewer labels than slots: all of them


def test_tiny_training_run_decreases_the_loss_and_beats_chance():
    x, targets, vectors = _toy_problem()
    model = ConvVSE(_small(epochs=40, max_lr=2e-2)).fit(x, targets, vectors)
    assert len(model.history_) == 40
    assert model.history_[-1] < 0.7 * model.history_[0]
    scores = model.score(x, vectors)
    assert scores.shape == (N, L) and scores.min() >= 0 and scores.max() <= 1
    # positives score higher than negatives on the training data
    assert scores[targets].mean() > scores[~targets].mean() + 0.1


def test_outputs_shapes_and_zero_shot_labels():
    x, targets, vectors = _toy_problem()
    model = ConvVSE(_small()).fit(x, targets, vectors)
    unseen = np.random.default_rng(5).normal(size=(3, D))  # labels never trained on
    assert model.score(x[:5], unseen).shape == (5, 3)
    maps = model.localisation_maps(x[:5], unseen)
    assert maps.shape == (5, 3, 7, 7) and maps.min() >= 0 and maps.max() <= 1
    regions = model.region_embeddings(x[:5])
    assert regions.shape == (5, 5, D, 7, 7)
    logits = model.map_logits_from_regions(regions, unseen)
    assert np.allclose(1 / (1 + np.exp(-logits)), maps, atol=1e-5)


def test_same_seed_same_model_other_seed_other_model():
    x, targets, vectors = _toy_problem()
    a = ConvVSE(_small(seed=3)).fit(x, targets, vectors).score(x, vectors)
    b = ConvVSE(_small(seed=3)).fit(x, targets, vectors).score(x, vectors)
    c = ConvVSE(_small(seed=4)).fit(x, targets, vectors).score(x, vectors)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def test_save_and_load_round_trip(tmp_path):
    x, targets, vectors = _toy_problem()
    model = ConvVSE(_small()).fit(x, targets, vectors)
    path = model.save(tmp_path / "m.pt", vectors="toy-en", labels=["a", "b"])
    loaded, meta = ConvVSE.load(path)
    assert meta == {"vectors": "toy-en", "labels": ["a", "b"]}
    assert np.allclose(loaded.score(x, vectors), model.score(x, vectors))
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a tagbook"):
        ConvVSE.load(tmp_path / "junk.pt")
    with pytest.raises(FileNotFoundError, match="nope.pt"):
        ConvVSE.load(tmp_path / "nope.pt")


def test_fine_tuning_trains_the_backbone():
    x, targets, vectors = _toy_problem()
    images = torch.randn(N, 3, 14, 14)
    backbone = torch.nn.Sequential(torch.nn.Conv2d(3, C, 3, stride=2, padding=1), torch.nn.ReLU())
    before = backbone[0].weight.detach().clone()
    model = ConvVSE(_small(fine_tune=True)).fit(images, targets, vectors, backbone=backbone)
    assert not torch.equal(before, backbone[0].weight)
    assert model.score(images[:4], vectors).shape == (4, L)
    with pytest.raises(ValueError, match="backbone"):
        ConvVSE(_small(fine_tune=True)).fit(images, targets, vectors)


def test_bad_inputs_fail_clearly():
    x, targets, vectors = _toy_problem()
    with pytest.raises(ValueError, match="k_blocks"):
        ConvVSE(ConvVSEConfig(k_blocks=0))
    with pytest.raises(ValueError, match="targets"):
        ConvVSE(_small()).fit(x, targets[:, :3], vectors)
    with pytest.raises(ValueError, match="inputs"):
        ConvVSE(_small()).fit(x[:, :, 0], targets, vectors)
    with pytest.raises(RuntimeError, match="not trained"):
        ConvVSE(_small()).score(x, vectors)


def test_pooled_baseline_shapes_and_learning():
    x, targets, vectors = _toy_problem()
    config = PooledVSEConfig(
        epochs=15, batch_size=16, hidden_channels=32, max_lr=1e-2, show_progress=False, num_threads=1
    )
    model = PooledVSE(config).fit(x, targets, vectors)
    assert model.history_[-1] < model.history_[0]
    scores = model.score(x, vectors)
    assert scores.shape == (N, L) and 0 <= scores.min() and scores.max() <= 1
    emb = model.image_embeddings(x)
    assert emb.shape == (N, D) and np.allclose(np.linalg.norm(emb, axis=1), 1, atol=1e-5)
