"""Toy world text: segmentation of captions with jieba and fugashi, corpora, word vectors, tags."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from tagbook.world import WorldConfig, generate_world
from tagbook.world.captions import JA_SYNONYMS, ZH_SYNONYMS
from tagbook.world.concepts import CATEGORIES, LANGUAGES, POLYSEMOUS
from tagbook.world.corpora import monolingual_corpus, parallel_corpus
from tagbook.world.ugc import UGC_VOCABULARY_SIZE, misspell, sample_ranks, ugc_tag, ugc_vocabulary


@pytest.fixture(scope="module")
def world():
    return generate_world(WorldConfig(n_images=60, seed=11), progress=False)


def _mention_names(world, lang, synonyms):
    for i, specs in enumerate(world.caption_specs):
        for j, spec in enumerate(specs):
            for m in spec.mentions:
                yield world.captions[lang][i][j], [CATEGORIES[m.category].names[lang], *synonyms.get(m.category, [])]


def test_chinese_captions_segment_into_the_object_nouns_with_jieba(world):
    jieba = pytest.importorskip("jieba")
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    hits = total = 0
    for caption, names in _mention_names(world, "zh", ZH_SYNONYMS):
        words = [w for w, _ in jieba.posseg.cut(caption)]
        hits += any(n in words for n in names)
        total += 1
    assert hits / total > 0.9, f"jieba found the object noun in only {hits}/{total} caption mentions"
    # locality words come out as such
    tags = {t for c in world.captions["zh"][0] for _, t in jieba.posseg.cut(c)}
    assert {"n", "m"} <= tags


def test_japanese_captions_segment_on_the_object_nouns_with_fugashi(world):
    fugashi = pytest.importorskip("fugashi")
    tagger = fugashi.Tagger()
    hits = total = 0
    for caption, names in _mention_names(world, "ja", JA_SYNONYMS):
        surfaces = [w.surface for w in tagger(caption)]
        spans = {"".join(surfaces[a:b]) for a in range(len(surfaces)) for b in range(a + 1, min(a + 4, len(surfaces)) + 1)}
        hits += any(n in spans for n in names)  # the noun is a whole word or a run of whole words
        total += 1
    assert hits / total > 0.95, f"fugashi split an object noun in {total - hits}/{total} caption mentions"


def test_caption_tokens_rebuild_the_captions(world):
    for lang in ("zh", "ja"):
        for caps, toks in zip(world.captions[lang], world.caption_tokens[lang]):
            assert caps == ["".join(t) for t in toks]
    for caps, toks in zip(world.captions["en"], world.caption_tokens["en"]):
        for c, t in zip(caps, toks):
            assert c.lower().replace(",", " ,").replace(".", " .").split() == t


def test_corpora_are_deterministic_tokenised_and_in_the_right_language():
    for lang in LANGUAGES:
        a = monolingual_corpus(lang, 300, seed=1)
        assert a == monolingual_corpus(lang, 300, seed=1) and a != monolingual_corpus(lang, 300, seed=2)
        assert len(a) == 300 and all(isinstance(s, list) and s and all(isinstance(w, str) and w for w in s) for s in a)
    zh = [w for s in monolingual_corpus("zh", 200, seed=0) for w in s]
    assert "是" in zh and any(w in zh for w in ("狗", "猫", "汽车"))
    de = {w for s in monolingual_corpus("de", 500, seed=0) for w in s}
    assert {"ist", "ein"} <= de


def test_parallel_corpus_pairs_are_translations():
    pairs = parallel_corpus("en", "zh", n_pairs=400, seed=3)
    assert len(pairs) == 400
    agree = 0
    for en, zh in pairs:
        # polysemous English words (bank, mouse, ...) translate by sense: leave them out here
        en_nouns = {k for k, c in CATEGORIES.items() if c.names["en"] in en and c.names["en"] not in POLYSEMOUS}
        zh_text = "".join(zh)
        agree += all(CATEGORIES[k].names["zh"] in zh_text or any(s in zh_text for s in ZH_SYNONYMS.get(k, [])) for k in en_nouns)
    assert agree == len(pairs)
    en_de = parallel_corpus("en", "de", n_pairs=50, seed=3)
    assert [p[0] for p in en_de] == [p[0] for p in pairs[:50]], "one English side for every target language"
    with pytest.raises(ValueError, match="tgt"):
        parallel_corpus("en", "fr", n_pairs=3)
    with pytest.raises(ValueError, match="differ"):
        parallel_corpus("de", "de", n_pairs=3)
    with pytest.raises(ValueError, match="n_pairs"):
        parallel_corpus("en", "ja", n_pairs=0)


def test_word2vec_on_the_english_corpus_learns_sensible_neighbours():
    gensim = pytest.importorskip("gensim")
    corpus = monolingual_corpus("en", 20000, seed=0)
    model = gensim.models.Word2Vec(corpus, vector_size=48, window=5, min_count=3, sg=1, negative=5, epochs=5, workers=1, seed=0)
    wv = model.wv
    assert wv.similarity("dog", "cat") > wv.similarity("dog", "car")
    assert wv.similarity("car", "truck") > wv.similarity("car", "cat")
    assert wv.similarity("apple", "banana") > wv.similarity("apple", "bus")


def test_ugc_vocabulary_is_large_distinct_and_zipfian():
    vocabulary = ugc_vocabulary()
    assert len(vocabulary) == UGC_VOCABULARY_SIZE >= 100_000
    assert len(set(vocabulary)) == len(vocabulary)
    assert ugc_tag(0) == vocabulary[0] and ugc_tag(123456) == vocabulary[123456]
    ranks = sample_ranks(300_000, np.random.default_rng(0))
    counts = np.bincount(ranks, minlength=UGC_VOCABULARY_SIZE)
    top = np.arange(1, 301)
    slope = np.polyfit(np.log(top), np.log(counts[:300] + 1e-9), 1)[0]
    assert -1.3 < slope < -0.8
    assert (counts > 0).sum() > 50_000, "the long tail is reached"


def test_misspellings_differ_from_the_word():
    rng = np.random.default_rng(0)
    typos = [misspell("giraffe", rng) for _ in range(50)]
    assert all(t != "giraffe" for t in typos if t) and len(set(typos)) > 5


def test_world_tags_contain_other_languages_and_tail_tags(world):
    flat = [t for tags in world.tags for t in tags]
    assert any(not t.isascii() for t in flat)
    english_names = {c.names["en"] for c in CATEGORIES.values()}
    assert sum(t not in english_names for t in flat) > len(flat) / 3
