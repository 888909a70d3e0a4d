"""Drawing relevant and irrelevant tags of images, vectorised over many images at once.

:class:`TagIndex` wraps a boolean CSR tag matrix: membership tests ``is_relevant(rows, tags)``
by binary search over the flattened ``row * n_tags + tag`` keys, and uniform draws of a relevant
or an irrelevant tag of each of many images (irrelevant ones by rejection: uniform over all
tags, redrawn where relevant, which is uniform over the irrelevant tags).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from tagbook.methods.tagging.inputs import tags_per_row

_REJECTION_ROUNDS = 32  # then the few rows left (nearly every tag relevant) are drawn exactly


class TagIndex:
    """Relevant-tag lookups and draws over a boolean CSR ``(n_images, n_tags)`` tag matrix."""

    def __init__(self, tags: sparse.csr_matrix):
        if not sparse.issparse(tags):
            raise TypeError("TagIndex needs a scipy.sparse CSR tag matrix (see inputs.as_tag_matrix)")
        self.tags = sparse.csr_matrix(tags, dtype=bool)
        self.tags.sort_indices()
        self.n_images, self.n_tags = self.tags.shape
        self.n_relevant = tags_per_row(self.tags)
        self.n_irrelevant = self.n_tags - self.n_relevant
        rows = np.repeat(np.arange(self.n_images, dtype=np.int64), self.n_relevant)
        self._keys = rows * self.n_tags + self.tags.indices.astype(np.int64)  # sorted ascending

    def is_relevant(self, rows: np.ndarray, tags: np.ndarray) -> np.ndarray:
        """Boolean array (the broadcast shape of ``rows`` and ``tags``): is ``tags`` relevant to ``rows``?"""
        keys = np.asarray(rows, dtype=np.int64) * self.n_tags + np.asarray(tags, dtype=np.int64)
        if self._keys.size == 0:
            return np.zeros(keys.shape, dtype=bool)
        pos = np.searchsorted(self._keys, keys)
        return self._keys[np.minimum(pos, self._keys.size - 1)] == keys

    def trainable_rows(self) -> np.ndarray:
        """Images with at least one relevant and one irrelevant tag (the only ones a ranking loss can use)."""
        return np.flatnonzero((self.n_relevant > 0) & (self.n_irrelevant > 0))

    def positive_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """All (image, relevant tag) pairs of images that also have an irrelevant tag."""
        rows = np.repeat(np.arange(self.n_images, dtype=np.int64), self.n_relevant)
        tags = self.tags.indices.astype(np.int64)
        keep = self.n_irrelevant[rows] > 0
        return rows[keep], tags[keep]

    def sample_relevant(self, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One relevant tag of each of ``rows``, uniformly (every row must have one)."""
        rows = np.asarray(rows, dtype=np.int64)
        counts = self.n_relevant[rows]
        if (counts == 0).any():
            raise ValueError("sample_relevant: some images have no relevant tag")
        offset = np.minimum((rng.random(rows.shape) * counts).astype(np.int64), counts - 1)
        return self.tags.indices[self.tags.indptr[rows] + offset].astype(np.int64)

    def sample_irrelevant(self, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One irrelevant tag of each of ``rows``, uniformly (every row must have one)."""
        rows = np.asarray(rows, dtype=np.int64)
        if (self.n_irrelevant[rows] == 0).any():
            raise ValueError("sample_irrelevant: some images have every tag relevant")
        out = rng.integers(0, self.n_tags, size=rows.shape)
        todo = np.flatnonzero(self.is_relevant(rows, out))
        for _ in range(_REJECTION_ROUNDS):
            if todo.size == 0:
                return out
            out[todo] = rng.integers(0, self.n_tags, size=todo.size)
            todo = todo[self.is_relevant(rows[todo], out[todo])]
        for i in todo:  # rows with very few irrelevant tags: draw among them exactly
            relevant = self.tags.indices[self.tags.indptr[rows[i]] : self.tags.indptr[rows[i] + 1]]
            out[i] = rng.choice(np.setdiff1d(np.arange(self.n_tags), relevant))
        return out


def sample_triplets(
    index: TagIndex, per_image: int, rng: np.random.Generator, rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``per_image`` triplets (image, relevant tag, irrelevant tag) for each trainable image.

    Both tags are drawn uniformly and independently for every triplet (with replacement), so an
    image with few tags repeats its relevant tags. ``rows`` restricts the draw to these images
    (default: every image with a relevant and an irrelevant tag). Returns three int64 arrays of
    length ``len(rows) * per_image``, image-major.
    """
    rows = index.trainable_rows() if rows is None else np.asarray(rows, dtype=np.int64)
    images = np.repeat(rows, per_image)
    return images, index.sample_relevant(images, rng), index.sample_irrelevant(images, rng)
