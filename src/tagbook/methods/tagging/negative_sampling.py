"""Positive and negative tag samples for the sampled objectives of Ni et al. (Sec. 2.2, 3.3).

**Positives.** Each image gets a fixed number ``P`` of its own tags, drawn uniformly, since the
paper assumes nothing about tag order: ``P`` distinct tags when it has at least ``P``; otherwise
each of its tags once and the remaining slots drawn uniformly from its tags with replacement
("for any image with fewer than P tags, we sample with replacement to reach our threshold").

**Negatives.** ``N`` words per image that are *not* among its tags, from the tag distribution of
the training corpus. Three samplers share one interface, ``start_epoch(rng)`` then
``sample(index, rows, n, rng) -> (len(rows), n)`` word indices:

- :class:`FrequencyNegativeSampler`: the training tag-frequency distribution itself,
  :math:`p(w) \\propto \\mathrm{freq}(w)^{\\gamma}` with :math:`\\gamma = 1` (raw frequency, the
  paper's and its released code's choice; word2vec's unigram :math:`\\gamma = 0.75` is the
  parameter ``power``). Words never used as a tag have probability zero. Draws are inverse-CDF
  look-ups (a binary search over the cumulative distribution, ``O(log V)`` a draw, vectorised
  over the batch), and the image's own tags are rejected and redrawn.
- :class:`PooledNegativeSampler`: the first fast scheme of Sec. 3.3, "pre-sampling at each epoch":
  once per epoch a pool of ``pool_size`` words is drawn from the distribution above, and every
  step draws from the pool uniformly. A word frequent in the corpus is frequent in the pool, and
  a small pool repeats its words (the bias the paper warns of).
- :class:`AdjacentImageNegativeSampler`: the second scheme, "using the metadata from an adjacent
  image in the batch": image ``b`` of a batch takes its negatives uniformly from the tags of image
  ``b + 1`` (cyclically), skipping tags it shares. Batches are random, so the neighbour's tags
  are a random draw from the corpus: a tag's chance is the mean over images of
  ``[tag in image] / (number of tags of the image)``, close to (not exactly) the raw frequency.
  Where the neighbour has no usable tag the next image is tried, then the frequency sampler.

The paper's profile spent 60% of the time sampling over 432k words before these schemes; with
inverse-CDF draws the plain frequency sampler is already cheap, and the two schemes are kept for
the comparison.
"""

from __future__ import annotations

import numpy as np

from tagbook.methods.tagging.inputs import check_non_negative, check_positive_int
from tagbook.methods.tagging.sampling import TagIndex

NEGATIVE_SCHEMES = ("frequency", "pool", "adjacent")
_REJECTION_ROUNDS = 32  # redraws before the few rows left are drawn exactly


def sample_positives(index: TagIndex, rows: np.ndarray, n_positive: int, rng: np.random.Generator) -> np.ndarray:
    """``n_positive`` tags of each image of ``rows``, ``(len(rows), n_positive)`` int64 (see the
    module docstring: distinct when the image has enough, all of them plus uniform repeats when not)."""
    check_positive_int(n_positive, "n_positive")
    rows = np.asarray(rows, dtype=np.int64)
    counts = index.n_relevant[rows]
    if (counts == 0).any():
        raise ValueError(f"image {int(rows[np.argmax(counts == 0)])} has no tag to sample as a positive")
    starts = index.tags.indptr[rows]
    width = int(counts.max())
    # a uniform random order of each image's tags: random keys, padding slots sort last
    keys = rng.random((rows.size, width))
    keys[np.arange(width)[None, :] >= counts[:, None]] = np.inf
    order = np.argsort(keys, axis=1)[:, :n_positive]
    if order.shape[1] < n_positive:
        order = np.pad(order, ((0, 0), (0, n_positive - order.shape[1])))
    repeats = np.minimum((rng.random((rows.size, n_positive)) * counts[:, None]).astype(np.int64), counts[:, None] - 1)
    slot = np.arange(n_positive)[None, :]
    offsets = np.where(slot < counts[:, None], order, repeats)
    return index.tags.indices[starts[:, None] + offsets].astype(np.int64)


def sampling_distribution(frequencies: np.ndarray, power: float = 1.0) -> np.ndarray:
    """:math:`p(w) \\propto \\mathrm{freq}(w)^{\\gamma}` over the vocabulary (zero where the frequency is)."""
    freq = np.asarray(frequencies, dtype=np.float64)
    if freq.ndim != 1 or freq.size == 0:
        raise ValueError(f"frequencies must be a non-empty 1-D array, got shape {freq.shape}")
    if (freq < 0).any() or not np.isfinite(freq).all():
        raise ValueError("frequencies must be finite and >= 0")
    check_non_negative(power, "power")
    weights = np.where(freq > 0, np.power(np.maximum(freq, 1e-300), power), 0.0)
    total = weights.sum()
    if total <= 0:
        raise ValueError("frequencies are all zero: no word was ever used as a tag, nothing to sample")
    return weights / total


