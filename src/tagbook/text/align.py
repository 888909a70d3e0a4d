"""Cross-lingual alignment of two word-vector spaces, and CSLS retrieval.

Given a seed dictionary of word pairs ``(x_i, y_i)`` (source vector, target vector), each
alignment learns a linear map ``W`` so that ``W x_i`` lands near ``y_i``; words outside the
dictionary are then translated by retrieving the target word nearest to ``W x``.

- :class:`LeastSquaresAlignment`: Mikolov, Le, Sutskever (2013), ``min_W sum_i ||W x_i - y_i||^2``.
- :class:`ProcrustesAlignment`: the same loss with ``W`` orthogonal (Xing et al. 2015; Conneau et
  al. 2018): ``W = U V^T`` where ``U S V^T = SVD(Y^T X)``.
- :class:`RCSLSAlignment`: Joulin, Bojanowski, Mikolov, Jegou, Grave (2018), the relaxed CSLS loss
  optimised by projected gradient steps.
- :func:`retrieve` with ``method="nn"`` (cosine nearest neighbour) or ``method="csls"``
  (Conneau et al. 2018, cross-domain similarity local scaling).

The word-translation experiment built on these (held-out split, tables of P@k per alignment and
retrieval) is :mod:`tagbook.experiments.alignment`; this module imports no metrics.

Everything works on plain ``float32`` NumPy arrays whose rows are word vectors; the similarity
searches run in row batches with torch so that a 50k x 50k search never holds the full matrix.
Source and target dimensions may differ: Procrustes then returns a map with orthonormal rows or
columns (a partial isometry), the closest such map to the least-squares cross-covariance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

import numpy as np
import torch
from tqdm import tqdm

RetrievalMethod = Literal["nn", "csls"]

__all__ = [
    "LeastSquaresAlignment",
    "ProcrustesAlignment",
    "RCSLSAlignment",
    "RCSLSConfig",
    "make_alignment",
    "normalize_rows",
    "mean_topk_similarity",
    "retrieve",
    "csls_scores",
    "compress_to_map_range",
    "RetrievalMethod",
    "BilingualDictionary",
    "procrustes",
    "fit_alignment",
]


# --------------------------------------------------------------------------- utilities


def normalize_rows(matrix: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Return ``matrix`` (2-D) with each row scaled to unit Euclidean length (zero rows stay zero)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim != 2:
        raise ValueError(f"expected a 2-D matrix of row vectors, got shape {matrix.shape}")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, eps)


def _as_tensor(matrix: np.ndarray, name: str) -> torch.Tensor:
    array = np.asarray(matrix, dtype=np.float32)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D matrix of row vectors, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return torch.from_numpy(np.ascontiguousarray(array))


def _check_pairs(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if X.ndim != 2 or Y.ndim != 2:
        raise ValueError(f"X_src and Y_tgt must be 2-D, got shapes {X.shape} and {Y.shape}")
    if len(X) != len(Y):
        raise ValueError(f"X_src and Y_tgt must hold the same number of pairs, got {len(X)} and {len(Y)}")
    if len(X) == 0:
        raise ValueError("X_src and Y_tgt are empty: the seed dictionary has no pair in both vocabularies")
    return X, Y


def mean_topk_similarity(
    queries: np.ndarray, candidates: np.ndarray, k: int = 10, batch_size: int = 4096, normalize: bool = True
) -> np.ndarray:
    """Mean cosine similarity of each query to its ``k`` nearest candidates.

    This is the neighbourhood density of CSLS: ``r_T(Wx) = (1/k) sum_{y in N_T(Wx)} cos(Wx, y)``
    (Conneau et al. 2018, Eq. 6). Rows are normalised here (any row scaling is ignored) unless
    ``normalize=False``, when dot products are used as they are.
    Returns an array of shape ``(len(queries),)``.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    prep = normalize_rows if normalize else (lambda m: np.asarray(m, dtype=np.float32))
    q = _as_tensor(prep(queries), "queries")
    c = _as_tensor(prep(candidates), "candidates")
    if q.shape[1] != c.shape[1]:
        raise ValueError(f"queries have dimension {q.shape[1]} but candidates {c.shape[1]}")
    k = min(k, c.shape[0])
    out = torch.empty(q.shape[0], dtype=torch.float32)
    with torch.no_grad():
        for start in range(0, q.shape[0], batch_size):
            sims = q[start : start + batch_size] @ c.T
            out[start : start + batch_size] = sims.topk(k, dim=1).values.mean(dim=1)
    return out.numpy()


