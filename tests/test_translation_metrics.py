"""Hand-computed cases for word-translation metrics (tagbook.metrics.translation)."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from tagbook.metrics.translation import (
    alignment_ratio,
    evaluate_word_translation,
    hub_count,
    hubness_report,
    k_occurrence,
    k_occurrence_skewness,
    mutual_nn_rate,
    precision_at_k,
    translation_precision,
    word_translation_rows,
)

# 4 queries, 5 retrieved targets each
RANKED = np.array(
    [
        [3, 1, 4, 0, 2],  # gold {3}: hit at rank 1
        [0, 2, 9, 7, 5],  # gold {9, 8}: first hit at rank 3
        [6, 6, 6, 6, 5],  # gold {1}: never
        [2, 0, 1, 3, 4],  # gold {7, 4}: hit at rank 5
    ]
)
GOLD = [{3}, {9, 8}, {1}, {7, 4}]


def test_precision_at_k_any_reference_counts():
    assert precision_at_k(RANKED, GOLD, 1) == 0.25
    assert precision_at_k(RANKED, GOLD, 2) == 0.25
    assert precision_at_k(RANKED, GOLD, 3) == 0.5
    assert precision_at_k(RANKED, GOLD, 5) == 0.75
    assert translation_precision(RANKED, GOLD) == {"P@1": 0.25, "P@5": 0.75}


def test_precision_at_k_rejects_bad_input():
    with pytest.raises(ValueError, match="k must lie in"):
        precision_at_k(RANKED, GOLD, 6)
    with pytest.raises(ValueError, match="rows but gold"):
        precision_at_k(RANKED, GOLD[:3], 1)
    with pytest.raises(ValueError, match="no test queries"):
        precision_at_k(np.zeros((0, 1), dtype=int), [], 1)


def test_alignment_ratio_counts_out_of_vocabulary_sources_as_wrong():
    top1 = RANKED[:, 0]
    assert alignment_ratio(top1, GOLD) == 0.25  # = NN P@1 when all test words are in the vocabulary
    assert alignment_ratio(top1, GOLD, n_dictionary_sources=10) == 0.1  # 1 correct / 10 dictionary words
    with pytest.raises(ValueError, match="n_dictionary_sources"):
        alignment_ratio(top1, GOLD, n_dictionary_sources=3)


def test_mutual_nn_rate():
    pairs = np.array([[0, 1], [1, 0], [2, 2]])
    forward = np.array([1, 0, 0])  # source -> nearest target
    backward = np.array([1, 0, 0])  # target -> nearest source
    # (0,1): f[0]=1, b[1]=0 yes; (1,0): f[1]=0, b[0]=1 yes; (2,2): f[2]=0 no
    assert mutual_nn_rate(pairs, forward, backward) == pytest.approx(2 / 3)


def test_k_occurrence_hubs_and_skewness():
    n1 = k_occurrence(RANKED, n_targets=10, k=1)
    assert n1.tolist() == [1, 0, 1, 1, 0, 0, 1, 0, 0, 0]
    n2 = k_occurrence(RANKED, n_targets=10, k=2)
    assert n2.tolist() == [2, 1, 2, 1, 0, 0, 2, 0, 0, 0]
    assert hub_count(RANKED, 10, more_than=1, k=2) == 3
    assert hub_count(RANKED, 10, more_than=0, k=1) == 4
    # one target retrieved by everybody is far more skewed than a spread-out retrieval
    hubby = np.zeros((20, 1), dtype=int)
    spread = np.arange(20).reshape(20, 1)
    assert k_occurrence_skewness(hubby, 20, k=1) > 4.0
    assert k_occurrence_skewness(spread, 20, k=1) == 0.0
    report = hubness_report(hubby, 20, more_than=10, k=1)
    assert report["hubs(N1>10)"] == 1.0 and report["max N1"] == 20.0 and report["never retrieved"] == 0.95


def test_precision_at_k_never_counts_an_empty_slot():
    ranked = np.array([[-1, -1], [4, -1]])  # -1: nothing retrieved there (e.g. a non-finite score)
    assert precision_at_k(ranked, [{-1}, {4}], 2) == 0.5
    assert alignment_ratio(ranked[:, 0], [{-1}, {4}]) == 0.5


def test_word_translation_rows_from_ranked_lists():
    csls = RANKED[:, ::-1].copy()  # P@1: row 3 hits (target 4); P@5 as nn
    rows = word_translation_rows({"nn": RANKED, "csls": csls}, GOLD, n_targets=10, n_dictionary_sources=10)
    nn, by_csls = rows
    assert nn["retrieval"] == "nn" and nn["P@1"] == 25.0 and nn["P@5"] == 75.0
    assert nn["alignment ratio"] == pytest.approx(10.0)  # 1 correct of 10 dictionary words
    assert by_csls["retrieval"] == "csls" and by_csls["P@1"] == 25.0 and "alignment ratio" not in by_csls
    assert nn["hubs (N1>5)"] == 0.0 and nn["skew N10"] == pytest.approx(k_occurrence_skewness(RANKED, 10, k=5))
    with pytest.raises(ValueError, match="at least one retrieval method"):
        word_translation_rows({}, GOLD, 10)


class RecordingRetrieve:
    """Returns fixed ranked lists per method and records how it was called."""

    def __init__(self, ranked_by_method):
        self.ranked_by_method, self.calls = ranked_by_method, []

    def __call__(self, mapped_queries, targets, *, k, method, mapped_source_space, csls_k, batch_size, normalize):
        self.calls.append(dict(n_queries=len(mapped_queries), n_targets=len(targets), k=k, method=method,
                               n_space=len(mapped_source_space), csls_k=csls_k, batch_size=batch_size, normalize=normalize))
        return self.ranked_by_method[method]


def test_evaluate_word_translation_retrieves_with_the_given_callable():
    space, targets = np.zeros((30, 3)), np.zeros((10, 3))
    retrieve = RecordingRetrieve({"nn": RANKED, "csls": RANKED[:, ::-1].copy()})
    rows = evaluate_word_translation(space, targets, np.arange(4), GOLD, csls_k=7, batch_size=2, normalize=False,
                                     retrieve=retrieve)
    assert rows == word_translation_rows(retrieve.ranked_by_method, GOLD, n_targets=10)
    assert [call["method"] for call in retrieve.calls] == ["nn", "csls"]
    assert retrieve.calls[0] == dict(n_queries=4, n_targets=10, k=10, method="nn", n_space=30, csls_k=7, batch_size=2,
                                     normalize=False)


def test_evaluate_word_translation_needs_a_retrieve_callable():
    space = np.zeros((5, 2))
    with pytest.raises(TypeError, match="retrieve"):
        evaluate_word_translation(space, space, np.arange(2), [{0}, {1}])
    with pytest.raises(TypeError, match="retrieve must be a callable"):
        evaluate_word_translation(space, space, np.arange(2), [{0}, {1}], retrieve="csls")
    with pytest.raises(ValueError, match="query_rows has 2 entries"):
        evaluate_word_translation(space, space, np.arange(2), [{0}], retrieve=RecordingRetrieve({}))


def test_evaluate_word_translation_on_identity_space():
    align = pytest.importorskip("tagbook.text.align")
    if not hasattr(align, "retrieve"):
        pytest.skip("tagbook.text.align has no retrieve")
    rng = np.random.default_rng(0)
    space = rng.normal(size=(30, 8))
    rows = evaluate_word_translation(space, space, np.arange(10), [{i} for i in range(10)], ks=(1, 5),
                                     retrieve=align.retrieve)
    by_method = {row["retrieval"]: row for row in rows}
    assert by_method["nn"]["P@1"] == 100.0 and by_method["csls"]["P@1"] == 100.0
    assert by_method["nn"]["alignment ratio"] == 100.0


def _tagbook_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("tagbook")}


def test_metrics_import_only_ranking_and_metrics():
    """Data flows one way: metrics use tagbook.ranking, never text, methods or what comes after."""
    package = Path(importlib.util.find_spec("tagbook.metrics").origin).parent
    for path in sorted(package.glob("*.py")):
        for name in _tagbook_imports(path):
            assert name == "tagbook.ranking" or name.startswith("tagbook.metrics"), f"{path.name} imports {name}"
