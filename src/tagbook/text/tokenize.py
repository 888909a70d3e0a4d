"""Tokenisers for the book's four languages: English, German, Chinese (jieba) and Japanese (fugashi).

- English and German: lower-cased word tokens by a regular expression; German keeps umlauts and
  ß (``str.lower``, not ``casefold``, which would turn ß into ss). HTML/Moses escapes such as
  ``&apos;`` (frequent in Multi30K) are unescaped first.
- Chinese: jieba's default dictionary segmentation (the cross-lingual annotation paper segments
  Chinese with the commercial *boson* service; jieba is the offline stand-in) and
  :func:`pos_tags` with ``jieba.posseg`` (ICTCLAS-style flags: ``n`` noun, ``v`` verb,
  ``a`` adjective, ``f`` locality, ``ns`` place name, ...).
- Japanese: MeCab through fugashi with the UniDic-lite dictionary (the AME paper tokenises
  Japanese captions with MeCab); :func:`analyze_japanese` also gives each token's dictionary
  form and part of speech.

Heavy tokenisers are created once, on first use.
"""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "LANGUAGES",
    "tokenize",
    "pos_tags",
    "chinese_word_frequencies",
    "JapaneseToken",
    "analyze_japanese",
    "lookup_forms",
]

LANGUAGES = ("en", "de", "zh", "ja")

# English: runs of letters/digits with optional clitics ('s, n't stays "don't"); hyphens and
# other punctuation split words.
_EN_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# German: any Unicode letters (so ä, ö, ü, ß, é stay inside words) or digit runs.
_DE_TOKEN = re.compile(r"[^\W\d_]+|\d+")
# Tokens that are only punctuation, symbols or spaces (dropped from jieba's output).
_NO_WORD = re.compile(r"^[\W_]+$")


def _check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}, got {lang!r}")
    return lang


def tokenize(text: str, lang: str) -> list[str]:
    """Split ``text`` into word tokens of language ``lang`` (``'en'``, ``'de'``, ``'zh'``, ``'ja'``).

    English and German come back lower-cased; punctuation is dropped in every language.
    Japanese tokens are surface forms (use :func:`analyze_japanese` for dictionary forms).
    """
    _check_lang(lang)
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    text = html.unescape(text)
    if lang == "en":
        return _EN_TOKEN.findall(text.lower().replace("\u2019", "'"))
    if lang == "de":
        return _DE_TOKEN.findall(text.lower())
    if lang == "zh":
        return [t for t in _jieba().lcut(text) if t.strip() and not _NO_WORD.match(t)]
    return [t.surface for t in analyze_japanese(text) if not t.is_punctuation]


# ------------------------------------------------------------------------------------- Chinese


@functools.lru_cache(maxsize=1)
def _jieba():
    """jieba's default tokenizer, initialised once with its logging quietened."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def chinese_word_frequencies() -> Mapping[str, int]:
    """jieba's dictionary frequency of each Chinese word (the counts its segmentation uses).

    A word that is not in the dictionary has no entry, or 0 (jieba also stores word prefixes).
    """
    return _jieba().dt.FREQ


def pos_tags(text: str, lang: str = "zh") -> list[tuple[str, str]]:
    """``[(word, flag), ...]`` for Chinese (jieba.posseg flags) or Japanese (UniDic ``pos1``).

    Punctuation is kept (jieba flags it ``x``; UniDic ``補助記号``) so that callers can see it.
    """
    _check_lang(lang)
    if lang == "zh":
        _jieba()
        import jieba.posseg

        return [(pair.word, pair.flag) for pair in jieba.posseg.cut(text) if pair.word.strip()]
    if lang == "ja":
        return [(t.surface, t.pos) for t in analyze_japanese(text)]
    raise ValueError(f"pos_tags supports lang 'zh' and 'ja', got {lang!r}")


# ------------------------------------------------------------------------------------- Japanese


@dataclass(frozen=True)
class JapaneseToken:
    """One MeCab/UniDic token: surface form, dictionary form, lemma and parts of speech."""

    surface: str
    base: str  # orthographic dictionary form (UniDic orthBase): 遊ん -> 遊ぶ, 東京 -> 東京
    lemma: str  # UniDic lemma without its English gloss suffix: スカイ-sky -> スカイ
    pos: str  # pos1: 名詞, 動詞, 形容詞, 助詞, 補助記号, ...
    pos2: str

    @property
    def is_punctuation(self) -> bool:
        return self.pos in ("補助記号", "空白")


@functools.lru_cache(maxsize=1)
def _tagger():
    try:
        import fugashi
    except ImportError as error:  # pragma: no cover - a pinned dependency
        raise ModuleNotFoundError(
            "Japanese tokenisation needs fugashi==1.5.2 and unidic-lite==1.0.8"
        ) from error
    return fugashi.Tagger()


def analyze_japanese(text: str) -> list[JapaneseToken]:
    """MeCab (fugashi + UniDic-lite) analysis of ``text``, whitespace dropped."""
    tokens = []
    for word in _tagger()(text):
        feature = word.feature
        lemma = (feature.lemma or word.surface).split("-")[0]
        base = feature.orthBase or word.surface
        token = JapaneseToken(word.surface, base, lemma, feature.pos1 or "", feature.pos2 or "")
        if token.pos != "空白" and word.surface.strip():
            tokens.append(token)
    return tokens


def lookup_forms(text: str, lang: str) -> list[list[str]]:
    """For each token of ``text``, the forms to try in a vocabulary, most specific first.

    English: the token as written, then lower-cased. German: as written, lower-cased, then
    capitalised (German vocabularies keep nouns capitalised: hund is found as Hund). Chinese: the token. Japanese: surface, dictionary form, lemma
    (distinct), so that 遊ん is found as 遊ぶ in a vocabulary of dictionary forms.
    """
    _check_lang(lang)
    if lang in ("en", "de"):
        pattern = _EN_TOKEN if lang == "en" else _DE_TOKEN
        text = html.unescape(text).replace("\u2019", "'")
        written = pattern.findall(text)  # tokenize's tokens before lower-casing
        if lang == "en":
            return [list(dict.fromkeys([token, token.lower()])) for token in written]
        return [list(dict.fromkeys([token, token.lower(), token.lower().capitalize()])) for token in written]
    if lang != "ja":
        return [[token] for token in tokenize(text, lang)]
    forms = []
    for token in analyze_japanese(html.unescape(text)):
        if token.is_punctuation:
            continue
        forms.append(list(dict.fromkeys([token.surface, token.base, token.lemma])))
    return forms
