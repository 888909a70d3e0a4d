"""One-vs-all linear SVMs with held-out Platt sigmoids."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from tagbook.methods.tagging.svm import PlattSigmoid, PlattSVM, SVMConfig, fit_platt, platt_targets
from tagbook.methods.tagging.synthetic import planted_problem


def test_platt_recovers_a_known_sigmoid():
    rng = np.random.default_rng(0)
    f = rng.normal(size=20000) * 2
    labels = rng.random(f.size) < PlattSigmoid(-1.5, 0.5)(f)
    fitted = fit_platt(f, labels)
    assert fitted.A == pytest.approx(-1.5, abs=0.08) and fitted.B == pytest.approx(0.5, abs=0.08)


def test_platt_minimises_the_regularised_likelihood():
    rng = np.random.default_rng(1)
    f = rng.normal(size=300)
    labels = rng.random(300) < 1 / (1 + np.exp(-2 * f))
    t = platt_targets(labels)
    assert t.max() == pytest.approx((labels.sum() + 1) / (labels.sum() + 2))
    assert t.min() == pytest.approx(1 / ((~labels).sum() + 2))

    def objective(ab):
        z = ab[0] * f + ab[1]
        return np.sum(t * z + np.logaddexp(0, -z))

    ours = fit_platt(f, labels)
    reference = minimize(objective, x0=[0.0, 0.0], method="Nelder-Mead", options=dict(xatol=1e-8, fatol=1e-10))
    assert objective([ours.A, ours.B]) <= reference.fun + 1e-6
    np.testing.assert_allclose([ours.A, ours.B], reference.x, atol=1e-3)


def test_platt_probabilities_never_decrease_with_the_decision_value():
    rng = np.random.default_rng(2)
    grid = np.linspace(-50, 50, 2001)
    for _ in range(5):
        f = rng.normal(size=200)
        labels = rng.random(200) < 0.3
        p = fit_platt(f, labels)(grid)
        assert np.all(np.diff(p) >= 0) and np.all((p >= 0) & (p <= 1))
    # decisions anti-correlated with the labels: A = 0, the prior
    f = np.linspace(-1, 1, 100)
    fitted = fit_platt(f, f < 0)
    assert fitted.A == 0 and fitted(grid) == pytest.approx(np.full(grid.size, platt_targets(f < 0).mean()))
    # constant decisions: the prior
    assert fit_platt(np.zeros(10), np.arange(10) < 3).A == 0
    with pytest.raises(ValueError, match="one length"):
        fit_platt(np.zeros(3), np.zeros(4, bool))


@pytest.fixture(scope="module")
def problem():
    return planted_problem(n_images=500, n_tags=10, n_features=20, noise=0.3, seed=5)


def test_svm_recovers_planted_tags_with_monotone_probabilities(problem):
    model = PlattSVM(SVMConfig()).fit(problem.features[:400], problem.tag_matrix[:400])
    scores = model.score(problem.features[400:])
    assert scores.shape == (100, 10) and scores.dtype == np.float32
    assert np.all((scores > 0) & (scores < 1))
    top = np.argsort(-scores, axis=1, kind="stable")[:, :3]
    precision, chance = np.take_along_axis(problem.tag_matrix[400:], top, axis=1).mean(), problem.tag_matrix.mean()
    assert precision > 0.45 > 2 * chance, f"precision@3 {precision:.3f} (chance {chance:.3f})"
    decision = model.decision_function(problem.features[400:])
    for t in range(10):  # per tag, probability is a non-decreasing function of the decision value
        order = np.argsort(decision[:, t])
        assert np.all(np.diff(scores[order, t].astype(np.float64)) >= -1e-7)
    assert all(s.A < 0 for s in model.sigmoids_)  # every tag learnable here


def test_joint_lbfgs_solves_liblinears_objective(problem):
    from sklearn.svm import LinearSVC

    from tagbook.methods.tagging.svm import fit_linear_svms

    x = problem.features[:300]
    y = problem.tag_matrix[:300, :4]
    coef, intercept, converged = fit_linear_svms(x, y, C=0.1)
    assert converged and coef.shape == (4, 20) and intercept.shape == (4,)
    for t in range(4):
        reference = LinearSVC(C=0.1, loss="squared_hinge", tol=1e-8, max_iter=100000).fit(x, y[:, t])
        np.testing.assert_allclose(coef[t], reference.coef_[0], atol=2e-3)
        np.testing.assert_allclose(intercept[t], reference.intercept_[0], atol=2e-3)
    model = PlattSVM(SVMConfig(solver="liblinear")).fit(problem.features[:200], problem.tag_matrix[:200])
    ours = PlattSVM(SVMConfig()).fit(problem.features[:200], problem.tag_matrix[:200])
    np.testing.assert_allclose(model.decision_function(x), ours.decision_function(x), atol=1e-2)


def test_tag_with_one_class_gets_its_prior_and_fit_is_deterministic(problem):
    x, y = problem.features[:200], problem.tag_matrix[:200].copy()
    y[:, 3] = False  # a tag nobody carries
    model = PlattSVM(SVMConfig(seed=3)).fit(x, y)
    assert model.sigmoids_[3].A == 0 and np.ptp(model.score(x)[:, 3]) == 0
    np.testing.assert_array_equal(model.score(x), PlattSVM(SVMConfig(seed=3)).fit(x, y).score(x))


def test_clear_errors(problem):
    x, y = problem.features[:20], problem.tag_matrix[:20]
    with pytest.raises(RuntimeError, match="fit"):
        PlattSVM().score(x)
    with pytest.raises(ValueError, match="rows"):
        PlattSVM().fit(x, y[:4])
    with pytest.raises(ValueError, match="too few"):
        PlattSVM().fit(x[:2], y[:2])
    for bad in (dict(C=0), dict(holdout_fraction=1.0), dict(solver="sgd"), dict(max_iter=0)):
        with pytest.raises(ValueError, match=next(iter(bad))):
            SVMConfig(**bad).validate()
    with pytest.raises(ValueError, match="dimensions"):
        PlattSVM().fit(x, y).score(x[:, :3])
