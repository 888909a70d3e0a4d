"""The chapter-05 experiments (Kovacs & Bremner 2019) on a tiny world with random conv maps."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.figure import Figure

from tagbook.experiments import kovacs2019 as k19
from tagbook.report import ClaimsLedger
from tagbook.text.vectors import WordVectors
from tagbook.world import WorldConfig, make_world

N_IMAGES, CHANNELS, DIM = 48, 16, 8
CONFIG = k19.Kovacs2019Config(n_images=N_IMAGES, epochs=2, k_blocks=2, n_unseen=3, label_vectors="toy", seed=1)


def _fake_vectors(world) -> WordVectors:
    """Random vectors for every word of the labels' phrases and the words the chapter queries."""
    words = {w for lab in world.vocabulary for w in k19.label_phrase(lab).split()}
    words |= set(k19.GROUP_WORDS) | {"sky", "cloud"}
    words = sorted(words - {"furniture"})  # one group word without a vector
    rng = np.random.default_rng(0)
    return WordVectors(words, rng.normal(size=(len(words), DIM)), name="fake")


@pytest.fixture(scope="module")
def data():
    world = make_world(WorldConfig(n_images=N_IMAGES, seed=1, image_size=64), cache=False, progress=False)
    data = k19.prepare_data(CONFIG, world=world, vectors=_fake_vectors(world))
    data.features = np.random.default_rng(1).normal(size=(N_IMAGES, CHANNELS, 7, 7)).astype(np.float32)
    return data


@pytest.fixture(scope="module")
def models(data):
    return {"conv-level": k19.fit_conv_vse(data, CONFIG), "pooled": k19.fit_pooled_vse(data, CONFIG)}


@pytest.fixture(scope="module")
def regions(data, models):
    return models["conv-level"].region_embeddings(data.features[data.pool_idx])


def _ledger(tmp_path):
    return ClaimsLedger("05", output_dir=tmp_path)


def test_config_from_params_ignores_other_keys_and_names_a_bad_parameter():
    params = {"n_images": 200, "epochs": 3, "seed": 7, "not_a_parameter": 1}
    config = k19.Kovacs2019Config.from_params(params)
    assert (config.n_images, config.epochs, config.seed, config.threshold) == (200, 3, 7, 0.8)
    with pytest.raises(ValueError, match="label_vectors"):
        k19.Kovacs2019Config(label_vectors="word2vec")
    with pytest.raises(ValueError, match="threshold"):
        k19.Kovacs2019Config(threshold=1.5)


def test_prepare_data_splits_labels_and_images(data):
    world = data.world
    assert set(data.seen).isdisjoint(data.unseen) and data.unseen
    assert data.label_vecs.shape == (len(world.vocabulary), DIM)
    assert all(data.has_vector[j] for j in data.seen + data.unseen)
    assert not data.Y[np.ix_(data.train_idx, data.unseen)].any()  # no training image shows an unseen label
    assert set(data.test_idx) <= set(data.pool_idx)
    assert set(data.pool_idx).isdisjoint(data.train_idx)
    assert data.train_targets.shape == (len(data.train_idx), len(data.seen))
    assert sorted(data.class_ids.values()) == list(range(1, len(data.seen_objects) + 1))


def test_features_must_be_set_before_training(data):
    bare = replace(data, features=None)
    with pytest.raises(RuntimeError, match="features"):
        k19.fit_pooled_vse(bare, CONFIG)


def test_both_models_train_with_the_same_budget(models):
    conv, pooled = models["conv-level"], models["pooled"]
    assert len(conv.history_) == len(pooled.history_) == CONFIG.epochs
    assert conv.config.seed == pooled.config.seed == CONFIG.seed
    assert conv.config.k_blocks == CONFIG.k_blocks


