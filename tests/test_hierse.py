"""HierSE label vectors (Eq. 2 of Wei et al. 2017) on a tiny hand-made tree."""

import math

import numpy as np
import pytest

from tagbook.methods.zeroshot.conse import ConSE, ZeroShotConfig
from tagbook.methods.zeroshot.hierse import HierSE, HierSEConfig, ancestor_distances, hierse_label_vectors

# entity -> animal -> canine -> dog, and entity -> pet -> dog (two parents); paths root-first
PATHS = {
    "dog": [["entity", "animal", "canine", "dog"], ["entity", "pet", "dog"]],
    "cat": [["entity", "animal", "cat"]],
    "camera_shutter": [["entity", "device", "camera_shutter"]],
    "window_shutter": [["entity", "building_part", "window_shutter"]],
}
NODES = ["dog", "canine", "pet", "animal", "entity", "cat", "device", "building_part"]
ONE_HOT = {n: np.eye(len(NODES))[i] for i, n in enumerate(NODES)}
# the two senses of "shutter" share one word vector
ONE_HOT["camera_shutter"] = ONE_HOT["window_shutter"] = np.full(len(NODES), 1.0)


def paths_of(node):
    return PATHS.get(node, [[node]])


def test_minimal_path_lengths_over_all_parents():
    d = ancestor_distances("dog", PATHS["dog"])
    assert d == {"dog": 0, "canine": 1, "animal": 2, "pet": 1, "entity": 2}  # entity: min(3, 2)


def test_first_path_only_and_max_distance():
    assert ancestor_distances("dog", PATHS["dog"], parents="first") == {"dog": 0, "canine": 1, "animal": 2, "entity": 3}
    assert ancestor_distances("dog", PATHS["dog"], max_distance=1) == {"dog": 0, "canine": 1, "pet": 1}
    # node-first paths give the same distances
    node_first = [p[::-1] for p in PATHS["dog"]]
    assert ancestor_distances("dog", node_first) == ancestor_distances("dog", PATHS["dog"])
    with pytest.raises(ValueError, match="start or end"):
        ancestor_distances("dog", [["entity", "animal"]])


def test_eq2_weights_by_hand():
    config = HierSEConfig(decay=0.5, max_distance=6)
    vec = hierse_label_vectors(["dog"], paths_of, ONE_HOT.get, config)[0]
    # weights: dog 1, canine 1/2, pet 1/2, animal 1/4, entity 1/4; Z' = 2.5
    expected = (ONE_HOT["dog"] + 0.5 * ONE_HOT["canine"] + 0.5 * ONE_HOT["pet"] + 0.25 * ONE_HOT["animal"] + 0.25 * ONE_HOT["entity"]) / 2.5
    np.testing.assert_allclose(vec, expected)


def test_default_decay_is_exp_minus_distance():
    vec = hierse_label_vectors(["cat"], paths_of, ONE_HOT.get)[0]
    w = np.array([1.0, math.exp(-1), math.exp(-2)])
    expected = (w[0] * ONE_HOT["cat"] + w[1] * ONE_HOT["animal"] + w[2] * ONE_HOT["entity"]) / w.sum()
    np.testing.assert_allclose(vec, expected)


def test_ancestors_without_vectors_leave_the_sum_and_z():
    vectors = dict(ONE_HOT)
    del vectors["pet"]
    vec = hierse_label_vectors(["dog"], paths_of, vectors.get, HierSEConfig(decay=0.5))[0]
    expected = (ONE_HOT["dog"] + 0.5 * ONE_HOT["canine"] + 0.25 * ONE_HOT["animal"] + 0.25 * ONE_HOT["entity"]) / 2.0
    np.testing.assert_allclose(vec, expected)
    # a node with nothing embeddable on its paths has no vector
    out = hierse_label_vectors(["dog", "ghost"], lambda n: [[n]], {"dog": ONE_HOT["dog"]}.get)
    assert np.isnan(out[1]).all() and np.isfinite(out[0]).all()


