"""Label-enhanced zero-shot annotation (Wei, Wang and Li 2017, Sec. 2.3, Eq. 3).

Plain zero-shot (ConSE or HierSE) picks the target labels nearest to the image vector ``phi(x)``,
and neighbours of one point tend to be near-synonyms (window shutter, window). Label-enhanced
zero-shot moves the image vector towards each of its top-``K`` source labels in turn,

    phi_k(x) = theta * phi(x) + (1 - theta) * phi(w_s(x, k)),       k = 1..K                      (Eq. 3)

and selects target labels sequentially: at step ``k`` the not-yet-chosen target label ``w_t`` with
the largest cosine between ``phi(w_t)`` and ``phi_k(x)``.

- ``theta = 1`` is plain zero-shot: every ``phi_k(x) = phi(x)``, so the steps take the nearest,
  second nearest, ... target labels.
- ``theta = 0`` takes, for each predicted source label in order, its nearest target label that is
  not chosen yet; the image vector plays no part.

``phi`` is the base model's: plain word vectors for ConSE, the hierarchical ``phi_hi`` for HierSE
(the same label vectors that built ``phi(x)``). ``phi(x)`` is used as Eq. 1 gives it (not
rescaled), label vectors are unit length. The score matrix puts the ``K`` selected labels first, in
the order they were selected, and the remaining labels after them in the order of their cosine to
``phi(x)`` (plain zero-shot), so any cut-off ``k`` is defined.
"""

from __future__ import annotations

import numpy as np
from tqdm import tqdm

from tagbook.methods.zeroshot.conse import ConSE

__all__ = ["LabelEnhancedZeroShot"]


class LabelEnhancedZeroShot:
    """Eq. 3 and the sequential selection, on top of a fitted :class:`ConSE` or :class:`HierSE`."""

    def __init__(self, base: ConSE, theta: float = 0.5):
        if not isinstance(base, ConSE):
            raise TypeError(f"base must be a ConSE or HierSE model, got {type(base).__name__}")
        theta = float(theta)
        if not (0.0 <= theta <= 1.0) or np.isnan(theta):
            raise ValueError(f"theta must be in [0, 1], got {theta!r}")
        self.base = base
        self.theta = theta

    def fit(self, *args, **kwargs) -> "LabelEnhancedZeroShot":
        """Fit the base model's label embeddings (same arguments as its ``fit``)."""
        self.base.fit(*args, **kwargs)
        return self

    def select(self, probs: np.ndarray, batch_size: int = 512, progress: bool = False) -> np.ndarray:
        """``(n_images, K)`` target label indices in the order they were selected."""
        probs = self.base._check_probs(probs)
        chunks = range(0, len(probs), batch_size)
        out = [self._select_batch(probs[i : i + batch_size]) for i in tqdm(chunks, desc="label-enhanced", disable=not progress)]
        return np.concatenate(out) if out else np.zeros((0, self.base.k), dtype=np.int64)

    def _select_batch(self, probs: np.ndarray) -> np.ndarray:
        base = self.base
        image = base.embed_images(probs)  # phi(x), (n, d)
        idx, _ = base.top_source_labels(probs)  # w_s(x, k), (n, K)
        targets_t = base.target_vectors_t  # (dim, n_target), contiguous
        n, k_steps = idx.shape
        n_free = int(base.target_has_vector.sum())
        k_steps = min(k_steps, n_free)
        available = np.broadcast_to(base.target_has_vector, (n, targets_t.shape[1])).copy()
        chosen = np.zeros((n, k_steps), dtype=np.int64)
        rows = np.arange(n)
        for k in range(k_steps):
            phi_k = self.theta * image + (1.0 - self.theta) * base.source_vectors[idx[:, k]]  # Eq. 3
            norms = np.linalg.norm(phi_k, axis=1, keepdims=True)
            phi_k = np.divide(phi_k, norms, out=np.zeros_like(phi_k), where=norms > 0)
            cosine = phi_k @ targets_t
            cosine[~available] = -np.inf
            best = np.argmax(cosine, axis=1)  # the first maximum: ties go to the lower label index
            chosen[:, k] = best
            available[rows, best] = False
        return chosen

    def score(self, probs: np.ndarray, batch_size: int = 512, progress: bool = False) -> np.ndarray:
        """``(n_images, n_target)`` scores: the selected labels first, in selection order."""
        chosen = self.select(probs, batch_size=batch_size, progress=progress)
        scores = self.base.score(probs)  # cosine in [-1, 1] (or -inf): the order after the selection
        k_steps = chosen.shape[1]
        rank_scores = 2.0 + np.arange(k_steps, 0, -1, dtype=np.float64)  # > any cosine, best first
        np.put_along_axis(scores, chosen, np.broadcast_to(rank_scores, chosen.shape), axis=1)
        return scores
