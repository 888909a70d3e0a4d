"""Label ranking: the one place where scores become ordered label lists.

Every method returns a score matrix of shape ``(n_images, n_labels)`` (higher is better). Ties are
broken by label index (the lower index first) so that rankings are deterministic.
"""

from __future__ import annotations

import numpy as np


def _as_score_matrix(scores: np.ndarray) -> np.ndarray:
    scores = np.asarray(scores)
    if scores.ndim == 1:
        scores = scores[None, :]
    if scores.ndim != 2:
        raise ValueError(f"scores must be a (n_images, n_labels) matrix, got shape {scores.shape}")
    if np.isnan(scores).any():
        raise ValueError("scores contain NaN; a method produced an undefined score")
    return scores


def rank_labels(scores: np.ndarray) -> np.ndarray:
    """Full ranking: ``(n_images, n_labels)`` label indices, best first, ties by label index."""
    scores = _as_score_matrix(scores)
    # a stable sort of the negated scores keeps the lower label index first among equals
    return np.argsort(-scores, axis=1, kind="stable")


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best labels per image, ``(n_images, k)`` label indices, best first.

    Uses a partial sort, so it stays fast for tens of thousands of labels.
    """
    scores = _as_score_matrix(scores)
    n_labels = scores.shape[1]
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}")
    k = min(int(k), n_labels)
    if k == n_labels:
        return rank_labels(scores)
    # argpartition finds the k best; sort them by (-score, label index)
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -part_scores), axis=1)
    out = np.take_along_axis(part, order, axis=1).astype(np.int64)
    # where labels outside the partition tie with the k-th score, the lower index must win:
    # redo those (rare) rows exactly
    kth = np.take_along_axis(scores, out[:, -1:], axis=1)
    tied_rows = np.flatnonzero((scores >= kth).sum(axis=1) > k)
    for i in tied_rows:
        out[i] = rank_labels(scores[i : i + 1])[0, :k]
    return out


def top_k_mask(scores: np.ndarray, k: int) -> np.ndarray:
    """Boolean ``(n_images, n_labels)`` matrix marking each image's top ``k`` labels."""
    scores = _as_score_matrix(scores)
    idx = top_k(scores, k)
    mask = np.zeros(scores.shape, dtype=bool)
    np.put_along_axis(mask, idx, True, axis=1)
    return mask
