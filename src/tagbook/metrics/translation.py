"""Word-translation metrics: precision@k, the alignment ratio, mutual nearest neighbours, hubness.

Conventions (MUSE, Conneau et al. 2018, "Word Translation Without Parallel Data", Sec. 4.1): a
test query is a source word; its gold set is all its reference translations that exist in the
target vocabulary; the query counts as correct at ``k`` when ANY gold translation is among its
top ``k`` retrieved target words. Precision@k is the share of correct queries: hit@k over
ranked lists, computed by :func:`tagbook.metrics.ranking.hits_per_query_ranked`.

The "alignment ratio" of the multilingual-retrieval paper (Mohammadshahi, Lebret, Aberer 2019,
Sec. 4.4 and Tables 1-4) is not defined in its text. Its released code computes it as the
cosine nearest-neighbour word-translation accuracy (P@1) on the test dictionary, divided by the
number of DISTINCT source words in the test dictionary file, including words missing from the
vocabulary (which therefore count as wrong). :func:`alignment_ratio` implements exactly that.

These are pure functions of ranked indices: retrieval itself (nearest neighbour, CSLS) lives
with the embeddings, and :func:`evaluate_word_translation` is handed it as ``retrieve``.
"""

from __future__ import annotations

from typing import Collection, Mapping, Protocol, Sequence

import numpy as np
from scipy.stats import skew

from tagbook.metrics.ranking import hits_per_query_ranked

__all__ = [
    "precision_at_k",
    "translation_precision",
    "alignment_ratio",
    "mutual_nn_rate",
    "k_occurrence",
    "hub_count",
    "k_occurrence_skewness",
    "hubness_report",
    "Retrieve",
    "word_translation_rows",
    "evaluate_word_translation",
]


def precision_at_k(ranked: np.ndarray, gold: Sequence[Collection[int]], k: int) -> float:
    """Word-translation precision@k (Conneau et al. 2018): the share of queries with at least
    one gold target among the first ``k`` columns of ``ranked`` (slots holding ``-1`` are empty).

    The mean of :func:`tagbook.metrics.ranking.hits_per_query_ranked`.
    """
    if len(ranked) == 0 and len(gold) == 0:
        raise ValueError("no test queries: ranked and gold are empty")
    return float(hits_per_query_ranked(ranked, gold, k).mean())


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
    correct = int(hits_per_query_ranked(top1[:, None], gold, 1).sum())
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


class Retrieve(Protocol):
    """What :func:`evaluate_word_translation` retrieves with (:func:`tagbook.text.align.retrieve` is one):
    the indices of the ``k`` best target rows of each mapped query, best first, ``(n_queries, k)``."""

    def __call__(
        self, mapped_queries: np.ndarray, targets: np.ndarray, *, k: int, method: str,
        mapped_source_space: np.ndarray, csls_k: int, batch_size: int, normalize: bool,
    ) -> np.ndarray: ...


def word_translation_rows(
    ranked: Mapping[str, np.ndarray],
    gold: Sequence[Collection[int]],
    n_targets: int,
    ks: Sequence[int] = (1, 5),
    n_dictionary_sources: int | None = None,
) -> list[dict[str, float | str]]:
    """P@k of each retrieval method's ranked lists, plus the alignment ratio and hubness (rows for a DataFrame).

    ``ranked[method]`` is ``(n_queries, n_retrieved)`` target indices, best first (at least
    ``max(ks)`` columns); ``gold[i]`` are the target rows of query ``i``; ``n_targets`` is the
    size of the target vocabulary. Values are percentages, as in the papers' tables; the
    alignment ratio (see :func:`alignment_ratio`) is given for ``"nn"`` retrieval only.
    """
    if not ranked:
        raise ValueError("ranked must hold the ranked lists of at least one retrieval method")
    rows = []
    for method, lists in ranked.items():
        lists = np.asarray(lists)
        row: dict[str, float | str] = {"retrieval": method}
        row.update({name: 100.0 * value for name, value in translation_precision(lists, gold, ks).items()})
        if method == "nn":
            row["alignment ratio"] = 100.0 * alignment_ratio(lists[:, 0], gold, n_dictionary_sources)
        row["hubs (N1>5)"] = float(hub_count(lists, n_targets, more_than=5, k=1))
        row["skew N10"] = k_occurrence_skewness(lists, n_targets, k=min(10, lists.shape[1]))
        rows.append(row)
    return rows


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
    *,
    retrieve: Retrieve,
) -> list[dict[str, float | str]]:
    """Retrieve with each method, then :func:`word_translation_rows` (P@k, alignment ratio, hubness).

    ``mapped_source`` holds ALL mapped source words (the CSLS source neighbourhood);
    ``query_rows`` index the test source words in it; ``gold[i]`` are the target rows of query i.
    ``retrieve`` does the retrieval (pass :func:`tagbook.text.align.retrieve`); it is called as
    ``retrieve(mapped_source[query_rows], targets, k=max(10, max(ks)), method=method,
    mapped_source_space=mapped_source, csls_k=csls_k, batch_size=batch_size, normalize=normalize)``.
    Values are percentages, as in the papers' tables. ``normalize=False``: rows are already such
    that dot products are cosines (see :func:`tagbook.text.align.compress_to_map_range`).
    """
    if not callable(retrieve):
        raise TypeError(f"retrieve must be a callable returning ranked target indices, got {type(retrieve).__name__}")
    query_rows = np.asarray(query_rows, dtype=np.int64)
    if len(query_rows) != len(gold):
        raise ValueError(f"query_rows has {len(query_rows)} entries but gold has {len(gold)}")
    depth = max(10, max(ks))
    ranked = {
        method: retrieve(
            mapped_source[query_rows], targets, k=depth, method=method,
            mapped_source_space=mapped_source, csls_k=csls_k, batch_size=batch_size, normalize=normalize,
        )
        for method in methods
    }
    return word_translation_rows(ranked, gold, len(targets), ks, n_dictionary_sources)
