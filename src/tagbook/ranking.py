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


def top_k_scores(
    queries: np.ndarray,
    label_vectors: np.ndarray,
    k: int,
    chunk_size: int = 8192,
    exclude: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best labels of each query by dot product, scored in chunks of labels.

    ``queries`` is ``(n_queries, d)``, ``label_vectors`` ``(n_labels, d)`` (unit rows give cosine
    scores). Returns ``(indices, scores)``, each ``(n_queries, k)``, best first, ties broken by the
    lower label index as in :func:`top_k`. Only ``(n_queries, chunk_size)`` scores exist at a time,
    so 1,000 queries against 400,000 labels never form one dense matrix. ``exclude`` is an optional
    ``(n_queries, n_labels)`` boolean mask, or a ``(n_labels,)`` one shared by all queries, of labels
    that may not be returned (a query word excluded from its own neighbours, say); excluded labels
    and labels whose score is not finite are never returned, so fewer than ``k`` may come back: those
    slots hold index ``-1`` and score ``-inf``.
    """
    queries = np.asarray(queries)
    label_vectors = np.asarray(label_vectors)
    if queries.ndim == 1:
        queries = queries[None, :]
    if queries.ndim != 2 or label_vectors.ndim != 2:
        raise ValueError(
            f"queries must be (n_queries, d) and label_vectors (n_labels, d), got {queries.shape} and {label_vectors.shape}"
        )
    if queries.shape[1] != label_vectors.shape[1]:
        raise ValueError(f"queries have dimension {queries.shape[1]} but label_vectors {label_vectors.shape[1]}")
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}")
    if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}")
    n_queries, n_labels = queries.shape[0], label_vectors.shape[0]
    if exclude is not None:
        exclude = np.asarray(exclude, dtype=bool)
        if exclude.shape not in ((n_labels,), (n_queries, n_labels)):
            raise ValueError(f"exclude must be ({n_labels},) or ({n_queries}, {n_labels}), got {exclude.shape}")
    k = int(k)
    dtype = np.result_type(queries.dtype, label_vectors.dtype, np.float32)
    best_idx = np.full((n_queries, 0), -1, dtype=np.int64)
    best_scores = np.full((n_queries, 0), -np.inf, dtype=dtype)
    for start in range(0, n_labels, int(chunk_size)):
        stop = min(start + int(chunk_size), n_labels)
        scores = (queries @ label_vectors[start:stop].T).astype(dtype, copy=False)
        if np.isnan(scores).any():
            raise ValueError("scores contain NaN; a query or label vector is undefined")
        scores = np.where(np.isfinite(scores), scores, -np.inf)
        if exclude is not None:
            block = exclude[start:stop] if exclude.ndim == 1 else exclude[:, start:stop]
            scores = np.where(block, -np.inf, scores)
        keep = min(k, stop - start)
        idx = top_k(scores, keep) + start
        merged_idx = np.concatenate([best_idx, idx], axis=1)
        merged_scores = np.concatenate([best_scores, np.take_along_axis(scores, idx - start, axis=1)], axis=1)
        # order by (-score, label index); earlier chunks hold lower indices, so a stable sort keeps ties right
        order = np.lexsort((merged_idx, -merged_scores), axis=1)[:, :k]
        best_idx = np.take_along_axis(merged_idx, order, axis=1)
        best_scores = np.take_along_axis(merged_scores, order, axis=1)
    if best_idx.shape[1] < k:  # fewer labels than k
        pad = k - best_idx.shape[1]
        best_idx = np.concatenate([best_idx, np.full((n_queries, pad), -1, dtype=np.int64)], axis=1)
        best_scores = np.concatenate([best_scores, np.full((n_queries, pad), -np.inf, dtype=dtype)], axis=1)
    best_idx = np.where(np.isfinite(best_scores), best_idx, -1)
    return best_idx, best_scores
