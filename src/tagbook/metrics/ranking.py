"""Ranking metrics for image annotation: hit@k, precision/recall/F1 at top-k, average precision.

``scores`` is ``(n_images, n_labels)`` (higher is better), ``truth`` a boolean matrix of the same
shape. Rankings come from :mod:`tagbook.ranking`, so ties break the same way everywhere.

A label scored ``-inf`` (a word with no vector, a label a method cannot score) is never
predicted: it never fills a top-``k`` slot, so an image with fewer than ``k`` finite scores is
annotated with fewer than ``k`` labels. It stays in the truth, so it counts among the relevant
labels (recall's denominator). Scores may not be NaN (:mod:`tagbook.ranking` rejects them).

hit@k exists once, in two forms: :func:`hits_per_image` on a score matrix and dense truth, and
:func:`hits_per_query_ranked` on ranked index lists and gold sets (the word-translation P@k of
:mod:`tagbook.metrics.translation` is the same measure under its own name).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Sequence

import numpy as np

from tagbook.ranking import rank_labels, top_k

EMPTY_SLOT = -1  # a ranked-list slot that holds no prediction


def _check(scores: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores, dtype=np.float64)
    truth = np.asarray(truth)
    if scores.ndim != 2:
        raise ValueError(f"scores must be (n_images, n_labels), got shape {scores.shape}")
    if truth.shape != scores.shape:
        raise ValueError(f"truth has shape {truth.shape} but scores have shape {scores.shape}")
    if truth.dtype != bool:
        if not np.isin(truth, (0, 1)).all():
            raise ValueError("truth must be boolean (or 0/1)")
        truth = truth.astype(bool)
    return scores, truth


def _check_ranked(ranked: np.ndarray, gold: Sequence[Collection[int]], k: int) -> np.ndarray:
    ranked = np.asarray(ranked)
    if ranked.ndim != 2:
        raise ValueError(f"ranked must be a 2-D (n_queries, n_retrieved) index array, got shape {ranked.shape}")
    if ranked.size and not np.issubdtype(ranked.dtype, np.integer):
        raise ValueError(f"ranked must hold integer indices, got dtype {ranked.dtype}")
    if len(ranked) != len(gold):
        raise ValueError(f"ranked has {len(ranked)} rows but gold has {len(gold)} entries")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= ranked.shape[1]:
        raise ValueError(f"k must lie in [1, {ranked.shape[1]}] (columns retrieved), got {k!r}")
    return ranked


def _predictable(scores: np.ndarray) -> np.ndarray:
    """Boolean, same shape as ``scores``: False where a score is ``-inf`` (never predicted)."""
    return np.asarray(scores) > -np.inf


def predicted_labels(scores: np.ndarray, k: int) -> np.ndarray:
    """Each image's top-``k`` labels, best first, as ``(n_images, min(k, n_labels))`` indices.

    The one place where the ``-inf`` rule is applied: a slot whose label scored ``-inf`` holds
    :data:`EMPTY_SLOT` (``-1``) instead, as in :func:`tagbook.ranking.top_k_scores`. Those slots
    come last, since ``-inf`` ranks after every finite score.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2:
        raise ValueError(f"scores must be (n_images, n_labels), got shape {scores.shape}")
    ranked = top_k(scores, k)
    predictable = _predictable(np.take_along_axis(scores, ranked, axis=1))
    return np.where(predictable, ranked, EMPTY_SLOT)


def predicted_mask(scores: np.ndarray, k: int) -> np.ndarray:
    """Boolean ``(n_images, n_labels)``: the labels each image is annotated with at top-``k``
    (its :func:`predicted_labels`; ``-inf`` scored labels are never among them)."""
    scores = np.asarray(scores, dtype=np.float64)
    ranked = predicted_labels(scores, k)
    mask = np.zeros(scores.shape, dtype=bool)
    rows, slots = np.nonzero(ranked != EMPTY_SLOT)
    mask[rows, ranked[rows, slots]] = True
    return mask


def _any_relevant(ranked: np.ndarray, relevant: np.ndarray) -> np.ndarray:
    """Per row: does a filled slot hold a relevant item? (empty slots never count)."""
    return (relevant & (ranked != EMPTY_SLOT)).any(axis=1)


