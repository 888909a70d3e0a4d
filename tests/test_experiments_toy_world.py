"""The toy-world chapter's measurements: the Zipf fit, the zero-shot leak check, caption coverage,
objects per image, their claims and figures."""

from __future__ import annotations

import dataclasses
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import stats  # noqa: E402

from tagbook.experiments import toy_world as tw  # noqa: E402
from tagbook.report import ClaimsLedger, read_claims_file  # noqa: E402
from tagbook.world import WorldConfig, ZeroShotSplit, generate_world, summary  # noqa: E402
from tagbook.world.ugc import UGC_VOCABULARY_SIZE, ZIPF_EXPONENT, ugc_tag  # noqa: E402


@pytest.fixture(scope="module")
def world():
    return generate_world(WorldConfig(n_images=40, seed=3, image_size=64), progress=False)


@pytest.fixture(scope="module")
def split(world):
    return world.zero_shot_split(n_unseen=5, seed=1)


def simulated_tags(exponent: float, rate: float, n_images: int, seed: int) -> list[list[str]]:
    """Tag lists drawn the generator's way (Poisson count, Zipf ranks, duplicates merged), with
    any exponent: independent of :mod:`tagbook.world.ugc`'s sampler."""
    rng = np.random.default_rng(seed)
    p = np.arange(1, UGC_VOCABULARY_SIZE + 1, dtype=float) ** -exponent
    cdf = np.cumsum(p / p.sum())
    counts = rng.poisson(rate, n_images)
    ranks = np.minimum(np.searchsorted(cdf, rng.random(counts.sum())), UGC_VOCABULARY_SIZE - 1)
    pieces = np.split(ranks, np.cumsum(counts)[:-1])
    return [list(dict.fromkeys(ugc_tag(int(r)) for r in piece)) for piece in pieces]


# -- the long tail ------------------------------------------------------------------------------


def test_long_tail_counts_count_images_not_occurrences_and_leave_out_picture_words():
    tags = [["nature", "nature", "photo", "dog"], ["nature", "street"], ["no-such-tag"]]
    counts = tw.long_tail_counts(tags)
    index = tw.long_tail_rank_index()
    assert counts.n_images == 3
    assert counts.image_counts[index["nature"]] == 2
    assert counts.image_counts[index["photo"]] == 1
    assert "street" in counts.excluded_tags  # a scene name as well as a long-tail tag
    assert not counts.included[index["street"]]
    assert counts.n_occurrences == 3 and counts.n_distinct == 2


def test_log_likelihood_is_the_binomial_one_up_to_a_constant():
    rng = np.random.default_rng(0)
    size, n = 60, 30
    k = rng.integers(0, 6, size)
    k[::7] = 0
    included = np.ones(size, dtype=bool)
    included[[3, 11]] = False
    counts = tw.LongTailCounts(k, included, n)

    def direct(s, lam):
        p = np.arange(1, size + 1, dtype=float) ** -s
        q = 1 - np.exp(-lam * p / p.sum())
        return stats.binom.logpmf(k[included], n, q[included]).sum()

    differences = [direct(s, lam) - tw.long_tail_log_likelihood(s, lam, counts) for s, lam in ((0.8, 1.5), (1.4, 4.0))]
    constant = sum(math.log(math.comb(n, int(v))) for v in k[included])  # log C(n, k) is free of s and lambda
    assert differences == pytest.approx([constant, constant], rel=1e-9)


def test_fit_recovers_an_exponent_other_than_the_configured_one():
    tags = simulated_tags(1.3, 2.0, n_images=500, seed=4)
    fit = tw.fit_long_tail(tw.long_tail_counts(tags))
    assert abs(fit.exponent - 1.3) < 4 * fit.exponent_se
    assert abs(fit.tags_per_image - 2.0) < 4 * fit.tags_per_image_se
    assert fit.exponent_se < 0.03
    low, high = fit.exponent_interval
    assert not low <= ZIPF_EXPONENT <= high  # the check can fail: 1.3 is told apart from 1.05
    rate_low, rate_high = fit.tags_per_image_interval
    assert list(fit.table()["configured inside"]) == [False, bool(rate_low <= 3.5 <= rate_high)]


