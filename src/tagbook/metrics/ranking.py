"""Ranking metrics for image annotation: hit@k, precision/recall/F1 at top-k, average precision.

``scores`` is ``(n_images, n_labels)`` (higher is better), ``truth`` a boolean matrix of the same
shape. Rankings come from :mod:`tagbook.ranking`, so ties break the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tagbook.ranking import rank_labels, top_k_mask


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


def hit_at_k(scores: np.ndarray, truth: np.ndarray, k: int) -> float:
    """hit@k: the share of images with at least one correct label among their top ``k``.

    As in Wei, Wang and Li (2017), Sec. 4.1. Images without any true label count as misses.
    """
    scores, truth = _check(scores, truth)
    hits = (top_k_mask(scores, k) & truth).any(axis=1)
    return float(hits.mean())


def hits_at_k(scores: np.ndarray, truth: np.ndarray, ks=(1, 5, 10)) -> dict[str, float]:
    """``{"hit@1": .., "hit@5": .., "hit@10": .., "sum": ..}`` for the given cut-offs."""
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
    """
    scores, truth = _check(scores, truth)
    predicted = top_k_mask(scores, k)
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
    """Non-interpolated average precision of one ranking: mean of precision@rank over the hits.

    ``scores`` and ``truth`` are 1-D over the items ranked; ties break by index (lower first).
    Returns NaN when there is no relevant item.
    """
    scores = np.asarray(scores, dtype=np.float64).ravel()
    truth = np.asarray(truth, dtype=bool).ravel()
    if scores.shape != truth.shape:
        raise ValueError(f"scores {scores.shape} and truth {truth.shape} differ in shape")
    n_relevant = truth.sum()
    if n_relevant == 0:
        return float("nan")
    order = rank_labels(scores[None, :])[0]
    hits = truth[order]
    precision_at_hit = np.cumsum(hits)[hits] / (np.flatnonzero(hits) + 1)
    return float(precision_at_hit.sum() / n_relevant)


def mean_average_precision(scores: np.ndarray, truth: np.ndarray, over: str = "label") -> float:
    """mAP: AP of each label's ranking of the images (``over="label"``) or of each image's ranking
    of the labels (``over="image"``), averaged over those with at least one relevant item."""
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
