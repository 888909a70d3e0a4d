"""A four-language lexicon of the toy world, listed the way a dictionary lists senses.

``LEXICON[english_word]`` is the list of that word's senses, first sense first; each
:class:`Sense` has the label key it stands for and its names per language (the label's own name
first, then near-synonyms). Senses of one word are ordered by their WordNet 3.0 sense number
(``bank.n.01`` the river bank before ``bank.n.09`` the bank building), so a word-by-word
translator that takes the first sense's first name gets ``bank -> 河岸`` even in a street
scene: the ambiguity a later chapter's machine-translation baseline runs into.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from tagbook.world.captions import DE_SYNONYMS, EN_SYNONYMS, JA_SYNONYMS, ZH_SYNONYMS
from tagbook.world.concepts import COLOURS, CONCEPTS, POSITIONS, SCENES, SIZES, LANGUAGES


@dataclass(frozen=True)
class Sense:
    key: str  # the label or concept key this sense stands for
    names: Mapping[str, list[str]]  # language -> names, most usual first
    wnid: str | None = None
    synset: str | None = None


def _sense_number(word: str, synset: str | None) -> int:
    """WordNet's sense number when the synset is listed under this word, else a large number."""
    if synset is None:
        return 1000
    lemma, _, number = synset.rsplit(".", 2)
    return int(number) if lemma.replace("_", " ") == word else 500


def _build() -> dict[str, list[Sense]]:
    entries: dict[str, list[Sense]] = {}

    def add(word: str, key: str, names: Mapping[str, str], wnid, synset, extra: Mapping[str, list[str]]):
        sense_names = {lang: [names[lang]] + [n for n in extra.get(lang, []) if n != names[lang]] for lang in LANGUAGES}
        entries.setdefault(word, []).append(Sense(key, MappingProxyType(sense_names), wnid, synset))

    for c in CONCEPTS.values():
        extra = {
            "en": [w for w, _ in EN_SYNONYMS.get(c.key, [])],
            "zh": ZH_SYNONYMS.get(c.key, []),
            "de": [w for w, _, _ in DE_SYNONYMS.get(c.key, [])],
            "ja": JA_SYNONYMS.get(c.key, []),
        }
        for word in [c.names["en"]] + extra["en"]:
            add(word, c.key, c.names, c.wnid, c.synset, extra)
    for table in (SCENES, COLOURS, SIZES, POSITIONS):
        for t in table.values():
            add(t.names["en"], t.key, t.names, t.wnid, t.synset, {})
    for word, senses in entries.items():
        senses.sort(key=lambda s: _sense_number(word, s.synset))
    return entries


LEXICON: Mapping[str, list[Sense]] = MappingProxyType(_build())


def senses(word: str) -> list[Sense]:
    """The senses of an English word, first sense first (empty when the word is unknown)."""
    return list(LEXICON.get(word.lower(), []))


def translate_word(word: str, lang: str) -> str | None:
    """Word-by-word translation: the first name of the first sense (None for an unknown word)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {LANGUAGES}")
    found = senses(word)
    return found[0].names[lang][0] if found else None


def polysemous_words() -> dict[str, list[Sense]]:
    """English words with two or more senses whose Chinese names differ."""
    return {
        w: s for w, s in LEXICON.items()
        if len(s) > 1 and len({sense.names["zh"][0] for sense in s}) > 1
    }
