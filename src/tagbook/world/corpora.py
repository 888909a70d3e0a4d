"""Text corpora about the toy world: monolingual text per language and sentence-aligned pairs.

Sentences come from three sources, mixed:

* descriptions of imagined scenes (objects drawn from the scene's usual categories, with
  colours, sizes and positions), realised by the caption grammar of :mod:`tagbook.world.captions`;
* concept relations from the hierarchy: "a dog is a canine", "狗是一种动物", ...;
* habits: "dogs are often on the grass", "dogs are often brown".

The same language-free content is realised in two languages for the parallel corpus, so pairs
are true translations of each other (with each language's own word order). Sentences are lists
of tokens (English lower-cased); the corpus is deterministic in ``seed``.
"""

from __future__ import annotations

import numpy as np

from tagbook.world.captions import (
    DE_COLOUR_STEM,
    DE_SCENE,
    EN_SCENE,
    JA_SCENE,
    LANGS,
    ZH_SCENE,
    realise,
    sample_spec,
)
from tagbook.world.concepts import (
    CATEGORIES,
    CATEGORY_INFO,
    COLOURS,
    CONCEPTS,
    DE_GENDER,
    REGIONS,
    SCENES,
    hypernym_path,
)
from tagbook.world.types import ObjectInstance

_REGION_CENTRES = {
    region: ((0.17 if "left" in region else 0.83 if "right" in region else 0.5), (0.17 if "top" in region else 0.83 if "bottom" in region else 0.5))
    for region in REGIONS
}
_DE_ARTICLE = {"m": "ein", "f": "eine", "n": "ein"}
_DE_NOUN_ENDING = {"m": "er", "f": "e", "n": "es"}  # adjectival nouns such as Hundeartiger


def _check(lang: str, name: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"{name} must be one of {LANGS}, got {lang!r}")


def _imagined_objects(rng: np.random.Generator) -> tuple[str, list[ObjectInstance]]:
    scene = list(SCENES)[int(rng.integers(len(SCENES)))]
    usual = [c for c, info in CATEGORY_INFO.items() if scene in info.scenes]
    objects = []
    for k in range(int(rng.integers(1, 4))):
        cat = usual[int(rng.integers(len(usual)))]
        info = CATEGORY_INFO[cat]
        region = list(REGIONS)[int(rng.integers(len(REGIONS)))]
        cu, cv = _REGION_CENTRES[region]
        objects.append(ObjectInstance(
            category=cat, colour=info.colours[int(rng.integers(len(info.colours)))],
            size=("small", "medium", "large")[int(rng.integers(3))], position=region,
            bbox=(0, 0, 1, 1), instance_id=k + 1, area=int(rng.integers(50, 500)), centroid=(cu * 100, cv * 100),
        ))
    return scene, objects


_EN_MASS_NOUNS = {"equipment", "food", "furniture", "public transport", "baked goods"}


def _en_indefinite(noun: str) -> list[str]:
    if noun in _EN_MASS_NOUNS:
        return noun.split()
    return ["an" if noun[0] in "aeiou" else "a", *noun.split()]


def _relation_sentence(child: str, parent: str, lang: str) -> list[str]:
    c, p = CONCEPTS[child].names, CONCEPTS[parent].names
    if lang == "en":
        return [*_en_indefinite(c["en"]), "is", *_en_indefinite(p["en"]), "."]
    if lang == "de":
        g, gp = DE_GENDER.get(child, "n"), DE_GENDER.get(parent, "n")
        return [_DE_ARTICLE[g], c["de"], "ist", _DE_ARTICLE[gp], p["de"], "."]
    if lang == "zh":
        return [c["zh"], "是", "一种", p["zh"], "。"]
    return [c["ja"], "は", p["ja"], "の", "一種", "です", "。"]


def _habit_sentence(category: str, scene: str | None, colour: str | None, lang: str) -> list[str]:
    names, info = CATEGORIES[category].names, CATEGORY_INFO[category]
    if lang == "en":
        tail = EN_SCENE[scene][0].split() if scene else [colour]
        return [*info.en_plural.split(), "are", "often", *tail, "."]
    if lang == "de":
        tail = DE_SCENE[scene][0].split() if scene else [DE_COLOUR_STEM[colour]]
        return [info.de_plural, "sind", "oft", *tail, "."]
    if lang == "zh":
        if scene:
            return [names["zh"], "常常", "在", *ZH_SCENE[scene], "。"]
        return [names["zh"], "通常", "是", COLOURS[colour].names["zh"], "的", "。"]
    if scene:
        return [names["ja"], "は", "よく", JA_SCENE[scene], "に", "いる" if info.animate else "ある", "。"]
    return [names["ja"], "は", "よく", COLOURS[colour].names["ja"], "です", "。"]


def _sentence(rng: np.random.Generator, langs: tuple[str, ...]) -> list[list[str]]:
    """One piece of content realised in each of ``langs``."""
    r = rng.random()
    if r < 0.6:
        scene, objects = _imagined_objects(rng)
        spec = sample_spec(objects, scene, 100, rng)
        return [realise(spec, lang)[1] for lang in langs]
    category = list(CATEGORIES)[int(rng.integers(len(CATEGORIES)))]
    if r < 0.82:
        path = hypernym_path(category)[:-1]  # 'entity' left out; at least [category, parent]
        i = int(rng.integers(0, len(path) - 1))
        j = int(rng.integers(i + 1, len(path)))
        child, parent = path[i].key, path[j].key
        return [_relation_sentence(child, parent, lang) for lang in langs]
    info = CATEGORY_INFO[category]
    if rng.random() < 0.5:
        scene = info.scenes[int(rng.integers(len(info.scenes)))]
        return [_habit_sentence(category, scene, None, lang) for lang in langs]
    colour = info.colours[int(rng.integers(len(info.colours)))]
    return [_habit_sentence(category, None, colour, lang) for lang in langs]


def _count(n: int, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{name} must be a positive int, got {n!r}")
    return int(n)


def monolingual_corpus(lang: str = "en", n_sentences: int = 20000, seed: int = 0) -> list[list[str]]:
    """``n_sentences`` tokenised sentences about the toy world in one language."""
    _check(lang, "lang")
    n = _count(n_sentences, "n_sentences")
    rng = np.random.default_rng([seed, 0xC0, LANGS.index(lang)])
    return [_sentence(rng, (lang,))[0] for _ in range(n)]


def parallel_corpus(src: str = "en", tgt: str = "zh", n_pairs: int = 20000, seed: int = 0) -> list[tuple[list[str], list[str]]]:
    """``n_pairs`` sentence-aligned pairs ``(source tokens, target tokens)``, translations of each other."""
    _check(src, "src")
    _check(tgt, "tgt")
    if src == tgt:
        raise ValueError(f"src and tgt must differ, both are {src!r}")
    n = _count(n_pairs, "n_pairs")
    rng = np.random.default_rng([seed, 0xC1])
    pairs = []
    for _ in range(n):
        a, b = _sentence(rng, (src, tgt))
        pairs.append((a, b))
    return pairs