def test_classification_table_and_its_claims(tmp_path, data, models):
    result = k19.classification(data, models, CONFIG, draws=20)
    assert list(result.table.index) == ["conv-level", "pooled", "chance"]
    assert {"seen F1@5", "seen mAP", "unseen mAP", "unseen P@1 (per image)"} <= set(result.table.columns)
    assert result.chance.shape == (20,)
    assert np.isnan(result.table.loc["chance", "seen mAP"])
    per_kind = k19.per_kind_map(data, models)
    assert list(per_kind.columns) == ["conv-level", "pooled"] and list(per_kind.index) == ["object", "scene", "attribute"]

    ledger = _ledger(tmp_path)
    claims = k19.record_classification_claims(ledger, result, "toy")
    assert [c.id for c in ledger.claims] == ["conv-beats-pooled", "zero-shot-above-chance",
                                             "conv-beats-pooled-unseen"] == [c.id for c in claims]
    assert claims[0].evidence["conv mAP"] == result.table.loc["conv-level", "seen mAP"]


def _classification(conv: tuple, pooled: tuple, chance: np.ndarray) -> k19.ClassificationResult:
    """A fabricated result: (F1@5, mAP, unseen mAP) per model."""
    cols = ["seen F1@5", "seen mAP", "unseen mAP"]
    table = pd.DataFrame([conv, pooled], columns=cols, index=pd.Index(["conv-level", "pooled"], name="model"))
    return k19.ClassificationResult(table, np.asarray(chance), 10, 20, 5, ["cat"], 3)


@pytest.mark.parametrize("conv, pooled, holds", [
    ((0.6, 0.7, 0.5), (0.5, 0.6, 0.4), True),
    ((0.6, 0.5, 0.5), (0.5, 0.6, 0.4), False),  # better F1 but worse mAP
    ((0.4, 0.5, 0.5), (0.5, 0.6, 0.4), False),  # the pooled model wins
])
def test_conv_beats_pooled_verdict_follows_the_evidence(tmp_path, conv, pooled, holds):
    claims = k19.record_classification_claims(_ledger(tmp_path), _classification(conv, pooled, np.full(10, 0.1)))
    assert claims[0].holds is holds
    assert claims[0].evidence == {"conv F1@5": conv[0], "pooled F1@5": pooled[0], "conv mAP": conv[1], "pooled mAP": pooled[1]}


@pytest.mark.parametrize("unseen_map, chance, holds", [
    (0.5, [0.1, 0.2, 0.15], True),
    (0.21, [0.1, 0.18, 0.17], False),  # above every random ranking but below 1.5 times their mean
    (0.5, [0.1, 0.1, 0.6], False),  # beaten by one random ranking (though 1.5 times the mean)
])
def test_zero_shot_verdict_follows_the_evidence(tmp_path, unseen_map, chance, holds):
    result = _classification((0.6, 0.7, unseen_map), (0.5, 0.6, 0.2), np.array(chance))
    claim = k19.record_classification_claims(_ledger(tmp_path), result)[1]
    assert claim.holds is holds
    assert claim.evidence["chance mAP"] == pytest.approx(np.mean(chance))


def test_projections_and_word_groups(data, models, regions):
    conv = models["conv-level"]
    show_idx, spread = k19.projection_sample(data, np.random.default_rng(3), n=10)
    again, _ = k19.projection_sample(data, np.random.default_rng(3), n=10)
    assert np.array_equal(show_idx, again) and np.all(np.diff(show_idx) > 0)
    assert set(show_idx) <= set(data.pool_idx) and spread.shape == (len(show_idx),)

    groups = k19.word_groups(conv, data)
    assert "furniture" not in groups.words and len(groups.words) == len(k19.GROUP_WORDS) - 1
    assert groups.scores.shape == groups.truth.shape == (len(data.pool_idx), len(groups.words))
    assert list(groups.ap_table().index) == groups.words
    assert 0.0 <= groups.purity <= 1.0 and 0.0 <= groups.assignment_base_rate <= 1.0

    diversity, rho = k19.diversity_against_objects(data, regions)
    assert diversity.shape == (len(data.pool_idx),) and -1.0 <= rho <= 1.0
    assert k19.activation_pca(regions, 0).shape == (len(data.pool_idx), 2)
    assert isinstance(k19.plot_projection(data, conv, show_idx, spread, data.unseen[0]), Figure)
    assert isinstance(k19.plot_word_clusters(data, groups), Figure)