class FrequencyNegativeSampler:
    """Negatives from the training tag-frequency distribution, the image's own tags excluded."""

    def __init__(self, frequencies: np.ndarray, power: float = 1.0):
        self.probabilities = sampling_distribution(frequencies, power)
        self.power = float(power)
        self._cdf = np.cumsum(self.probabilities)
        self._cdf[-1] = 1.0  # guard against rounding: every u in [0, 1) finds a word

    @property
    def n_words(self) -> int:
        return self.probabilities.size

    def start_epoch(self, rng: np.random.Generator) -> None:
        """Nothing to prepare (the pooled sampler redraws its pool here)."""

    def draw(self, shape, rng: np.random.Generator) -> np.ndarray:
        """Words from the distribution, own tags not excluded, int64 array of ``shape``."""
        out = np.searchsorted(self._cdf, rng.random(shape), side="right")
        return np.minimum(out, self.n_words - 1).astype(np.int64)

    def sample(self, index: TagIndex, rows: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` negatives for each image of ``rows``, ``(len(rows), n)`` int64, own tags excluded."""
        check_positive_int(n, "n_negative")
        rows = np.asarray(rows, dtype=np.int64)
        out = self.draw((rows.size, n), rng)
        return self.redraw_own(index, rows, out, lambda k: self.draw(k, rng), rng)

    def redraw_own(self, index: TagIndex, rows: np.ndarray, out: np.ndarray, draw, rng: np.random.Generator) -> np.ndarray:
        """Replace, in place, every entry of ``out`` that is one of its image's own tags by a fresh
        ``draw(k)``; after a few rounds the rows still left are drawn exactly from the distribution
        restricted to words that are not their tags."""
        flat, rep = out.reshape(-1), np.repeat(rows, out.shape[1])  # flat is a view of out
        todo = np.flatnonzero(index.is_relevant(rep, flat))
        for _ in range(_REJECTION_ROUNDS):
            if todo.size == 0:
                return out
            flat[todo] = draw(todo.size)
            todo = todo[index.is_relevant(rep[todo], flat[todo])]
        for i in todo:  # an image whose tags hold nearly all the probability mass
            flat[i] = self.exact_draw(index, int(rep[i]), rng)
        return out

    def exact_draw(self, index: TagIndex, row: int, rng: np.random.Generator) -> int:
        """One word from the distribution restricted to the words that are not tags of ``row``."""
        own = index.tags.indices[index.tags.indptr[row] : index.tags.indptr[row + 1]]
        p = self.probabilities.copy()
        p[own] = 0.0
        if p.sum() <= 0:
            raise ValueError(
                f"image {row} carries every word of nonzero tag frequency: no negative can be drawn for it"
            )
        return int(rng.choice(p.size, p=p / p.sum()))


class PooledNegativeSampler(FrequencyNegativeSampler):
    """Sec. 3.3, scheme 1: a pool drawn from the frequency distribution once per epoch, then
    uniform draws from the pool (own tags rejected; the pool redrawn from on rejection)."""

    def __init__(self, frequencies: np.ndarray, power: float = 1.0, pool_size: int = 100_000):
        super().__init__(frequencies, power)
        check_positive_int(pool_size, "pool_size")
        self.pool_size = int(pool_size)
        self.pool: np.ndarray | None = None

    def start_epoch(self, rng: np.random.Generator) -> None:
        self.pool = self.draw(self.pool_size, rng)

    def draw_from_pool(self, shape, rng: np.random.Generator) -> np.ndarray:
        if self.pool is None:
            raise RuntimeError("the pool is empty: call start_epoch(rng) before sample()")
        return self.pool[rng.integers(0, self.pool.size, size=shape)]

    def sample(self, index: TagIndex, rows: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        check_positive_int(n, "n_negative")
        rows = np.asarray(rows, dtype=np.int64)
        out = self.draw_from_pool((rows.size, n), rng)
        return self.redraw_own(index, rows, out, lambda k: self.draw_from_pool(k, rng), rng)


class AdjacentImageNegativeSampler(FrequencyNegativeSampler):
    """Sec. 3.3, scheme 2: negatives drawn from the tags of the next image of the batch."""

    def __init__(self, frequencies: np.ndarray, power: float = 1.0, max_shift: int = 4):
        super().__init__(frequencies, power)
        check_positive_int(max_shift, "max_shift")
        self.max_shift = int(max_shift)

    def sample(self, index: TagIndex, rows: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        check_positive_int(n, "n_negative")
        rows = np.asarray(rows, dtype=np.int64)
        b = rows.size
        out = np.full((b, n), -1, dtype=np.int64)
        own = np.repeat(rows, n)
        flat = out.reshape(-1)
        todo = np.arange(b * n)
        for shift in range(1, min(self.max_shift, b - 1) + 1):
            neighbour = rows[(np.arange(b) + shift) % b]
            counts = index.n_relevant[neighbour]
            starts = index.tags.indptr[neighbour]
            for _ in range(_REJECTION_ROUNDS // 4):
                if todo.size == 0:
                    return out
                img = todo // n
                usable = counts[img] > 0
                offset = (rng.random(todo.size) * np.maximum(counts[img], 1)).astype(np.int64)
                cand = np.where(usable, index.tags.indices[np.minimum(starts[img] + offset, index.tags.indices.size - 1)], -1)
                ok = usable & ~index.is_relevant(own[todo], np.maximum(cand, 0))
                flat[todo[ok]] = cand[ok]
                todo = todo[~ok]
        if todo.size:  # neighbours exhausted (or a batch of one): the corpus distribution
            flat[todo] = self.draw(todo.size, rng)
            rest = todo[index.is_relevant(own[todo], flat[todo])]
            if rest.size:
                sub = flat[rest].reshape(-1, 1)
                flat[rest] = self.redraw_own(index, own[rest], sub, lambda k: self.draw(k, rng), rng).reshape(-1)
        return out


def make_negative_sampler(
    scheme: str, frequencies: np.ndarray, power: float = 1.0, pool_size: int = 100_000
) -> FrequencyNegativeSampler:
    """The sampler named ``scheme`` (one of :data:`NEGATIVE_SCHEMES`)."""
    if scheme == "frequency":
        return FrequencyNegativeSampler(frequencies, power)
    if scheme == "pool":
        return PooledNegativeSampler(frequencies, power, pool_size)
    if scheme == "adjacent":
        return AdjacentImageNegativeSampler(frequencies, power)
    raise ValueError(f"negatives must be one of {NEGATIVE_SCHEMES}, got {scheme!r}")