def test_fit_of_the_configured_law_covers_it(tmp_path):
    tags = simulated_tags(ZIPF_EXPONENT, 3.5, n_images=400, seed=11)
    fit = tw.fit_long_tail(tw.long_tail_counts(tags))
    assert abs(fit.exponent - ZIPF_EXPONENT) < 4 * fit.exponent_se
    ledger = ClaimsLedger("00", output_dir=tmp_path)
    zipf, rate = tw.record_long_tail_claims(ledger, fit)
    low, high = fit.exponent_interval
    assert zipf.holds == (low <= ZIPF_EXPONENT <= high)
    assert zipf.paper_value == ZIPF_EXPONENT and zipf.ours == pytest.approx(fit.exponent, abs=1e-3)
    assert rate.evidence["configured tags per image"] == 3.5
    records = read_claims_file(ledger.write())
    assert [r["id"] for r in records] == ["ugc-zipf-exponent", "ugc-noise-rate"]
    assert {r["paper"] for r in records} == {tw.PAPER} and {r["tier"] for r in records} == {"toy"}


def test_fit_refuses_an_empty_tail():
    with pytest.raises(ValueError, match="no image carries a long-tail tag"):
        tw.fit_long_tail(tw.long_tail_counts([["dog"], []]))


def test_binned_frequency_bins_double_and_keep_every_counted_rank():
    counts = tw.long_tail_counts(simulated_tags(1.1, 3.0, n_images=100, seed=2))
    bins = tw.binned_tag_frequency(counts)
    assert bins["first rank"].iloc[:4].tolist() == [1, 2, 4, 8]
    assert bins["ranks"].sum() == counts.included.sum()
    assert bins["images"].sum() == counts.n_occurrences
    assert bins["last rank"].iloc[-1] == UGC_VOCABULARY_SIZE


# -- zero-shot splits --------------------------------------------------------------------------


def test_zero_shot_split_of_the_world_leaks_nothing(world, split, tmp_path):
    check = tw.check_zero_shot(world, split)
    assert check.n_leaking == 0 and check.test_without_unseen == 0
    assert check.n_train == len(split.train_idx) and check.n_test == len(split.test_idx)
    table = tw.split_table(world, split)
    assert table.loc["zero-shot train", "images with an unseen label"] == 0
    assert table.loc["zero-shot test", "images with an unseen label"] == len(split.test_idx)
    leak, covered = tw.record_zero_shot_claims(ClaimsLedger("00", output_dir=tmp_path), check)
    assert leak.holds and covered.holds and leak.n_checked == leak.n_held == 4


def test_a_leaky_split_is_caught_in_every_channel(world, split, tmp_path):
    columns = [world.label_index[k] for k in split.unseen]
    carrier = int(np.flatnonzero(world.label_matrix[:, columns].any(axis=1))[0])
    clean = int(split.train_idx[0])
    tags = [list(t) for t in world.tags]
    tags[clean] = tags[clean] + [world.vocabulary[world.label_index[split.unseen[0]]].names["de"]]
    tagged = dataclasses.replace(world, tags=tags)
    leaky = ZeroShotSplit(split.seen, split.unseen, np.array([carrier, clean]), split.test_idx)
    check = tw.check_zero_shot(tagged, leaky)
    reached = check.leaks["training images reached"]
    assert reached["labels"] == reached["objects drawn (masks)"] == reached["caption statements"] == 1
    assert reached["user tags (names in four languages)"] >= 1
    claim, _ = tw.record_zero_shot_claims(ClaimsLedger("00", output_dir=tmp_path), check)
    assert not claim.holds and claim.ours == check.n_leaking


def test_names_shared_with_other_labels_are_left_out_of_the_tag_check(world):
    def ambiguous(unseen):
        rest = [k for k in world.labels_of_kind("object") if k not in unseen]
        return tw.check_zero_shot(world, ZeroShotSplit(rest, unseen, np.array([0]), np.array([], int))).ambiguous_names

    assert "bank" in ambiguous(["bank.building"])  # bank.river is a scene
    assert "船" in ambiguous(["boat"])  # the Japanese name of ship


def test_test_images_without_an_unseen_label_are_counted(world, split, tmp_path):
    columns = [world.label_index[k] for k in split.unseen]
    without = int(np.flatnonzero(~world.label_matrix[:, columns].any(axis=1))[0])
    check = tw.check_zero_shot(world, ZeroShotSplit(split.seen, split.unseen, split.train_idx,
                                                    np.array([without])))
    assert check.test_without_unseen == 1 and len(check.unseen_missing_from_test) == len(split.unseen)
    _, covered = tw.record_zero_shot_claims(ClaimsLedger("00", output_dir=tmp_path), check)
    assert not covered.holds


# -- captions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang, text, ok", [
    ("en", "A dog on the grass.", True), ("en", "Ein Hund über dem Gras.", False),
    ("de", "Ein Hund über dem Gras.", True), ("de", "一只狗。", False),
    ("zh", "草地上有一只狗。", True), ("zh", "草の上に犬がいます。", False), ("zh", "a dog", False),
    ("ja", "草の上に犬がいます。", True), ("ja", "A dog.", False),
])
def test_in_script(lang, text, ok):
    assert tw.in_script(lang, text) is ok