def hits_per_image(scores: np.ndarray, truth: np.ndarray, k: int) -> np.ndarray:
    """Per image: is at least one correct label among its top ``k``? Boolean ``(n_images,)``.

    The per-image terms of hit@k (Wei, Wang and Li 2017, Sec. 3.1: "the percentage of test
    images that have at least one correct label covered by the top n predict labels"); their
    mean is :func:`hit_at_k`, their resampling a bootstrap interval of it. Images without any
    true label are misses; a true label scored ``-inf`` is never predicted, so never a hit.
    """
    scores, truth = _check(scores, truth)
    ranked = predicted_labels(scores, k)
    relevant = np.take_along_axis(truth, np.maximum(ranked, 0), axis=1)
    return _any_relevant(ranked, relevant)


def hits_per_query_ranked(ranked: np.ndarray, gold: Sequence[Collection[int]], k: int) -> np.ndarray:
    """Per query: is any of its gold items among the first ``k`` of its ranked list? ``(n_queries,)``.

    hit@k on ranked index lists: ``ranked`` is ``(n_queries, n_retrieved)`` integer indices, best
    first, ``gold[i]`` the set of correct indices of query ``i``. A slot holding ``-1`` (nothing
    retrieved there, as :func:`tagbook.ranking.top_k_scores` returns for non-finite scores) is
    never a hit. ``k`` must not exceed the columns retrieved. This is the word-translation
    precision@k of Conneau et al. (2018) (see :func:`tagbook.metrics.translation.precision_at_k`).
    """
    ranked = _check_ranked(ranked, gold, k)[:, :k]
    relevant = np.array([[int(t) in g for t in row] for row, g in zip(ranked, gold)], dtype=bool)
    return _any_relevant(ranked, relevant.reshape(ranked.shape))


def hit_at_k(scores: np.ndarray, truth: np.ndarray, k: int) -> float:
    """hit@k: the share of images with at least one correct label among their top ``k``.

    As in Wei, Wang and Li (2017), Sec. 3.1 (the mean of :func:`hits_per_image`). Images without
    any true label count as misses; a label scored ``-inf`` is never predicted.
    """
    return float(hits_per_image(scores, truth, k).mean())


def hits_at_k(scores: np.ndarray, truth: np.ndarray, ks=(1, 5, 10)) -> dict[str, float]:
    """``{"hit@1": .., "hit@5": .., "hit@10": .., "sum": ..}`` for the given cut-offs.

    The sum of the three is the overall score of Wei, Wang and Li (2017), Sec. 3.1.
    """
    out = {f"hit@{k}": hit_at_k(scores, truth, k) for k in ks}
    out["sum"] = float(sum(out.values()))
    return out


@dataclass(frozen=True)
class TopKScores:
    """Precision, recall and F1 of the top-``k`` prediction, averaged as named."""

    k: int
    average: str
    precision: float
    recall: float
    f1: float
    n_plus: int  # labels with at least one correct prediction (the N+ of the tagging papers)


def precision_recall_f1_at_k(
    scores: np.ndarray, truth: np.ndarray, k: int, average: str = "label"
) -> TopKScores:
    """Precision, recall and F1 when each image is annotated with its top ``k`` labels.

    ``average="label"`` (per-tag, as in the DREL and sampled-tagging papers): for each label,
    precision = correct / predicted and recall = correct / relevant, averaged over labels;
    labels never predicted have precision 0, labels with no relevant image are left out of the
    recall mean; F1 = 2PR/(P+R) of the two means.
    ``average="image"``: the same per image, averaged over images.
    ``average="micro"``: pooled counts.
    A label scored ``-inf`` is never predicted (see :func:`predicted_mask`): an image with fewer
    than ``k`` finite scores is annotated with fewer than ``k`` labels, and precision divides by
    the labels actually predicted; the label still counts as relevant in recall.
    """
    scores, truth = _check(scores, truth)
    predicted = predicted_mask(scores, k)
    correct = predicted & truth
    if average == "label":
        axis = 0
    elif average == "image":
        axis = 1
    elif average != "micro":
        raise ValueError(f"average must be 'label', 'image' or 'micro', got {average!r}")
    n_plus = int((correct.sum(axis=0) > 0).sum())
    if average == "micro":
        p = correct.sum() / max(predicted.sum(), 1)
        r = correct.sum() / max(truth.sum(), 1)
    else:
        n_correct = correct.sum(axis=axis)
        n_predicted = predicted.sum(axis=axis)
        n_relevant = truth.sum(axis=axis)
        per_p = np.divide(n_correct, n_predicted, out=np.zeros(n_correct.shape), where=n_predicted > 0)
        has_relevant = n_relevant > 0
        per_r = n_correct[has_relevant] / n_relevant[has_relevant]
        p = per_p.mean() if per_p.size else 0.0
        r = per_r.mean() if per_r.size else 0.0
    f1 = 2 * p * r / (p + r) if (p + r) > 0 else 0.0
    return TopKScores(k=int(k), average=average, precision=float(p), recall=float(r), f1=float(f1), n_plus=n_plus)


