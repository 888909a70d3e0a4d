"""Positive and negative tag sampling (Ni et al. Sec. 2.2 and 3.3): own tags excluded, the
frequency distribution followed, the two fast schemes, vectorised and deterministic."""

import numpy as np
import pytest

from tagbook.methods.tagging.negative_sampling import (
    AdjacentImageNegativeSampler,
    FrequencyNegativeSampler,
    PooledNegativeSampler,
    make_negative_sampler,
    sample_positives,
    sampling_distribution,
)
from tagbook.methods.tagging.sampled_inputs import as_tag_rows, tag_frequencies
from tagbook.methods.tagging.sampling import TagIndex

N_WORDS = 50


@pytest.fixture(scope="module")
def corpus():
    """300 images, Zipf-like tag use over 40 of the 50 words (10 are never tags)."""
    rng = np.random.default_rng(0)
    popularity = 1.0 / np.arange(1, 41)
    popularity /= popularity.sum()
    tags = [rng.choice(40, size=rng.integers(1, 8), replace=False, p=popularity) for _ in range(300)]
    rows = as_tag_rows(tags, 300, N_WORDS)
    return tags, TagIndex(rows), tag_frequencies(rows)


def own_tag_mask(index, rows, drawn):
    return index.is_relevant(np.repeat(rows, drawn.shape[1]), drawn.reshape(-1)).reshape(drawn.shape)


def test_positives_are_own_tags_distinct_when_enough_and_all_present_when_few(corpus):
    tags, index, _ = corpus
    rows = np.arange(300)
    pos = sample_positives(index, rows, 5, np.random.default_rng(1))
    assert pos.shape == (300, 5)
    assert own_tag_mask(index, rows, pos).all()
    for r in rows:
        if len(tags[r]) >= 5:
            assert len(set(pos[r])) == 5
        else:  # every tag once, the rest repeats
            assert set(pos[r]) == set(tags[r])


def test_positives_are_uniform_over_an_images_tags():
    index = TagIndex(as_tag_rows([[3, 7, 11, 20, 30, 41, 42, 43]], 1, N_WORDS))
    rows = np.zeros(20_000, dtype=np.int64)
    pos = sample_positives(index, rows, 2, np.random.default_rng(2))
    counts = np.bincount(pos.reshape(-1), minlength=N_WORDS)[[3, 7, 11, 20, 30, 41, 42, 43]]
    expected = pos.size / 8
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 24.3  # 7 degrees of freedom, p = 0.001


def test_positives_refuse_an_image_without_tags():
    index = TagIndex(as_tag_rows([[1], []], 2, N_WORDS))
    with pytest.raises(ValueError, match="image 1 has no tag"):
        sample_positives(index, np.array([0, 1]), 5, np.random.default_rng(0))


def test_distribution_is_raw_frequency_or_a_power_of_it():
    freq = np.array([4, 0, 1, 3])
    np.testing.assert_allclose(sampling_distribution(freq), [0.5, 0.0, 0.125, 0.375])
    np.testing.assert_allclose(sampling_distribution(freq, 0.0), [1 / 3, 0.0, 1 / 3, 1 / 3])  # 0 ** 0 stays 0
    p = sampling_distribution(freq, 0.75)
    np.testing.assert_allclose(p, np.array([4, 0, 1, 3]) ** 0.75 / (4**0.75 + 1 + 3**0.75))
    with pytest.raises(ValueError, match="all zero"):
        sampling_distribution(np.zeros(3))


@pytest.mark.parametrize("power", [1.0, 0.75])
def test_frequency_negatives_exclude_own_tags_and_follow_the_distribution(corpus, power):
    _, index, freq = corpus
    sampler = FrequencyNegativeSampler(freq, power)
    row = 5
    rows = np.full(40_000, row)
    neg = sampler.sample(index, rows, 10, np.random.default_rng(3))
    assert not own_tag_mask(index, rows, neg).any()
    own = index.tags.indices[index.tags.indptr[row] : index.tags.indptr[row + 1]]
    expected = sampler.probabilities.copy()
    expected[own] = 0.0
    expected /= expected.sum()
    observed = np.bincount(neg.reshape(-1), minlength=N_WORDS) / neg.size
    assert observed[expected == 0].sum() == 0  # never its own tags, never a word without frequency
    np.testing.assert_allclose(observed, expected, atol=0.005)


