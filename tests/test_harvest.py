"""The cross-lingual experiments of chapter 02 (Wei, Wang and Li 2017) on tiny hand-made tasks."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from tagbook.experiments import wei2017 as w17
from tagbook.experiments.wei2017 import Harvest, SourceVocabulary, bootstrap_hits, content_vocabulary
from tagbook.groundtruth import GroundTruth
from tagbook.report import ClaimsLedger, markdown_table, paper_numbers
from tagbook.text.spaces import WordVectorSpace
from tagbook.text.vectors import WordVectors

PAPER = paper_numbers("wei2017")

# a 3-d space: axis 0 animals, axis 1 windows, axis 2 cameras
EN = WordVectors(["dog", "shutter", "camera", "animal", "window", "device"],
                 np.array([[1, 0, 0], [0, 0.7, 0.7], [0, 0, 1], [1, 0.1, 0], [0, 1, 0], [0, 0.2, 1]], float), lang=None)
ZH = WordVectors(["狗", "百叶窗", "快门", "窗户", "相机"],
                 np.array([[1, 0, 0], [0, 1, 0.1], [0, 0.1, 1], [0.1, 1, 0], [0, 0.05, 1]], float), lang=None)
SPACE = WordVectorSpace({"en": EN, "zh": ZH}, name="hand-made")
PATHS = {"shutter.window": [["shutter.window", "window"]], "shutter.camera": [["shutter.camera", "camera"]]}
TEXT = {"dog": "dog", "shutter.window": "shutter", "shutter.camera": "shutter", "window": "window", "camera": "camera"}
SOURCE = SourceVocabulary(["dog", "shutter", "shutter"], ["dog", "shutter.window", "shutter.camera"],
                          lambda n: PATHS.get(n, [[n]]), TEXT.__getitem__)
TARGETS = ["狗", "百叶窗", "快门", "窗户", "相机", "不在"]  # the last word has no vector


@pytest.fixture
def harvest():
    return Harvest(SOURCE, TARGETS, SPACE, {"dog": ["狗"], "shutter": ["快门", "百叶窗"]}, k=2).fit()


def test_coverage_counts(harvest):
    cov = harvest.coverage()
    assert cov["target labels"] == 6 and cov["target labels in the space"] == 5
    assert cov["source labels with a HierSE vector"] == 3
    assert cov["translations in the target vocabulary"] == 3


def test_hierse_tells_the_two_shutters_apart_and_mt_does_not(harvest):
    window_shutter = np.array([[0.05, 0.9, 0.05]])
    truth = np.array([[False, True, False, True, False, False]])  # 百叶窗, 窗户
    assert harvest.top_labels(window_shutter, "mt", n=1) == [["快门"]]
    assert harvest.evaluate(window_shutter, truth, "mt")["hit@1"] == 0.0
    assert harvest.top_labels(window_shutter, "hierse", n=1)[0][0] in ("百叶窗", "窗户")
    assert harvest.evaluate(window_shutter, truth, "hierse")["hit@1"] == 1.0
    # ConSE's "shutter" sits between windows and cameras
    assert harvest.top_labels(window_shutter, "conse", n=5)[0][-1] != "不在"


def test_theta_curve_and_missing_words(harvest):
    probs = np.array([[0.6, 0.3, 0.1], [0.1, 0.1, 0.8]])
    truth = np.zeros((2, 6), bool)
    truth[0, 0] = truth[1, 2] = True
    curve = harvest.theta_curve(probs, truth, [0.0, 0.5, 1.0])
    assert list(curve.columns) == ["base", "theta", "hit@1", "hit@5", "hit@10", "sum"]
    assert len(curve) == 6
    # theta = 1 is the zero-shot model
    zs = harvest.evaluate(probs, truth, "conse")
    row = curve[(curve.base == "conse") & (curve.theta == 1.0)].iloc[0]
    assert row["sum"] == pytest.approx(zs["sum"])
    # the word without a vector is never predicted by a zero-shot method
    for method in ("conse", "hierse", "label-enhanced-hierse"):
        assert all("不在" not in row for row in harvest.top_labels(probs, method, 0.5, n=6))
    with pytest.raises(ValueError, match="unknown method"):
        harvest.score(probs, "nearest")


def test_bootstrap_interval_brackets_the_estimate():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(40, 8))
    truth = rng.random((40, 8)) < 0.2
    table = bootstrap_hits(scores, truth, np.random.default_rng(1), n_boot=500)
    assert list(table.index) == ["hit@1", "hit@5", "hit@10", "sum"]
    assert ((table["low"] <= table["value"]) & (table["value"] <= table["high"])).all()
    assert table.loc["sum", "value"] == pytest.approx(table.loc[["hit@1", "hit@5", "hit@10"], "value"].sum())


def test_content_vocabulary_tags_words_in_context():
    words = content_vocabulary(["雪地上有一只狗。", "一只猫在左边。"], ["狗", "一只", "猫", "左边", "上", "马"])
    assert words == ["狗", "猫", "左边"]


def test_experiment_table_theta_choice_and_claims(harvest, tmp_path):
    from tagbook.experiments.wei2017 import best_theta, run_experiment, table2
    from tagbook.report import ClaimsLedger

    rng = np.random.default_rng(3)
    probs = {name: (rng.dirichlet(np.ones(3), size=8), rng.dirichlet(np.ones(3), size=8)) for name in ("a", "b")}
    truth = rng.random((8, 6)) < 0.3
    result = run_experiment(harvest, probs, truth, truth, [0.0, 0.5, 1.0])
    assert set(result.table["method"]) == {"mt", "conse", "hierse", "label-enhanced-conse", "label-enhanced-hierse"}
    for (model, base), theta in result.chosen_theta.items():
        val = result.val_curves[(result.val_curves.model == model) & (result.val_curves.base == base)]
        assert theta == best_theta(val)
        assert result.hits(model, f"label-enhanced-{base}")["sum"] == pytest.approx(
            harvest.evaluate(probs[model][1], truth, f"label-enhanced-{base}", theta)["sum"])
    t2 = table2(result)
    assert t2.loc[("a", "zero-shot"), "sum"] == pytest.approx(100 * result.hits("a", "hierse")["sum"])
    ledger = ClaimsLedger("99", output_dir=tmp_path)
    from tagbook.experiments.wei2017 import record_claims

    record_claims(ledger, result, tier="toy", where="tiny")
    assert len(ledger.claims) == 6
    claim = next(c for c in ledger.claims if c.id == "hierse-beats-conse")
    expected = all(result.hits(m, "hierse")["sum"] > result.hits(m, "conse")["sum"] for m in ("a", "b"))
    assert claim.holds == expected and "a: HierSE sum" in claim.evidence


def test_best_theta_takes_the_smallest_of_ties():
    import pandas as pd

    from tagbook.experiments.wei2017 import best_theta

    assert best_theta(pd.DataFrame({"theta": [0.0, 0.5, 1.0], "sum": [1.0, 2.0, 2.0]})) == 0.5


# ---- the chapter's steps: data, label side, tables, diagnosis, real photos -------------------------


@pytest.fixture(scope="module")
def toy_data():
    return w17.toy_caption_data(40, 64, seed=1, cache=False)


@pytest.fixture
def tiny_result(harvest):
    rng = np.random.default_rng(3)
    probs = {name: (rng.dirichlet(np.ones(3), size=8), rng.dirichlet(np.ones(3), size=8)) for name in ("a", "b")}
    truth = rng.random((8, 6)) < 0.3
    return w17.run_experiment(harvest, probs, truth, truth, [0.0, 0.5, 1.0]), probs, truth


def _tiny_ground_truth(truth: np.ndarray) -> w17.ChapterGroundTruth:
    labels = [[TARGETS[j] for j in np.flatnonzero(row)] for row in truth]
    vocabulary = list(dict.fromkeys(w for row in labels for w in row))
    split = GroundTruth(labels, vocabulary)
    return w17.ChapterGroundTruth({"val": split, "test": split}, split)


def _photo(name: str, *words: str) -> SimpleNamespace:
    """A stand-in for a hand-labelled sample photo."""
    return SimpleNamespace(name=name, labels={"zh": list(words)})


def test_labels_from_scores_never_predicts_a_minus_inf_label():
    scores = np.array([[0.1, -np.inf, 0.5, -np.inf], [-np.inf, -np.inf, -np.inf, 0.2]])
    assert w17.labels_from_scores(scores, ["a", "b", "c", "d"], n=3) == [["c", "a"], ["d"]]


def test_toy_caption_data_splits_captions_and_images(toy_data):
    assert toy_data.name == "toy world (40 images)"
    assert set(toy_data.split_images) == {"train", "val", "test"}
    for name, idx in toy_data.split_images.items():
        assert len(toy_data.captions[name]) == len(idx)
        assert toy_data.captions[name][0] == toy_data.world.captions["zh"][idx[0]]
    first_test = toy_data.split_images["test"][0]
    assert np.array_equal(toy_data.test_image(0), toy_data.world.images[first_test])


def test_load_caption_data_names_a_bad_dataset_and_a_missing_data_dir():
    with pytest.raises(ValueError, match="dataset must be one of toy, flickr8kcn"):
        w17.load_caption_data("coco", n_images=10, image_size=64, seed=0)
    with pytest.raises(ValueError, match="data_dir"):
        w17.load_caption_data("flickr8kcn", n_images=10, image_size=64, seed=0, data_dir=None)


def test_ground_truth_statistics_table_puts_the_paper_first_and_prints_no_missing_words(toy_data):
    gt = w17.chapter_ground_truth(toy_data)
    assert set(gt.splits) == {"train", "val", "test"}
    assert len(gt.words()) == len(set(gt.words()))
    assert gt.matrices(gt.words())["test"].shape == (len(toy_data.split_images["test"]), len(gt.words()))
    table = w17.ground_truth_statistics_table(gt, PAPER)
    assert table.index[0].startswith("paper")
    assert table.loc[table.index[0], "distinct labels"] == 1012
    assert table.loc[table.index[1], "images"] == len(toy_data.split_images["test"])
    assert str(table["images"].dtype) == "Int64" and table["labels per image: mean"].dtype == float
    text = markdown_table(table, digits={"labels per image: mean": 1})
    assert "nan" not in text.lower() and "<NA>" not in text and "| 5.8 |" in text and "| 1000 |" in text


def test_frequent_words_are_shares_in_decreasing_order():
    gt = GroundTruth([["狗", "草地"], ["狗"], ["猫"], ["狗", "猫"]], ["狗", "猫", "草地"])
    top = w17.frequent_words(gt, n=2)
    assert list(top.index) == ["狗", "猫"] and top.tolist() == [0.75, 0.5]


def test_no_word_enters_the_candidates_because_it_is_a_test_label(harvest):
    """A tiny experiment end to end: the test images' labels include words the space's vocabulary
    lacks; the fixed candidate set keeps them out, they stay unpredictable, every method ranks the
    same candidates, and the oracle setting is the only way they get in."""
    vocabulary = ["狗", "百叶窗", "快门"]  # the target side of the space, fixed in advance
    test = GroundTruth([["狗", "马"], ["草地"], ["百叶窗", "草地"]], ["狗", "马", "草地", "百叶窗"])
    gt = w17.ChapterGroundTruth({"val": test, "test": test}, test)
    candidates = w17.candidate_words(vocabulary, gt)
    assert candidates == vocabulary
    assert not {"马", "草地"} & set(candidates)
    tiny = Harvest(SOURCE, candidates, SPACE, {"dog": ["狗"], "shutter": ["快门", "百叶窗"]}, k=2).fit()
    for method in w17.METHODS:
        assert not {"马", "草地"} & set(tiny.labels(method)[:len(candidates)])
        assert tiny.labels(method)[:len(candidates)] == candidates  # the same candidates for every method
    truth = gt.matrices(candidates)["test"]
    assert truth.shape == (3, 3) and not truth[1].any()  # an image with only outside words: never a hit
    oov = w17.out_of_vocabulary(gt, candidates)
    assert oov["outside (never predictable)"] == 2 and oov["images with no predictable word"] == 1
    assert sorted(oov["outside words"]) == ["草地", "马"]
    probs = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.05, 0.9, 0.05]])
    for method in w17.METHODS:
        assert tiny.evaluate(probs, truth, method)["hit@10"] <= 2 / 3
    assert set(w17.candidate_words(vocabulary, gt, "oracle")) == {"狗", "马", "草地", "百叶窗"}
    with pytest.raises(ValueError, match="candidates must be one of"):
        w17.candidate_words(vocabulary, gt, "everything")


def test_space_statistics_table_in_the_papers_order(harvest):
    table = w17.space_statistics_table(harvest, PAPER)
    assert list(table.index[:6]) == ["English words in the space", "Chinese words in the space", "source labels",
                                     "source labels in the space", "target labels", "target labels in the space"]
    paper, ours = table.columns
    assert table.loc["English words in the space", paper] == 26255
    assert table.loc["source labels in the space", paper] == 834  # ResNet-152's, not the other models'
    assert table.loc["source labels", paper] == 1000
    assert table.loc["English words in the space", ours] == 6 and table.loc["target labels", ours] == 6
    assert pd.isna(table.loc["source labels translated", paper])
    assert "<NA>" not in markdown_table(table)
    assert w17.words_with_vector(harvest, ["狗", "不在", "相机"]) == 2


def test_label_side_rejects_an_unknown_space_before_any_work():
    with pytest.raises(ValueError, match="bilingual_space must be one of"):
        w17.toy_label_side(None, "glove", 100, 0)
    with pytest.raises(ValueError, match="bilingual_space must be one of"):
        w17.toy_bilingual_space("glove", 100, 0, corpus=[])


def test_results_table_and_table2_beside_the_paper(tiny_result):
    result, _, _ = tiny_result
    full = w17.results_table(result)
    assert list(full.columns) == ["θ", "hit@1", "hit@5", "hit@10", "sum"]
    assert pd.isna(full.loc[("a", "machine translation"), "θ"])
    assert full.loc[("a", "label-enhanced (HierSE)"), "θ"] == result.chosen_theta[("a", "hierse")]
    wide = w17.table2_beside_paper(result, PAPER)
    assert len(wide) == 9  # the paper's three models, three methods each
    assert list(wide.index[:3]) == ["machine translation", "zero-shot", "label-enhanced zero-shot"]
    assert wide["paper: source model"].tolist()[::3] == ["ResNet-152", "GoogleNet-Shuffle", "OpenImages"]
    assert wide.iloc[0]["paper: hit@1"] == 6.4
    assert wide.iloc[1]["this build: sum"] == pytest.approx(100 * result.hits("a", "hierse")["sum"])
    assert wide.iloc[5]["this build: source model"] == "b"
    assert wide.iloc[6:]["this build: source model"].isna().all()  # a third model of ours does not exist
    text = markdown_table(wide, percent_columns=w17.table2_percent_columns())
    assert "nan" not in text.lower() and "| 6.4 |" in text
    assert w17.chosen_theta_text(result).startswith("a / conse: ")


def test_theta_curves_plot_one_panel_per_model(tiny_result):
    import matplotlib.pyplot as plt

    figure = w17.plot_theta_curves(tiny_result[0], "Fig. 2")
    assert len(figure.axes) == 2
    plt.close(figure)


def test_top_labels_table_marks_correct_labels_without_colour(harvest):
    probs = np.array([[0.05, 0.9, 0.05], [0.9, 0.05, 0.05]])
    predicted = w17.predict_top_labels(harvest, probs, ("mt", "hierse"), theta=0.5, n=2)
    table = w17.top_labels_table(harvest, probs, ["one", "two"], [["百叶窗"], ["狗"]], predicted)
    assert table.headings == ["ground truth", "English labels", "machine translation", "zero-shot (HierSE)"]
    assert table.english[0][0] == "shutter"
    frame = table.to_frame()
    assert frame.loc["two", "machine translation"].startswith("狗" + w17.CORRECT_MARK)
    assert frame.loc["one", "ground truth"] == "百叶窗"  # the truth itself is not marked
    html = table.to_html()
    assert html.count("<tr>") == 3 and f"<strong>狗&nbsp;{w17.CORRECT_MARK}</strong>" in html
    assert table.n_correct().loc["two", "machine translation"] == 1
    assert w17.top_labels_table(harvest, probs[:1], ["one"], [["百叶窗"]], {"mt": predicted["mt"][:1]}) \
        .to_html(images_as_rows=False).count("<tr>") == 4  # header, truth, English, one method


def test_top_labels_table_escapes_text_and_checks_its_rows():
    table = w17.TopLabelsTable(["<b>"], [["a&b"]], [["x"]], {"m": [["a&b", "c"]]})
    html = table.to_html()
    assert "<b>" not in html.replace("<strong>", "") and "a&amp;b" in html
    with pytest.raises(ValueError, match="'m' has 2 rows for 1 images"):
        w17.TopLabelsTable(["one"], [["a"]], [["x"]], {"m": [["a"], ["b"]]})


def test_picks_images_and_shutter_search(toy_data):
    picks = w17.pick_test_images(np.random.default_rng(0), 6)
    assert len(set(picks)) == 4 and np.array_equal(picks, w17.pick_test_images(np.random.default_rng(0), 6))
    assert len(w17.pick_test_images(np.random.default_rng(0), 2)) == 2
    test_idx = toy_data.split_images["test"]
    column = toy_data.world.label_index["dog"]
    found = w17.first_test_image_with(toy_data.world, test_idx, "dog")
    shows = [j for j, i in enumerate(test_idx) if toy_data.world.label_matrix[i, column]]
    assert found == (shows[0] if shows else None)
    with pytest.raises(ValueError, match="no label 'unicorn'"):
        w17.first_test_image_with(toy_data.world, test_idx, "unicorn")


def test_plot_images_of_one_image_is_wide_enough():
    import matplotlib.pyplot as plt

    figure = w17.plot_images([np.zeros((8, 8, 3))])
    assert figure.get_size_inches()[0] >= w17.MIN_FIGURE_WIDTH
    plt.close(figure)
    with pytest.raises(ValueError, match="at least one image"):
        w17.plot_images([])


def test_hypernym_diagnosis_removes_the_names_that_no_caption_uses(harvest, tiny_result):
    result, probs, truth = tiny_result
    truth = truth.copy()
    truth[:, 4] = False  # 相机 is in no ground truth: a "hypernym name" to take out
    truth[:, 1] = True  # 百叶窗 is in the ground truth: kept although listed
    gt = _tiny_ground_truth(truth)
    diagnosis = w17.hypernym_diagnosis(harvest, result, probs, gt, "a", [0.0, 0.5, 1.0], {"相机", "百叶窗"})
    assert diagnosis.n_removed == 1 and diagnosis.result.models == ["a", "b"]
    assert list(diagnosis.shares.columns) == ["hypernym names", "ground-truth words"]
    assert list(diagnosis.sums.columns) == ["sum, full vocabulary", "sum, without the 1 hypernym names"]
    assert diagnosis.sums.index.names == ["source model", "method"]
    assert len(diagnosis.claims) == 6 and list(diagnosis.claims.columns) == ["id", "evidence", "holds"]
    beats_without, beats_with = diagnosis.hierse_beats_conse(result)
    assert beats_with == sum(result.hits(m, "hierse")["sum"] > result.hits(m, "conse")["sum"] for m in ("a", "b"))
    assert 0 <= beats_without <= 2


def test_hand_labels_never_join_the_real_candidates():
    photos = [_photo("p1", "狗", "草地"), _photo("p2", "猫")]
    targets = w17.real_photo_targets(photos, ["猫", "马"])
    assert targets == ["猫", "马"]
    truth = w17.hand_label_truth(photos, targets)
    assert truth.tolist() == [[False, False], [True, False]]  # 狗 and 草地 stay unpredictable
    assert w17.hand_labels_outside(photos, targets) == (2, 3)


def test_real_photo_hits_sums_shares_and_claim(harvest, tmp_path):
    photos = [_photo("p1", "百叶窗"), _photo("p2", "狗")]
    truth = w17.hand_label_truth(photos, harvest.target_words)
    probs = {"m1": np.array([[0.05, 0.9, 0.05], [0.9, 0.05, 0.05]]), "m2": np.array([[0.3, 0.3, 0.4], [0.4, 0.3, 0.3]])}
    task = w17.RealPhotoTask(photos, harvest, truth, probs)
    hits = w17.real_photo_hits(task, ("mt", "label-enhanced-hierse"), theta=0.5, seed=0)
    assert len(hits) == 2 * 2 * 4 and set(hits["metric"]) == {"hit@1", "hit@5", "hit@10", "sum"}
    le = hits[(hits.backbone == "m1") & (hits.method == w17.METHOD_NAMES["label-enhanced-hierse"])].set_index("metric")
    assert le.loc["sum", "value"] == pytest.approx(
        harvest.evaluate(probs["m1"], truth, "label-enhanced-hierse", 0.5)["sum"])
    sums = w17.real_photo_sums_table(hits)
    assert list(sums.columns) == ["hit@k sum", "95% interval: low", "95% interval: high"]
    assert (sums["95% interval: low"] <= sums["hit@k sum"]).all()
    shares = w17.real_photo_prediction_shares(task, ("mt",), 0.5)
    assert shares.index.names == ["backbone", "method"] and list(shares.columns) == ["hand-label words"]
    ledger = ClaimsLedger("99", output_dir=tmp_path)
    claim = w17.record_real_photo_claim(ledger, hits, ["m1", "m2"], len(photos))
    point = sums["hit@k sum"]
    expected = all(point[(b, w17.METHOD_NAMES["label-enhanced-hierse"])] > point[(b, w17.METHOD_NAMES["mt"])]
                   for b in ("m1", "m2"))
    assert claim.holds == expected and claim.evidence["m1: mt"] == point[("m1", w17.METHOD_NAMES["mt"])]
    assert "θ = 0.5" in claim.statement and claim.tier == "offline-real"


# ---- fine-grained source labels, the independent dictionary, seeds and diagnoses --------------------


def test_fine_grained_source_vocabulary_climbs_to_its_category():
    from tagbook.world.subtypes import subtype_keys

    source = w17.fine_grained_source_vocabulary()
    assert len(source.names) == len(subtype_keys()) >= 150
    beagle = source.nodes[source.names.index("beagle")]
    assert beagle.startswith("wn:")
    path_words = {source.node_text(n) for n in source.paths_of(beagle)[0]}
    assert "dog" in path_words and "hound" in path_words
    giraffe = source.nodes[source.names.index("baby giraffe")]  # no synset: name, then the toy tree
    assert source.paths_of(giraffe) == [[giraffe, "giraffe", "ruminant", "ungulate", "mammal", "animal", "organism",
                                         "entity"]]
    assert source.node_lemmas(beagle) == ["beagle"] and "tabby" in source.node_lemmas(
        source.nodes[source.names.index("tabby cat")])
    correct = w17.correct_words_of_source(SimpleNamespace(source_columns=None))
    assert correct[source.names.index("beagle")] == "狗"


def test_the_oracle_translation_row_and_the_authors_hierse(harvest):
    from tagbook.methods.zeroshot.hierse import authors_hierse_config

    oracle = Harvest(SOURCE, TARGETS, SPACE, {"dog": ["狗"]}, k=2, oracle_dictionary={"shutter": ["百叶窗"], "dog": ["狗"]}).fit()
    assert oracle.methods == w17.METHODS + (w17.ORACLE_MT,)
    window = np.array([[0.05, 0.9, 0.05]])
    assert oracle.top_labels(window, w17.ORACLE_MT, n=1) == [["百叶窗"]]
    assert harvest.methods == w17.METHODS
    with pytest.raises(ValueError, match="no oracle dictionary"):
        harvest.score(window, w17.ORACLE_MT)
    lemmas = SourceVocabulary(SOURCE.names, SOURCE.nodes, SOURCE.paths_of, SOURCE.node_text,
                              lambda n: {"window": ["window", "shutter"]}.get(n, [TEXT[n]]))
    authors = Harvest(lemmas, TARGETS, SPACE, {}, k=2, hierse=authors_hierse_config(k=2)).fit()
    assert authors.hierse.construction == "authors" and harvest.hierse.construction == "paper"
    # the window node is now the mean of "window" and "shutter": not the vector of "window" alone
    assert not np.allclose(authors.hierse_vectors[1], harvest.hierse_vectors[1])
    assert np.allclose(authors.hierse_vectors[0], EN.vector("dog"))  # a node alone, not normalised


def test_mean_result_seeds_table_and_per_seed_verdicts(harvest):
    rng = np.random.default_rng(5)
    results = []
    for _ in range(3):
        probs = {name: (rng.dirichlet(np.ones(3), size=8), rng.dirichlet(np.ones(3), size=8)) for name in ("a", "b")}
        truth = rng.random((8, 6)) < 0.3
        results.append(w17.run_experiment(harvest, probs, truth, truth, [0.0, 0.5, 1.0]))
    mean = w17.mean_result(results)
    expected = np.mean([r.hits("a", "hierse")["sum"] for r in results])
    assert mean.hits("a", "hierse")["sum"] == pytest.approx(expected)
    assert mean.models == ["a", "b"] and len(mean.curves) == len(results[0].curves)
    table = w17.seeds_table(results)
    row = table.loc[("a", w17.METHOD_NAMES["hierse"])]
    assert row["sum"] == pytest.approx(expected)
    assert row["sum sd"] == pytest.approx(np.std([r.hits("a", "hierse")["sum"] for r in results], ddof=1))
    verdicts = w17.per_seed_verdicts(lambda: ClaimsLedger("99", output_dir="."), results, "toy", "tiny")
    assert (verdicts["seeds"] == 3).all() and len(verdicts) == 6
    boot = w17.bootstrap_table(harvest, {"a": (None, rng.dirichlet(np.ones(3), size=8))},
                               rng.random((8, 6)) < 0.3, results[0], n_boot=200)
    assert (boot["95% interval: low"] <= boot["hit@k sum"]).all() and (boot["hit@k sum"] <= boot["95% interval: high"]).all()
    fig = w17.plot_theta_bands(results, "bands")
    assert len(fig.axes) == 2 and fig.get_size_inches()[0] == pytest.approx(6.8)


def test_one_hot_diagnosis_counts_correct_and_hypernym_first_words(harvest):
    table = w17.one_hot_diagnosis(harvest, ["狗", "百叶窗", "快门"], {"窗户"})
    assert list(table.index) == ["ConSE", "HierSE"]
    first = [row[0] for row in harvest.top_labels(np.eye(3), "hierse", n=1)]
    assert table.loc["HierSE", "correct word first"] == pytest.approx(np.mean([f == c for f, c in zip(first, ["狗", "百叶窗", "快门"])]))
    assert table.loc["HierSE", "a hypernym name first"] == pytest.approx(np.mean([f == "窗户" for f in first]))


def test_real_photo_zero_shot_claim_counts_backbones(harvest, tmp_path):
    photos = [_photo("p1", "百叶窗"), _photo("p2", "狗")]
    truth = w17.hand_label_truth(photos, harvest.target_words)
    probs = {"m1": np.array([[0.05, 0.9, 0.05], [0.9, 0.05, 0.05]]), "m2": np.array([[0.3, 0.3, 0.4], [0.4, 0.3, 0.3]])}
    hits = w17.real_photo_hits(w17.RealPhotoTask(photos, harvest, truth, probs), theta=0.5)
    claim = w17.record_real_photo_zero_shot_claim(ClaimsLedger("99", output_dir=tmp_path), hits, ["m1", "m2"], 2)
    sums = w17.real_photo_sums_table(hits)["hit@k sum"]
    held = [sums[(b, w17.METHOD_NAMES["label-enhanced-hierse"])] > sums[(b, w17.METHOD_NAMES["hierse"])] for b in ("m1", "m2")]
    assert claim.n_checked == 2 and claim.n_held == sum(held) and claim.holds == all(held)


def test_translation_examples_show_the_translation_and_its_gloss(harvest):
    table = w17.translation_examples(harvest, ["dog", "shutter"], {"狗": "dog", "快门": "camera shutter"}.get)
    assert table["translation"].tolist() == ["狗", "快门"]
    assert table["gloss of the translation"].tolist() == ["dog", "camera shutter"]
    assert list(table.columns) == ["source label", "translation", "found by", "gloss of the translation"]