def csls_scores(
    mapped_queries: np.ndarray,
    targets: np.ndarray,
    r_target: np.ndarray,
    r_source: np.ndarray,
) -> np.ndarray:
    """``CSLS(Wx, y) = 2 cos(Wx, y) - r_T(Wx) - r_S(y)`` for every query/target pair (small inputs).

    ``r_target[i]`` is the mean similarity of query ``i`` to its k nearest targets, ``r_source[j]``
    the mean similarity of target ``j`` to its k nearest mapped source words (Conneau et al. 2018,
    Eq. 7). For large vocabularies use :func:`retrieve`, which never forms the full matrix.
    """
    cos = normalize_rows(mapped_queries) @ normalize_rows(targets).T
    return 2.0 * cos - np.asarray(r_target)[:, None] - np.asarray(r_source)[None, :]


def retrieve(
    mapped_queries: np.ndarray,
    targets: np.ndarray,
    k: int = 5,
    method: RetrievalMethod = "nn",
    mapped_source_space: np.ndarray | None = None,
    csls_k: int = 10,
    batch_size: int = 4096,
    normalize: bool = True,
) -> np.ndarray:
    """Indices of the ``k`` best target rows for each (already mapped) query, best first.

    ``method="nn"`` ranks by cosine similarity. ``method="csls"`` ranks by
    ``2 cos(Wx, y) - r_T(Wx) - r_S(y)``; ``r_S(y)`` is computed against
    ``mapped_source_space`` (all mapped source words, e.g. the 50k most frequent), which defaults
    to the queries themselves. ``normalize=False`` skips the row normalisation: the caller
    passes rows whose dot products already are the cosines (see :func:`compress_to_map_range`).
    Returns an ``int64`` array of shape ``(len(mapped_queries), k)``.
    """
    if method not in ("nn", "csls"):
        raise ValueError(f"method must be 'nn' or 'csls', got {method!r}")
    prep = normalize_rows if normalize else (lambda m: np.asarray(m, dtype=np.float32))
    q = _as_tensor(prep(mapped_queries), "mapped_queries")
    t = _as_tensor(prep(targets), "targets")
    if q.shape[1] != t.shape[1]:
        raise ValueError(f"mapped queries have dimension {q.shape[1]} but targets {t.shape[1]}")
    k = min(k, t.shape[0])
    penalty_t = torch.zeros(q.shape[0])
    penalty_s = torch.zeros(t.shape[0])
    if method == "csls":
        source_space = mapped_queries if mapped_source_space is None else mapped_source_space
        penalty_t = torch.from_numpy(mean_topk_similarity(mapped_queries, targets, csls_k, batch_size, normalize))
        penalty_s = torch.from_numpy(mean_topk_similarity(targets, source_space, csls_k, batch_size, normalize))
    out = np.empty((q.shape[0], k), dtype=np.int64)
    with torch.no_grad():
        for start in range(0, q.shape[0], batch_size):
            scores = 2.0 * (q[start : start + batch_size] @ t.T)
            scores -= penalty_t[start : start + batch_size, None]
            scores -= penalty_s[None, :]
            out[start : start + batch_size] = scores.topk(k, dim=1, sorted=True).indices.numpy()
    return out


