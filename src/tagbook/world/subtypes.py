"""Fine-grained subtypes of the toy world's object categories (opt-in: ``WorldConfig(fine_grained=True)``).

ImageNet's labels are finer than the words people use in captions: "beagle", "tabby cat",
"canoe", "rocking chair", where a caption says 狗, 猫, 船, 椅子. With ``fine_grained=True`` every
object instance of a world is given one of its category's subtypes, drawn from a random stream
of its own (so the scene, the objects, their colours and places, and the captions are drawn
exactly as without subtypes), and drawn with visible differences: its proportions (the width of
its box against its height) and a pattern over its pixels (stripes, spots, checks, a band).
The captions keep the everyday category words; the subtypes are the labels a *source* model
is trained on (:func:`subtype_keys`, :meth:`tagbook.world.ToyWorld.subtype_label_matrix`).

Every subtype has an English name; :func:`subtype_synset` finds its WordNet 3.0 noun synset
where one exists (a synset of the name, or of ``lemma``, that lies below the category's own
synset), so a hierarchy-based embedding such as
HierSE can climb from the subtype to the category and beyond.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

import numpy as np

__all__ = ["Subtype", "SUBTYPES", "PATTERNS", "ASPECTS", "subtype_keys", "subtypes_of", "subtype_synset",
           "draw_subtypes", "pattern_factor"]

PATTERNS = ("plain", "stripes", "spots", "checks", "band")
ASPECTS = (1.0, 0.72, 1.38)  # width factor of a category's first, second and third subtype

# category -> its subtypes' English names (a ``name|lemma`` entry looks ``lemma`` up in WordNet)
_NAMES = {
    "dog": ("beagle", "poodle", "dalmatian"),
    "cat": ("tabby cat", "Siamese cat", "Persian cat"),
    "horse": ("pony", "Arabian horse|arabian", "racehorse"),
    "zebra": ("Grevy's zebra", "mountain zebra", "common zebra"),
    "cow": ("Holstein cow|holstein", "Jersey cow|jersey", "longhorn"),
    "sheep": ("merino sheep", "bighorn sheep|bighorn", "lamb"),
    "giraffe": ("reticulated giraffe", "Masai giraffe", "baby giraffe"),
    "pig": ("wild boar", "piglet", "warthog"),
    "elephant": ("African elephant", "Indian elephant", "mammoth"),
    "bear": ("brown bear", "polar bear", "black bear"),
    "rabbit": ("Angora rabbit", "cottontail", "lop-eared rabbit"),
    "mouse.animal": ("house mouse", "field mouse", "dormouse"),
    "bat.animal": ("fruit bat", "vampire bat", "long-eared bat"),
    "duck": ("mallard", "teal", "mandarin duck"),
    "owl": ("barn owl", "great horned owl", "snowy owl"),
    "parrot": ("macaw", "cockatoo", "lorikeet"),
    "fish": ("goldfish", "salmon", "pufferfish|puffer"),
    "snake": ("cobra", "python", "rattlesnake"),
    "butterfly": ("monarch butterfly", "swallowtail butterfly|swallowtail", "cabbage butterfly"),
    "tree": ("oak tree|oak", "pine tree|pine", "palm tree|palm"),
    "flower": ("rose", "tulip", "sunflower"),
    "cactus": ("saguaro", "prickly pear", "barrel cactus"),
    "car": ("sports car", "convertible", "limousine"),
    "truck": ("fire engine", "tow truck", "pickup truck"),
    "motorcycle": ("moped", "motor scooter", "trail bike"),
    "bicycle": ("mountain bike", "tandem bicycle", "penny-farthing|ordinary bicycle"),
    "boat": ("canoe", "sailboat", "speedboat"),
    "ship": ("ocean liner|liner", "container ship", "oil tanker"),
    "airplane": ("jet plane|jet", "biplane", "seaplane"),
    "balloon": ("hot-air balloon", "barrage balloon", "weather balloon"),
    "bus": ("school bus", "trolleybus", "minibus"),
    "train": ("passenger train", "freight train", "bullet train"),
    "chair": ("rocking chair", "folding chair", "armchair"),
    "table": ("dining table", "coffee table", "card table"),
    "sofa": ("loveseat", "chesterfield", "divan"),
    "bed": ("bunk bed", "four-poster", "crib"),
    "lamp": ("table lamp", "floor lamp", "lantern"),
    "apple": ("Granny Smith", "crab apple", "Golden Delicious"),
    "banana": ("plantain", "red banana", "baby banana"),
    "orange.fruit": ("navel orange", "blood orange", "mandarin orange"),
    "cake": ("cheesecake", "cupcake", "layer cake"),
    "bread": ("baguette", "bagel", "croissant"),
    "carrot": ("baby carrot", "wild carrot", "purple carrot"),
    "house": ("cottage", "bungalow", "farmhouse"),
    "church": ("chapel", "cathedral", "basilica"),
    "tower": ("clock tower", "water tower", "lighthouse"),
    "bridge": ("suspension bridge", "viaduct", "drawbridge"),
    "window": ("bay window", "skylight", "casement window"),
    "bank.building": ("savings bank", "credit union", "bank branch"),
    "sun": ("rising sun", "setting sun", "midday sun"),
    "moon": ("full moon", "half-moon", "crescent moon|crescent"),
    "star": ("North Star|polaris", "shooting star", "red giant"),
    "cloud": ("cumulus", "cirrus", "thundercloud"),
    "camera": ("reflex camera", "Polaroid camera", "box camera"),
    "shutter.camera": ("focal-plane shutter", "leaf shutter", "rotary shutter"),
    "shutter.window": ("louvred shutter", "plantation shutter", "storm shutter"),
    "mouse.computer": ("optical mouse", "wireless mouse", "trackball"),
    "bat.sports": ("baseball bat", "cricket bat", "softball bat"),
    "clock": ("alarm clock", "cuckoo clock", "wall clock"),
    "umbrella": ("parasol", "beach umbrella", "golf umbrella"),
    "ball": ("soccer ball", "tennis ball", "basketball"),
    "kite": ("box kite", "delta kite", "stunt kite"),
    "cup": ("teacup", "coffee cup", "paper cup"),
    "mug": ("beer mug", "coffee mug", "tankard"),
    "bottle": ("wine bottle", "water bottle", "beer bottle"),
}


@dataclass(frozen=True)
class Subtype:
    """One fine-grained label: its key (``dog/beagle``), category, English name and how it is drawn."""

    key: str
    category: str
    name: str
    lemma: str  # what is looked up in WordNet
    aspect: float  # factor on the category's width / height
    pattern: str  # one of PATTERNS


def _build() -> dict[str, tuple[Subtype, ...]]:
    from tagbook.world.concepts import CATEGORIES

    missing = set(CATEGORIES) ^ set(_NAMES)
    if missing:  # pragma: no cover - guarded by the tests
        raise ValueError(f"subtype table and categories differ: {sorted(missing)}")
    table = {}
    for i, category in enumerate(CATEGORIES):
        subs = []
        for j, entry in enumerate(_NAMES[category]):
            name, _, lemma = entry.partition("|")
            subs.append(Subtype(f"{category}/{name.lower().replace(' ', '_')}", category, name,
                                (lemma or name).lower().replace(" ", "_"), ASPECTS[j],
                                PATTERNS[(i + j) % len(PATTERNS)]))
        table[category] = tuple(subs)
    return table


SUBTYPES: Mapping[str, tuple[Subtype, ...]] = MappingProxyType(_build())
"""Category key -> its subtypes, in a fixed order."""

_BY_KEY = {s.key: s for subs in SUBTYPES.values() for s in subs}


def subtype_keys() -> list[str]:
    """Every subtype key, category by category (the columns of a fine-grained label matrix)."""
    return list(_BY_KEY)


def subtypes_of(category: str) -> tuple[Subtype, ...]:
    return SUBTYPES[category]


def subtype(key: str) -> Subtype:
    return _BY_KEY[key]


@lru_cache(maxsize=None)
def subtype_synset(key: str):
    """The WordNet noun synset of a subtype (a :class:`tagbook.hierarchy.Synset`) or None.

    The first synset of its lemma that lies below its category's synset; None when none does
    (a synset of another sense, such as teal the colour, is not the subtype's).
    """
    from tagbook.hierarchy import wordnet
    from tagbook.world.concepts import CATEGORIES

    s = _BY_KEY[key]
    net = wordnet()
    found = net.synsets(s.lemma)
    if not found:
        return None
    category_wnid = CATEGORIES[s.category].wnid
    for synset in found:
        if any(category_wnid in {a.wnid for a in path} for path in net.hypernym_paths(synset)):
            return synset
    return None


def draw_subtypes(categories, seed: int, index: int) -> list[str]:
    """One subtype key per category of image ``index``, from the image's own subtype stream."""
    rng = np.random.default_rng([seed, index, 0x5B7])
    return [SUBTYPES[c][int(rng.integers(len(SUBTYPES[c])))].key for c in categories]


def pattern_factor(pattern: str, h: int, w: int) -> np.ndarray:
    """``(h, w)`` brightness factors of a pattern laid over an object's box (1 = unchanged)."""
    v, u = np.mgrid[0:h, 0:w]
    u = (u + 0.5) / max(w, 1)
    v = (v + 0.5) / max(h, 1)
    if pattern == "plain":
        return np.ones((h, w), np.float32)
    if pattern == "stripes":
        on = (np.floor(u * 6) % 2) == 1
    elif pattern == "spots":
        on = ((u * 4 % 1 - 0.5) ** 2 + (v * 4 % 1 - 0.5) ** 2) < 0.08
    elif pattern == "checks":
        on = ((np.floor(u * 4) + np.floor(v * 4)) % 2) == 1
    elif pattern == "band":
        on = (v > 0.38) & (v < 0.62)
    else:
        raise ValueError(f"unknown pattern {pattern!r}; known: {', '.join(PATTERNS)}")
    return np.where(on, 0.5, 1.0).astype(np.float32)