def average_precision(scores: np.ndarray, truth: np.ndarray) -> float:
    """Non-interpolated average precision of one ranking: the sum of precision@rank over the
    relevant items, divided by the number of relevant items.

    ``scores`` and ``truth`` are 1-D over the items ranked; ties break by index (lower first).
    Returns NaN when there is no relevant item. An item scored ``-inf`` ranks after every finite
    one and is never retrieved: a relevant ``-inf`` item adds precision 0 but counts among the
    relevant items (the convention of TREC's non-interpolated AP for relevant documents that are
    not retrieved), so its place among other ``-inf`` items does not matter, and a ranking whose
    relevant items all score ``-inf`` has AP 0.
    """
    scores = np.asarray(scores, dtype=np.float64).ravel()
    truth = np.asarray(truth, dtype=bool).ravel()
    if scores.shape != truth.shape:
        raise ValueError(f"scores {scores.shape} and truth {truth.shape} differ in shape")
    n_relevant = truth.sum()
    if n_relevant == 0:
        return float("nan")
    order = rank_labels(scores[None, :])[0]
    hits = truth[order] & _predictable(scores[order])
    precision_at_hit = np.cumsum(hits)[hits] / (np.flatnonzero(hits) + 1)
    return float(precision_at_hit.sum() / n_relevant)


def mean_average_precision(scores: np.ndarray, truth: np.ndarray, over: str = "label") -> float:
    """mAP: AP of each label's ranking of the images (``over="label"``) or of each image's ranking
    of the labels (``over="image"``), averaged over those with at least one relevant item.

    A relevant item scored ``-inf`` adds 0 to its ranking's AP (see :func:`average_precision`).
    """
    scores, truth = _check(scores, truth)
    if over == "label":
        scores, truth = scores.T, truth.T
    elif over != "image":
        raise ValueError(f"over must be 'label' or 'image', got {over!r}")
    aps = [average_precision(s, t) for s, t in zip(scores, truth) if t.any()]
    return float(np.mean(aps)) if aps else float("nan")


def random_ranking_map(truth: np.ndarray, draws: int = 200, seed: int = 0, over: str = "label") -> np.ndarray:
    """The mAP of ``draws`` random scorings of ``truth`` (uniform scores, so uniformly random
    rankings): the chance distribution a model's mAP is compared with. A random ranking's
    expected AP is above its share of relevant items, by a margin that shrinks as the ranking
    grows (one relevant item among three: 0.61, not 0.33), so the chance level is drawn, not
    taken as the base rate."""
    truth = np.asarray(truth, dtype=bool)
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    rng = np.random.default_rng(seed)
    return np.array([mean_average_precision(rng.random(truth.shape), truth, over=over) for _ in range(draws)])


def retrieval_precision_at_k(scores: np.ndarray, relevant: np.ndarray, k: int) -> float:
    """Share of relevant items among the ``k`` best-scored ones (ties by index, lower first).

    ``scores`` and ``relevant`` are 1-D over a collection (the images a query ranks); an item
    scored ``-inf`` is never retrieved, but still counts as one of the ``k`` slots.
    """
    scores = np.asarray(scores, dtype=np.float64)
    relevant = np.asarray(relevant, dtype=bool)
    if scores.ndim != 1 or relevant.shape != scores.shape:
        raise ValueError(f"scores {scores.shape} and relevant {relevant.shape} must be 1-D of one length")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= len(scores):
        raise ValueError(f"k must lie in [1, {len(scores)}], got {k!r}")
    ranked = predicted_labels(scores[None, :], int(k))[0]
    return float(sum(relevant[i] for i in ranked if i != EMPTY_SLOT) / k)
