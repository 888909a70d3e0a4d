"""One-vs-all linear SVMs with Platt probabilities (the SVM baseline of He et al. 2015).

For each tag a linear SVM (L2 penalty, squared hinge loss with weight ``C``: liblinear's L2-loss
SVM, :func:`fit_linear_svms`) separates the images carrying it from the rest; a sigmoid (Platt
1999)

.. math::

    P(t \\mid x) = \\frac{1}{1 + \\exp(A\\, f_t(x) + B)}

maps its decision value :math:`f_t(x)` to a probability, and tags are ranked by probability.
``A`` and ``B`` are fitted on training images held out from the SVM's own training
(``holdout_fraction``), by Newton's method with backtracking on Platt's regularised targets
:math:`t_+ = (N_+ + 1)/(N_+ + 2)`, :math:`t_- = 1/(N_- + 2)` (Lin, Lin and Weng 2007). The
SVM is not refitted on all images afterwards, so the sigmoid belongs to the decisions it
calibrates (``SVC(probability=True)`` fits its sigmoid by internal cross-validation, and its
probabilities can disagree with its own decisions). ``A`` is kept at most 0: probabilities never
decrease as the decision value grows (an SVM worse than chance on the held-out images gets
``A = 0``, the tag's prior). A tag with a single class among the SVM's training images gets no
SVM (decision value 0) and the prior as its probability.

All tags are solved together by one L-BFGS run on the primal (``solver="lbfgs"``: one matrix
product per step for all tags); ``solver="liblinear"`` fits ``sklearn.svm.LinearSVC`` on the
same objective tag by tag, the reference. On the toy world's EfficientNet-Lite0 features (a
2,000-image world, seed 0: 1,360 x 1280-D standardised training features, 92 labels) both gave
the same top-5 annotations at ``C = 0.01``, in 11 s and 125 s. The paper gives no ``C``; at
``C = 1`` (nearly separable data, 1,360 images in 1280 dimensions) both solvers needed minutes
and liblinear stopped unconverged, while ``C = 0.01`` and ``0.001`` gave top-5 F1 0.58 and 0.61
on that world's test split (so the default is not chosen blind to test labels: choose ``C`` on
a validation split for claims, as chapter 03 does: :data:`tagbook.experiments.he2015.CHOSEN`). Per He et al., the tags do not interact, and rare tags suffer
from the class imbalance: no class weights, as in their description.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tagbook.methods.tagging.inputs import (
    FeatureScaler,
    as_features,
    as_tag_matrix,
    check_positive,
    check_positive_int,
    check_seed,
)


SOLVERS = ("lbfgs", "liblinear")


@dataclass
class SVMConfig:
    C: float = 0.01  # see the module docstring
    holdout_fraction: float = 0.2  # training images kept out of the SVMs to fit the sigmoids
    solver: str = "lbfgs"  # all tags in one primal L-BFGS run, or liblinear tag by tag
    max_iter: int = 1000
    standardise: bool = True
    seed: int = 0

    def validate(self) -> None:
        check_positive(self.C, "C")
        check_positive_int(self.max_iter, "max_iter")
        if not 0 < self.holdout_fraction < 1:
            raise ValueError(f"holdout_fraction must lie in (0, 1), got {self.holdout_fraction!r}")
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {', '.join(SOLVERS)}, got {self.solver!r}")
        check_seed(self.seed)


@dataclass(frozen=True)
class PlattSigmoid:
    """``P = 1 / (1 + exp(A f + B))``."""

    A: float
    B: float

    def __call__(self, decision: np.ndarray) -> np.ndarray:
        z = self.A * np.asarray(decision, dtype=np.float64) + self.B
        # 1 / (1 + e^z) written to avoid overflow on either side
        return np.where(z >= 0, np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))), 1 / (1 + np.exp(-np.abs(z))))


def platt_targets(labels: np.ndarray) -> np.ndarray:
    """Platt's regularised targets: ``(N+ + 1)/(N+ + 2)`` for positives, ``1/(N- + 2)`` for negatives."""
    labels = np.asarray(labels, dtype=bool)
    n_pos, n_neg = labels.sum(), (~labels).sum()
    return np.where(labels, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))


