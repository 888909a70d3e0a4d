"""Inputs of the word-vector-space taggers of chapter 04 (Ni et al.): tags over a word vocabulary.

The vocabulary of these models is the rows of a word-vector matrix (GloVe's 400,000 words in the
chapter): a tag is a row index. Each image's tags come either as a list of index sequences (one
per image, the natural form for user-generated tags) or as a boolean ``(n_images, n_words)``
matrix (dense, or ``scipy.sparse`` for a large vocabulary). Both become one boolean CSR matrix,
so that nothing downstream builds a dense ``(n_images, n_words)`` array.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from tagbook.methods.tagging.inputs import as_tag_matrix, tags_per_row


def as_word_vectors(word_vectors, name: str = "word_vectors") -> np.ndarray:
    """``word_vectors`` as a C-contiguous float32 ``(n_words, d)`` array of finite values."""
    try:
        v = np.asarray(word_vectors, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric (n_words, d) matrix ({exc})") from None
    if v.ndim != 2 or v.shape[0] == 0 or v.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty (n_words, d) matrix, got shape {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError(f"{name} contain NaN or infinite values")
    return np.ascontiguousarray(v)


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (all-zero rows stay zero), float32."""
    v = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return np.ascontiguousarray(v / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def as_tag_rows(tags, n_images: int, n_words: int, name: str = "tags") -> sparse.csr_matrix:
    """Each image's tags as a boolean CSR ``(n_images, n_words)`` matrix with sorted indices.

    ``tags`` is either a ``scipy.sparse`` matrix or a 2-D numpy array, read as a 0/1 tag matrix
    of shape ``(n_images, n_words)``, or a list (tuple) of ``n_images`` sequences of word
    indices in ``[0, n_words)``; repeated indices within an image count once.
    """
    if sparse.issparse(tags) or isinstance(tags, np.ndarray):
        return as_tag_matrix(tags, n_images, n_tags=n_words, name=name)
    if isinstance(tags, (str, bytes)) or not isinstance(tags, Sequence):
        raise ValueError(f"{name} must be a tag matrix or a list of word-index sequences, got {type(tags).__name__}")
    if len(tags) != n_images:
        raise ValueError(f"{name} has {len(tags)} images but features have {n_images}")
    parts = []
    for i, t in enumerate(tags):
        a = np.asarray(t).reshape(-1)
        if a.size and not np.issubdtype(a.dtype, np.integer):
            raise ValueError(f"{name}[{i}] must hold integer word indices, got dtype {a.dtype}")
        parts.append(a.astype(np.int64))
    lengths = np.fromiter((p.size for p in parts), dtype=np.int64, count=n_images)
    flat = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    if flat.size and (flat.min() < 0 or flat.max() >= n_words):
        bad = flat[(flat < 0) | (flat >= n_words)][0]
        raise ValueError(f"{name} holds word index {bad}, outside the vocabulary [0, {n_words})")
    rows = np.repeat(np.arange(n_images, dtype=np.int64), lengths)
    m = sparse.csr_matrix((np.ones(flat.size, dtype=bool), (rows, flat)), shape=(n_images, n_words))
    m.sum_duplicates()
    m.data[:] = True
    m.sort_indices()
    return m


def tag_frequencies(tag_rows: sparse.csr_matrix) -> np.ndarray:
    """How many training images carry each word as a tag, ``(n_words,)`` int64."""
    return np.bincount(tag_rows.indices, minlength=tag_rows.shape[1]).astype(np.int64)


def tagged_rows(tag_rows: sparse.csr_matrix) -> np.ndarray:
    """The images with at least one tag (the only ones a tagging loss can learn from)."""
    return np.flatnonzero(tags_per_row(tag_rows) > 0)


def batch_positives(tag_rows: sparse.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (image, tag) pair of the images ``rows``: ``(position in rows, word index)``, int64."""
    rows = np.asarray(rows, dtype=np.int64)
    starts, stops = tag_rows.indptr[rows], tag_rows.indptr[rows + 1]
    counts = (stops - starts).astype(np.int64)
    image = np.repeat(np.arange(rows.size, dtype=np.int64), counts)
    offsets = np.arange(counts.sum(), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return image, tag_rows.indices[np.repeat(starts, counts) + offsets].astype(np.int64)


def pairs_within_images(image: np.ndarray, include_self: bool) -> tuple[np.ndarray, np.ndarray]:
    """All ordered pairs ``(a, b)`` of entries of ``image`` (sorted, as from :func:`batch_positives`)
    that share an image; ``include_self`` keeps ``a == b``. Returns positions into ``image``."""
    image = np.asarray(image, dtype=np.int64)
    if image.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    counts = np.bincount(image)
    starts = np.cumsum(counts) - counts
    a_parts, b_parts = [], []
    # group images by tag count so that each group is one vectorised outer product
    for c in np.unique(counts[counts > 0]):
        firsts = starts[counts == c]
        grid = firsts[:, None] + np.arange(c)[None, :]  # (n_images_with_c_tags, c)
        a = np.repeat(grid, c, axis=1).reshape(-1)
        b = np.tile(grid, (1, c)).reshape(-1)
        a_parts.append(a)
        b_parts.append(b)
    a, b = np.concatenate(a_parts), np.concatenate(b_parts)
    if not include_self:
        keep = a != b
        a, b = a[keep], b[keep]
    return a, b
