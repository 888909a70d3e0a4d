"""Evaluation metrics, each matching the papers' definitions (see each function's docstring)."""

from tagbook.metrics.annotation import AnnotationPRF, PerTagAnnotation, annotation_prf, per_tag_annotation

__all__ = ["AnnotationPRF", "PerTagAnnotation", "annotation_prf", "per_tag_annotation"]
