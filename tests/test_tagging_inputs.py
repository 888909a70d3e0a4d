"""Shared pieces of the chapter-03 tagging methods: input checks, the tag index, the scaler, SGD."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import sparse

from tagbook.methods.tagging.inputs import FeatureScaler, as_features, as_tag_matrix
from tagbook.methods.tagging.sampling import TagIndex
from tagbook.methods.tagging.sgd import PlainSGD
from tagbook.methods.tagging.synthetic import planted_problem


def test_tag_matrix_accepts_bool_01_and_sparse_and_rejects_counts():
    dense = np.array([[1, 0, 1], [0, 0, 0]])
    for given in (dense, dense.astype(bool), dense.astype(float), sparse.csr_matrix(dense), sparse.coo_matrix(dense)):
        out = as_tag_matrix(given, 2)
        assert out.dtype == bool and out.toarray().tolist() == dense.astype(bool).tolist()
    with pytest.raises(ValueError, match="0/1"):
        as_tag_matrix(dense * 3, 2)
    with pytest.raises(ValueError, match="0/1"):
        as_tag_matrix(sparse.csr_matrix(dense * 2), 2)
    with pytest.raises(ValueError, match="rows"):
        as_tag_matrix(dense, 3)
    with pytest.raises(ValueError, match="expected 4"):
        as_tag_matrix(dense, 2, n_tags=4)
    with pytest.raises(ValueError, match="matrix"):
        as_tag_matrix(np.zeros(3), 3)


def test_features_are_checked():
    assert as_features([[1, 2], [3, 4]]).dtype == np.float32
    with pytest.raises(ValueError, match="matrix"):
        as_features(np.zeros(3))
    with pytest.raises(ValueError, match="empty"):
        as_features(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="infinite"):
        as_features([[1.0, np.inf]])
    with pytest.raises(ValueError, match="fitted on 3"):
        as_features(np.zeros((2, 2)), n_features=3)
    with pytest.raises(ValueError, match="numeric"):
        as_features([["a", "b"]])


def test_tag_index_membership_and_pairs():
    rng = np.random.default_rng(0)
    tags = rng.random((20, 9)) < 0.3
    tags[4] = True
    index = TagIndex(as_tag_matrix(tags, 20))
    rows, cols = np.meshgrid(np.arange(20), np.arange(9), indexing="ij")
    np.testing.assert_array_equal(index.is_relevant(rows, cols), tags)
    assert 4 not in index.trainable_rows()
    r, t = index.positive_pairs()
    assert tags[r, t].all() and r.size == tags[index.trainable_rows()].sum()
    # images with one irrelevant tag among many: drawn exactly after the rejection rounds
    nearly_full = np.ones((3, 500), dtype=bool)
    nearly_full[:, 7] = False
    drawn = TagIndex(as_tag_matrix(nearly_full, 3)).sample_irrelevant(np.arange(3), np.random.default_rng(1))
    assert drawn.tolist() == [7, 7, 7]
    with pytest.raises(ValueError, match="every tag relevant"):
        index.sample_irrelevant(np.array([4]), rng)
    with pytest.raises(TypeError, match="CSR"):
        TagIndex(tags)


def test_scaler_in_chunks_equals_numpy():
    x = np.random.default_rng(0).normal(3, 2, size=(1000, 4)).astype(np.float32)
    x[:, 2] = 5.0  # constant: centred, scale 1
    s = FeatureScaler.fit(x, chunk=77)
    np.testing.assert_allclose(s.mean, x.astype(np.float64).mean(0), rtol=1e-6)
    np.testing.assert_allclose(s.scale[[0, 1, 3]], x.astype(np.float64).std(0)[[0, 1, 3]], rtol=1e-5)
    assert s.scale[2] == 1.0 and np.abs(s.transform(x)[:, 2]).max() == 0


def test_plain_sgd_is_torch_sgd():
    torch.manual_seed(0)
    a, b = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    b.load_state_dict(a.state_dict())
    ours = PlainSGD(list(a.parameters()), 0.1, momentum=0.9, weight_decay=0.01)
    reference = torch.optim.SGD(b.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01)
    x = torch.randn(5, 3)
    for _ in range(4):
        for model, opt in ((a, ours), (b, reference)):
            opt.zero_grad()
            model(x).pow(2).sum().backward()
            opt.step()
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q)


def test_planted_problem_shapes_and_long_tail():
    pb = planted_problem(n_images=2000, n_tags=10, n_features=6, max_tags_per_image=3, zipf=1.0, seed=0)
    assert pb.features.shape == (2000, 6) and pb.tag_matrix.shape == (2000, 10)
    per_image = pb.tag_matrix.sum(1)
    assert per_image.min() >= 1 and per_image.max() <= 3
    per_tag = pb.tag_matrix.sum(0)
    assert per_tag[0] > 3 * per_tag[-1]  # popular tags first
    with pytest.raises(ValueError, match="max_tags_per_image"):
        planted_problem(n_tags=2, max_tags_per_image=3)