def test_two_senses_with_one_word_vector_get_different_embeddings():
    a, b = hierse_label_vectors(["camera_shutter", "window_shutter"], paths_of, ONE_HOT.get)
    assert not np.allclose(a, b)
    assert a @ ONE_HOT["device"] > b @ ONE_HOT["device"]
    assert b @ ONE_HOT["building_part"] > a @ ONE_HOT["building_part"]
    # with max_distance 0 only the node itself counts, and the two senses coincide again
    a0, b0 = hierse_label_vectors(["camera_shutter", "window_shutter"], paths_of, ONE_HOT.get, HierSEConfig(max_distance=0))
    np.testing.assert_allclose(a0, b0)


def test_hierse_is_conse_with_eq2_label_vectors():
    sources = ["dog", "cat", "camera_shutter"]
    targets = np.random.default_rng(0).normal(size=(6, len(NODES)))
    probs = np.array([[0.6, 0.3, 0.1], [0.1, 0.2, 0.7]])
    config = HierSEConfig(k=2, decay=0.5)
    hier = HierSE(config).fit(sources, targets, paths_of=paths_of, vector_of=ONE_HOT.get)
    plain = ConSE(ZeroShotConfig(k=2)).fit(hierse_label_vectors(sources, paths_of, ONE_HOT.get, config), targets)
    np.testing.assert_allclose(hier.score(probs), plain.score(probs))


def test_config_errors():
    with pytest.raises(ValueError, match="decay"):
        HierSEConfig(decay=0.0)
    with pytest.raises(ValueError, match="parents"):
        HierSEConfig(parents="some")
    with pytest.raises(ValueError, match="max_distance"):
        HierSEConfig(max_distance=-1)


def test_last_parent_is_a_paths_and_unnormalised_nodes():
    from tagbook.methods.zeroshot.hierse import authors_hierse_config, is_a_paths

    assert ancestor_distances("dog", PATHS["dog"], parents="last") == {"dog": 0, "pet": 1, "entity": 2}
    # wordnet.is_a.txt: a later line overwrites an earlier parent
    paths_of = is_a_paths([("animal", "dog"), ("entity", "animal"), ("pet", "dog"), ("entity", "pet")])
    assert paths_of("dog") == [["dog", "pet", "entity"]]
    assert paths_of("entity") == [["entity"]]
    vectors = {"dog": np.array([2.0, 0.0]), "pet": np.array([0.0, 4.0]), "entity": np.array([0.0, 0.0])}
    raw = hierse_label_vectors(["dog"], paths_of, vectors.get, HierSEConfig(decay=1.0, normalise_nodes=False))
    unit = hierse_label_vectors(["dog"], paths_of, vectors.get, HierSEConfig(decay=1.0))
    assert np.allclose(raw[0], [1.0, 2.0]) and np.allclose(unit[0], [0.5, 0.5])
    config = authors_hierse_config(k=3)
    assert (config.parents, config.normalise_nodes, config.node_lemmas, config.k) == ("last", False, "all", 3)
    assert config.construction == "authors" and HierSEConfig().construction == "paper"
    with pytest.raises(ValueError, match="node_lemmas"):
        HierSEConfig(node_lemmas="some")


def test_the_authors_read_imagenets_is_a_file_last_parent_wins(tmp_path):
    from tagbook.experiments.wei2017 import authors_is_a_edges, imagenet_source_vocabulary
    from tagbook.methods.zeroshot.hierse import authors_hierse_config

    assert authors_is_a_edges(HierSEConfig()) is None  # Eq. 2 as written climbs WordNet itself
    edges = [("n00000002", "n00000001"), ("n00000003", "n00000001")]
    source = imagenet_source_vocabulary(["thing"], ["n00000001"], edges)
    assert source.paths_of("n00000001") == [["n00000001", "n00000003"]]
    edges = authors_is_a_edges(authors_hierse_config())
    if edges is not None:  # the shared data has the authors' file
        assert len(edges) > 1000
