"""The cross-lingual experiment driver on a tiny hand-made task."""

import numpy as np
import pytest

from tagbook.text.spaces import WordVectorSpace
from tagbook.experiments.wei2017 import Harvest, SourceVocabulary, bootstrap_hits, content_vocabulary
from tagbook.text.vectors import WordVectors

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
