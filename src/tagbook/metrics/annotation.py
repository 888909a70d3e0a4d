"""Per-tag annotation precision and recall at top ``k``: the protocol of Makadia, Pavlovic and
Kumar (ECCV 2008), "A New Baseline for Image Annotation", Sec. 4, as used by He et al. (ICMR 2015,
Sec. 3.4) for Tables 1 and 2.

Each test image is annotated with its ``k`` best-scored tags (``k = 5`` in both papers). Then, per
tag ``t``:

- ``correct_t``   = images annotated with ``t`` that have ``t`` in the truth,
- ``predicted_t`` = images annotated with ``t``,
- ``relevant_t``  = images that have ``t`` in the truth;
- precision_t = correct_t / predicted_t (0 for a tag that is never predicted),
- recall_t    = correct_t / relevant_t.

mP and mR are the means of precision_t and recall_t over all tags, F1 = 2 mP mR / (mP + mR) is
computed from the two means (not averaged per tag), and N+ is the number of tags with recall > 0
(equivalently, with at least one correct annotation).

"All tags" are the tags of the test set's vocabulary: a tag with no relevant test image has no
recall, and it is left out of **both** means (and of N+), as in Makadia et al., who average over
the keywords that occur in the test set (the 260 of Corel5K's 374 words, the protocol they follow
from the earlier Corel5K work). Predicting such a tag still costs: it takes one of the image's
``k`` slots. :attr:`AnnotationPRF.n_tags` says how many tags were averaged over. On NUS-WIDE's
official test split every one of the 81 concepts has test images (the rarest, ``map``, has 20), so
there the choice changes nothing.

A tag scored ``-inf`` is never predicted (the library's rule, applied by
:func:`tagbook.metrics.ranking.predicted_mask`): an image with fewer than ``k`` finite scores is
annotated with fewer tags. Where every tag has a relevant image, mP, mR, F1 and N+ equal
:func:`tagbook.metrics.ranking.precision_recall_f1_at_k` with ``average="label"``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tagbook.metrics.ranking import predicted_mask

__all__ = ["AnnotationPRF", "PerTagAnnotation", "annotation_prf", "per_tag_annotation"]


@dataclass(frozen=True)
class AnnotationPRF:
    """mP, mR, F1 and N+ of a top-``k`` annotation (Makadia et al. 2008; He et al. 2015, Sec. 3.4)."""

    mP: float
    mR: float
    F1: float
    n_plus: int  # tags with recall > 0
    k: int = 5
    n_tags: int = 0  # tags averaged over: those with at least one relevant image


@dataclass(frozen=True, eq=False)
class PerTagAnnotation:
    """Per-tag counts of a top-``k`` annotation, each ``(n_tags,)`` int: what mP, mR and N+ are
    made of, and what a per-tag recall figure draws."""

    k: int
    correct: np.ndarray
    predicted: np.ndarray
    relevant: np.ndarray

    @property
    def evaluated(self) -> np.ndarray:
        """Boolean ``(n_tags,)``: the tags with at least one relevant image (the ones averaged)."""
        return self.relevant > 0

    @property
    def precision(self) -> np.ndarray:
        """correct / predicted per tag; 0 for a tag never predicted."""
        return np.divide(self.correct, self.predicted, out=np.zeros(self.correct.shape), where=self.predicted > 0)

    @property
    def recall(self) -> np.ndarray:
        """correct / relevant per tag; NaN for a tag with no relevant image (it has no recall)."""
        return np.divide(self.correct, self.relevant, out=np.full(self.correct.shape, np.nan), where=self.relevant > 0)


def _check_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}")
    return int(k)


def _check_truth(truth, shape: tuple[int, ...]) -> np.ndarray:
    truth = np.asarray(truth)
    if truth.shape != shape:
        raise ValueError(f"truth has shape {truth.shape} but scores have shape {shape}")
    if truth.dtype != bool:
        if not np.isin(truth, (0, 1)).all():
            raise ValueError("truth must be boolean (or 0/1)")
        truth = truth.astype(bool)
    return truth


def per_tag_annotation(scores: np.ndarray, truth: np.ndarray, k: int = 5) -> PerTagAnnotation:
    """Per-tag correct / predicted / relevant counts when each image is annotated with its top ``k``.

    ``scores`` is ``(n_images, n_tags)``, higher is better, ties broken by the lower tag index
    (:mod:`tagbook.ranking`); ``truth`` is a boolean (or 0/1) matrix of the same shape. A tag scored
    ``-inf`` is never predicted.
    """
    k = _check_k(k)
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2:
        raise ValueError(f"scores must be (n_images, n_tags), got shape {scores.shape}")
    truth = _check_truth(truth, scores.shape)
    predicted = predicted_mask(scores, k)
    return PerTagAnnotation(
        k=k,
        correct=(predicted & truth).sum(axis=0),
        predicted=predicted.sum(axis=0),
        relevant=truth.sum(axis=0),
    )


def annotation_prf(scores: np.ndarray, truth: np.ndarray, k: int = 5) -> AnnotationPRF:
    """mP, mR, F1 and N+ of annotating each image with its top ``k`` tags (Makadia et al. 2008).

    Per tag, precision = correct / predicted (0 for a tag never predicted) and recall = correct /
    relevant; mP and mR are their means over all tags of the test vocabulary, i.e. the tags with
    at least one relevant image: a tag with no relevant image is left out of both means and of
    N+ (see the module docstring); F1 = 2 mP mR / (mP + mR) from the means (0 when both are 0);
    N+ = the number of tags with recall > 0. A tag scored ``-inf`` is never predicted.

    Raises ``ValueError`` when no tag has a relevant image (there is nothing to average).
    """
    counts = per_tag_annotation(scores, truth, k)
    evaluated = counts.evaluated
    n_tags = int(evaluated.sum())
    if n_tags == 0:
        raise ValueError("truth has no relevant image for any tag: mP and mR are undefined")
    m_p = float(counts.precision[evaluated].mean())
    m_r = float(counts.recall[evaluated].mean())
    f1 = 2 * m_p * m_r / (m_p + m_r) if m_p + m_r > 0 else 0.0
    n_plus = int((counts.correct[evaluated] > 0).sum())
    return AnnotationPRF(mP=m_p, mR=m_r, F1=float(f1), n_plus=n_plus, k=counts.k, n_tags=n_tags)
