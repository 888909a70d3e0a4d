"""Segmentation metrics: IoU, dataset-level (micro) mean IoU, and partition-to-object matching.

Class masks are integer arrays, ``0`` = background and ``c`` = class ``c``. The mean IoU follows
the PASCAL VOC convention the post reports (about 30% on VOC2012): the confusion matrix is
accumulated over every pixel of the data set, then per class

.. math::

    \\mathrm{IoU}_c = \\frac{TP_c}{TP_c + FP_c + FN_c},

and mIoU is the mean over the classes that occur in the ground truth or the prediction.
"""

from __future__ import annotations

import numpy as np


def iou(pred: np.ndarray, truth: np.ndarray) -> float:
    """IoU of two boolean masks of equal shape; 1.0 when both are empty (nothing to disagree on)."""
    pred, truth = np.asarray(pred, dtype=bool), np.asarray(truth, dtype=bool)
    if pred.shape != truth.shape:
        raise ValueError(f"pred {pred.shape} and truth {truth.shape} masks differ in shape")
    union = np.logical_or(pred, truth).sum()
    if union == 0:
        return 1.0
    return float(np.logical_and(pred, truth).sum() / union)


def confusion_matrix(pred: np.ndarray, truth: np.ndarray, n_classes: int, ignore_index: int | None = None) -> np.ndarray:
    """``(n_classes, n_classes)`` pixel counts, rows = truth, columns = prediction.

    ``pred`` and ``truth`` are integer class masks of any equal shape (one image or a stack);
    pixels whose truth is ``ignore_index`` are left out (VOC marks object borders with 255).
    """
    pred, truth = np.asarray(pred), np.asarray(truth)
    if pred.shape != truth.shape:
        raise ValueError(f"pred {pred.shape} and truth {truth.shape} masks differ in shape")
    keep = np.ones(truth.shape, dtype=bool) if ignore_index is None else truth != ignore_index
    p, t = pred[keep].astype(np.int64), truth[keep].astype(np.int64)
    for name, a in (("pred", p), ("truth", t)):
        if a.size and (a.min() < 0 or a.max() >= n_classes):
            raise ValueError(f"{name} holds class ids outside [0, {n_classes}): {a.min()}..{a.max()}")
    return np.bincount(t * n_classes + p, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def iou_per_class(confusion: np.ndarray) -> np.ndarray:
    """Per-class IoU from a confusion matrix; NaN for a class absent from truth and prediction."""
    confusion = np.asarray(confusion, dtype=np.float64)
    tp = np.diag(confusion)
    union = confusion.sum(0) + confusion.sum(1) - tp
    return np.divide(tp, union, out=np.full(tp.shape, np.nan), where=union > 0)


def mean_iou(
    pred: np.ndarray, truth: np.ndarray, n_classes: int, ignore_index: int | None = None
) -> float:
    """Data-set mean IoU (confusion accumulated over all pixels, then averaged over classes)."""
    return float(np.nanmean(iou_per_class(confusion_matrix(pred, truth, n_classes, ignore_index))))


def segmentation_covering(partition: np.ndarray, truth: np.ndarray) -> float:
    """How well an unlabelled partition matches the ground-truth segments (Arbelaez et al. 2011).

    For each truth segment (background included) the best IoU with any predicted region,
    weighted by the segment's area: 1.0 for a perfect match, lower for over- or under-splitting.
    Both arrays hold arbitrary integer region ids of the same shape.
    """
    partition, truth = np.asarray(partition), np.asarray(truth)
    if partition.shape != truth.shape:
        raise ValueError(f"partition {partition.shape} and truth {truth.shape} differ in shape")
    _, p = np.unique(partition, return_inverse=True)
    _, t = np.unique(truth, return_inverse=True)
    p, t = p.ravel(), t.ravel()
    n_p, n_t = p.max() + 1, t.max() + 1
    inter = np.bincount(t * n_p + p, minlength=n_t * n_p).reshape(n_t, n_p).astype(np.float64)
    t_area, p_area = inter.sum(1), inter.sum(0)
    best = (inter / (t_area[:, None] + p_area[None, :] - inter)).max(axis=1)
    return float((best * t_area).sum() / t_area.sum())