def test_word_groups_purity_counts_images_in_a_group_they_show():
    groups = k19.WordGroups(["a", "b"], np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3]]),
                            np.array([[True, False], [True, False], [False, True]]))
    assert list(groups.assignment) == [0, 1, 0]
    assert groups.purity == pytest.approx(1 / 3)
    assert groups.assignment_base_rate == pytest.approx((2 / 3 + 1 / 3 + 2 / 3) / 3)


def test_segmentation_sweep_and_claim(tmp_path, data, models):
    result = k19.segmentation(data, models["conv-level"], 0.8)
    n_test = len(data.test_idx)
    assert result.predicted.shape == result.truth.shape == (n_test, 64, 64)
    assert len(result.sweep) == 21 and len(result.centre) == 20
    assert result.sweep.loc[0.8] == pytest.approx(result.miou_maps)
    assert result.miou_centre == result.centre.max()
    assert list(result.table()["mIoU"].round(3)) == list(np.round(
        [result.miou_maps, result.sweep.max(), result.miou_cosine, result.cosine_sweep.max(),
         result.miou_all_foreground, result.miou_centre], 3))
    # every row picked by looking at the test masks says so
    chosen = [name for name in result.table().index if "best" in name]
    assert len(chosen) == 3 and all("chosen on the test images" in name for name in chosen)
    assert result.cosine_sweep.loc[0.8] == pytest.approx(result.miou_cosine)
    claim = k19.record_segmentation_claim(_ledger(tmp_path), result)
    assert claim.id == "maps-localise"
    assert claim.holds is bool(result.miou_maps > max(result.miou_all_foreground, result.miou_centre))
    table = k19.segmentation_paper_table(result)
    assert table.filter(like="this build").iloc[:, 0].dropna().tolist() == [round(100 * result.miou_maps, 1)]
    assert isinstance(k19.plot_threshold_sweep(result), Figure)


def test_segmentation_claim_not_held_when_a_baseline_wins(tmp_path):
    sweep = pd.Series([0.2, 0.25], index=[0.5, 0.8])
    result = k19.SegmentationResult(0.8, sweep, pd.Series([0.1, 0.3], index=[0.5, 1.0]), 0.25, 0.1,
                                    np.zeros((1, 4, 4)), np.zeros((1, 4, 4)), 3)
    claim = k19.record_segmentation_claim(_ledger(tmp_path), result)
    assert claim.holds is False  # the best centre box (0.3) beats the maps (0.25)
    assert claim.evidence["mIoU best centre box"] == 0.3


def test_kmeans_against_random_and_claim(tmp_path, data, regions):
    result = k19.kmeans_against_random(data, regions, np.random.default_rng(0), seed=0, n_random=2)
    n = len(data.pool_idx)
    assert result.covering_kmeans.shape == result.covering_random.shape == (n,)
    assert np.all((0 <= result.covering_kmeans) & (result.covering_kmeans <= 1))
    assert len(result.examples) <= 6 and all(part.shape == (64, 64) for _, part in result.examples)
    claim = k19.record_kmeans_claim(_ledger(tmp_path), result)
    assert claim.id == "kmeans-beats-random" and claim.note.startswith(f"{n} images")

    fabricated = k19.RegionsResult(np.array([0.3, 0.4, 0.5]), np.array([0.5, 0.6, 0.7]), 0.9)
    claim = k19.record_kmeans_claim(_ledger(tmp_path), fabricated)
    assert claim.holds is False and claim.evidence["share of images where k-means wins"] == 0.0


