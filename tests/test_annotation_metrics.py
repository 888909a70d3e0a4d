"""annotation_prf (Makadia et al. 2008, as used by He et al. 2015) on hand-computed cases."""

import dataclasses

import numpy as np
import pytest

from tagbook.metrics import AnnotationPRF, annotation_prf, per_tag_annotation
from tagbook.metrics.ranking import precision_recall_f1_at_k
from tagbook.report import paper_numbers

NEG = -np.inf

# 4 images x 4 tags, annotated at k = 1:
#   image 0 -> tag 0 (correct)   image 1 -> tag 0 (wrong: it is tag 1)
#   image 2 -> tag 1 (correct)   image 3 -> tag 2 (wrong: it is tags 0 and 3)
# tag 0: predicted 2, correct 1, relevant 2 -> P 1/2, R 1/2
# tag 1: predicted 1, correct 1, relevant 2 -> P 1,   R 1/2
# tag 2: predicted 1, correct 0, relevant 0 -> no relevant image: left out of the means
# tag 3: predicted 0, correct 0, relevant 1 -> never predicted: P 0, R 0
SCORES = np.array(
    [
        [0.9, 0.1, 0.0, 0.0],
        [0.8, 0.5, 0.1, 0.0],
        [0.1, 0.7, 0.2, 0.0],
        [0.2, 0.1, 0.6, 0.0],
    ]
)
TRUTH = np.array(
    [
        [1, 0, 0, 0],
        [0, 1, 0, 0],
        [0, 1, 0, 0],
        [1, 0, 0, 1],
    ],
    dtype=bool,
)


def test_hand_case_with_a_never_predicted_tag_and_a_tag_without_relevant_images():
    result = annotation_prf(SCORES, TRUTH, k=1)
    assert isinstance(result, AnnotationPRF)
    assert result.mP == pytest.approx((0.5 + 1.0 + 0.0) / 3)
    assert result.mR == pytest.approx((0.5 + 0.5 + 0.0) / 3)
    assert result.F1 == pytest.approx(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))  # = 0.4, from the means
    assert result.F1 == pytest.approx(0.4)
    per_tag_f1 = np.mean([0.5, 2 * 1.0 * 0.5 / 1.5, 0.0])  # the mean of per-tag F1 is another number
    assert abs(result.F1 - per_tag_f1) > 0.01
    assert result.n_plus == 2 and result.n_tags == 3 and result.k == 1


def test_per_tag_counts_of_the_hand_case():
    counts = per_tag_annotation(SCORES, TRUTH, k=1)
    assert counts.correct.tolist() == [1, 1, 0, 0]
    assert counts.predicted.tolist() == [2, 1, 1, 0]
    assert counts.relevant.tolist() == [2, 2, 0, 1]
    assert counts.precision.tolist() == [0.5, 1.0, 0.0, 0.0]
    recall = counts.recall
    assert recall[[0, 1, 3]].tolist() == [0.5, 0.5, 0.0] and np.isnan(recall[2])
    assert counts.evaluated.tolist() == [True, True, False, True]


def test_top_five_of_six_tags():
    # 2 images x 6 tags at the papers' k = 5: each image is annotated with all tags but its worst
    scores = np.array([[6, 5, 4, 3, 2, 1], [1, 2, 3, 4, 5, 6]], dtype=float)
    truth = np.array([[1, 0, 0, 0, 0, 1], [1, 0, 0, 0, 0, 0]], dtype=bool)
    # tag 0: predicted once (image 0), correct 1, relevant 2; tag 5: predicted once (image 1), correct 0, relevant 1;
    # tags 1-4 have no relevant image
    result = annotation_prf(scores, truth)  # k = 5 by default
    assert result.k == 5 and result.n_tags == 2
    assert result.mP == pytest.approx((1.0 + 0.0) / 2)
    assert result.mR == pytest.approx((0.5 + 0.0) / 2)
    assert result.n_plus == 1