def test_in_script_refuses_an_unknown_language():
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        tw.in_script("fr", "un chien")


def test_caption_claims_hold_on_the_world_and_fail_on_a_missing_caption(world, tmp_path):
    coverage = tw.caption_coverage(world)
    assert (coverage["with 5 non-empty"] == len(world)).all()
    agreement = summary.caption_mask_agreement(world)
    languages, true = tw.record_caption_claims(ClaimsLedger("00", output_dir=tmp_path), coverage, agreement)
    assert languages.holds and languages.n_held == 4 and true.holds

    captions = {lang: [list(c) for c in caps] for lang, caps in world.captions.items()}
    captions["de"][2][1] = "  "
    captions["ja"][0][0] = "A dog."
    broken = dataclasses.replace(world, captions=captions)
    coverage = tw.caption_coverage(broken)
    assert coverage.loc["de", "with 5 non-empty"] == len(world) - 1
    assert coverage.loc["ja", "in the language's script"] == coverage.loc["ja", "captions"] - 1
    wrong = agreement.copy()
    wrong.loc["position", "agree"] -= 1
    languages, true = tw.record_caption_claims(ClaimsLedger("00", output_dir=tmp_path), coverage, wrong)
    assert not languages.holds and (languages.n_checked, languages.n_held) == (4, 2)
    assert not true.holds and true.n_held == true.n_checked - 1


# -- objects per image -------------------------------------------------------------------------


def test_object_count_table_and_claim(world, tmp_path):
    table = tw.object_count_table(world)
    assert table["images"].sum() == len(world)
    assert table["images %"].sum() == pytest.approx(100.0)
    assert table["drawn (configured %)"].sum() == pytest.approx(100.0)
    claim = tw.record_object_count_claim(ClaimsLedger("00", output_dir=tmp_path), world)
    assert claim.holds and claim.evidence["images in range"] == len(world)


# -- figures -----------------------------------------------------------------------------------


def _check_width(fig):
    width, height = fig.get_size_inches()
    assert 3.0 <= width <= tw.FIGURE_WIDTH and height > 0
    plt.close(fig)


def test_figures_fit_the_text_column(world):
    _check_width(tw.plot_samples(world, range(4)))
    _check_width(tw.plot_category_gallery(world))
    _check_width(tw.plot_labels_per_image(summary.labels_per_image(world)))


def test_zipf_figure_shows_fitted_and_configured_exponents(world):
    counts = tw.long_tail_counts(world.tags)
    fit = tw.fit_long_tail(counts)
    fig = tw.plot_tag_frequencies(world, counts, fit)
    legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert any(f"fitted s = {fit.exponent:.3f}" in t for t in legend)
    assert any(f"configured s = {ZIPF_EXPONENT:g}" in t for t in legend)
    assert all(ax.get_xlabel() and ax.get_ylabel() and ax.get_title() for ax in fig.axes)
    _check_width(fig)


def test_histograms_have_integer_ticks(world):
    fig = tw.plot_labels_per_image(pd.DataFrame({"objects": [1, 2, 2, 3], "attribute labels": [3, 4, 5, 9],
                                                 "tags": [0, 7, 7, 12]}))
    fig.canvas.draw()
    for ax in fig.axes:
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert ticks and all(float(t).is_integer() for t in ticks)
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel() == "images"
    plt.close(fig)
    with pytest.raises(KeyError, match="no column 'objects'"):
        tw.plot_labels_per_image(pd.DataFrame({"tags": [1]}))


def test_histogram_ticks_start_at_the_first_bar_and_stay_few():
    assert tw.integer_ticks(1, 4) == [1, 2, 3, 4]
    assert tw.integer_ticks(2, 11) == [2, 4, 6, 8, 10]
    assert tw.integer_ticks(0, 13) == [0, 2, 4, 6, 8, 10, 12]
    assert tw.integer_ticks(5, 5) == [5]
    assert len(tw.integer_ticks(0, 100)) <= 8 and tw.integer_ticks(0, 100)[0] == 0
    fig = tw.plot_labels_per_image(pd.DataFrame({"objects": [1, 2, 2, 3], "attribute labels": [2, 4, 5, 11],
                                                 "tags": [0, 6, 13, 13]}))
    for ax in fig.axes:
        lowest_bar = min(patch.get_x() + patch.get_width() / 2 for patch in ax.patches)
        assert ax.get_xticks()[0] == round(lowest_bar) and ax.get_title()