def test_map_search_matches_the_map_index_and_records_its_claim(tmp_path, data, models, regions):
    from tagbook.apps.map_index import MapIndex, query_vectors

    conv = models["conv-level"]
    result = k19.map_search(data, conv, regions)
    assert len(result.table) == 2 and result.table.index[0] == "sky in the top half and no cloud"
    assert {"terms", "relevant images", "base rate", "P@10", "binomial p"} <= set(result.table.columns)
    assert all(len(top) == min(8, len(data.pool_idx)) for top in result.top.values())

    query = result.queries[result.table.index[1]]
    vecs = k19.query_label_vectors(query, data.vectors)
    index = MapIndex(conv, regions.astype(np.float16), [str(i) for i in data.pool_idx])
    expected = index.scores(query, query_vectors(query, lambda w: data.vectors.phrase_vector(w, unit=True)))
    np.testing.assert_array_equal(k19.search_scores(conv, regions, query, vecs), expected)

    claim = k19.record_search_claim(_ledger(tmp_path), result)
    assert claim.id == "map-search-precision" and len(claim.evidence) == 4
    assert isinstance(k19.plot_search(data, result, result.table.index[0]), Figure)


def test_search_claim_needs_every_query_significant(tmp_path):
    table = pd.DataFrame({"base rate": [0.1, 0.1], "P@10": [0.8, 0.3], "binomial p": [1e-6, 0.07]},
                         index=pd.Index(["q1", "q2"], name="query"))
    result = k19.SearchResult(table, {}, {}, 100)
    claim = k19.record_search_claim(_ledger(tmp_path), result)
    assert claim.holds is False
    assert claim.evidence == {"q1: P@10": 0.8, "q1: base rate": 0.1, "q2: P@10": 0.3, "q2: base rate": 0.1}
    result.table.loc["q2", ["P@10", "binomial p"]] = [0.7, 1e-5]
    assert k19.record_search_claim(_ledger(tmp_path), result).holds is True


def test_query_label_without_vector_is_an_error_naming_it(data):
    from tagbook.methods.vse.localisation import QueryError, SpatialQuery

    with pytest.raises(QueryError, match="zzzunknown"):
        k19.query_label_vectors(SpatialQuery.parse(["zzzunknown:left"]), data.vectors)


@pytest.mark.parametrize("conv_unseen, pooled_unseen, holds", [(0.5, 0.4, True), (0.308, 0.343, False), (0.3, 0.3, False)])
def test_conv_beats_pooled_on_unseen_labels_is_recorded_with_its_numbers(tmp_path, conv_unseen, pooled_unseen, holds):
    result = _classification((0.6, 0.7, conv_unseen), (0.5, 0.6, pooled_unseen), np.full(10, 0.1))
    claim = k19.record_classification_claims(_ledger(tmp_path), result)[2]
    assert claim.id == "conv-beats-pooled-unseen" and claim.holds is holds
    assert claim.evidence == {"conv unseen mAP": conv_unseen, "pooled unseen mAP": pooled_unseen,
                              "chance mAP": pytest.approx(0.1)}
    assert f"{conv_unseen:.3f}" in claim.ours and f"{pooled_unseen:.3f}" in claim.ours
    assert ("pooled model ranks the unseen labels better" in claim.reason) is (pooled_unseen > conv_unseen)


def test_segmentation_claim_records_the_fixed_threshold_and_both_map_kinds(tmp_path):
    result = k19.SegmentationResult(0.8, pd.Series([0.2, 0.25], index=[0.5, 0.8]), pd.Series([0.1, 0.2], index=[0.5, 1.0]),
                                    0.25, 0.1, np.zeros((1, 4, 4)), np.zeros((1, 4, 4)), 3,
                                    cosine_sweep=pd.Series([0.05, 0.15], index=[0.0, 0.8]), miou_cosine=0.15)
    claim = k19.record_segmentation_claim(_ledger(tmp_path), result)
    assert claim.holds is True and claim.reason.startswith("the maps beat both baselines")
    assert "cosine similarities (mIoU 0.150 at 0.8)" in claim.note and "chosen on the test images" in claim.note
    assert "cosine maps (the post's), threshold 0.8" in result.table().index