def test_a_tag_scored_minus_inf_is_never_predicted_but_still_relevant():
    # image 0 can only be annotated with tag 1 (the others are -inf), so at k = 2 it gets one tag
    scores = np.array([[NEG, 0.3, NEG], [0.9, 0.8, 0.1]])
    truth = np.array([[1, 1, 0], [0, 0, 1]], dtype=bool)
    counts = per_tag_annotation(scores, truth, k=2)
    assert counts.predicted.tolist() == [1, 2, 0]  # image 0 -> {1}; image 1 -> {0, 1}
    assert counts.correct.tolist() == [0, 1, 0]
    result = annotation_prf(scores, truth, k=2)
    # tag 0: P 0, R 0 (its relevant image scored it -inf); tag 1: P 1/2, R 1; tag 2: never predicted
    assert result.mP == pytest.approx((0.0 + 0.5 + 0.0) / 3)
    assert result.mR == pytest.approx((0.0 + 1.0 + 0.0) / 3)
    assert result.n_plus == 1


def test_perfect_annotation_and_ties():
    truth = np.eye(3, dtype=bool)
    perfect = annotation_prf(truth.astype(float), truth, k=1)
    assert (perfect.mP, perfect.mR, perfect.F1, perfect.n_plus) == (1.0, 1.0, 1.0, 3)
    # all scores tie: the lowest tag index wins every image (the library's tie rule)
    tied = annotation_prf(np.zeros((3, 3)), truth, k=1)
    assert tied.mP == pytest.approx(1 / 9) and tied.mR == pytest.approx(1 / 3) and tied.n_plus == 1


def test_agrees_with_the_label_averaged_ranking_metric_where_every_tag_has_a_relevant_image():
    rng = np.random.default_rng(3)
    for trial in range(20):
        n_images, n_tags = 30, 12
        scores = rng.integers(0, 4, size=(n_images, n_tags)).astype(float)  # many ties
        scores[rng.random(scores.shape) < 0.15] = NEG
        truth = rng.random((n_images, n_tags)) < 0.2
        truth[rng.integers(0, n_images, size=n_tags), np.arange(n_tags)] = True  # every tag relevant somewhere
        k = (1, 3, 5)[trial % 3]
        ours = annotation_prf(scores, truth, k=k)
        theirs = precision_recall_f1_at_k(scores, truth, k, average="label")
        assert ours.mP == pytest.approx(theirs.precision)
        assert ours.mR == pytest.approx(theirs.recall)
        assert ours.F1 == pytest.approx(theirs.f1)
        assert ours.n_plus == theirs.n_plus