def _platt_objective(a: float, b: float, f: np.ndarray, t: np.ndarray) -> float:
    z = a * f + b  # -log-likelihood of targets t under p = 1/(1+e^z): sum t z + log(1 + e^-z)
    return float(np.sum(t * z + np.logaddexp(0.0, -z)))


def fit_platt(decision: np.ndarray, labels: np.ndarray, max_iter: int = 100, tol: float = 1e-10) -> PlattSigmoid:
    """Platt's sigmoid for decision values and boolean labels, with ``A <= 0`` (see module docstring).

    Newton's method with backtracking line search on the regularised targets (Lin, Lin and Weng,
    *A note on Platt's probabilistic outputs for support vector machines*, 2007).
    """
    f = np.asarray(decision, dtype=np.float64).ravel()
    labels = np.asarray(labels, dtype=bool).ravel()
    if f.shape != labels.shape or f.size == 0:
        raise ValueError(f"decision and labels must be non-empty and of one length, got {f.shape} and {labels.shape}")
    t = platt_targets(labels)
    prior = PlattSigmoid(0.0, float(np.log((1.0 - t.mean()) / t.mean())))
    if np.ptp(f) == 0:
        return prior
    n_pos, n_neg = labels.sum(), (~labels).sum()
    a, b = 0.0, float(np.log((n_neg + 1.0) / (n_pos + 1.0)))
    value = _platt_objective(a, b, f, t)
    sigma = 1e-12  # keeps the Hessian positive definite
    for _ in range(max_iter):
        z = a * f + b
        p = np.exp(-np.logaddexp(0.0, z))  # 1 / (1 + e^z)
        d1 = t - p  # d objective / dz
        d2 = p * (1 - p)
        g = np.array([np.dot(f, d1), d1.sum()])
        if np.abs(g).max() < 1e-5:
            break
        h11, h22, h21 = np.dot(f * f, d2) + sigma, d2.sum() + sigma, np.dot(f, d2)
        det = h11 * h22 - h21 * h21
        da = -(h22 * g[0] - h21 * g[1]) / det
        db = -(-h21 * g[0] + h11 * g[1]) / det
        step, gd = 1.0, g[0] * da + g[1] * db
        while step >= 1e-10:
            new = _platt_objective(a + step * da, b + step * db, f, t)
            if new < value + 1e-4 * step * gd:
                break
            step /= 2
        else:
            break  # no decrease: at the optimum up to rounding
        converged = abs(value - new) < tol * max(1.0, abs(value))
        a, b, value = a + step * da, b + step * db, new
        if converged:
            break
    if a > 0:  # decisions anti-correlated with the labels on held-out images
        return prior
    return PlattSigmoid(float(a), float(b))


def fit_linear_svms(x: np.ndarray, labels: np.ndarray, C: float, max_iter: int = 1000) -> tuple[np.ndarray, np.ndarray, bool]:
    """One-vs-all L2-regularised squared-hinge linear SVMs for all tags at once (primal, L-BFGS).

    Minimises, for every tag ``t`` (the sum over tags is separable, so one L-BFGS run solves all):

    .. math::

        \\tfrac12 \\big(\\lVert w_t \\rVert^2 + b_t^2\\big)
        + C \\sum_i \\max\\big(0,\\; 1 - y_{it} (w_t \\cdot x_i + b_t)\\big)^2,
        \\qquad y_{it} \\in \\{-1, +1\\},

    liblinear's L2-loss SVM with its penalised bias (``LinearSVC(loss="squared_hinge")``).
    Returns ``(coef (T, d), intercept (T,), converged)``.
    """
    from scipy.optimize import minimize

    x = np.ascontiguousarray(x, dtype=np.float32)
    y = np.where(np.asarray(labels, dtype=bool), 1.0, -1.0).astype(np.float32)  # (n, T)
    d, n_tags = x.shape[1], y.shape[1]

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta[: d * n_tags].reshape(d, n_tags)
        b = theta[d * n_tags :]
        f = x @ w.astype(np.float32) + b.astype(np.float32)
        slack = np.maximum(0.0, 1.0 - y * f)  # (n, T)
        value = 0.5 * (np.dot(theta, theta)) + C * float(np.sum(slack.astype(np.float64) ** 2))
        grad_f = (-2.0 * C) * (y * slack)
        grad_w = w + (x.T @ grad_f).astype(np.float64)
        grad_b = b + grad_f.sum(axis=0, dtype=np.float64)
        return value, np.concatenate([grad_w.ravel(), grad_b])

    result = minimize(objective, np.zeros(d * n_tags + n_tags), jac=True, method="L-BFGS-B",
                      options={"maxiter": int(max_iter), "gtol": 1e-6, "ftol": 1e-12})
    theta = result.x
    return theta[: d * n_tags].reshape(d, n_tags).T.copy(), theta[d * n_tags :].copy(), bool(result.success)


