"""Captions in English, German, Chinese and Japanese from one small grammar.

A caption is first a language-free :class:`CaptionSpec`: which objects it mentions (grouped by
category, with a count), which attributes it spells out (colour, size, position), whether it
names the scene, an optional spatial relation between two mentioned objects, and a sentence
frame. The spec is then realised in each language by a short rule set (articles and plural in
English; gender, case and adjective endings in German; measure words and locality words in
Chinese; counters, particles and animate/inanimate verbs in Japanese). Every realisation returns
its word tokens; the caption string is built from them.

Because a spec is built from the measured objects of an image (position = region of the mask
centroid, size = visible area, relation = centroid offsets), every caption is true to the image.
Frames (6 kinds, word order differing between languages), optional attributes, synonyms and
counting give five different captions per image.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np

from tagbook.world.concepts import CATEGORIES, CATEGORY_INFO, COLOURS

LANGS = ("en", "zh", "de", "ja")
RELATIONS = ("next_to", "left_of", "right_of", "above", "below")
N_FRAMES = 6


@dataclass(frozen=True)
class Mention:
    category: str
    count: int
    colour: str | None = None
    size: str | None = None
    position: str | None = None
    instance_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class CaptionSpec:
    """What a caption says, before any language: mentions, scene, relation and frame."""

    frame: int
    mentions: tuple[Mention, ...]
    scene: str | None = None
    relation: tuple[int, str, int] | None = None  # (mention a, relation, mention b): "a is <relation> b"
    variant: int = 0  # picks synonyms and phrasings

    def to_dict(self) -> dict:
        d = asdict(self)
        d["mentions"] = [asdict(m) for m in self.mentions]
        return d

    @staticmethod
    def from_dict(d: dict) -> "CaptionSpec":
        mentions = tuple(Mention(**{**m, "instance_ids": tuple(m["instance_ids"])}) for m in d["mentions"])
        rel = tuple(d["relation"]) if d.get("relation") is not None else None
        return CaptionSpec(frame=d["frame"], mentions=mentions, scene=d.get("scene"), relation=rel, variant=d.get("variant", 0))


# --------------------------------------------------------------------------------------------
# Lexical tables
# --------------------------------------------------------------------------------------------

EN_SYNONYMS = {
    "sofa": [("couch", "couches")], "airplane": [("plane", "planes"), ("aeroplane", "aeroplanes")],
    "bicycle": [("bike", "bikes")], "motorcycle": [("motorbike", "motorbikes")], "truck": [("lorry", "lorries")],
    "rabbit": [("bunny", "bunnies")], "car": [("automobile", "automobiles")], "boat": [("rowing boat", "rowing boats")],
    "balloon": [("hot air balloon", "hot air balloons")], "lamp": [("table lamp", "table lamps")],
}
ZH_SYNONYMS = {
    "car": ["轿车"], "cat": ["猫咪"], "bicycle": ["单车"], "bus": ["公交车", "巴士"], "camera": ["照相机"],
    "clock": ["钟"], "truck": ["货车"], "lamp": ["灯"], "boat": ["小船"], "ship": ["大船"],
}
DE_SYNONYMS = {"car": [("Wagen", "m", "Wagen")], "sofa": [("Couch", "f", "Couches")], "bicycle": [("Rad", "n", "Räder")]}
JA_SYNONYMS = {"motorcycle": ["オートバイ"], "car": ["自動車"], "cat": ["ネコ"], "dog": ["イヌ"], "sofa": ["ソファ"]}

EN_NUMBERS = {2: "two", 3: "three", 4: "four"}
DE_NUMBERS = {2: "zwei", 3: "drei", 4: "vier"}
ZH_NUMBERS = {1: "一", 2: "两", 3: "三", 4: "四"}
JA_NUMBERS = {2: "二", 3: "三", 4: "四"}

EN_POSITION = {
    "top left": ["in the top left"], "top": ["at the top"], "top right": ["in the top right"],
    "left": ["on the left"], "centre": ["in the middle", "in the centre"], "right": ["on the right"],
    "bottom left": ["in the bottom left"], "bottom": ["at the bottom"], "bottom right": ["in the bottom right"],
}
DE_POSITION = {
    "top left": "oben links", "top": "oben", "top right": "oben rechts", "left": "links", "centre": "in der Mitte",
    "right": "rechts", "bottom left": "unten links", "bottom": "unten", "bottom right": "unten rechts",
}
ZH_POSITION = {
    "top left": "左上方", "top": "上方", "top right": "右上方", "left": "左边", "centre": "中间",
    "right": "右边", "bottom left": "左下方", "bottom": "下方", "bottom right": "右下方",
}
JA_POSITION = {
    "top left": "左上", "top": "上", "top right": "右上", "left": "左", "centre": "真ん中",
    "right": "右", "bottom left": "左下", "bottom": "下", "bottom right": "右下",
}

EN_SCENE = {
    "sky": ["in the sky"], "grass": ["on the grass", "in a meadow"], "water": ["on the water", "in the water"],
    "beach": ["on the beach", "on the sand"], "snow": ["in the snow"], "room": ["in a room", "indoors"],
    "street": ["on the street", "on the road"], "bank.river": ["on the bank", "on the river bank"],
}
DE_SCENE = {
    "sky": ["am Himmel"], "grass": ["auf der Wiese", "im Gras"], "water": ["auf dem Wasser", "im Wasser"],
    "beach": ["am Strand"], "snow": ["im Schnee"], "room": ["in einem Zimmer", "im Zimmer"],
    "street": ["auf der Straße"], "bank.river": ["am Ufer", "am Flussufer"],
}
ZH_SCENE = {  # (place, locality word)
    "sky": ("天空", "中"), "grass": ("草地", "上"), "water": ("水面", "上"), "beach": ("沙滩", "上"),
    "snow": ("雪地", "上"), "room": ("房间", "里"), "street": ("街道", "上"), "bank.river": ("河岸", "上"),
}
JA_SCENE = {
    "sky": "空", "grass": "草原", "water": "水面", "beach": "砂浜", "snow": "雪原", "room": "部屋",
    "street": "通り", "bank.river": "川岸",
}

EN_RELATION = {"next_to": "next to", "left_of": "to the left of", "right_of": "to the right of", "above": "above", "below": "below"}
DE_RELATION = {"next_to": "neben", "left_of": "links von", "right_of": "rechts von", "above": "über", "below": "unter"}
ZH_RELATION = {"next_to": "旁边", "left_of": "左边", "right_of": "右边", "above": "上面", "below": "下面"}
JA_RELATION = {"next_to": "隣", "left_of": "左", "right_of": "右", "above": "上", "below": "下"}

DE_COLOUR_STEM = {
    "red": "rot", "orange": "orangefarben", "yellow": "gelb", "green": "grün", "blue": "blau", "purple": "violett",
    "pink": "rosafarben", "brown": "braun", "black": "schwarz", "white": "weiß", "grey": "grau",
}
JA_COLOUR_ADJ = {
    "red": "赤い", "orange": "オレンジ色の", "yellow": "黄色い", "green": "緑の", "blue": "青い", "purple": "紫の",
    "pink": "ピンクの", "brown": "茶色の", "black": "黒い", "white": "白い", "grey": "灰色の",
}
DE_SIZE_STEM = {"small": "klein", "large": "groß"}
ZH_SIZE = {"small": "很小", "large": "很大"}
JA_SIZE = {"small": "小さな", "large": "大きな"}

# German article and adjective endings: (case, gender) -> (indefinite article, adjective ending)
_DE_INDEF = {
    ("nom", "m"): ("ein", "er"), ("nom", "f"): ("eine", "e"), ("nom", "n"): ("ein", "es"),
    ("acc", "m"): ("einen", "en"), ("acc", "f"): ("eine", "e"), ("acc", "n"): ("ein", "es"),
    ("dat", "m"): ("einem", "en"), ("dat", "f"): ("einer", "en"), ("dat", "n"): ("einem", "en"),
}


# --------------------------------------------------------------------------------------------
# Relations and specs
# --------------------------------------------------------------------------------------------


def relation_between(a_centroid, b_centroid, image_size: int) -> str:
    """Where object a is relative to object b, from their mask centroids (pixels).

    ``next_to`` when the centroids are closer than 0.3 image sides, otherwise the dominant
    direction: ``left_of`` / ``right_of`` / ``above`` / ``below``.
    """
    dx = (a_centroid[0] - b_centroid[0]) / image_size
    dy = (a_centroid[1] - b_centroid[1]) / image_size
    if math.hypot(dx, dy) < 0.3:
        return "next_to"
    if abs(dx) >= abs(dy):
        return "left_of" if dx < 0 else "right_of"
    return "above" if dy < 0 else "below"


def _group(objects) -> list[list]:
    groups: dict[str, list] = {}
    for obj in sorted(objects, key=lambda o: -o.area):
        groups.setdefault(obj.category, []).append(obj)
    return list(groups.values())


def sample_spec(objects, scene: str, image_size: int, rng: np.random.Generator) -> CaptionSpec:
    """A random but true caption spec for an image's measured objects."""
    groups = _group(objects)
    if len(groups) > 1 and rng.random() < 0.35:
        keep = sorted(rng.choice(len(groups), size=int(rng.integers(1, len(groups))), replace=False))
        if 0 not in keep and rng.random() < 0.7:  # the biggest object is usually mentioned
            keep = [0] + list(keep[1:])
        groups = [groups[i] for i in keep]
    singles = [i for i, g in enumerate(groups) if len(g) == 1]
    frames = [0, 1, 2, 3]
    if len(singles) >= 2:
        frames.append(4)
    if len(singles) == len(groups):
        frames.append(5)
    frame = int(rng.choice(frames))
    mentions = []
    for g in groups:
        if len(g) == 1:
            o = g[0]
            mentions.append(Mention(
                o.category, 1,
                colour=o.colour if rng.random() < 0.55 else None,
                size=o.size if o.size != "medium" and rng.random() < 0.3 else None,
                position=o.position if (frame == 5 or (frame != 4 and rng.random() < 0.45)) else None,
                instance_ids=(o.instance_id,),
            ))
        else:
            same = len({o.colour for o in g}) == 1
            mentions.append(Mention(
                g[0].category, len(g), colour=g[0].colour if same and rng.random() < 0.5 else None,
                instance_ids=tuple(o.instance_id for o in g),
            ))
    relation = None
    if frame == 4:
        a, b = (int(x) for x in rng.choice(singles, size=2, replace=False))
        oa, ob = groups[a][0], groups[b][0]
        relation = (a, relation_between(oa.centroid, ob.centroid, image_size), b)
        mentions = [mentions[a], mentions[b]]
        relation = (0, relation[1], 1)
    with_scene = frame == 2 or rng.random() < 0.7
    return CaptionSpec(frame, tuple(mentions), scene if with_scene else None, relation, int(rng.integers(0, 1 << 16)))