def test_negatives_of_an_image_holding_most_of_the_mass_are_still_drawn_exactly():
    # word 0 holds 99.9% of the mass and is the image's tag: rejection alone would rarely succeed
    freq = np.zeros(N_WORDS)
    freq[0], freq[1], freq[2] = 99_900, 50, 50
    index = TagIndex(as_tag_rows([[0]], 1, N_WORDS))
    neg = FrequencyNegativeSampler(freq).sample(index, np.zeros(200, np.int64), 3, np.random.default_rng(4))
    assert set(np.unique(neg)) == {1, 2}
    with pytest.raises(ValueError, match="every word"):
        FrequencyNegativeSampler(freq).sample(TagIndex(as_tag_rows([[0, 1, 2]], 1, N_WORDS)),
                                              np.zeros(1, np.int64), 1, np.random.default_rng(0))


def test_pooled_negatives_come_from_the_epochs_pool(corpus):
    _, index, freq = corpus
    sampler = PooledNegativeSampler(freq, pool_size=25)
    with pytest.raises(RuntimeError, match="start_epoch"):
        sampler.sample(index, np.arange(10), 3, np.random.default_rng(0))
    rng = np.random.default_rng(5)
    sampler.start_epoch(rng)
    first_pool = sampler.pool.copy()
    rows = np.arange(300)
    neg = sampler.sample(index, rows, 10, rng)
    assert not own_tag_mask(index, rows, neg).any()
    # a pool word that is not an image's own tag; the rare exact fallback may add others
    assert np.isin(neg, first_pool).mean() > 0.99
    sampler.start_epoch(rng)
    assert not np.array_equal(sampler.pool, first_pool)


def test_a_large_pool_follows_the_frequency_distribution(corpus):
    _, index, freq = corpus
    sampler = PooledNegativeSampler(freq, pool_size=200_000)
    rng = np.random.default_rng(6)
    sampler.start_epoch(rng)
    pool_freq = np.bincount(sampler.pool, minlength=N_WORDS) / sampler.pool.size
    np.testing.assert_allclose(pool_freq, sampler.probabilities, atol=0.004)


def test_adjacent_image_negatives_are_the_next_images_tags(corpus):
    tags, index, freq = corpus
    sampler = AdjacentImageNegativeSampler(freq)
    rows = np.random.default_rng(7).permutation(300)[:64]
    neg = sampler.sample(index, rows, 6, np.random.default_rng(8))
    assert not own_tag_mask(index, rows, neg).any()
    from_next = [np.isin(neg[b], tags[rows[(b + 1) % 64]]).mean() for b in range(64)]
    assert np.mean(from_next) > 0.8  # the rest: the image after next, where the next shares its tags
    # a batch of one has no neighbour: the frequency distribution, still without own tags
    alone = sampler.sample(index, rows[:1], 6, np.random.default_rng(9))
    assert not own_tag_mask(index, rows[:1], alone).any()


def test_samplers_are_deterministic_given_the_generator(corpus):
    _, index, freq = corpus
    rows = np.arange(0, 300, 3)
    for scheme in ("frequency", "pool", "adjacent"):
        outs = []
        for _ in range(2):
            rng = np.random.default_rng(10)
            sampler = make_negative_sampler(scheme, freq, pool_size=1000)
            sampler.start_epoch(rng)
            outs.append(sampler.sample(index, rows, 10, rng))
        np.testing.assert_array_equal(outs[0], outs[1])
    with pytest.raises(ValueError, match="negatives must be one of"):
        make_negative_sampler("uniform", freq)
