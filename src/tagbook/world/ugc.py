"""User-generated-content tags: noisy, multilingual, misspelt, with a Zipf long tail.

Each image gets the tags a photo-sharing user might type: most of its true object names (in
English), sometimes its scene, a colour or a broader word (``animal``), sometimes a misspelling
or a name in another language, and a few tags that have nothing to do with the picture, drawn
from a long-tail vocabulary of :data:`UGC_VOCABULARY_SIZE` distinct tags with Zipf frequencies
(rank r has probability proportional to ``r ** -ZIPF_EXPONENT``). Head tags are the generic ones
("nature", "travel", ...); the tail is synthetic place names, camera models, proper nouns and
events, built from the rank itself, so the vocabulary costs nothing until a tag is drawn.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from tagbook.world.concepts import CATEGORIES, COLOURS, SCENES, concept

UGC_VOCABULARY_SIZE = 200_000
ZIPF_EXPONENT = 1.05
NOISE_TAGS_PER_IMAGE = 3.5  # Poisson mean of irrelevant tags

HEAD_TAGS = (
    "nature", "photo", "travel", "summer", "instagood", "beautiful", "art", "photography", "picoftheday",
    "love", "sunset", "holiday", "vacation", "city", "friends", "family", "light", "color", "bw", "happy",
    "canon", "nikon", "iphone", "2014", "2015", "2016", "weekend", "trip", "landscape", "spring", "winter",
    "autumn", "cute", "fun", "me", "street", "urban", "old", "new", "home", "day", "night", "film", "digital",
    "explore", "flickr", "nofilter", "vintage", "macro", "hdr",
)
_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"
_SYLLABLES = [c + v for c in _CONSONANTS for v in _VOWELS]
_PLACE_SUFFIX = ("ville", "berg", "loch", "port", "field", "bay", "ton", "hill")
_BRANDS = ("canon", "nikon", "sony", "fuji", "olympus", "pentax", "leica", "lumix")
_LATIN = "abcdefghijklmnopqrstuvwxyz"


def _word(index: int, min_syllables: int = 2) -> str:
    syllables = []
    while index or len(syllables) < min_syllables:
        index, digit = divmod(index, len(_SYLLABLES))
        syllables.append(_SYLLABLES[digit])
    return "".join(syllables)


def ugc_tag(rank: int) -> str:
    """The tag of a given frequency rank (0 = most frequent); distinct ranks give distinct tags."""
    if not 0 <= rank < UGC_VOCABULARY_SIZE:
        raise ValueError(f"tag rank must lie in [0, {UGC_VOCABULARY_SIZE}), got {rank}")
    if rank < len(HEAD_TAGS):
        return HEAD_TAGS[rank]
    index, kind = divmod(rank - len(HEAD_TAGS), 4)
    if kind == 0:
        return _word(index) + _PLACE_SUFFIX[index % len(_PLACE_SUFFIX)]
    if kind == 1:
        return f"{_BRANDS[index % len(_BRANDS)]}{_LATIN[(index // 8) % 26]}{index // 208}"
    if kind == 2:
        return _word(index, 3) + "o"
    return f"{_word(index)}{1990 + index % 30}"


def ugc_vocabulary() -> list[str]:
    """All :data:`UGC_VOCABULARY_SIZE` tags of the long tail, most frequent first."""
    return [ugc_tag(r) for r in range(UGC_VOCABULARY_SIZE)]


@lru_cache(maxsize=1)
def _zipf_cdf() -> np.ndarray:
    weights = np.arange(1, UGC_VOCABULARY_SIZE + 1, dtype=np.float64) ** -ZIPF_EXPONENT
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


def sample_ranks(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` tag ranks drawn from the Zipf distribution over the vocabulary."""
    return np.minimum(np.searchsorted(_zipf_cdf(), rng.random(n)), UGC_VOCABULARY_SIZE - 1)


def misspell(word: str, rng: np.random.Generator) -> str:
    """A plausible typo: swap two neighbours, drop, double or replace one letter."""
    if len(word) < 3:
        return word + word[-1]
    i = int(rng.integers(0, len(word) - 1))
    op = int(rng.integers(0, 4))
    if op == 0 and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op == 1:
        return word[:i] + word[i + 1:]
    if op == 2:
        return word[:i] + word[i] + word[i:]
    replacement = _LATIN[(_LATIN.find(word[i].lower()) + 1) % 26] if word[i].isalpha() else "x"
    return word[:i] + replacement + word[i + 1:]


def image_tags(objects, scene: str, rng: np.random.Generator) -> list[str]:
    """The noisy tags of one image (order shuffled, duplicates removed)."""
    tags: list[str] = []
    for category in dict.fromkeys(o.category for o in objects):
        name = CATEGORIES[category].names["en"]
        r = rng.random(4)
        if r[0] < 0.75:
            tags.append(name)
        if r[1] < 0.12:
            tags.append(misspell(name, rng))
        if r[2] < 0.12:
            tags.append(CATEGORIES[category].names[("zh", "de", "ja")[int(rng.integers(0, 3))]])
        if r[3] < 0.2:
            parent = concept(category).parent
            if parent:
                tags.append(concept(parent).names["en"])
    if rng.random() < 0.5:
        tags.append(SCENES[scene].names["en"])
    for o in objects:
        if rng.random() < 0.15:
            tags.append(COLOURS[o.colour].names["en"])
    tags += [ugc_tag(int(r)) for r in sample_ranks(int(rng.poisson(NOISE_TAGS_PER_IMAGE)), rng)]
    tags = list(dict.fromkeys(tags))
    order = rng.permutation(len(tags))
    return [tags[i] for i in order]
