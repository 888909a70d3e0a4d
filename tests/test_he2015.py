"""Chapter 03's experiment module on a tiny planted problem: splits, UGC mapping, every table
method, the validation-only search, the online update, the timing function and the claims."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from tagbook.experiments import he2015 as h
from tagbook.methods.tagging.synthetic import planted_problem
from tagbook.report import ClaimsLedger


@pytest.fixture(scope="module")
def data() -> h.AnnotationData:
    pb = planted_problem(n_images=160, n_tags=8, n_features=12, max_tags_per_image=3, noise=0.3, seed=3)
    x = np.abs(pb.features).astype(np.float32)
    rng = np.random.default_rng(0)
    noisy = pb.tag_matrix & (rng.random(pb.tag_matrix.shape) < 0.8)
    keys = [f"t{j}" for j in range(8)]
    return h.AnnotationData(keys, keys, pb.tag_matrix.astype(bool), noisy, {"cnn": x, "low-level": x + 0.1}, 160)


@pytest.fixture(scope="module")
def tiny_dims(monkeypatch_module):
    """DREL at a size the test can train in a second."""
    small = dict(image_hidden=16, latent_dim=8, tag_embedding_dim=6, tag_hidden=8)
    for kind in ("low-level", "cnn"):
        monkeypatch_module.setitem(h.CHOSEN[kind], "DREL", {**h.CHOSEN[kind]["DREL"], **small})
    monkeypatch_module.setitem(h.CHOSEN["cnn"], "CNN_hinge", {"learning_rate": 0.05})
    return small


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture(scope="module")
def runs(data, tiny_dims):
    return h.annotation_runs(data, seeds=[0, 1], epochs=3, triplets_per_image=4, knn_k=10, ugc=True)


def test_split_is_disjoint_covers_everything_and_depends_on_the_seed():
    s = h.split_indices(200, seed=0)
    assert sorted(np.concatenate(list(s.values())).tolist()) == list(range(200))
    assert (s["test"].size, s["val"].size, s["train"].size) == (20, 18, 162)
    assert not np.array_equal(s["test"], h.split_indices(200, seed=1)["test"])
    np.testing.assert_array_equal(s["test"], h.split_indices(200, seed=0)["test"])


def test_ugc_tags_map_onto_label_names_case_insensitively_and_polysemy_tags_both():
    names = {"dog": "dog", "mouse.animal": "mouse", "mouse.computer": "mouse", "red": "red"}
    world = SimpleNamespace(tags=[["Dog", "fobe2013", "MOUSE"], ["rot", "red"], []],
                            label_names=lambda lang, keys: [names[k] for k in keys])
    world.__len__ = None
    keys = list(names)
    out = h.ugc_tag_matrix(_Sized(world, 3), keys)
    np.testing.assert_array_equal(out, [[1, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]])


class _Sized:
    def __init__(self, inner, n):
        self._inner, self._n = inner, n

    def __len__(self):
        return self._n

    def __getattr__(self, name):
        return getattr(self._inner, name)


def test_every_table_method_runs_and_is_scored_on_the_test_split(data, runs):
    frame = runs.frame
    expected = {("low-level", "clean", m) for m in h.TABLE_METHODS["low-level"]}
    expected |= {("cnn", "clean", m) for m in h.TABLE_METHODS["cnn"]}
    expected |= {("cnn", "ugc", m) for m in ("kNN", "WSABIE", "DREL")}
    assert set(map(tuple, frame[["kind", "tags", "method"]].drop_duplicates().to_numpy())) == expected
    assert set(frame["seed"]) == {0, 1}
    assert frame[["mP", "mR", "F1"]].apply(lambda c: c.between(0, 1).all()).all()
    # the planted problem is easy: every trained method is far above chance (8 tags, ~2 relevant)
    clean = frame[frame["tags"] == "clean"]
    assert (clean["mR"] > 0.5).all(), clean[["kind", "method", "mR"]]
    # the stored first-seed scores are the test split's and reproduce the row's numbers
    scores = runs.test_scores[("cnn", "clean", "DREL")]
    assert scores.shape == (runs.test_idx.size, 8)
    again = h.annotation_prf(scores, data.truth[runs.test_idx])
    row = frame[(frame["kind"] == "cnn") & (frame["tags"] == "clean") & (frame["method"] == "DREL") & (frame["seed"] == 0)]
    assert again.F1 == pytest.approx(float(row["F1"].iloc[0]))


def test_results_table_puts_the_papers_numbers_beside_ours(runs):
    table = h.results_table(runs.frame, "cnn")
    assert list(table.index) == list(h.TABLE_METHODS["cnn"])
    assert table.loc["DREL", "F1 (paper)"] == "0.2973"
    assert table.loc["CNN_WARP", "N+ (paper)"] == "78 of 81"
    assert "±" in table.loc["DREL", "F1 (ours)"]
    low = h.results_table(runs.frame, "low-level")
    assert low.loc["kNN", "mP (paper)"] == "0.1896"


def test_hyper_parameters_are_chosen_on_validation_images_only(data, tiny_dims, monkeypatch):
    seen = []
    original = h.fit_and_score

    def spy(method, kind, x_train, y_train, x_eval, **kw):
        seen.append((x_train.shape[0], [x.shape[0] for x in x_eval]))
        return original(method, kind, x_train, y_train, x_eval, **kw)

    monkeypatch.setattr(h, "fit_and_score", spy)
    grids = {"SVM": [dict(C=0.01), dict(C=1.0)], "WSABIE": [dict(learning_rate=0.01)]}
    search = h.select_hyperparameters(data, "cnn", seed=0, epochs=2, grids=grids)
    split = data.split(0)
    assert all(n == split["train"].size and ev == [split["val"].size] for n, ev in seen)
    assert search.groupby("method")["chosen"].sum().to_dict() == {"SVM": 1, "WSABIE": 1}
    svm = search[search["method"] == "SVM"]
    chosen_row = svm[svm["chosen"]].iloc[0]
    assert chosen_row["F1"] == svm["F1"].max()
    assert h.chosen_from(search)["SVM"] == chosen_row["params"]
    assert list(h.chosen_table({"cnn": h.chosen_from(search)}).index.get_level_values("method")) == ["SVM", "WSABIE"]


def test_training_curves_have_a_held_out_value_per_epoch(runs):
    curves = runs.curves
    for method in ("DREL", "WSABIE"):
        part = curves[curves["method"] == method]
        assert part["epoch"].tolist() == [1, 2, 3]
        assert part["val_F1"].notna().all() and part["val_F1"].between(0, 1).all()
        loss = runs.models[("cnn", method)].history_
        assert part["train_loss"].tolist() == pytest.approx(loss)
    fig = h.plot_training_curves(curves, "t")
    assert len(fig.axes) == 2


def test_per_tag_recall_counts_n_plus(data, runs):
    recall = h.per_tag_recall(runs, data, "cnn", methods=("kNN", "DREL"))
    counts = runs.per_tag[("cnn", "clean", "DREL")]
    assert (recall["DREL"].fillna(0) > 0).sum() == (counts.correct > 0).sum()
    assert recall["relevant"].is_monotonic_decreasing
    h.plot_per_tag_recall(recall, "t")


def test_online_update_adds_the_new_tags_and_times_both(data, tiny_dims):
    online = h.online_update_experiment(data, "cnn", seed=0, new_fraction=0.25, epochs=3, triplets_per_image=4)
    assert list(online.index) == ["first model (old tags only)", "online update (partial_fit)", "retrained from scratch"]
    assert online.attrs["n_new"] == 2 and online.attrs["n_old"] == 6
    assert online.loc["first model (old tags only)", "F1 new"] == 0.0  # it cannot name a tag it never saw
    assert online.loc["online update (partial_fit)", "F1 new"] > 0
    assert (online["seconds"] > 0).all()


def test_time_per_test_image_grows_with_n_for_knn_only():
    small = h.time_per_test_image("kNN", n_train=500, n_tags=10, n_features=64, n_test=50, repeats=2)
    large = h.time_per_test_image("kNN", n_train=20_000, n_tags=10, n_features=64, n_test=50, repeats=2)
    assert large > 3 * small
    for method in ("DREL", "WSABIE", "SVM"):
        assert h.time_per_test_image(method, n_tags=20, n_features=64, n_test=20, repeats=1) > 0
    with pytest.raises(ValueError, match="method"):
        h.time_per_test_image("CNN")


def test_complexity_slopes_on_a_known_table():
    table = pd.DataFrame([dict(method="kNN", axis="N", N=n, T=81, seconds=1e-5 * n) for n in (10, 100, 1000)]
                         + [dict(method="DREL", axis="N", N=n, T=81, seconds=1e-3) for n in (10, 100, 1000)]
                         + [dict(method="DREL", axis="T", N=10, T=t, seconds=1e-5 * t) for t in (10, 100)])
    slopes = h.complexity_slopes(table).set_index(["axis", "method"])["slope"]
    assert slopes[("N", "kNN")] == pytest.approx(1.0)
    assert slopes[("N", "DREL")] == pytest.approx(0.0, abs=1e-9)
    assert slopes[("T", "DREL")] == pytest.approx(1.0)
    ledger = ClaimsLedger("03", output_dir="/nonexistent")
    claim = h.record_complexity_claim(ledger, table)
    assert claim.holds and claim.n_held == 3
    slow = table.assign(seconds=np.where(table["method"] == "DREL", 10.0, table["seconds"]))
    assert not h.record_complexity_claim(ClaimsLedger("03", output_dir="/nonexistent"), slow).holds


def test_claims_are_computed_from_the_runs(runs, data, tiny_dims):
    ledger = ClaimsLedger("03", output_dir="/nonexistent")
    frame = runs.frame
    claims = [
        h.record_cnn_beats_low_level_claim(ledger, frame),
        h.record_drel_beats_wsabie_claim(ledger, frame),
        h.record_knn_precision_claim(ledger, frame),
        h.record_svm_lowest_claim(ledger, frame),
        h.record_full_n_plus_claim(ledger, frame),
        h.record_ranking_losses_claim(ledger, frame),
    ]
    for claim in claims:
        assert claim.n_checked >= 2 and 0 <= claim.n_held <= claim.n_checked
        assert claim.holds == (claim.n_held == claim.n_checked)
        assert claim.paper_value and claim.reason
    # the DREL-WSABIE verdict follows the numbers: flip them and it must not hold
    flipped = frame.copy()
    is_drel, is_wsabie = flipped["method"] == "DREL", flipped["method"] == "WSABIE"
    for col in ("mP", "F1"):
        flipped.loc[is_drel, col], flipped.loc[is_wsabie, col] = 0.0, 1.0
    assert h.record_drel_beats_wsabie_claim(ClaimsLedger("03", output_dir="/nonexistent"), flipped).n_held == 0


def test_online_claim_uses_both_conditions():
    online = pd.DataFrame({"seconds": [1.0, 2.0, 10.0], "F1 all": [0.1, 0.4, 0.5], "F1 old": [0.4, 0.4, 0.5],
                           "F1 new": [0.0, 0.45, 0.5]},
                          index=["first model (old tags only)", "online update (partial_fit)", "retrained from scratch"])
    assert h.record_online_update_claim(ClaimsLedger("03", output_dir="/nonexistent"), online).holds
    online.loc["online update (partial_fit)", "F1 new"] = 0.2
    claim = h.record_online_update_claim(ClaimsLedger("03", output_dir="/nonexistent"), online)
    assert not claim.holds and claim.n_held == 1


def test_label_statistics_table_has_the_toy_rows(data):
    table = h.label_statistics_table(data, shared_dir="/nonexistent")
    assert "toy world (clean labels)" in table.index
    assert table.loc["toy world (clean labels)", "labels"] == 8


def test_config_from_params_and_errors():
    cfg = h.He2015Config.from_params({"n_images": 300, "timing_n": [100, 1000], "unknown": 1})
    assert cfg.n_images == 300 and cfg.timing_n == (100, 1000)
    with pytest.raises(ValueError, match="val_fraction"):
        h.He2015Config(val_fraction=1.5)
    with pytest.raises(ValueError, match="method"):
        h.make_model("SVD", "cnn")


class _StubTail(torch.nn.Module):
    """A trainable tail of the fine-tuning interface: a linear map of the 'activations'."""

    def __init__(self, n_in: int):
        super().__init__()
        self.linear = torch.nn.Linear(n_in, 6)
        self.register_buffer("output_mean", torch.zeros(0))
        self.register_buffer("output_std", torch.zeros(0))

    def set_output_standardisation(self, mean, std):
        self.output_mean, self.output_std = torch.as_tensor(mean), torch.as_tensor(std)
        return self

    def forward(self, x):
        out = torch.relu(self.linear(x.float()))
        return (out - self.output_mean) / self.output_std if self.output_mean.numel() else out


def test_cnn_taggers_fine_tune_the_tail_on_the_stems_inputs(data, tiny_dims):
    made, initial = [], []

    def make_tail():  # like the backbone's tail: every copy starts from the same weights
        torch.manual_seed(0)
        made.append(_StubTail(5))
        initial.append(made[-1].linear.weight.detach().clone())
        return made[-1]

    rng = np.random.default_rng(1)
    stem = rng.random((data.n_images, 5), dtype=np.float32)
    with torch.no_grad():
        frozen = make_tail()(torch.from_numpy(stem)).numpy()
    made.clear(), initial.clear()
    tuned = h.AnnotationData(data.keys, data.names, data.truth, data.ugc, data.features, data.n_images,
                             h.CNNFineTuning("head", stem, make_tail, frozen))
    assert h.method_inputs(tuned, "cnn", "CNN_WARP") is stem
    assert h.method_inputs(tuned, "cnn", "DREL") is data.features["cnn"]
    assert h.method_inputs(tuned, "low-level", "SVM") is data.features["low-level"]
    out = h.annotation_runs(tuned, seeds=[0], kinds=("cnn",), epochs=2, triplets_per_image=4, knn_k=10, ugc=False,
                            cnn_epochs=1, chosen={"cnn": {m: {"learning_rate": 0.05} for m in h.CNN_LOSSES}})
    assert len(made) == 3  # one fresh tail per CNN tagger
    assert all(not torch.equal(m.linear.weight, w) for m, w in zip(made, initial))  # each tail was trained
    # each tail's output was standardised with the frozen tail's statistics on the training images
    train = tuned.split(0)["train"]
    for m in made:
        np.testing.assert_allclose(m.output_mean.numpy(), frozen[train].mean(0), rtol=1e-5, atol=1e-6)
        assert (m.output_std > 0).all()
    cnn_rows = out.frame[out.frame["method"].isin(list(h.CNN_LOSSES))]
    assert len(cnn_rows) == 3 and cnn_rows["F1"].between(0, 1).all()
    assert all(out.models[("cnn", m)].config.epochs == 1 for m in h.CNN_LOSSES)
    assert out.models[("cnn", "DREL")].config.epochs == 2


def test_chosen_settings_take_the_fine_tuning_choice():
    assert h.chosen_settings("none")["cnn"]["CNN_WARP"] == h.CHOSEN["cnn"]["CNN_WARP"]
    for mode, methods in h.CHOSEN_FINETUNE.items():
        for method, params in methods.items():
            assert h.chosen_settings(mode)["cnn"][method] == params
    assert h.chosen_settings("head")["low-level"] == h.CHOSEN["low-level"]
    with pytest.raises(ValueError, match="cnn_finetune"):
        h.He2015Config(cnn_finetune="stem")


def test_online_update_reuses_the_retrained_model_with_its_tag_order(data, tiny_dims, runs):
    model = runs.models[("cnn", "DREL")]
    reused = h.online_update_experiment(data, "cnn", seed=0, new_fraction=0.25, epochs=3, triplets_per_image=4,
                                        retrained=(model, 1.25))
    row = reused.loc["retrained from scratch"]
    assert row["seconds"] == 1.25
    assert row["F1 all"] == pytest.approx(runs.frame.query(
        "kind == 'cnn' and tags == 'clean' and method == 'DREL' and seed == 0")["F1"].iloc[0])


def test_complexity_sizes_need_two_values_for_a_slope():
    with pytest.raises(ValueError, match="at least two sizes"):
        h.He2015Config(timing_n=(1000,))


def test_worker_processes_give_the_same_runs_as_one_process_with_one_thread(data, tiny_dims, monkeypatch):
    kwargs = dict(seeds=[0, 1], kinds=("cnn",), epochs=2, triplets_per_image=4, knn_k=10, ugc=True,
                  chosen={"cnn": dict(h.CHOSEN["cnn"])})  # passed on: the workers do not see the monkeypatch
    parallel = h.annotation_runs(data, workers=2, **kwargs)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # the workers' thread count
    single = h.annotation_runs(data, workers=1, **kwargs)
    columns = ["kind", "tags", "method", "seed", "mP", "mR", "F1", "n_plus"]
    pd.testing.assert_frame_equal(parallel.frame[columns], single.frame[columns])
    pd.testing.assert_frame_equal(parallel.curves, single.curves)
    np.testing.assert_array_equal(parallel.test_scores[("cnn", "clean", "DREL")],
                                  single.test_scores[("cnn", "clean", "DREL")])
    assert set(parallel.models) == set(single.models)
    with pytest.raises(ValueError, match="workers"):
        h.annotation_runs(data, workers=0, **kwargs)


def test_online_models_can_train_in_the_workers(data, tiny_dims):
    import functools

    args = dict(kind="cnn", seed=0, new_fraction=0.25, epochs=3, triplets_per_image=4)
    # the workers import CHOSEN afresh, without tiny_dims' patch: their DREL has the default size,
    # so only what does not depend on the network (the split of tags and images) is compared
    fn = functools.partial(h.online_update_models, **args)
    runs = h.annotation_runs(data, seeds=[0], kinds=("cnn",), epochs=3, triplets_per_image=4, knn_k=10, ugc=False,
                             chosen={"cnn": dict(h.CHOSEN["cnn"])}, workers=2, also={"online": fn})
    update = runs.also["online"]
    assert isinstance(update, h.OnlineUpdate) and update.update_scores.shape[1] == len(data.keys)
    here = h.online_update_models(data, **args)
    assert update.n_old == here.n_old and update.n_batch == here.n_batch
    np.testing.assert_array_equal(update.order, here.order)
    table = h.online_update_experiment(data, **args, update=here)
    assert table.loc["online update (partial_fit)", "F1 new"] > 0
    with pytest.raises(ValueError, match="other arguments"):
        h.online_update_experiment(data, **{**args, "new_fraction": 0.5}, update=here)


def test_low_level_cache_is_keyed_by_the_pixels(monkeypatch, tmp_path):
    from tagbook.world import WorldConfig, make_world

    monkeypatch.setenv("TAGBOOK_CACHE", str(tmp_path))
    world = make_world(WorldConfig(n_images=24, seed=0), progress=False)
    first = h.low_level_matrix(world, codebook_images=24)
    assert first.shape == (24, 1134)
    np.testing.assert_array_equal(h.low_level_matrix(world, codebook_images=24), first)  # a cache hit
    redrawn = SimpleNamespace(images=world.images.copy(), splits=world.splits, config=world.config)
    redrawn.images[0, 0, 0] ^= 255  # same settings, other pixels: not served the old features
    h.low_level_matrix(redrawn, codebook_images=24)
    assert len(list((tmp_path / "he2015-lowlevel").glob("*.npz"))) == 2
