"""Word-translation metrics: precision@k, the alignment ratio, mutual nearest neighbours, hubness.

Conventions (MUSE, Conneau et al. 2018): a test query is a source word; its gold set is all its
reference translations that exist in the target vocabulary; the query counts as correct at ``k``
when ANY gold translation is among its top ``k`` retrieved target words. Precision@k is the share
of correct queries.

The "alignment ratio" of the multilingual-retrieval paper (Mohammadshahi, Lebret, Aberer 2019,
Sec. 4.4 and Tables 1-4) is not defined in its text. Its released code computes it as the
cosine nearest-neighbour word-translation accuracy (P@1) on the test dictionary, divided by the
number of DISTINCT source words in the test dictionary file, including words missing from the
vocabulary (which therefore count as wrong). :func:`alignment_ratio` implements exactly that.
"""

from __future__ import annotations

from typing import Collection, Sequence

import numpy as np
from scipy.stats import skew

__all__ = [
    "precision_at_k",
    "translation_precision",
    "alignment_ratio",
    "mutual_nn_rate",
    "k_occurrence",
    "hub_count",
    "k_occurrence_skewness",
    "hubness_report",
    "evaluate_word_translation",
]


def _check_ranked(ranked: np.ndarray, gold: Sequence[Collection[int]]) -> np.ndarray:
    ranked = np.asarray(ranked)
    if ranked.ndim != 2:
        raise ValueError(f"ranked must be a 2-D (n_queries, n_retrieved) index array, got shape {ranked.shape}")
    if len(ranked) != len(gold):
        raise ValueError(f"ranked has {len(ranked)} rows but gold has {len(gold)} entries")
    if len(ranked) == 0:
        raise ValueError("no test queries: ranked and gold are empty")
    return ranked


def precision_at_k(ranked: np.ndarray, gold: Sequence[Collection[int]], k: int) -> float:
    """Share of queries with at least one gold target among the first ``k`` columns of ``ranked``."""
    ranked = _check_ranked(ranked, gold)
    if not 1 <= k <= ranked.shape[1]:
        raise ValueError(f"k must lie in [1, {ranked.shape[1]}] (columns retrieved), got {k}")
    hits = [any(int(t) in g for t in row[:k]) for row, g in zip(ranked, gold)]
    return float(np.mean(hits))


def translation_precision(ranked: np.ndarray, gold: Sequence[Collection[int]], ks: Sequence[int] = (1, 5)) -> dict[str, float]:
    """``{"P@1": ..., "P@5": ...}`` (fractions in [0, 1])."""
    return {f"P@{k}": precision_at_k(ranked, gold, k) for k in ks}


def alignment_ratio(top1: np.ndarray, gold: Sequence[Collection[int]], n_dictionary_sources: int | None = None) -> float:
    """Alignment ratio as computed by the multilingual-retrieval paper's code (see module docstring).

    ``top1[i]`` is the cosine nearest target of query ``i``; ``n_dictionary_sources`` is the number
    of distinct source words in the test dictionary before dropping out-of-vocabulary words
    (defaults to ``len(gold)``, i.e. plain NN P@1).
    """
    top1 = np.asarray(top1).reshape(-1)
    if len(top1) != len(gold):
        raise ValueError(f"top1 has {len(top1)} entries but gold has {len(gold)}")
    denominator = len(gold) if n_dictionary_sources is None else n_dictionary_sources
    if denominator < len(gold) or denominator <= 0:
        raise ValueError(f"n_dictionary_sources must be >= the {len(gold)} in-vocabulary queries, got {denominator}")
    correct = sum(int(t) in g for t, g in zip(top1, gold))
    return correct / denominator


def mutual_nn_rate(pairs: np.ndarray, forward_top1: np.ndarray, backward_top1: np.ndarray) -> float:
    """Share of test pairs ``(i, j)`` that are mutual nearest neighbours.

    ``forward_top1[i]``: nearest target of source ``i``; ``backward_top1[j]``: nearest source of
    target ``j``. ``pairs`` is an ``(n, 2)`` array of (source row, target row).
    """
    pairs = np.asarray(pairs)
    if pairs.ndim != 2 or pairs.shape[1] != 2 or len(pairs) == 0:
        raise ValueError(f"pairs must be a non-empty (n, 2) array, got shape {pairs.shape}")
    forward_top1, backward_top1 = np.asarray(forward_top1), np.asarray(backward_top1)
    src, tgt = pairs[:, 0], pairs[:, 1]
    return float(np.mean((forward_top1[src] == tgt) & (backward_top1[tgt] == src)))


