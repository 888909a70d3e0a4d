"""Input checks and small pieces shared by the tagging methods of chapter 03.

Every method takes ``features``, a real ``(n_images, n_features)`` matrix, and a ``tag_matrix``,
a boolean or 0/1 ``(n_images, n_tags)`` matrix (dense, or a ``scipy.sparse`` matrix for large
vocabularies), and returns float32 ``(n_images, n_tags)`` scores, higher is better.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse


def check_positive_int(value, name: str) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")


def check_positive(value, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not value > 0:
        raise ValueError(f"{name} must be a number > 0, got {value!r}")


def check_non_negative(value, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not value >= 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")


def check_seed(value) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not 0 <= value < 2**32:
        raise ValueError(f"seed must be an int in [0, 2**32), got {value!r}")


def as_features(features, name: str = "features", n_features: int | None = None) -> np.ndarray:
    """``features`` as a C-contiguous float32 ``(n_images, n_features)`` array of finite values."""
    try:
        x = np.asarray(features, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric (n_images, n_features) matrix ({exc})") from None
    if x.ndim != 2:
        raise ValueError(f"{name} must be a (n_images, n_features) matrix, got shape {x.shape}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} is empty: shape {x.shape}")
    if n_features is not None and x.shape[1] != n_features:
        raise ValueError(f"{name} have {x.shape[1]} dimensions, the model was fitted on {n_features}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contain NaN or infinite values")
    return np.ascontiguousarray(x)


def as_tag_matrix(
    tag_matrix, n_images: int, n_tags: int | None = None, name: str = "tag_matrix"
) -> sparse.csr_matrix:
    """A boolean or 0/1 ``(n_images, n_tags)`` matrix as a boolean CSR matrix (sorted indices).

    Dense arrays and any ``scipy.sparse`` matrix are accepted; values other than 0 and 1 are an
    error (a count matrix is not a tag matrix).
    """
    if sparse.issparse(tag_matrix):
        m = sparse.csr_matrix(tag_matrix)
        values = m.data
    else:
        m = np.asarray(tag_matrix)
        if m.dtype == object:
            raise ValueError(f"{name} must be a boolean or 0/1 matrix, got dtype object")
        values = m
    if m.ndim != 2:
        raise ValueError(f"{name} must be a (n_images, n_tags) matrix, got shape {m.shape}")
    if m.shape[0] != n_images:
        raise ValueError(f"{name} has {m.shape[0]} rows but features have {n_images} images")
    if n_tags is not None and m.shape[1] != n_tags:
        raise ValueError(f"{name} has {m.shape[1]} tags, expected {n_tags}")
    if m.shape[1] == 0:
        raise ValueError(f"{name} has no tags (shape {m.shape})")
    if values.dtype != bool and not np.isin(values, (0, 1)).all():
        raise ValueError(f"{name} must hold only 0/1 (or booleans), got other values")
    out = sparse.csr_matrix(m, dtype=bool)
    out.eliminate_zeros()
    out.sort_indices()
    return out


def dense_scores(scores) -> np.ndarray:
    """Scores as a C-contiguous float32 array (the methods' output type)."""
    return np.ascontiguousarray(np.asarray(scores, dtype=np.float32))


@dataclass
class FeatureScaler:
    """Per-dimension standardisation, fitted on the training features and frozen afterwards.

    Dimensions that are constant on the training images keep scale 1 (they are only centred).
    The sigmoid towers of DREL and the unit-ball constraints of WSABIE both assume inputs of a
    moderate, comparable scale; raw low-level features span several orders of magnitude.
    """

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, features: np.ndarray, chunk: int = 8192) -> "FeatureScaler":
        """Mean and standard deviation in float64, two passes over row chunks (no full-size copy)."""
        x = np.asarray(features)
        n = x.shape[0]
        mean = sum(x[i : i + chunk].sum(axis=0, dtype=np.float64) for i in range(0, n, chunk)) / n
        var = sum(((x[i : i + chunk] - mean) ** 2).sum(axis=0) for i in range(0, n, chunk)) / n
        std = np.sqrt(var)
        return cls(mean.astype(np.float32), np.where(std > 1e-12, std, 1.0).astype(np.float32))

    @classmethod
    def identity(cls, n_features: int) -> "FeatureScaler":
        return cls(np.zeros(n_features, np.float32), np.ones(n_features, np.float32))

    def transform(self, features: np.ndarray) -> np.ndarray:
        return ((np.asarray(features, dtype=np.float32) - self.mean) / self.scale).astype(np.float32)


def tags_per_row(tags: sparse.csr_matrix) -> np.ndarray:
    """Number of relevant tags of each image (row) of a CSR tag matrix."""
    return np.diff(tags.indptr).astype(np.int64)