def test_result_is_frozen_and_accepts_0_1_truth():
    result = annotation_prf(SCORES, TRUTH.astype(int), k=1)
    assert result == annotation_prf(SCORES, TRUTH, k=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.mP = 1.0


def test_clear_errors():
    with pytest.raises(ValueError, match="k must be"):
        annotation_prf(SCORES, TRUTH, k=0)
    with pytest.raises(ValueError, match="k must be"):
        annotation_prf(SCORES, TRUTH, k=True)
    with pytest.raises(ValueError, match="truth has shape"):
        annotation_prf(SCORES, TRUTH[:, :3], k=1)
    with pytest.raises(ValueError, match="boolean"):
        annotation_prf(SCORES, TRUTH * 2, k=1)
    with pytest.raises(ValueError, match="scores must be"):
        annotation_prf(SCORES[0], TRUTH[0], k=1)
    with pytest.raises(ValueError, match="NaN"):
        annotation_prf(np.where(TRUTH, np.nan, 0.0), TRUTH, k=1)
    with pytest.raises(ValueError, match="no relevant image"):
        annotation_prf(SCORES, np.zeros_like(TRUTH), k=1)


# ----------------------------------------------------------------------------- the papers' numbers


def value(table, method, metric, setting):
    row = table[(table["method"] == method) & (table["metric"] == metric) & (table["setting"] == setting)]
    assert len(row) == 1, (method, metric, setting)
    return float(row["value"].iloc[0])


def test_he2015_tables_1_and_2_read_back_as_printed():
    he = paper_numbers("he2015")
    assert not he.duplicated(["table", "method", "metric", "setting"]).any()
    # Table 1 (low-level features): "DREL 0.1614 0.3193 0.2144 81", "kNN 0.1896 0.2216 0.2043 74"
    low = he[he["table"] == "Table 1"]
    assert [value(low, "DREL", m, "low-level features") for m in ("mP", "mR", "F1", "N+")] == [
        0.1614, 0.3193, 0.2144, 81,
    ]
    assert value(low, "kNN", "N+", "low-level features") == 74
    # Table 2 (CNN features): "CNN_WARP 0.1996 0.4637 0.2790 78", "kNN 0.2566 0.3826 0.3072 81"
    cnn = he[he["table"] == "Table 2"]
    assert [value(cnn, "CNN_WARP", m, "CNN features") for m in ("mP", "mR", "F1", "N+")] == [
        0.1996, 0.4637, 0.2790, 78,
    ]
    assert value(cnn, "kNN", "F1", "CNN features") == 0.3072
    assert sorted(set(low["method"])) == ["DREL", "SVM", "WSABIE", "kNN"]
    assert set(cnn["method"]) == {"kNN", "SVM", "WSABIE", "CNN_softmax", "CNN_hinge", "CNN_WARP", "DREL"}
    # every printed F1 is 2 mP mR / (mP + mR) of the printed means, to the 4 digits printed
    for (table, method), rows in he.groupby(["table", "method"]):
        m = dict(zip(rows["metric"], rows["value"]))
        assert abs(2 * m["mP"] * m["mR"] / (m["mP"] + m["mR"]) - m["F1"]) < 1e-4, (table, method)


def test_ni2017_tables_1_to_3_read_back_as_printed():
    ni = paper_numbers("ni2017")
    assert not ni.duplicated(["table", "method", "metric", "setting"]).any()
    # Table 1: "Fast0Tag | 2.12s | 0.39s | 43.6s | 3.22s"
    t1 = ni[ni["table"] == "Table 1"]
    assert [value(t1, "Fast0Tag", "time per epoch (s)", s)
            for s in ("291 tags; full", "291 tags; sampled", "925 tags; full", "925 tags; sampled")] == [
        2.12, 0.39, 43.6, 3.22,
    ]
    # Table 2: "Proposed Algorithm | 15.4 | 44.6 | 22.9 | 13.1 | 11.6 | 12.3 | 13.3 | 10.2 | 12.1 | 17.3 | 19.0 |
    # 18.1 | 21.9 | 15.1 | 17.9"
    t2 = ni[ni["table"] == "Table 2"]
    settings = ("NUS-WIDE 925->81", "NUS-WIDE 925->1006", "IA->ESP", "VG->ESP", "YFCC->ESP")
    assert [value(t2, "Proposed", m, s) for s in settings for m in ("P", "R", "F1")] == [
        15.4, 44.6, 22.9, 13.1, 11.6, 12.3, 13.3, 10.2, 12.1, 17.3, 19.0, 18.1, 21.9, 15.1, 17.9,
    ]
    # "Fast0Tag | 16.2 | 39.3 | 22.9 | ..." and "Will Not Scale" on VG->ESP and YFCC->ESP: no number typed there
    assert value(t2, "Fast0Tag", "R", "NUS-WIDE 925->81") == 39.3
    assert t2[(t2["method"] == "Fast0Tag") & t2["setting"].isin(["VG->ESP", "YFCC->ESP"])].empty
    # Table 3: "Full Cross-entropy | 43 | 36 | 39 | | 38 | 36 | 37"
    t3 = ni[ni["table"] == "Table 3"]
    assert [value(t3, "Full cross-entropy", m, s) for s in ("IA", "ESP") for m in ("P", "R", "F1")] == [
        43, 36, 39, 38, 36, 37,
    ]
    assert len(t3) == 10 * 2 * 3 and len(t2) == (3 + 4 + 4 + 5 + 5 + 5) * 3 and len(t1) == 12
    assert (ni["note"] != "").all() and (ni["setting"] != "").all()