def k_occurrence(ranked: np.ndarray, n_targets: int, k: int = 1) -> np.ndarray:
    """``N_k(y)``: how many queries have target ``y`` among their first ``k`` retrieved (length ``n_targets``)."""
    ranked = np.asarray(ranked)
    if ranked.ndim != 2 or not 1 <= k <= ranked.shape[1]:
        raise ValueError(f"k must lie in [1, {ranked.shape[1] if ranked.ndim == 2 else '?'}], got {k}")
    return np.bincount(ranked[:, :k].reshape(-1), minlength=n_targets)


def hub_count(ranked: np.ndarray, n_targets: int, more_than: int, k: int = 1) -> int:
    """Number of targets that are among the ``k`` nearest of MORE than ``more_than`` queries."""
    return int((k_occurrence(ranked, n_targets, k) > more_than).sum())


def k_occurrence_skewness(ranked: np.ndarray, n_targets: int, k: int = 10) -> float:
    """Skewness of the ``N_k`` distribution over targets (Radovanovic et al. 2010): large = hubby.

    A constant distribution (every target retrieved equally often) has skewness 0.
    """
    counts = k_occurrence(ranked, n_targets, k).astype(np.float64)
    if np.all(counts == counts[0]):
        return 0.0
    return float(skew(counts))


def hubness_report(ranked: np.ndarray, n_targets: int, more_than: int = 10, k: int = 10) -> dict[str, float]:
    """Hub diagnostics in one dict: hubs at k=1, largest N_1, N_k skewness, share of targets never retrieved."""
    n1 = k_occurrence(ranked, n_targets, 1)
    return {
        f"hubs(N1>{more_than})": float((n1 > more_than).sum()),
        "max N1": float(n1.max()),
        f"skew N{k}": k_occurrence_skewness(ranked, n_targets, min(k, np.asarray(ranked).shape[1])),
        "never retrieved": float((n1 == 0).mean()),
    }


def evaluate_word_translation(
    mapped_source: np.ndarray,
    targets: np.ndarray,
    query_rows: np.ndarray,
    gold: Sequence[Collection[int]],
    methods: Sequence[str] = ("nn", "csls"),
    ks: Sequence[int] = (1, 5),
    csls_k: int = 10,
    n_dictionary_sources: int | None = None,
    batch_size: int = 4096,
    normalize: bool = True,
) -> list[dict[str, float | str]]:
    """P@k for each retrieval method, plus the alignment ratio and hub count (rows for a DataFrame).

    ``mapped_source`` holds ALL mapped source words (the CSLS source neighbourhood);
    ``query_rows`` index the test source words in it; ``gold[i]`` are the target rows of query i.
    Values are percentages, as in the papers' tables. ``normalize=False``: rows are already such
    that dot products are cosines (see :func:`tagbook.text.align.compress_to_map_range`).
    """
    from tagbook.text.align import retrieve

    query_rows = np.asarray(query_rows, dtype=np.int64)
    if len(query_rows) != len(gold):
        raise ValueError(f"query_rows has {len(query_rows)} entries but gold has {len(gold)}")
    depth = max(ks)
    rows = []
    for method in methods:
        ranked = retrieve(
            mapped_source[query_rows], targets, k=max(depth, 10), method=method,
            mapped_source_space=mapped_source, csls_k=csls_k, batch_size=batch_size, normalize=normalize,
        )
        row: dict[str, float | str] = {"retrieval": method}
        row.update({name: 100.0 * value for name, value in translation_precision(ranked, gold, ks).items()})
        if method == "nn":
            row["alignment ratio"] = 100.0 * alignment_ratio(ranked[:, 0], gold, n_dictionary_sources)
        row["hubs (N1>5)"] = float(hub_count(ranked, len(targets), more_than=5, k=1))
        row["skew N10"] = k_occurrence_skewness(ranked, len(targets), k=min(10, ranked.shape[1]))
        rows.append(row)
    return rows