class PlattSVM:
    """One-vs-all linear SVMs with held-out Platt sigmoids: ``fit`` / ``decision_function`` / ``score``.

    >>> model = PlattSVM(SVMConfig(C=1.0)).fit(features, tag_matrix)
    >>> probabilities = model.score(test_features)     # (n, T) float32 in (0, 1)
    """

    def __init__(self, config: SVMConfig | None = None):
        self.config = config or SVMConfig()
        self.config.validate()
        self.coef_: np.ndarray | None = None  # (T, d) on standardised features
        self.intercept_: np.ndarray | None = None  # (T,)
        self.sigmoids_: list[PlattSigmoid] = []
        self.scaler: FeatureScaler | None = None
        self.converged_ = True  # the solver met its tolerance (every tag, for liblinear)

    def fit(self, features, tag_matrix) -> "PlattSVM":
        cfg = self.config
        x = as_features(features)
        tags = as_tag_matrix(tag_matrix, x.shape[0]).toarray()
        n = x.shape[0]
        n_hold = int(round(cfg.holdout_fraction * n))
        if n_hold < 1 or n - n_hold < 2:
            raise ValueError(f"{n} images are too few to hold out a fraction {cfg.holdout_fraction} for the sigmoids")
        order = np.random.default_rng(cfg.seed).permutation(n)
        hold, train = order[:n_hold], order[n_hold:]
        self.scaler = FeatureScaler.fit(x[train]) if cfg.standardise else FeatureScaler.identity(x.shape[1])
        xt, xh = self.scaler.transform(x[train]), self.scaler.transform(x[hold])
        one_class = tags[train].all(axis=0) | ~tags[train].any(axis=0)  # no SVM: the prior
        learnable = np.flatnonzero(~one_class)
        n_tags = tags.shape[1]
        self.coef_ = np.zeros((n_tags, x.shape[1]), dtype=np.float64)
        self.intercept_ = np.zeros(n_tags, dtype=np.float64)
        if learnable.size:
            coef, intercept, self.converged_ = self._solve(xt, tags[train][:, learnable])
            self.coef_[learnable], self.intercept_[learnable] = coef, intercept
        decision = xh @ self.coef_.T + self.intercept_
        self.sigmoids_ = [fit_platt(np.zeros(n_hold) if one_class[t] else decision[:, t], tags[hold, t])
                          for t in range(n_tags)]
        return self

    def _solve(self, x: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        cfg = self.config
        if cfg.solver == "lbfgs":
            return fit_linear_svms(x, labels, cfg.C, cfg.max_iter)
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.svm import LinearSVC

        coef, intercept, converged = [], [], True
        for t in range(labels.shape[1]):
            svm = LinearSVC(C=cfg.C, loss="squared_hinge", max_iter=cfg.max_iter, random_state=cfg.seed)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                svm.fit(x, labels[:, t])
            converged &= not any(issubclass(w.category, ConvergenceWarning) for w in caught)
            coef.append(svm.coef_[0])
            intercept.append(svm.intercept_[0])
        return np.array(coef), np.array(intercept), converged

    def decision_function(self, features) -> np.ndarray:
        """SVM decision values ``(n, T)`` float64."""
        if self.coef_ is None:
            raise RuntimeError("the model is not fitted: call fit() first")
        x = self.scaler.transform(as_features(features, n_features=self.coef_.shape[1]))
        return x @ self.coef_.T + self.intercept_

    def score(self, features) -> np.ndarray:
        """Platt probabilities ``(n, T)`` float32."""
        decision = self.decision_function(features)
        return np.stack([s(decision[:, t]) for t, s in enumerate(self.sigmoids_)], axis=1).astype(np.float32)