# --------------------------------------------------------------------------------------------
# English
# --------------------------------------------------------------------------------------------


def _pick(options: Sequence, variant: int, salt: int = 0):
    return options[(variant // (7 ** salt)) % len(options)] if options else None


def _en_noun(cat: str, plural: bool, variant: int) -> str:
    base = (CATEGORIES[cat].names["en"], CATEGORY_INFO[cat].en_plural)
    options = [base] + EN_SYNONYMS.get(cat, [])
    word = options[0] if variant % 3 else _pick(options, variant, 1)
    return word[1] if plural else word[0]


def _en_np(m: Mention, variant: int) -> list[str]:
    words = []
    if m.size:
        words.append(m.size)
    if m.colour:
        words.append(m.colour)
    words += _en_noun(m.category, m.count > 1, variant).split()
    if m.count > 1:
        words = [EN_NUMBERS[m.count]] + words
    else:
        words = ["an" if words[0][0] in "aeiou" else "a"] + words
    if m.position:
        words += _pick(EN_POSITION[m.position], variant, 2).split()
    return words


def _join(parts: list[list[str]], conj: list[str], comma: list[str]) -> list[str]:
    out: list[str] = []
    for i, p in enumerate(parts):
        if i and i == len(parts) - 1:
            out += conj
        elif i:
            out += comma
        out += p
    return out


def realise_en(spec: CaptionSpec) -> list[str]:
    v = spec.variant
    nps = [_en_np(m, v + 11 * i) for i, m in enumerate(spec.mentions)]
    listing = _join(nps, ["and"], [","])
    scene = _pick(EN_SCENE[spec.scene], v, 3).split() if spec.scene else []
    be = "are" if spec.mentions[0].count > 1 else "is"  # agrees with the first noun: "there is a dog and two cats"
    f = spec.frame
    if f == 0:
        words = listing + scene
    elif f == 1:
        words = ["there", be] + listing + scene
    elif f == 2:
        words = scene + ["there", be] + listing
    elif f == 3:
        words = ["a", _pick(["photo", "picture"], v, 4), "of"] + listing + scene
    elif f == 4:
        a, rel, b = spec.relation
        verb = "is" if spec.mentions[a].count == 1 else "are"
        words = nps[a] + [verb] + EN_RELATION[rel].split() + nps[b] + scene
    else:
        words = listing + ["can", "be", "seen"] + scene
    return words + ["."]


# --------------------------------------------------------------------------------------------
# German
# --------------------------------------------------------------------------------------------


def _de_noun(cat: str, variant: int) -> tuple[str, str, str]:
    info = CATEGORY_INFO[cat]
    options = [(CATEGORIES[cat].names["de"], info.de_gender, info.de_plural)] + DE_SYNONYMS.get(cat, [])
    return options[0] if variant % 3 else _pick(options, variant, 1)


def _de_dative_plural(plural: str) -> str:
    return plural if plural.endswith(("n", "s")) else plural + "n"


def _de_np(m: Mention, case: str, variant: int) -> list[str]:
    noun, gender, plural = _de_noun(m.category, variant)
    stems = ([DE_SIZE_STEM[m.size]] if m.size else []) + ([DE_COLOUR_STEM[m.colour]] if m.colour else [])
    if m.count == 1:
        article, ending = _DE_INDEF[(case, gender)]
        words = [article] + [s + ending for s in stems] + [noun]
    else:
        ending = "en" if case == "dat" else "e"
        words = [DE_NUMBERS[m.count]] + [s + ending for s in stems] + [_de_dative_plural(plural) if case == "dat" else plural]
    if m.position:
        words += DE_POSITION[m.position].split()
    return words


def realise_de(spec: CaptionSpec) -> list[str]:
    v = spec.variant
    listing = lambda case: _join([_de_np(m, case, v + 11 * i) for i, m in enumerate(spec.mentions)], ["und"], [","])  # noqa: E731
    scene = _pick(DE_SCENE[spec.scene], v, 3).split() if spec.scene else []
    plural = spec.mentions[0].count > 1 or len(spec.mentions) > 1
    f = spec.frame
    if f == 0:
        words = listing("nom") + scene
    elif f == 1:
        words = ["es", "gibt"] + listing("acc") + scene
    elif f == 2:
        words = scene + ["sind" if plural else "ist"] + listing("nom")
    elif f == 3:
        words = ["ein", _pick(["Foto", "Bild"], v, 4), "von"] + listing("dat") + scene
    elif f == 4:
        a, rel, b = spec.relation
        ma, mb = spec.mentions[a], spec.mentions[b]
        words = _de_np(ma, "nom", v) + ["ist"] + DE_RELATION[rel].split() + _de_np(mb, "dat", v + 11) + scene
    else:
        words = ["man", "sieht"] + listing("acc") + scene
    return words + ["."]


# --------------------------------------------------------------------------------------------
# Chinese
# --------------------------------------------------------------------------------------------


def _zh_noun(cat: str, variant: int) -> str:
    options = [CATEGORIES[cat].names["zh"]] + ZH_SYNONYMS.get(cat, [])
    return options[0] if variant % 3 else _pick(options, variant, 1)


def _zh_np(m: Mention, variant: int, with_position: bool = True) -> list[str]:
    words = []
    if with_position and m.position:
        words += [ZH_POSITION[m.position], "的"]
    words.append(ZH_NUMBERS[m.count] + CATEGORY_INFO[m.category].zh_measure)
    if m.size:
        words += [ZH_SIZE[m.size], "的"]
    if m.colour:
        words += [COLOURS[m.colour].names["zh"], "的"]
    words.append(_zh_noun(m.category, variant))
    return words


def realise_zh(spec: CaptionSpec) -> list[str]:
    v = spec.variant
    nps = [_zh_np(m, v + 11 * i) for i, m in enumerate(spec.mentions)]
    listing = _join(nps, ["和"], ["、"])
    scene = list(ZH_SCENE[spec.scene]) if spec.scene else []
    f = spec.frame
    if f == 0:
        words = (scene + ["有"] + listing) if scene else (["有"] + listing)
    elif f == 1:
        words = listing + (["在"] + scene if scene else ["在", "这里"])
    elif f == 2:
        words = scene + ["有"] + listing
    elif f == 3:
        words = [_pick(["这张照片里", "图中", "画面里"], v, 4), "有"] + listing
        words += (["，", "背景", "是"] + [scene[0]]) if scene else []
    elif f == 4:
        a, rel, b = spec.relation
        words = (scene + ["，"] if scene else []) + nps[a] + ["在"] + nps[b] + ["的", ZH_RELATION[rel]]
    else:
        parts = [[ZH_POSITION[m.position], "有"] + _zh_np(m, v + 11 * i, with_position=False) for i, m in enumerate(spec.mentions)]
        words = _join(parts, ["，"], ["，"])
        if scene:
            words = scene + ["，"] + words
    return words + ["。"]


# --------------------------------------------------------------------------------------------
# Japanese
# --------------------------------------------------------------------------------------------


def _ja_noun(cat: str, variant: int) -> str:
    options = [CATEGORIES[cat].names["ja"]] + JA_SYNONYMS.get(cat, [])
    return options[0] if variant % 3 else _pick(options, variant, 1)


def _ja_np(m: Mention, variant: int, with_position: bool = True) -> list[str]:
    words = []
    if with_position and m.position:
        words += [JA_POSITION[m.position], "の"]
    if m.count > 1:
        words += [JA_NUMBERS[m.count] + CATEGORY_INFO[m.category].ja_counter, "の"]
    if m.size:
        words.append(JA_SIZE[m.size])
    if m.colour:
        adj = JA_COLOUR_ADJ[m.colour]
        words += [adj[:-1], "の"] if adj.endswith("の") else [adj]
    words.append(_ja_noun(m.category, variant))
    return words


def _ja_verb(mentions, polite: bool) -> str:
    animate = any(CATEGORY_INFO[m.category].animate for m in mentions)
    return ("います" if animate else "あります") if polite else ("いる" if animate else "ある")


def realise_ja(spec: CaptionSpec) -> list[str]:
    v = spec.variant
    nps = [_ja_np(m, v + 11 * i) for i, m in enumerate(spec.mentions)]
    listing = _join(nps, ["と"], ["、"])
    scene = [JA_SCENE[spec.scene]] if spec.scene else []
    polite = bool(v % 2)
    f = spec.frame
    if f == 0:
        words = (scene + ["に"] if scene else []) + listing + ["が", _ja_verb(spec.mentions, polite)]
    elif f == 1:
        words = listing + ["が"] + (scene + ["に"] if scene else []) + [_ja_verb(spec.mentions, polite)]
    elif f == 2:
        words = scene + ["に"] + listing + ["が", "見える"]
    elif f == 3:
        words = (scene + ["の"] if scene else []) + listing + ["の", "写真"]
    elif f == 4:
        a, rel, b = spec.relation
        words = (scene + ["で"] if scene else []) + nps[b] + ["の", JA_RELATION[rel], "に"] + nps[a] + ["が", _ja_verb([spec.mentions[a]], polite)]
    else:
        parts = [[JA_POSITION[m.position], "に"] + _ja_np(m, v + 11 * i, with_position=False) for i, m in enumerate(spec.mentions)]
        words = (scene + ["で", "、"] if scene else []) + _join(parts, ["、"], ["、"]) + ["が", "見える"]
    return words + ["。"]


REALISERS = {"en": realise_en, "de": realise_de, "zh": realise_zh, "ja": realise_ja}


def detokenise(tokens: list[str], lang: str) -> str:
    """The caption string: spaces between words for en/de, none for zh/ja; first letter upper."""
    if lang in ("zh", "ja"):
        return "".join(tokens)
    text = ""
    for t in tokens:
        text += t if (t in {".", ","} or not text) else " " + t
    return text[:1].upper() + text[1:]


def realise(spec: CaptionSpec, lang: str) -> tuple[str, list[str]]:
    """``(caption, tokens)`` of a spec in one language (tokens lower-cased for English)."""
    try:
        realiser = REALISERS[lang]
    except KeyError:
        raise ValueError(f"unknown language {lang!r}; choose one of {LANGS}") from None
    tokens = realiser(spec)
    return detokenise(tokens, lang), tokens


def image_captions(objects, scene: str, image_size: int, rng: np.random.Generator, n: int = 5):
    """``n`` different captions per language for one image, all realising the same ``n`` specs.

    Returns ``(specs, captions, tokens)`` with ``captions[lang]`` a list of ``n`` strings.
    """
    specs: list[CaptionSpec] = []
    captions = {lang: [] for lang in LANGS}
    tokens = {lang: [] for lang in LANGS}
    seen = {lang: set() for lang in LANGS}
    for attempt in range(60 * n):
        spec = sample_spec(objects, scene, image_size, rng)
        out = {lang: realise(spec, lang) for lang in LANGS}
        if any(out[lang][0] in seen[lang] for lang in LANGS):
            continue
        specs.append(spec)
        for lang in LANGS:
            seen[lang].add(out[lang][0])
            captions[lang].append(out[lang][0])
            tokens[lang].append(out[lang][1])
        if len(specs) == n:
            break
    if len(specs) < n:  # pragma: no cover - the grammar has far more than n forms per image
        raise RuntimeError(f"could not draw {n} different captions for an image with {len(objects)} objects")
    return specs, captions, tokens
