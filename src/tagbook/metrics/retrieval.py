"""Image-caption retrieval metrics: recall at k and median rank, both directions.

The evaluation of VSE++ (Faghri, Fleet, Kiros, Fidler 2018, "VSE++: Improving Visual-Semantic
Embeddings with Hard Negatives", Sec. 4), which the multilingual-retrieval paper (Mohammadshahi,
Lebret, Aberer 2019, Tables 1-5) and its released code use unchanged:

- ``similarity`` is ``(n_images, n_images * c)``: the ``c`` captions of image ``i`` sit at columns
  ``i * c .. i * c + c - 1`` (caption ``j`` belongs to image ``j // c``).
- **image -> text** (annotation): the rank of an image is the best (smallest) rank among its ``c``
  captions in its row; **text -> image** (search): the rank of each caption is the rank of its
  image in its column.
- ``R@k`` = 100 x the share of queries whose rank is below ``k`` (0-based ranks), in percent;
  median rank ``Mr = floor(median(rank)) + 1`` and mean rank ``mean(rank) + 1`` (1-based), as
  VSE++'s ``i2t`` / ``t2i`` compute them. ``R@sum`` (the "rsum" of the retrieval papers, used
  for early stopping) is the sum of the six recalls at 1, 5 and 10.

Ties are broken as everywhere in tagbook (:mod:`tagbook.ranking`): among equal scores the lower
column index ranks first. A score of ``-inf`` ranks last; NaN is rejected.

MS-COCO "1K" results average 5 folds of 1,000 images (:func:`recall_at_k_folds`). The
caption-caption task of the paper (Table 5: retrieve the other language's captions of the same
image) is :func:`caption_recall_at_k`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = [
    "RankSummary",
    "RecallAtK",
    "recall_at_k",
    "recall_at_k_folds",
    "caption_recall_at_k",
    "best_relevant_ranks",
    "summarise_ranks",
]

_ROW_CHUNK = 1024  # rows compared at a time: bounds the temporary boolean matrices


@dataclass(frozen=True, eq=False)
class RankSummary:
    """Ranks of one retrieval direction and the numbers the papers report from them.

    ``ranks`` are 0-based, one per query (keep them for bootstrap intervals); ``recall[k]`` is
    R@k in percent; ``median_rank`` and ``mean_rank`` are 1-based.
    """

    ranks: np.ndarray
    recall: dict[int, float]
    median_rank: float
    mean_rank: float

    def as_dict(self, prefix: str = "") -> dict[str, float]:
        """``{"<prefix>R@1": .., "<prefix>R@5": .., "<prefix>R@10": .., "<prefix>Mr": ..}``."""
        out = {f"{prefix}R@{k}": v for k, v in self.recall.items()}
        out[f"{prefix}Mr"] = self.median_rank
        return out


@dataclass(frozen=True, eq=False)
class RecallAtK:
    """Both directions of image-caption retrieval (see the module docstring)."""

    image_to_text: RankSummary
    text_to_image: RankSummary

    @property
    def rsum(self) -> float:
        """R@sum: the image->text plus the text->image recalls at every k."""
        return float(sum(self.image_to_text.recall.values()) + sum(self.text_to_image.recall.values()))

    def as_dict(self) -> dict[str, float]:
        """One flat row: ``i2t R@1 .. i2t Mr, t2i R@1 .. t2i Mr, R@sum``."""
        row = self.image_to_text.as_dict("i2t ") | self.text_to_image.as_dict("t2i ")
        row["R@sum"] = self.rsum
        return row


def _check_similarity(similarity: np.ndarray, name: str = "similarity") -> np.ndarray:
    similarity = np.asarray(similarity)
    if similarity.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (queries, candidates) matrix, got shape {similarity.shape}")
    if not np.issubdtype(similarity.dtype, np.number) or np.issubdtype(similarity.dtype, np.complexfloating):
        raise ValueError(f"{name} must hold real numbers, got dtype {similarity.dtype}")
    if np.issubdtype(similarity.dtype, np.floating) and np.isnan(similarity).any():
        raise ValueError(f"{name} contains NaN; a model produced an undefined score")
    return similarity


def _check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def _check_ks(ks: Sequence[int]) -> tuple[int, ...]:
    ks = tuple(ks)
    if not ks:
        raise ValueError("ks must name at least one cut-off")
    return tuple(_check_positive_int(k, "every k in ks") for k in ks)


def best_relevant_ranks(
    similarity: np.ndarray, query_groups: np.ndarray, candidate_groups: np.ndarray
) -> np.ndarray:
    """0-based rank of each query's best-ranked relevant candidate.

    Candidate ``j`` is relevant to query ``q`` when ``candidate_groups[j] == query_groups[q]``
    (the same image). Rows of ``similarity`` are queries, columns candidates, higher is better;
    among equal scores the lower column index ranks first. The rank is the number of candidates
    ranked before the best relevant one. Every query needs at least one relevant candidate.
    """
    similarity = _check_similarity(similarity)
    query_groups = np.asarray(query_groups).reshape(-1)
    candidate_groups = np.asarray(candidate_groups).reshape(-1)
    n_queries, n_candidates = similarity.shape
    if len(query_groups) != n_queries or len(candidate_groups) != n_candidates:
        raise ValueError(
            f"query_groups ({len(query_groups)}) and candidate_groups ({len(candidate_groups)}) must match "
            f"the similarity shape {similarity.shape}"
        )
    missing = np.setdiff1d(query_groups, candidate_groups)
    if missing.size:
        raise ValueError(f"{missing.size} query group(s) have no relevant candidate, e.g. {missing[:3].tolist()}")
    best = np.empty(n_queries, dtype=np.result_type(similarity.dtype, np.float32))
    best_col = np.empty(n_queries, dtype=np.int64)
    for start in range(0, n_queries, _ROW_CHUNK):
        block = similarity[start : start + _ROW_CHUNK]
        relevant = candidate_groups[None, :] == query_groups[start : start + _ROW_CHUNK, None]
        # the best relevant column: the highest relevant score, the lowest index among equals
        top = np.where(relevant, block, -np.inf).max(axis=1, keepdims=True)
        best[start : start + len(block)] = top[:, 0]
        best_col[start : start + len(block)] = np.argmax(relevant & (block == top), axis=1)  # the first True
    return _ranks_of(similarity, best, best_col)


def _block_ranks(similarity: np.ndarray, captions_per_query: int) -> np.ndarray:
    """:func:`best_relevant_ranks` when query ``q`` owns the contiguous columns
    ``q * c .. q * c + c - 1`` (``c = captions_per_query``): the relevant scores are gathered
    directly instead of masked."""
    n_queries = similarity.shape[0]
    columns = np.arange(n_queries)[:, None] * captions_per_query + np.arange(captions_per_query)[None, :]
    own = similarity[np.arange(n_queries)[:, None], columns]  # (n_queries, c)
    first = np.argmax(own, axis=1)  # the first maximum: the lowest index among equal scores
    return _ranks_of(similarity, own[np.arange(n_queries), first], columns[np.arange(n_queries), first])


def _ranks_of(similarity: np.ndarray, best: np.ndarray, best_col: np.ndarray) -> np.ndarray:
    """Per row: candidates scoring above ``best``, plus those equal to it at a lower column."""
    ranks = np.empty(similarity.shape[0], dtype=np.int64)
    for start in range(0, similarity.shape[0], _ROW_CHUNK):
        block = similarity[start : start + _ROW_CHUNK]
        top = best[start : start + len(block), None]
        ranks[start : start + len(block)] = (block > top).sum(axis=1)
        tied = np.flatnonzero((block == top).sum(axis=1) > 1)  # rare with real scores: fix them exactly
        for row in tied:
            col = best_col[start + row]
            ranks[start + row] += int((block[row, :col] == top[row, 0]).sum())
    return ranks


def summarise_ranks(ranks: np.ndarray, ks: Sequence[int] = (1, 5, 10)) -> RankSummary:
    """R@k (percent), ``floor(median) + 1`` and ``mean + 1`` of 0-based ranks, as VSE++ reports them."""
    ks = _check_ks(ks)
    ranks = np.asarray(ranks).reshape(-1)
    if ranks.size == 0:
        raise ValueError("no ranks to summarise")
    recall = {k: float(100.0 * np.mean(ranks < k)) for k in ks}
    return RankSummary(
        ranks=ranks,
        recall=recall,
        median_rank=float(np.floor(np.median(ranks)) + 1),
        mean_rank=float(ranks.mean() + 1),
    )


def recall_at_k(similarity: np.ndarray, captions_per_image: int = 5, ks: Sequence[int] = (1, 5, 10)) -> RecallAtK:
    """Image->text and text->image R@k (percent), median and mean rank, and R@sum.

    ``similarity`` is ``(n_images, n_images * captions_per_image)``, caption ``j`` belonging to
    image ``j // captions_per_image`` (VSE++, Faghri et al. 2018; see the module docstring).

    >>> r = recall_at_k(sim)                 # 1,000 x 5,000
    >>> r.image_to_text.recall[1], r.text_to_image.median_rank, r.rsum
    """
    similarity = _check_similarity(similarity)
    c = _check_positive_int(captions_per_image, "captions_per_image")
    n_images, n_captions = similarity.shape
    if n_captions != n_images * c:
        raise ValueError(
            f"similarity must be (n_images, n_images * captions_per_image) = ({n_images}, {n_images * c}), "
            f"got {similarity.shape}"
        )
    ks = _check_ks(ks)
    by_caption = np.ascontiguousarray(similarity.T)  # rows: captions, for fast row-wise counts
    caption_scores = by_caption[np.arange(n_captions), np.arange(n_captions) // c]
    return RecallAtK(
        image_to_text=summarise_ranks(_block_ranks(similarity, c), ks),
        text_to_image=summarise_ranks(_ranks_of(by_caption, caption_scores, np.arange(n_captions) // c), ks),
    )


def recall_at_k_folds(
    similarity: np.ndarray, captions_per_image: int = 5, fold_size: int = 1000, ks: Sequence[int] = (1, 5, 10)
) -> list[RecallAtK]:
    """:func:`recall_at_k` on consecutive folds of ``fold_size`` images (MS-COCO "1K": 5 folds of
    the 5,000 test images; the papers report the mean over folds)."""
    similarity = _check_similarity(similarity)
    c = _check_positive_int(captions_per_image, "captions_per_image")
    size = _check_positive_int(fold_size, "fold_size")
    n_images = similarity.shape[0]
    if n_images % size:
        raise ValueError(f"{n_images} images do not split into folds of fold_size={size}")
    return [
        recall_at_k(similarity[start : start + size, start * c : (start + size) * c], c, ks)
        for start in range(0, n_images, size)
    ]


def caption_recall_at_k(
    similarity: np.ndarray, captions_per_image: int = 5, ks: Sequence[int] = (1, 5, 10)
) -> tuple[RankSummary, RankSummary]:
    """Caption-caption retrieval across languages (Mohammadshahi et al. 2019, Table 5).

    ``similarity`` is ``(n_images * c, n_images * c)``: rows are the captions of language A,
    columns those of language B, both image-major (caption ``j`` of image ``j // c``). A query's
    relevant candidates are the other language's ``c`` captions of the same image; its rank is
    the best among them. Returns ``(A -> B, B -> A)``.
    """
    similarity = _check_similarity(similarity)
    c = _check_positive_int(captions_per_image, "captions_per_image")
    n_rows, n_cols = similarity.shape
    if n_rows != n_cols or n_rows % c:
        raise ValueError(
            f"similarity must be square with n_images * captions_per_image rows (c={c}), got {similarity.shape}"
        )
    ks = _check_ks(ks)
    groups = np.arange(n_rows) // c
    return (
        summarise_ranks(best_relevant_ranks(similarity, groups, groups), ks),
        summarise_ranks(best_relevant_ranks(np.ascontiguousarray(similarity.T), groups, groups), ks),
    )
