"""Label-enhanced zero-shot (Eq. 3 and the sequential selection) on hand-computed cases."""

import numpy as np
import pytest

from tagbook.methods.zeroshot.conse import ConSE, ZeroShotConfig
from tagbook.methods.zeroshot.label_enhanced import LabelEnhancedZeroShot
from tagbook.ranking import top_k


def unit(deg):
    r = np.deg2rad(deg)
    return np.array([np.cos(r), np.sin(r)])


# two source labels at 0 and 90 degrees; four target labels at 0, 10, 90 and 45 degrees
SOURCE = np.stack([unit(0), unit(90)])
TARGET = np.stack([unit(0), unit(10), unit(90), unit(45)])
PROBS = np.array([[0.8, 0.2]])  # phi(x) = (0.8, 0.2), at 14.0 degrees


def model(theta, k=2, source=SOURCE, target=TARGET):
    return LabelEnhancedZeroShot(ConSE(ZeroShotConfig(k=k)).fit(source, target), theta=theta)


def test_three_thetas_by_hand():
    # theta = 1: plain zero-shot, the two labels nearest 14 degrees: 10 (4 deg away), 0 (14 deg): redundant
    assert model(1.0).select(PROBS).tolist() == [[1, 0]]
    # theta = 0.5: phi_1 = (0.9, 0.1) at 6.3 deg -> label at 10 deg; phi_2 = (0.4, 0.6) at 56.3 deg -> label at 45 deg
    assert model(0.5).select(PROBS).tolist() == [[1, 3]]
    # theta = 0: the nearest target of each source label in turn: 0 deg, then 90 deg
    assert model(0.0).select(PROBS).tolist() == [[0, 2]]


def test_theta_one_is_plain_zero_shot():
    rng = np.random.default_rng(0)
    source, target = rng.normal(size=(40, 8)), rng.normal(size=(60, 8))
    probs = rng.dirichlet(np.full(40, 0.3), size=25)
    base = ConSE(ZeroShotConfig(k=7)).fit(source, target)
    chosen = LabelEnhancedZeroShot(base, theta=1.0).select(probs)
    np.testing.assert_array_equal(chosen, top_k(base.score(probs), 7))


def test_theta_zero_is_nearest_unchosen_target_per_source_label():
    rng = np.random.default_rng(1)
    source, target = rng.normal(size=(30, 6)), rng.normal(size=(20, 6))
    probs = rng.dirichlet(np.full(30, 0.5), size=15)
    base = ConSE(ZeroShotConfig(k=5)).fit(source, target)
    chosen = LabelEnhancedZeroShot(base, theta=0.0).select(probs)
    s = source / np.linalg.norm(source, axis=1, keepdims=True)
    t = target / np.linalg.norm(target, axis=1, keepdims=True)
    for i in range(len(probs)):
        order = np.argsort(-probs[i], kind="stable")[:5]
        taken = []
        for j in order:  # a plain loop: nearest target not taken yet
            cos = t @ s[j]
            cos[taken] = -np.inf
            taken.append(int(np.argmax(cos)))
        assert chosen[i].tolist() == taken


def test_labels_are_never_chosen_twice_and_scores_follow_the_selection():
    rng = np.random.default_rng(2)
    source, target = rng.normal(size=(12, 4)), rng.normal(size=(9, 4))
    probs = rng.dirichlet(np.ones(12), size=10)
    m = model(0.3, k=6, source=source, target=target)
    chosen = m.select(probs)
    assert all(len(set(row)) == 6 for row in chosen.tolist())
    scores = m.score(probs)
    np.testing.assert_array_equal(top_k(scores, 6), chosen)
    # the rest keep the zero-shot order
    rest = top_k(scores, 9)[:, 6:]
    zero_shot = m.base.score(probs)
    for i in range(len(probs)):
        assert (np.diff(zero_shot[i, rest[i]]) <= 0).all()


def test_targets_without_vectors_are_not_chosen():
    target = TARGET.copy()
    target[1] = np.nan
    assert model(1.0, target=target).select(PROBS).tolist() == [[0, 3]]


def test_theta_must_lie_in_unit_interval():
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="theta"):
            model(bad)
    with pytest.raises(TypeError, match="ConSE"):
        LabelEnhancedZeroShot(object(), 0.5)
