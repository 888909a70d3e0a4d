"""ConSE: zero-shot annotation by a convex combination of semantic embeddings (Norouzi et al. 2014).

Used cross-lingually as in Wei, Wang and Li (2017), Sec. 2.3: the source model predicts English
labels, the bilingual word space places English and Chinese (or any target-language) words in one
space, and the image is embedded as the probability-weighted mean of its top-``K`` English labels,

    phi(x) = 1/Z * sum_{k=1..K} p(w_s(x, k) | x) * phi(w_s(x, k)),   Z = sum_{k=1..K} p(w_s(x, k) | x)   (Eq. 1)

where ``w_s(x, k)`` is the ``k``-th most probable source label. A target label ``w_t`` is scored by
the cosine similarity of ``phi(w_t)`` and ``phi(x)``.

Choices the paper leaves open, made here and stated:
- Label vectors are L2-normalised when they are given (so each label weighs by its probability
  only, not by the length of its word vector); ``phi(x)`` itself is left as Eq. 1 makes it.
- Only source labels that have a vector take part: the top-``K`` are the ``K`` most probable
  *embeddable* labels (the paper embeds 834 of ResNet-152's 1,000 labels). A missing vector is a
  row of NaN (or all zeros).
- Target labels without a vector get the score ``-inf`` (they are never predicted).
- If the top-``K`` probabilities of an image sum to zero, its labels are weighted equally.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tagbook.ranking import top_k

__all__ = ["ZeroShotConfig", "ConSE", "normalise_label_vectors", "cosine_scores"]


@dataclass(frozen=True)
class ZeroShotConfig:
    """``k``: the number ``K`` of most probable source labels combined in Eq. 1."""

    k: int = 10

    def __post_init__(self) -> None:
        if not isinstance(self.k, (int, np.integer)) or isinstance(self.k, bool) or self.k < 1:
            raise ValueError(f"k (the number of source labels in Eq. 1) must be a positive int, got {self.k!r}")


def normalise_label_vectors(vectors: np.ndarray, name: str = "label vectors") -> tuple[np.ndarray, np.ndarray]:
    """Unit-length rows and a mask of the rows that have a vector (finite and non-zero).

    Rows without a vector come back as zeros.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2:
        raise ValueError(f"{name} must be a (n_labels, dim) matrix, got shape {vectors.shape}")
    finite = np.isfinite(vectors).all(axis=1)
    safe = np.where(finite[:, None], vectors, 0.0)
    norms = np.linalg.norm(safe, axis=1)
    has_vector = finite & (norms > 0)
    out = np.zeros_like(safe)
    out[has_vector] = safe[has_vector] / norms[has_vector, None]
    return out, has_vector


def cosine_scores(image_vectors: np.ndarray, unit_label_vectors_t: np.ndarray, has_vector: np.ndarray) -> np.ndarray:
    """``(n_images, n_labels)`` cosine similarities; labels without a vector score ``-inf``.

    ``unit_label_vectors_t`` is the ``(dim, n_labels)`` transposed, C-contiguous matrix of unit
    label vectors (a one-row product with a transposed view is far slower in BLAS). An image vector
    of length zero scores 0 against every label.
    """
    norms = np.linalg.norm(image_vectors, axis=1, keepdims=True)
    unit_images = np.divide(image_vectors, norms, out=np.zeros_like(image_vectors), where=norms > 0)
    scores = unit_images @ unit_label_vectors_t
    scores[:, ~has_vector] = -np.inf
    return scores


class ConSE:
    """ConSE zero-shot annotation across languages (Eq. 1 of Wei et al. 2017).

    ``fit(source_vectors, target_vectors)`` stores the label embeddings (rows are labels, in the
    order of the source model's outputs and of the target vocabulary); nothing is learned.
    ``score(probs)`` takes the source model's ``(n_images, n_source)`` probabilities and returns
    ``(n_images, n_target)`` cosine scores.
    """

    def __init__(self, config: ZeroShotConfig | None = None):
        self.config = config or ZeroShotConfig()
        self.source_vectors: np.ndarray | None = None
        self.target_vectors: np.ndarray | None = None

    # ---- fitting: the label side --------------------------------------------------------------
    def fit(self, source_vectors: np.ndarray, target_vectors: np.ndarray) -> "ConSE":
        self.source_vectors, self.source_has_vector = normalise_label_vectors(source_vectors, "source label vectors")
        self.target_vectors, self.target_has_vector = normalise_label_vectors(target_vectors, "target label vectors")
        self.target_vectors_t = np.ascontiguousarray(self.target_vectors.T)
        if self.source_vectors.shape[1] != self.target_vectors.shape[1]:
            raise ValueError(
                f"source and target label vectors must live in one space: dimensions "
                f"{self.source_vectors.shape[1]} and {self.target_vectors.shape[1]} differ"
            )
        if not self.source_has_vector.any():
            raise ValueError("no source label has a vector in the bilingual space")
        return self

    def with_source(self, source_vectors: np.ndarray) -> "ConSE":
        """A copy with other source label vectors and this model's (already prepared) target side."""
        self._check_fitted()
        other = type(self).__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.source_vectors, other.source_has_vector = normalise_label_vectors(source_vectors, "source label vectors")
        if other.source_vectors.shape[1] != self.target_vectors.shape[1]:
            raise ValueError("source vectors must have the dimension of the target vectors")
        if not other.source_has_vector.any():
            raise ValueError("no source label has a vector in the bilingual space")
        return other

    def _check_fitted(self) -> None:
        if self.source_vectors is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(...) first")

    @property
    def k(self) -> int:
        self._check_fitted()
        return int(min(self.config.k, self.source_has_vector.sum()))

    # ---- the image side -----------------------------------------------------------------------
    def _check_probs(self, probs: np.ndarray) -> np.ndarray:
        self._check_fitted()
        probs = np.asarray(probs, dtype=np.float64)
        if probs.ndim == 1:
            probs = probs[None, :]
        if probs.ndim != 2 or probs.shape[1] != len(self.source_vectors):
            raise ValueError(
                f"probs must be (n_images, {len(self.source_vectors)}) source-label probabilities, got shape {probs.shape}"
            )
        if not np.isfinite(probs).all() or (probs < 0).any():
            raise ValueError("probs must be finite and non-negative")
        return probs

    def top_source_labels(self, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ``K`` most probable embeddable source labels per image, best first: ``(indices, probabilities)``."""
        probs = self._check_probs(probs)
        masked = np.where(self.source_has_vector[None, :], probs, -np.inf)
        idx = top_k(masked, self.k)
        return idx, np.take_along_axis(probs, idx, axis=1)

    def embed_images(self, probs: np.ndarray) -> np.ndarray:
        """``phi(x)`` of Eq. 1, ``(n_images, dim)``."""
        idx, p = self.top_source_labels(probs)
        z = p.sum(axis=1, keepdims=True)
        weights = np.divide(p, z, out=np.full_like(p, 1.0 / p.shape[1]), where=z > 0)
        return np.einsum("nk,nkd->nd", weights, self.source_vectors[idx])

    def score(self, probs: np.ndarray) -> np.ndarray:
        """Cosine of ``phi(x)`` and every target label, ``(n_images, n_target)``."""
        return cosine_scores(self.embed_images(probs), self.target_vectors_t, self.target_has_vector)