def compress_to_map_range(W: np.ndarray, source: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact low-dimensional coordinates for retrieval when ``W`` (d_t x d_s) has rank r < d_t.

    Every mapped source ``W x`` lies in the range of ``W``, spanned by the orthonormal columns
    ``U`` (d_t x r) of its thin SVD, so ``cos(W x, y) = (U^T W x / |W x|) . (U^T y / |y|)``.
    Returns ``(a, b)``: unit-normalised mapped sources in those coordinates and the targets
    normalised in the FULL space then projected; dot products of rows of ``a`` and ``b`` are
    the cosines, so pass both to :func:`retrieve` with ``normalize=False``. Saves a factor d_t / r
    (4 for 50-d GloVe mapped onto 200-d vectors).
    """
    U, s, _ = np.linalg.svd(np.asarray(W, dtype=np.float64), full_matrices=False)
    U = U[:, s > s.max() * 1e-6].astype(np.float32)
    mapped = normalize_rows(source) @ np.asarray(W, dtype=np.float32).T
    return normalize_rows(mapped @ U), normalize_rows(targets) @ U


# --------------------------------------------------------------------------- alignments


class _LinearAlignment:
    """Shared behaviour: a learned matrix ``W_`` of shape ``(d_tgt, d_src)``; ``transform(X) = X W^T``."""

    W_: np.ndarray

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Map source row vectors ``X`` (n, d_src) into the target space (n, d_tgt)."""
        if not hasattr(self, "W_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet: call fit(X_src, Y_tgt) first")
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != self.W_.shape[1]:
            raise ValueError(f"X must have shape (n, {self.W_.shape[1]}), got {X.shape}")
        return X @ self.W_.T.astype(np.float32)


class LeastSquaresAlignment(_LinearAlignment):
    """Mikolov et al. (2013): ``W = argmin_W sum_i ||W x_i - y_i||^2`` (optionally ridge-regularised).

    Closed form ``W^T = (X^T X + ridge I)^{-1} X^T Y``.
    """

    def __init__(self, ridge: float = 0.0):
        if ridge < 0:
            raise ValueError(f"ridge must be >= 0, got {ridge}")
        self.ridge = ridge

    def fit(self, X_src: np.ndarray, Y_tgt: np.ndarray) -> "LeastSquaresAlignment":
        X, Y = _check_pairs(X_src, Y_tgt)
        if self.ridge > 0:
            gram = X.T @ X + self.ridge * np.eye(X.shape[1])
            Wt = np.linalg.solve(gram, X.T @ Y)
        else:
            Wt = np.linalg.lstsq(X, Y, rcond=None)[0]
        self.W_ = Wt.T.astype(np.float32)
        return self


def procrustes(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Orthogonal Procrustes: ``W = argmin_{W^T W = I} ||X W^T - Y||_F = U V^T``, ``U S V^T = SVD(Y^T X)``.

    For ``d_src != d_tgt`` the thin SVD gives the nearest partial isometry (orthonormal columns
    when ``d_tgt > d_src``). Returns ``W`` of shape ``(d_tgt, d_src)`` in float64.
    """
    X, Y = _check_pairs(X, Y)
    U, _, Vt = np.linalg.svd(Y.T @ X, full_matrices=False)
    return U @ Vt


class ProcrustesAlignment(_LinearAlignment):
    """Orthogonal map (Xing et al. 2015; Conneau et al. 2018), see :func:`procrustes`."""

    def fit(self, X_src: np.ndarray, Y_tgt: np.ndarray) -> "ProcrustesAlignment":
        self.W_ = procrustes(X_src, Y_tgt).astype(np.float32)
        return self


@dataclass
class RCSLSConfig:
    """Settings of :class:`RCSLSAlignment`.

    k: neighbourhood size in the loss (paper: 10).
    n_iter: full-batch gradient steps.
    lr: initial step size.
    on_increase: what a step that raises the training loss does. ``"undo"`` (this library's
        rule): the step is undone and the step size halved. ``"keep"`` (what the released code,
        fastText ``alignment/align.py``, effectively does without a constraint: its "undo" restores
        an alias of the updated matrix): the step size is halved and the step is kept. The
        released code also steps before it judges the loss of the point it stepped from, so the
        halved size applies from the step after; "keep" follows that order.
    max_neighbours: the neighbour searches run over at most this many source / target words
        (the first rows of the supplied spaces; put the most frequent words first).
    constraint: "spectral" projects W onto the unit ball of the spectral norm after each step
        (the convex relaxation of orthogonality of the paper, Sec. 3); "none" drops it (the
        released code's default).
    batch_size: rows per similarity block in the neighbour searches.

    The defaults (10 steps of size 4, spectral constraint, undo) were chosen here on GloVe
    en -> Chinese with MUSE pairs: they reach the P@1 that 20 steps of size 1 reach. The released
    code's defaults are :meth:`authors`.
    """

    k: int = 10
    n_iter: int = 10
    lr: float = 4.0
    max_neighbours: int = 50_000
    constraint: Literal["spectral", "none"] = "spectral"
    batch_size: int = 2048
    min_lr: float = 1e-4
    show_progress: bool = True
    on_increase: Literal["undo", "keep"] = "undo"

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError(f"RCSLSConfig.k must be >= 1, got {self.k}")
        if self.n_iter < 0:
            raise ValueError(f"RCSLSConfig.n_iter must be >= 0, got {self.n_iter}")
        if self.lr <= 0:
            raise ValueError(f"RCSLSConfig.lr must be > 0, got {self.lr}")
        if self.constraint not in ("spectral", "none"):
            raise ValueError(f"RCSLSConfig.constraint must be 'spectral' or 'none', got {self.constraint!r}")
        if self.on_increase not in ("undo", "keep"):
            raise ValueError(f"RCSLSConfig.on_increase must be 'undo' or 'keep', got {self.on_increase!r}")
        if self.max_neighbours < 1:
            raise ValueError(f"RCSLSConfig.max_neighbours must be >= 1, got {self.max_neighbours}")

    @classmethod
    def authors(cls, niter: int = 10, **overrides) -> "RCSLSConfig":
        """The released code's defaults (fastText ``alignment/align.py``): ``--lr 1``, ``--model
        none`` (no constraint), and ``niter + 1`` full-batch steps (its loop runs ``range(0, niter
        + 1)``, one step each) with the step size halved, the step kept, when the loss rises."""
        if niter < 0:
            raise ValueError(f"niter must be >= 0, got {niter}")
        settings = dict(n_iter=niter + 1, lr=1.0, constraint="none", on_increase="keep")
        settings.update(overrides)
        return cls(**settings)


class RCSLSAlignment(_LinearAlignment):
    """Relaxed CSLS (Joulin et al. 2018, Eq. 4), minimised over ``W`` by projected gradient descent.

    For the seed pairs ``(x_i, y_i)``, with unit-length word vectors:

    ``L(W) = (1/n) sum_i [ -2 x_i^T W^T y_i
                          + (1/k) sum_{y in N_Y(W x_i)} x_i^T W^T y
                          + (1/k) sum_{W x in N_X(y_i)} x^T W^T y_i ]``

    where ``N_Y(W x_i)`` are the ``k`` target words nearest to ``W x_i`` (among all target words of
    ``target_space``) and ``N_X(y_i)`` the ``k`` mapped source words nearest to ``y_i`` (among
    ``source_space`` mapped by ``W``). For orthogonal ``W`` the dot products are cosines and this is
    ``-CSLS`` summed over the pairs; the paper relaxes orthogonality to the convex hull of
    orthogonal matrices (spectral norm <= 1), which keeps the loss bounded.

    Given the neighbour sets the loss is linear in ``W``, so its (sub)gradient is exact and cheap:
    ``G = (1/n) [ (-2 Y + Ybar)^T X + Y^T Xbar ]`` with ``Ybar_i`` the mean of ``N_Y(W x_i)`` and
    ``Xbar_i`` the mean of the (unmapped) source vectors whose images form ``N_X(y_i)``. The
    neighbour searches are redone at every step with torch (CPU), in row blocks. ``W`` starts at
    the Procrustes solution. The step is deterministic (full batch, no sampling).
    """

    def __init__(self, config: RCSLSConfig | None = None):
        self.config = config or RCSLSConfig()
        self.loss_history_: list[float] = []  # training loss at W0 (Procrustes) and after each kept step
        self.held_out_loss_history_: list[float] = []  # the same points, on the held-out pairs (if given)
        self.lr_history_: list[float] = []

    def fit(
        self,
        X_src: np.ndarray,
        Y_tgt: np.ndarray,
        source_space: np.ndarray | None = None,
        target_space: np.ndarray | None = None,
        held_out: tuple[np.ndarray, np.ndarray] | None = None,
        on_step: Callable[[int, np.ndarray], None] | None = None,
    ) -> "RCSLSAlignment":
        """Learn ``W`` from seed pairs; neighbours come from ``source_space`` / ``target_space``.

        Those are the full (row-normalised, most frequent first) vocabularies; when omitted the
        seed dictionary's own vectors serve as the neighbourhoods. ``held_out``: pairs
        ``(X, Y)`` never fitted on, whose loss (same neighbourhoods) is recorded beside the
        training loss at every point of ``loss_history_``, in ``held_out_loss_history_``; they
        change nothing in the fit. ``on_step(point, W)`` is called with a copy of ``W`` at the same
        points (0: the Procrustes start), e.g. to score every intermediate map.
        """
        cfg = self.config
        X = _as_tensor(normalize_rows(_check_pairs(X_src, Y_tgt)[0]), "X_src")
        Y = _as_tensor(normalize_rows(Y_tgt), "Y_tgt")
        Zs = _as_tensor(normalize_rows(X_src if source_space is None else source_space)[: cfg.max_neighbours], "source_space")
        Zt = _as_tensor(normalize_rows(Y_tgt if target_space is None else target_space)[: cfg.max_neighbours], "target_space")
        if Zs.shape[1] != X.shape[1]:
            raise ValueError(f"source_space has dimension {Zs.shape[1]} but X_src {X.shape[1]}")
        if Zt.shape[1] != Y.shape[1]:
            raise ValueError(f"target_space has dimension {Zt.shape[1]} but Y_tgt {Y.shape[1]}")
        k_t, k_s = min(cfg.k, Zt.shape[0]), min(cfg.k, Zs.shape[0])

        monitor = None
        if held_out is not None:
            Xh, Yh = _check_pairs(*held_out)
            monitor = (_as_tensor(normalize_rows(Xh), "held-out X"), _as_tensor(normalize_rows(Yh), "held-out Y"))
            if monitor[0].shape[1] != X.shape[1] or monitor[1].shape[1] != Y.shape[1]:
                raise ValueError("held_out pairs must have the dimensions of X_src and Y_tgt")

        def held_out_loss(W: torch.Tensor) -> float:
            return self._loss_and_grad(W, *monitor, Zs, Zt, k_s, k_t)[0]

        W = torch.from_numpy(procrustes(X.numpy(), Y.numpy()).astype(np.float32))
        loss, grad = self._loss_and_grad(W, X, Y, Zs, Zt, k_s, k_t)
        self.loss_history_ = [loss]
        self.held_out_loss_history_ = [held_out_loss(W)] if monitor else []
        self.lr_history_ = [cfg.lr]
        if on_step is not None:
            on_step(0, W.numpy().copy())
        lr = cfg.lr
        steps = tqdm(range(cfg.n_iter), desc="RCSLS", disable=not cfg.show_progress, leave=False)
        reference = loss  # "keep": the lowest loss seen before the current point
        for _ in steps:
            if lr < cfg.min_lr:
                break
            W_new = self._project(W - lr * grad)
            if cfg.on_increase == "keep":
                # the released code's order: step from W first, then judge W's loss against the
                # reference; a rise halves the step size for the next step and keeps this one
                if loss > reference:
                    lr /= 2.0
                else:
                    reference = loss
                W = W_new
                loss, grad = self._loss_and_grad(W, X, Y, Zs, Zt, k_s, k_t)
            else:
                loss_new, grad_new = self._loss_and_grad(W_new, X, Y, Zs, Zt, k_s, k_t)
                if loss_new > loss:  # overshoot: undo the step, halve the step size
                    lr /= 2.0
                    continue
                W, loss, grad = W_new, loss_new, grad_new
            self.loss_history_.append(loss)
            self.lr_history_.append(lr)
            if monitor:
                self.held_out_loss_history_.append(held_out_loss(W))
            if on_step is not None:
                on_step(len(self.loss_history_) - 1, W.numpy().copy())
            steps.set_postfix(loss=f"{loss:.4f}", lr=lr)
        self.W_ = W.numpy().astype(np.float32)
        return self

    def _project(self, W: torch.Tensor) -> torch.Tensor:
        if self.config.constraint == "none":
            return W
        U, s, Vh = np.linalg.svd(W.numpy().astype(np.float64), full_matrices=False)
        return torch.from_numpy(((U * np.minimum(s, 1.0)) @ Vh).astype(np.float32))

    def _loss_and_grad(self, W, X, Y, Zs, Zt, k_s, k_t) -> tuple[float, torch.Tensor]:
        bs = self.config.batch_size
        d_t, d_s = W.shape
        with torch.no_grad():
            n = X.shape[0]
            # similarities x^T W^T z are computed in the smaller of the two spaces
            if d_s < d_t:
                q_t, c_t = X, Zt @ W  # (W x) . z = x . (W^T z)
                q_s, c_s = Y @ W, Zs  # y . (W z) = (W^T y) . z
            else:
                q_t, c_t = X @ W.T, Zt
                q_s, c_s = Y, Zs @ W.T
            Ybar = torch.empty_like(Y)
            Xbar = torch.empty_like(X)
            nbr_t = torch.empty(n)
            nbr_s = torch.empty(n)
            for start in range(0, n, bs):
                end = start + bs
                top_t = (q_t[start:end] @ c_t.T).topk(k_t, dim=1)
                nbr_t[start:end] = top_t.values.mean(dim=1)
                Ybar[start:end] = Zt[top_t.indices].mean(dim=1)
                top_s = (q_s[start:end] @ c_s.T).topk(k_s, dim=1)
                nbr_s[start:end] = top_s.values.mean(dim=1)
                Xbar[start:end] = Zs[top_s.indices].mean(dim=1)
            pair = ((X @ W.T) * Y).sum(dim=1)
            loss = float((-2.0 * pair + nbr_t + nbr_s).mean())
            grad = ((-2.0 * Y + Ybar).T @ X + Y.T @ Xbar) / n
        return loss, grad


AlignmentName = Literal["lstsq", "procrustes", "rcsls"]


def make_alignment(name: str, rcsls: RCSLSConfig | None = None):
    """Build an alignment by name: ``"lstsq"``, ``"procrustes"`` or ``"rcsls"``."""
    if name == "lstsq":
        return LeastSquaresAlignment()
    if name == "procrustes":
        return ProcrustesAlignment()
    if name == "rcsls":
        return RCSLSAlignment(rcsls)
    raise ValueError(f"alignment must be one of 'lstsq', 'procrustes', 'rcsls'; got {name!r}")


def fit_alignment(name: str, X_src: np.ndarray, Y_tgt: np.ndarray, source_space: np.ndarray,
                  target_space: np.ndarray, rcsls: RCSLSConfig | None = None):
    """Fit the alignment ``name`` on seed pairs; RCSLS also gets the full (capped) vocabularies."""
    model = make_alignment(name, rcsls)
    if name == "rcsls":
        return model.fit(X_src, Y_tgt, source_space=source_space, target_space=target_space)
    return model.fit(X_src, Y_tgt)


# --------------------------------------------------------------------------- seed dictionaries


@dataclass(frozen=True)
class BilingualDictionary:
    """Word pairs ``(source_word, target_word)``; a source word may have several translations.

    Order is kept (MUSE lists source words roughly by frequency). Build with :meth:`from_pairs`.
    """

    pairs: tuple[tuple[str, str], ...]

    @classmethod
    def from_pairs(cls, pairs, drop_identical: bool = True) -> "BilingualDictionary":
        """Deduplicate pairs (first occurrence wins); drop ``word -> same word`` pairs by default."""
        seen: set[tuple[str, str]] = set()
        kept = []
        for pair in pairs:
            if len(pair) != 2:
                raise ValueError(f"dictionary pairs must be (source, target), got {pair!r}")
            src, tgt = str(pair[0]), str(pair[1])
            if (drop_identical and src == tgt) or (src, tgt) in seen:
                continue
            seen.add((src, tgt))
            kept.append((src, tgt))
        return cls(tuple(kept))

    def __len__(self) -> int:
        return len(self.pairs)

    @property
    def sources(self) -> list[str]:
        """Distinct source words, in first-seen order."""
        return list(dict.fromkeys(src for src, _ in self.pairs))

    def translations(self) -> dict[str, list[str]]:
        """``{source: [targets...]}`` in first-seen order."""
        out: dict[str, list[str]] = {}
        for src, tgt in self.pairs:
            out.setdefault(src, []).append(tgt)
        return out

    def restrict(self, source_vocab, target_vocab) -> "BilingualDictionary":
        """Keep only pairs whose source is in ``source_vocab`` and target in ``target_vocab``."""
        sv, tv = set(source_vocab), set(target_vocab)
        return BilingualDictionary(tuple((s, t) for s, t in self.pairs if s in sv and t in tv))

    def split(self, n_test: int | float, seed: int) -> tuple["BilingualDictionary", "BilingualDictionary"]:
        """Split by source word (no source word in both parts): ``n_test`` words (int) or share (float)."""
        sources = self.sources
        if isinstance(n_test, float):
            if not 0.0 < n_test < 1.0:
                raise ValueError(f"n_test as a share must lie in (0, 1), got {n_test}")
            n_test = int(round(n_test * len(sources)))
        if not 0 < n_test < len(sources):
            raise ValueError(f"n_test must leave both parts non-empty; dictionary has {len(sources)} source words, n_test={n_test}")
        rng = np.random.default_rng(seed)
        test_sources = {sources[i] for i in rng.choice(len(sources), size=n_test, replace=False)}
        train = tuple(p for p in self.pairs if p[0] not in test_sources)
        test = tuple(p for p in self.pairs if p[0] in test_sources)
        return BilingualDictionary(train), BilingualDictionary(test)

    def training_rows(self, source_words, target_words) -> tuple[np.ndarray, np.ndarray]:
        """Row indices ``(src_rows, tgt_rows)`` of the pairs whose two words are both in the vocabularies."""
        s_index = {w: i for i, w in enumerate(source_words)}
        t_index = {w: i for i, w in enumerate(target_words)}
        rows = [(s_index[s], t_index[t]) for s, t in self.pairs if s in s_index and t in t_index]
        if not rows:
            raise ValueError("no dictionary pair has both words in the vocabularies")
        src_rows, tgt_rows = zip(*rows)
        return np.asarray(src_rows, dtype=np.int64), np.asarray(tgt_rows, dtype=np.int64)

    def test_queries(self, source_words, target_words) -> tuple[np.ndarray, list[set[int]]]:
        """``(query_rows, gold)`` for word translation: each source word in the vocabulary with at
        least one translation in the target vocabulary, and the target rows of all its translations."""
        s_index = {w: i for i, w in enumerate(source_words)}
        t_index = {w: i for i, w in enumerate(target_words)}
        gold: dict[int, set[int]] = {}
        for s, t in self.pairs:
            if s in s_index and t in t_index:
                gold.setdefault(s_index[s], set()).add(t_index[t])
        queries = np.asarray(list(gold), dtype=np.int64)
        return queries, [gold[q] for q in queries.tolist()]
