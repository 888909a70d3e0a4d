"""Everyday vocabularies: large, frequency-ordered, content words, and built without any photo label."""

import random

import pytest

from tagbook.text import everyday
from tagbook.text.everyday import build_everyday_vocabulary, everyday_vocabulary

FUNCTION_WORDS = {
    "zh": {"的", "了", "和", "在", "我", "你", "他", "是", "有", "不", "这", "也", "就", "都", "而", "吗"},
    "ja": {"の", "は", "が", "を", "に", "て", "です", "ます", "だ", "た", "も", "と", "で", "から"},
    "en": {"the", "of", "and", "to", "in", "is", "was", "it", "he", "she", "they", "with", "for", "which"},
}


def vocabulary_or_skip(lang, size=20000):
    try:
        return everyday_vocabulary(lang, size)
    except (ImportError, FileNotFoundError) as error:
        pytest.skip(f"the {lang} resources are not installed: {error}")


@pytest.mark.parametrize("lang", ["zh", "ja", "en"])
def test_twenty_thousand_distinct_words_without_function_words(lang):
    vocabulary = vocabulary_or_skip(lang)
    assert len(vocabulary) == 20000 and len(set(vocabulary.words)) == 20000
    assert not FUNCTION_WORDS[lang] & set(vocabulary.words)
    assert lang in vocabulary.description or vocabulary.description  # says what it rests on
    assert len(vocabulary.glosses) == len(vocabulary.words)


def test_content_words_on_a_sample():
    rng = random.Random(0)
    zh = vocabulary_or_skip("zh")
    import jieba.posseg

    for word in rng.sample(zh.words, 100):
        (pair,) = list(jieba.posseg.cut(word))  # one word, tagged as a noun, verb or adjective
        assert pair.word == word and pair.flag[0] in "nva" and pair.flag not in ("nr", "ns", "nt"), word
    ja = vocabulary_or_skip("ja")
    from tagbook.text.tokenize import analyze_japanese

    for word in rng.sample(ja.words, 100):
        (token,) = analyze_japanese(word)
        assert token.pos in ("名詞", "動詞", "形容詞", "形状詞") and token.pos2 != "固有名詞", word
    en = vocabulary_or_skip("en")
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from tagbook.hierarchy import wordnet

    net = wordnet()
    for word in rng.sample(en.words, 200):
        assert word.isalpha() and word.islower() and word not in ENGLISH_STOP_WORDS, word
        assert any(net.synsets(word, pos) for pos in ("n", "v", "a")), word


def test_frequency_order_and_glosses():
    zh = vocabulary_or_skip("zh")
    assert zh.words.index("人") < zh.words.index("猫")
    assert zh.gloss("猫") == "cat" and zh.gloss("头盔") == "helmet" and zh.gloss("not a word") is None
    ja = vocabulary_or_skip("ja")
    assert ja.gloss("猫") == "cat" and ja.words.index("人") < ja.words.index("猫")
    en = vocabulary_or_skip("en")
    assert en.words.index("people") < en.words.index("cat") and en.gloss("cat") is None


@pytest.mark.parametrize("lang", ["zh", "ja", "en"])
def test_no_photo_label_is_there_because_it_is_a_label(lang, monkeypatch):
    """Built with the hand-labelled photos and their label table out of reach, the vocabulary is
    the same list (the first 3,000 words: the list is one frequency-ordered filter, so a shorter
    build is a prefix of a longer one)."""
    photos = pytest.importorskip("tagbook.photos")
    labels = set(photos.load_labels()[lang])

    def no_photos(*args, **kwargs):
        raise AssertionError("the everyday vocabulary must not read the sample photos")

    cached = vocabulary_or_skip(lang)
    monkeypatch.setattr(photos, "load_sample_photos", no_photos)
    monkeypatch.setattr(photos, "load_labels", no_photos)
    rebuilt = build_everyday_vocabulary(lang, 3000)
    assert rebuilt.words == cached.words[:3000]
    # some photo labels are everyday words (they are in the list by frequency), others are not
    inside = labels & set(cached.words)
    assert 0 < len(inside) < len(labels)


def test_cached_atomically_and_reloaded(monkeypatch):
    from tagbook.cache import CHECKSUM_SUFFIX, cache_path

    first = vocabulary_or_skip("zh", 500)
    everyday_vocabulary.cache_clear()
    monkeypatch.setattr(everyday, "build_everyday_vocabulary", lambda *a: pytest.fail("rebuilt instead of read"))
    again = everyday_vocabulary("zh", 500)
    assert again == first and again is not first
    folder = cache_path("everyday", "x").parent
    entries = sorted(p.name for p in folder.glob("zh-500-*"))
    assert any(name.endswith(".npz") for name in entries) and any(name.endswith(CHECKSUM_SUFFIX) for name in entries)


def test_german_rests_on_the_muse_dictionary():
    try:
        de = everyday_vocabulary("de", 20000)
    except FileNotFoundError as error:
        assert "MUSE" in str(error)
        pytest.skip("the book's shared data (MUSE en-de) is not here")
    assert len(de) >= 10000 and "MUSE" in de.description
    assert de.gloss(de.words[0]) and all(g for g in de.glosses[:100])


def test_bad_arguments():
    with pytest.raises(ValueError, match="lang"):
        everyday_vocabulary("fr")
    with pytest.raises(ValueError, match="size"):
        everyday_vocabulary("zh", 0)
