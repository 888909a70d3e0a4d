"""Scoring shared by the word-vector-space taggers of chapter 04: tagging and retrieval by dot
product between image points and word vectors, chunked for a 400,000-word vocabulary.

A model provides :meth:`WordSpaceScorer.image_vectors` (its image points, ``(n_images, d)``) and
:meth:`WordSpaceScorer.scoring_word_vectors` (its word table, ``(n_words, d)``). Then

- :meth:`~WordSpaceScorer.top_k` tags images with their ``k`` best words through
  :func:`tagbook.ranking.top_k_scores` (only ``(n_images, chunk_size)`` scores exist at a time);
- :meth:`~WordSpaceScorer.retrieve` finds the ``k`` best images of query words (the same
  function, with images as the "labels");
- :meth:`~WordSpaceScorer.score` gives the dense ``(n_images, n_labels)`` matrix, for a small
  label set only.
"""

from __future__ import annotations

import numpy as np

from tagbook.ranking import top_k_scores

DENSE_SCORE_LIMIT = 50_000_000  # entries of a dense score matrix; above it use top_k


def as_word_indices(words, n_words: int, name: str = "labels") -> np.ndarray:
    """Word indices as a 1-D int64 array, each in ``[0, n_words)``."""
    idx = np.asarray(words)
    if idx.ndim == 0:
        idx = idx.reshape(1)
    if idx.ndim != 1 or (idx.size and not np.issubdtype(idx.dtype, np.integer)):
        raise ValueError(f"{name} must be a 1-D sequence of integer word indices, got {idx!r:.80}")
    idx = idx.astype(np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= n_words):
        bad = idx[(idx < 0) | (idx >= n_words)][0]
        raise ValueError(f"{name} holds word index {bad}, outside the vocabulary [0, {n_words})")
    return idx


class WordSpaceScorer:
    """Tagging and retrieval for a model with image points and a word table (see the module)."""

    def image_vectors(self, features) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def scoring_word_vectors(self) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _label_table(self, labels) -> tuple[np.ndarray, np.ndarray | None]:
        table = self.scoring_word_vectors()
        if labels is None:
            return table, None
        idx = as_word_indices(labels, table.shape[0])
        return table[idx], idx

    def score(self, features, labels=None, max_entries: int = DENSE_SCORE_LIMIT) -> np.ndarray:
        """Dense scores ``(n_images, n_labels)`` float32 of the words ``labels`` (default: all).

        Refuses more than ``max_entries`` scores: for a large vocabulary use :meth:`top_k`."""
        table, _ = self._label_table(labels)
        points = self.image_vectors(features)
        if points.shape[0] * table.shape[0] > max_entries:
            raise ValueError(
                f"a dense score matrix of {points.shape[0]} images x {table.shape[0]} words exceeds "
                f"max_entries={max_entries}; use top_k() (chunked) or pass fewer labels"
            )
        return np.ascontiguousarray(points @ table.T, dtype=np.float32)

    def top_k(self, features, k: int = 5, chunk_size: int = 8192, labels=None, exclude=None) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best words of each image, ``(indices, scores)`` each ``(n_images, k)``, best first.

        ``labels`` restricts the candidates to these word indices (an unseen-label set, say);
        returned indices are word indices either way. ``exclude`` is a boolean mask over the
        candidates, as in :func:`tagbook.ranking.top_k_scores`."""
        table, idx = self._label_table(labels)
        points = self.image_vectors(features)
        found, scores = top_k_scores(points, table, k, chunk_size=chunk_size, exclude=exclude)
        if idx is not None:
            found = np.where(found >= 0, idx[np.maximum(found, 0)], -1)
        return found, scores

    def retrieve(self, words, features, k: int = 6, chunk_size: int = 8192) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best images of each query word: ``(image indices, scores)``, each ``(n_words, k)``."""
        table, _ = self._label_table(words)
        points = self.image_vectors(features)
        return top_k_scores(table, points, k, chunk_size=chunk_size)
