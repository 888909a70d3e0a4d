"""The out-of-vocabulary update (Ni et al. Sec. 2.1, Eq. 3-4): seen vectors untouched, the
correlation loss reduced, the linear closed form exact on a planted rotation, chunked evaluation."""

import numpy as np
import pytest
import torch

from tagbook.methods.tagging.oov_update import (
    OOVUpdateConfig,
    bernoulli_kl,
    correlation_loss,
    linear_update,
    update_unseen_vectors,
)
from tagbook.methods.tagging.sampled_tagging import SampledTagger, SampledTaggerConfig


def random_rotation(d, rng):
    q, r = np.linalg.qr(rng.normal(size=(d, d)))
    return (q * np.sign(np.diag(r))).astype(np.float32)


@pytest.fixture(scope="module")
def rotated():
    """300 words in 8-d; 'training' rotated the 100 seen ones (and nudged them a little)."""
    rng = np.random.default_rng(0)
    initial = rng.normal(scale=0.7, size=(300, 8)).astype(np.float32)
    seen = np.zeros(300, dtype=bool)
    seen[rng.choice(300, 100, replace=False)] = True
    q = random_rotation(8, rng)
    current = initial.copy()
    current[seen] = initial[seen] @ q.T + 0.01 * rng.normal(size=(100, 8)).astype(np.float32)
    return initial, current, seen, q


def test_both_methods_leave_the_seen_vectors_exactly_as_trained(rotated):
    initial, current, seen, _ = rotated
    for method in ("sigmoid", "linear"):
        out = update_unseen_vectors(initial, current, seen, OOVUpdateConfig(method=method, epochs=2, num_threads=1))
        np.testing.assert_array_equal(out.vectors[seen], current[seen])
        assert out.n_unseen == 200
        assert not np.array_equal(out.vectors[~seen], current[~seen])


def test_the_sigmoid_update_reduces_the_correlation_loss(rotated):
    initial, current, seen, _ = rotated
    unseen = np.flatnonzero(~seen)
    before = correlation_loss(initial, current, unseen)
    out = update_unseen_vectors(initial, current, seen, OOVUpdateConfig(epochs=30, batch_size=64, partners=128,
                                                                         learning_rate=0.05, num_threads=1))
    after = correlation_loss(initial, out.vectors, unseen)
    assert after < 0.25 * before
    assert out.history[-1] < out.history[0]


def test_the_linear_closed_form_recovers_a_planted_rotation(rotated):
    initial, current, seen, q = rotated
    out = linear_update(initial, current, seen)
    np.testing.assert_allclose(out[~seen], initial[~seen] @ q.T, atol=0.03)
    unseen = np.flatnonzero(~seen)
    assert correlation_loss(initial, out, unseen) < 0.01 * correlation_loss(initial, current, unseen)


def test_nothing_moves_when_training_changed_nothing(rotated):
    initial, _, seen, _ = rotated
    assert correlation_loss(initial, initial, np.arange(300)) == pytest.approx(0.0, abs=1e-7)
    out = update_unseen_vectors(initial, initial.copy(), seen, OOVUpdateConfig(epochs=3, learning_rate=1e-3,
                                                                               num_threads=1))
    assert correlation_loss(initial, out.vectors, np.arange(300)) < 1e-4
    np.testing.assert_allclose(linear_update(initial, initial.copy(), seen), initial, atol=1e-4)


def test_chunked_correlation_loss_matches_the_dense_formula(rotated):
    initial, current, seen, _ = rotated
    rows = np.flatnonzero(~seen)[:20]
    c = 1 / (1 + np.exp(-(initial[rows].astype(np.float64) @ initial.T)))
    s = 1 / (1 + np.exp(-(current[rows].astype(np.float64) @ current.T)))
    kl = c * np.log(c / s) + (1 - c) * np.log((1 - c) / (1 - s))
    assert correlation_loss(initial, current, rows, chunk_size=7) == pytest.approx(kl.mean(), rel=1e-4)


def test_bernoulli_kl_is_zero_at_a_match_and_positive_elsewhere():
    target = torch.tensor([-3.0, 0.0, 2.0, 80.0])  # the last one saturates the sigmoid in float32
    assert torch.allclose(bernoulli_kl(target, target), torch.zeros(4), atol=1e-6)
    moved = bernoulli_kl(target, target - 1.0)
    assert torch.isfinite(moved).all() and (moved[:3] > 0).all()


def test_bad_settings_and_tables_get_clear_errors(rotated):
    initial, current, seen, _ = rotated
    with pytest.raises(ValueError, match="method"):
        OOVUpdateConfig(method="procrustes").validate()
    with pytest.raises(ValueError, match="seen must be a boolean mask"):
        update_unseen_vectors(initial, current, seen.astype(int))
    with pytest.raises(ValueError, match="same"):
        update_unseen_vectors(initial, current[:10], seen)


def test_the_tagger_updates_only_words_no_step_touched():
    """Twin words: each unseen word starts next to a seen one; after the update it should again
    retrieve the images its twin retrieves."""
    rng = np.random.default_rng(1)
    n_tags, n_images, d = 12, 240, 8
    base = rng.normal(size=(n_tags, d)).astype(np.float32)
    vectors = np.concatenate([base, base + 0.05 * rng.normal(size=(n_tags, d)).astype(np.float32)])
    labels = rng.integers(0, n_tags, size=n_images)
    prototypes = rng.normal(size=(n_tags, 16)).astype(np.float32)
    x = prototypes[labels] + 0.3 * rng.normal(size=(n_images, 16)).astype(np.float32)
    tags = [[int(t)] for t in labels]  # only the first 12 words are ever tags
    config = SampledTaggerConfig(hidden=(32,), epochs=25, batch_size=32, n_positive=1, n_negative=4,
                                 learning_rate=1e-2, word_learning_rate=0.2, num_threads=1, show_progress=False)
    model = SampledTagger(config).fit(x, tags, vectors)
    assert model.touched_[:n_tags].all() and not model.touched_[n_tags:].any()
    trained = model.word_vectors_.copy()

    def twin_agreement():
        seen_best, _ = model.retrieve(np.arange(n_tags), x, k=10)
        twin_best, _ = model.retrieve(np.arange(n_tags, 2 * n_tags), x, k=10)
        return np.mean([len(set(a) & set(b)) / 10 for a, b in zip(seen_best, twin_best)])

    before = twin_agreement()
    model.update_out_of_vocabulary(OOVUpdateConfig(epochs=60, batch_size=12, partners=24, learning_rate=0.05,
                                                   num_threads=1))
    np.testing.assert_array_equal(model.word_vectors_[:n_tags], trained[:n_tags])
    assert twin_agreement() > before + 0.2


def test_the_logged_kl_is_the_cross_entropy_minus_the_targets_entropy():
    import torch
    from torch.nn import functional as F

    from tagbook.methods.tagging.oov_update import bernoulli_kl

    g = torch.Generator().manual_seed(0)
    target_logits, logits = 3 * torch.randn(40, 30, generator=g), 3 * torch.randn(40, 30, generator=g)
    target = torch.sigmoid(target_logits)
    logged = float(F.binary_cross_entropy_with_logits(logits, target)) - float(
        F.binary_cross_entropy_with_logits(target_logits, target))
    assert logged == pytest.approx(float(bernoulli_kl(target_logits, logits).mean()), rel=1e-5, abs=1e-7)