def test_fig8_mistakes_name_what_the_wrong_members_show(data):
    groups = k19.WordGroups(["animal", "vehicle"], np.zeros((len(data.pool_idx), 2)),
                            np.zeros((len(data.pool_idx), 2), dtype=bool))
    groups.scores[:, 1] = 1.0  # every image goes to "vehicle"
    shows_vehicle = np.array([("vehicle" in k19.image_groups(data, i)) for i in data.pool_idx])
    groups.truth[:, 1] = shows_vehicle
    table = k19.cluster_mistakes(data, groups)
    assert table.loc["vehicle", "images"] == len(data.pool_idx)
    assert table.loc["vehicle", "wrong members"] == int((~shows_vehicle).sum())
    assert table.loc["vehicle", "share right"] == pytest.approx(round(shows_vehicle.mean(), 3))
    assert table.loc["animal", "images"] == 0 and table.loc["animal", "what the wrong members show"] == "—"
    assert table.loc["vehicle", "wrong in the figure"] == int((~shows_vehicle[:7]).sum())  # equal scores: first 7
    named = table.loc["vehicle", "what the wrong members show"]
    wrong_objects = {data.phrases[data.world.label_index[o.category]]
                     for i, ok in zip(data.pool_idx, shows_vehicle) if not ok for o in data.world.objects[i]}
    assert named != "—" and {part.rsplit(" (", 1)[0] for part in named.split(", ")} <= wrong_objects


def test_figures_outline_the_true_positives(data, models):
    from matplotlib.offsetbox import AnnotationBbox

    conv = models["conv-level"]
    show_idx, spread = k19.projection_sample(data, np.random.default_rng(3), n=12)
    label = data.unseen[0]
    fig = k19.plot_projection(data, conv, show_idx, spread, label)
    boxes = [a for a in fig.axes[0].artists if isinstance(a, AnnotationBbox)]
    assert len(boxes) == len(show_idx)
    assert sum(b.patch.get_visible() for b in boxes) == int(data.Y[show_idx, label].sum())
    zoom = boxes[0].offsetbox.get_zoom()
    assert 64 * zoom * 100 / 72 >= 64  # a 64-px toy image is drawn at least 64 px wide at 100 dpi
    hits = k19.projection_hits(data, conv, show_idx, label)
    assert hits["n_true"] == int(data.Y[show_idx, label].sum()) and 0 <= hits["true_in_top"] <= hits["n_top"]


@pytest.fixture(scope="module")
def tracked(data):
    """Both models trained again with the per-epoch curves recorded."""
    curves = {"conv-level": k19.EpochBCE(data), "pooled": k19.EpochBCE(data)}
    trained = {"conv-level": k19.fit_conv_vse(data, CONFIG, curves["conv-level"]),
               "pooled": k19.fit_pooled_vse(data, CONFIG, curves["pooled"])}
    return trained, curves


def test_recording_the_per_epoch_curves_leaves_training_unchanged(data, models, tracked):
    trained, curves = tracked
    for name, model in trained.items():
        assert model.history_ == models[name].history_  # bit-identical epoch losses
        for a, b in zip(model.head.parameters(), models[name].head.parameters()):
            assert torch.equal(a, b)
        c = curves[name]
        assert c.epochs == list(range(1, CONFIG.epochs + 1)) and c.seconds > 0
        assert all(len(v) == CONFIG.epochs and np.all(np.isfinite(v)) for v in c.values.values())
        # after the last epoch the curve is the end-of-training measure on the same fixed sample
        assert np.isclose(c.values["held-out test images"][-1], k19.sampled_bce(model, data, data.test_idx), rtol=1e-6)
        assert np.isclose(c.values["training images"][-1], k19.sampled_bce(model, data, c.sets["training images"]),
                          rtol=1e-6)
        assert set(c.sets["training images"]) <= set(data.train_idx)
        assert len(c.sets["training images"]) == min(len(data.test_idx), len(data.train_idx))
        # the model moved between epochs, so the curve is not one value repeated
        assert len(set(np.round(c.values["held-out test images"], 7))) == CONFIG.epochs


