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

    Scores are computed in the inputs' precision (float32 unless one of them is float64). A chunk
    is skipped for the queries whose ``k`` best so far it cannot change (its best score is not
    above their ``k``-th: a tie loses to the lower index already held); for the others its ``k``
    best come from ``torch.topk``, and a row whose ``k``-th best ties with scores that ``topk``
    left out is redone exactly, so the result is that of a full stable sort.
    """
    import torch

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
    q = np.ascontiguousarray(queries, dtype=dtype)
    best_idx = np.full((n_queries, 0), -1, dtype=np.int64)
    best_scores = np.full((n_queries, 0), -np.inf, dtype=dtype)
    for start in range(0, n_labels, int(chunk_size)):
        stop = min(start + int(chunk_size), n_labels)
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is a non-finite score, handled below
            scores = q @ np.asarray(label_vectors[start:stop], dtype=dtype).T  # (n_queries, chunk)
        if not np.isfinite(scores).all():
            if np.isnan(scores).any():
                raise ValueError("scores contain NaN; a query or label vector is undefined")
            scores[~np.isfinite(scores)] = -np.inf
        if exclude is not None:
            block = exclude[start:stop] if exclude.ndim == 1 else exclude[:, start:stop]
            np.copyto(scores, -np.inf, where=np.broadcast_to(block, scores.shape))
        keep = min(k, stop - start)
        if best_idx.shape[1] == k:  # only the rows whose k-th best this chunk can beat
            active = np.flatnonzero(scores.max(axis=1) > best_scores[:, -1])
            if active.size == 0:
                continue
            sub = scores[active] if active.size < n_queries else scores
        else:
            active, sub = np.arange(n_queries), scores
        values, found = torch.topk(torch.from_numpy(sub), keep, dim=1, largest=True, sorted=False)
        idx, part = found.numpy().astype(np.int64), values.numpy().copy()
        kth = part.min(axis=1, keepdims=True)
        # rows where more scores reach a finite k-th value than topk returned: ties at the
        # boundary (-inf slots are never returned, so which of them topk kept does not matter)
        tied = np.flatnonzero((np.count_nonzero(sub >= kth, axis=1) > keep) & np.isfinite(kth[:, 0]))
        for i in tied:
            exact = top_k(sub[i : i + 1], keep)[0]
            idx[i], part[i] = exact, sub[i, exact]
        merged_idx = np.concatenate([best_idx[active], idx + start], axis=1)
        merged_scores = np.concatenate([best_scores[active], part], axis=1)
        # order by (-score, label index)
        order = np.lexsort((merged_idx, -merged_scores), axis=1)[:, :k]
        new_idx = np.take_along_axis(merged_idx, order, axis=1)
        new_scores = np.take_along_axis(merged_scores, order, axis=1)
        if new_idx.shape[1] != best_idx.shape[1]:  # still filling the first k (all rows are active)
            best_idx, best_scores = new_idx, new_scores
        else:
            best_idx[active], best_scores[active] = new_idx, new_scores
    if best_idx.shape[1] < k:  # fewer labels than k
        pad = k - best_idx.shape[1]
        best_idx = np.concatenate([best_idx, np.full((n_queries, pad), -1, dtype=np.int64)], axis=1)
        best_scores = np.concatenate([best_scores, np.full((n_queries, pad), -np.inf, dtype=dtype)], axis=1)
    best_idx = np.where(np.isfinite(best_scores), best_idx, -1)
    return best_idx, best_scores
