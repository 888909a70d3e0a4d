"""Evaluation metrics, each matching the papers' definitions (see each function's docstring)."""

from tagbook.metrics.annotation import AnnotationPRF, PerTagAnnotation, annotation_prf, per_tag_annotation
from tagbook.metrics.retrieval import RankSummary, RecallAtK, caption_recall_at_k, recall_at_k, recall_at_k_folds

__all__ = [
    "AnnotationPRF", "PerTagAnnotation", "annotation_prf", "per_tag_annotation",
    "RankSummary", "RecallAtK", "caption_recall_at_k", "recall_at_k", "recall_at_k_folds",
]