def test_the_fixed_label_sample_is_drawn_once_as_in_training(data):
    truth = data.Y[np.ix_(data.test_idx, data.seen)].astype(bool)
    idx, is_pos = k19.fixed_label_sample(truth, n_labels=10)
    again = k19.fixed_label_sample(truth, n_labels=10)
    assert np.array_equal(idx, again[0]) and np.array_equal(is_pos, again[1])  # the same draw every call
    assert idx.shape == (len(truth), 10) and np.array_equal(np.take_along_axis(truth, idx, axis=1), is_pos)
    assert np.array_equal(is_pos.sum(axis=1), np.minimum(truth.sum(axis=1), 10))  # every positive, capped at n
    assert not np.array_equal(idx, k19.fixed_label_sample(truth, n_labels=10, seed=1)[0])


def test_sample_bce_is_the_training_loss_of_the_sampled_labels(data, models):
    import torch.nn.functional as F

    conv = models["conv-level"]
    idx = data.test_idx[:5]
    sample = k19.fixed_label_sample(data.Y[np.ix_(idx, data.seen)], n_labels=7)
    vecs = data.label_vecs[data.seen]
    # by hand: the scores of every seen label, the sampled ones picked out, BCE of their logits
    p = np.take_along_axis(conv.score(data.features[idx], vecs), sample[0], axis=1)
    logits = torch.logit(torch.as_tensor(p, dtype=torch.float64))
    expected = F.binary_cross_entropy_with_logits(logits, torch.as_tensor(sample[1], dtype=torch.float64)).item()
    assert np.isclose(k19.sample_bce(conv, data.features[idx], vecs, sample, batch_size=2), expected, rtol=1e-4)


def test_held_out_loss_beside_the_training_loss_and_the_two_map_kinds(data, models, tracked):
    conv, pooled = models["conv-level"], models["pooled"]
    held_out = k19.sampled_bce(conv, data, data.test_idx)
    assert np.isfinite(held_out) and held_out > 0
    assert k19.sampled_bce(conv, data, data.test_idx) == held_out  # the same label draws every time
    _, curves = tracked
    fig = k19.plot_training_loss(conv, pooled, curves)
    lines = fig.axes[0].get_lines()
    held = [line for line in lines if "held-out" in line.get_label()]
    assert len(held) == 2 and all(len(line.get_xdata()) == CONFIG.epochs for line in held)  # a curve, not a point
    assert fig.axes[0].get_title() and fig.axes[0].get_xlabel() == "epoch"
    table = k19.epoch_bce_table(curves, models)
    assert list(table.index) == ["conv-level", "pooled"]
    assert np.allclose(table["held-out minus training"],
                       table["held-out test images, eval mode"] - table["training images, eval mode"], atol=2e-4)
    fig = k19.plot_map_kinds(data, conv, n=1)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert any("cosine (post)" in t for t in titles) and any("σ(M) (ours)" in t for t in titles)


def test_the_per_epoch_curves_of_a_fine_tuned_backbone_read_images_and_leave_training_unchanged(data, monkeypatch):
    def tiny_backbone():  # images (N, 3, 224, 224) -> conv maps (N, 4, 7, 7), seeded
        torch.manual_seed(0)
        return torch.nn.Sequential(torch.nn.Conv2d(3, 4, kernel_size=32, stride=32), torch.nn.ReLU())

    monkeypatch.setattr(k19, "fine_tunable_backbone", tiny_backbone)
    config = replace(CONFIG, fine_tune=True, epochs=2)
    runs = []
    for track in (False, True):
        tuned = replace(data, features=None)  # fine-tuning replaces the conv maps: a copy
        curves = k19.EpochBCE(tuned) if track else None
        model = k19.fit_conv_vse(tuned, config, curves)
        runs.append((model, curves, tuned))
    (plain, _, _), (model, curves, tuned) = runs
    assert model.history_ == plain.history_
    assert tuned.features.shape[1:] == (4, 7, 7)  # the tuned backbone's maps
    # after the last epoch the curve read the images through the backbone being tuned: the same
    # value as the end-of-training measure on the tuned backbone's conv maps
    assert np.isclose(curves.values["held-out test images"][-1], k19.sampled_bce(model, tuned, tuned.test_idx), rtol=1e-5)
