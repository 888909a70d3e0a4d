"""The WARP loss (Weighted Approximate-Rank Pairwise; Weston, Bengio and Usunier 2011), vectorised.

For an image ``x`` with a relevant tag ``y`` and ``n⁻`` irrelevant tags, WARP draws irrelevant
tags ``ȳ`` uniformly, one at a time, until one violates the margin, ``1 + f_ȳ(x) > f_y(x)``, or
``n⁻`` draws have been made. With ``N`` the number of draws up to and including the violator, the
rank of ``y`` among the irrelevant tags is estimated as ``⌊n⁻ / N⌋`` and the pair's loss is

.. math::

    L\\big(\\lfloor n^- / N \\rfloor\\big)\\, \\max\\big(0,\\; 1 - f_y(x) + f_{\\bar y}(x)\\big),
    \\qquad L(k) = \\sum_{j=1}^{k} \\frac{1}{j}.

(Weston et al. write the single-label case: ``Y`` labels, so ``Y - 1`` negatives, at most
``Y - 1`` draws and the estimate ``⌊(Y - 1) / N⌋``; ``n⁻`` here is their ``Y - 1``.) A pair
without a violator within its ``n⁻`` draws costs nothing.

Three slips of public copies are avoided and tested: the weight is ``Σ 1/j`` (not
``Σ 1/j + 1``), the estimate uses integer floor division of integers, and ``N`` counts from 1
(the first draw violating gives ``⌊n⁻ / 1⌋ = n⁻``, never a division by zero).

Vectorised over a batch of pairs: every unresolved pair draws a block of candidate tags at once;
candidates that are relevant to the image are rejected (not counted as draws, which makes the
accepted ones uniform over the irrelevant tags); the first violator within the pair's draw
budget ends its search; pairs still unresolved draw another block, twice as large (a pair whose
relevant tag already ranks first may need all ``n⁻`` draws). The outcome is the sequential one:
scores computed for candidates after the violator are simply not used.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from tagbook.methods.tagging.sampling import TagIndex

_MAX_BLOCK = 1024  # the block doubles each round for pairs still searching, up to this


def harmonic_numbers(n: int) -> np.ndarray:
    """``H[k] = Σ_{j=1..k} 1/j`` for ``k = 0..n`` (``H[0] = 0``), float64."""
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be an int >= 0, got {n!r}")
    return np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, int(n) + 1, dtype=np.float64))])


def rank_estimate(n_irrelevant: np.ndarray, n_draws: np.ndarray) -> np.ndarray:
    """``⌊n⁻ / N⌋`` in integers; ``N`` (draws up to the violator, counted from 1) must be >= 1."""
    n_irrelevant = np.asarray(n_irrelevant, dtype=np.int64)
    n_draws = np.asarray(n_draws, dtype=np.int64)
    if (n_draws < 1).any():
        raise ValueError("n_draws must be >= 1: the draw count starts at 1 with the first draw")
    return n_irrelevant // n_draws


def first_violators(
    positive_scores: np.ndarray,
    candidate_scores: np.ndarray,
    usable: np.ndarray,
    draws_before: np.ndarray,
    max_draws: np.ndarray,
    margin: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """The first margin violator in one block of candidates per pair.

    ``positive_scores (P,)``: ``f_y(x)`` of each pair. ``candidate_scores (P, b)``: scores of the
    block's candidates; ``usable (P, b)``: whether each candidate is an irrelevant tag (a draw
    that counts). ``draws_before (P,)``: draws already made for the pair; ``max_draws (P,)``:
    its budget ``n⁻``. Returns ``(position, n_draws)``: the column of the first violator (``-1``
    where none) and the draw count ``N`` at it (where none: the draws made so far, capped at the
    budget).
    """
    usable = np.asarray(usable, dtype=bool)
    counts = np.asarray(draws_before, dtype=np.int64)[:, None] + np.cumsum(usable, axis=1)
    in_budget = usable & (counts <= np.asarray(max_draws, dtype=np.int64)[:, None])
    violates = in_budget & (margin + np.asarray(candidate_scores) > np.asarray(positive_scores)[:, None])
    found = violates.any(axis=1)
    position = np.where(found, violates.argmax(axis=1), -1)
    at = np.take_along_axis(counts, np.maximum(position, 0)[:, None], axis=1)[:, 0]
    n_draws = np.where(found, at, np.minimum(counts[:, -1], max_draws))
    return position, n_draws


def sample_warp_negatives(
    rows: np.ndarray,
    positive_scores: np.ndarray,
    score_candidates: Callable[[np.ndarray, np.ndarray], np.ndarray],
    index: TagIndex,
    rng: np.random.Generator,
    block_size: int = 16,
    margin: float = 1.0,
    draw: Callable[[np.ndarray, int], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """WARP's negative search for a batch of (image ``rows[p]``, relevant tag) pairs.

    ``score_candidates(pairs, candidates (p, b)) -> (p, b)`` scores candidate tags for the pairs
    with batch positions ``pairs``. ``draw(pairs, b) -> (p, b)`` draws candidate tags (default:
    uniform over all tags from ``rng``; relevant ones are rejected afterwards). ``block_size``
    candidates are drawn per pair in the first round, twice as many in each further one (at most
    1024, or ``block_size`` if larger). Returns
    ``(negatives, n_draws)``: the violating tag of each pair (``-1`` where none was found within
    its ``n⁻`` draws, or the image has no irrelevant tag) and the draw count ``N`` (0 for an image
    without irrelevant tags).
    """
    rows = np.asarray(rows, dtype=np.int64)
    positive_scores = np.asarray(positive_scores)
    n_pairs = rows.size
    budget = index.n_irrelevant[rows]
    negatives = np.full(n_pairs, -1, dtype=np.int64)
    n_draws = np.zeros(n_pairs, dtype=np.int64)
    if draw is None:
        def draw(pairs: np.ndarray, size: int) -> np.ndarray:
            return rng.integers(0, index.n_tags, size=(pairs.size, size))
    active = np.flatnonzero(budget > 0)
    size = int(block_size)
    while active.size:
        candidates = np.asarray(draw(active, size), dtype=np.int64)
        usable = ~index.is_relevant(rows[active, None], candidates)
        scores = np.asarray(score_candidates(active, candidates))
        position, counted = first_violators(
            positive_scores[active], scores, usable, n_draws[active], budget[active], margin
        )
        found = position >= 0
        n_draws[active] = counted
        negatives[active[found]] = candidates[found, position[found]]
        active = active[~found & (counted < budget[active])]
        size = min(2 * size, max(int(block_size), _MAX_BLOCK))  # the few pairs left: larger blocks
    return negatives, n_draws


def warp_weights(negatives: np.ndarray, n_draws: np.ndarray, n_irrelevant: np.ndarray,
                 harmonic: np.ndarray) -> np.ndarray:
    """``L(⌊n⁻ / N⌋)`` where a violator was found, 0 elsewhere (float32)."""
    found = np.asarray(negatives) >= 0
    weights = np.zeros(found.shape, dtype=np.float32)
    if found.any():
        ranks = rank_estimate(np.asarray(n_irrelevant)[found], np.asarray(n_draws)[found])
        weights[found] = harmonic[ranks]
    return weights
