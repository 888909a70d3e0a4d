"""The toy source models: logistic heads whose quality is set by their capacity."""

import numpy as np
import pytest

from tagbook.methods.zeroshot.source_models import LogisticHead, LogisticHeadConfig
from tagbook.metrics.ranking import hit_at_k


DIRECTIONS = np.random.default_rng(42).normal(size=(6, 20))  # one world: each label adds a direction


def make_data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.random((n, len(DIRECTIONS))) < 0.3
    directions = DIRECTIONS
    features = labels.astype(float) @ directions + 0.5 * rng.normal(size=(n, directions.shape[1]))
    return features, labels


def test_a_full_head_learns_separable_labels_and_fewer_components_learn_less():
    x, y = make_data()
    xt, yt = make_data(seed=1)
    full = LogisticHead(LogisticHeadConfig(pca_dim=None)).fit(x, y)
    tiny = LogisticHead(LogisticHeadConfig(pca_dim=1)).fit(x, y)
    p_full, p_tiny = full.predict_proba(xt), tiny.predict_proba(xt)
    assert p_full.shape == yt.shape and ((p_full >= 0) & (p_full <= 1)).all()
    acc_full = ((p_full > 0.5) == yt).mean()
    acc_tiny = ((p_tiny > 0.5) == yt).mean()
    assert acc_full > 0.9 and acc_full > acc_tiny + 0.1
    assert hit_at_k(p_full, yt, 1) > hit_at_k(p_tiny, yt, 1)


def test_deterministic_and_errors():
    x, y = make_data(n=80)
    a = LogisticHead(LogisticHeadConfig(pca_dim=5)).fit(x, y).predict_proba(x)
    b = LogisticHead(LogisticHeadConfig(pca_dim=5)).fit(x, y).predict_proba(x)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="pca_dim"):
        LogisticHeadConfig(pca_dim=0)
    with pytest.raises(ValueError, match="same n"):
        LogisticHead().fit(x, y[:10])
    with pytest.raises(RuntimeError, match="fit"):
        LogisticHead().predict_proba(x)
