"""Cross-lingual annotation of real photos: ImageNet models, a bilingual space, a target vocabulary.

This puts the pieces of Wei, Wang and Li (2017) together for any photo:

- source model: an ImageNet-1k classifier (EfficientNet-Lite0/1/2, :mod:`tagbook.vision`), whose
  English labels are WordNet synsets (so HierSE applies);
- bilingual space: the multilingual sentence encoder by default (:class:`~tagbook.text.spaces.EncoderSpace`),
  or any :class:`~tagbook.text.spaces.BilingualSpace`;
- target vocabulary per language (:func:`target_vocabulary`), built from three parts:

  1. the words of the hand-labelled sample photos in that language (:mod:`tagbook.photos`);
  2. the toy world's four-language lexicon (:data:`tagbook.world.lexicon.LEXICON`): every name of
     every sense in that language;
  3. a frequency-capped real vocabulary: the ``n_frequent`` most frequent English nouns (GloVe's
     word order is corpus frequency) whose first WordNet sense is a physical entity (things one
     can photograph, not "year" or "policy"), each translated by the language's dictionary (for
     Chinese the first of its first three senses that jieba tags as one noun, so "top" does not
     become the verb 颠; for Japanese the first sense). CC-CEDICT gives Chinese; Japanese needs
     JMdict and German has no dictionary offline, so for those two languages this part is empty
     unless a dictionary is installed.

  Each word keeps an English gloss where one is known (the word it was translated from, the
  lexicon's English word, or the photo's English label in the same position).
- methods: ``mt`` (:class:`~tagbook.methods.machine_translation.MachineTranslation`), ``conse``,
  ``hierse`` and ``label-enhanced`` (on HierSE by default).

With the encoder space every string has a vector, so only the labels an image actually uses are
encoded: the source labels among some image's ``K`` most probable (and, for HierSE, their WordNet
ancestors). The result is identical to encoding all 1000 labels (Eq. 1 never looks past the top
``K``) and a first run on a new machine stays short.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from tagbook.text.spaces import BilingualSpace, EncoderSpace
from tagbook.methods.zeroshot.conse import ConSE, ZeroShotConfig
from tagbook.methods.zeroshot.hierse import HierSEConfig, ancestor_distances, hierse_label_vectors
from tagbook.methods.zeroshot.label_enhanced import LabelEnhancedZeroShot
from tagbook.methods.zeroshot.machine_translation import MachineTranslation
from tagbook.ranking import top_k

__all__ = [
    "LANGUAGES",
    "METHODS",
    "AnnotatorConfig",
    "CrossLingualAnnotator",
    "Prediction",
    "TargetVocabulary",
    "target_vocabulary",
    "dictionary_for",
]

LANGUAGES = ("zh", "en", "ja", "de")
METHODS = ("mt", "conse", "hierse", "label-enhanced")
PHYSICAL_ENTITY = "n00001930"


# --------------------------------------------------------------------------------------------
# Dictionaries and target vocabularies
# --------------------------------------------------------------------------------------------


class NoDictionary(LookupError):
    """No English-to-``lang`` dictionary is available offline."""


@functools.lru_cache(maxsize=None)
def dictionary_for(lang: str):
    """The English-to-``lang`` lexicon (``translate(word) -> senses``, first sense first).

    zh: CC-CEDICT; ja: JMdict when ``jamdict`` is installed; en: the identity; de: none offline.
    """
    if lang == "en":
        return _Identity()
    from tagbook.text import lexicons

    loaders = {"zh": "cedict", "ja": "jmdict"}
    name = loaders.get(lang)
    loader = getattr(lexicons, f"load_{name}", None) if name else None
    if loader is None:
        raise NoDictionary(f"no English-{lang} dictionary is available offline")
    try:
        return loader()
    except (ModuleNotFoundError, FileNotFoundError) as error:
        raise NoDictionary(f"the English-{lang} dictionary is not installed: {error}") from error


class _Identity:
    def translate(self, word: str, k: int | None = None) -> list[str]:
        return [word]


@dataclass
class TargetVocabulary:
    """Target-language words, an English gloss for each where known, and where each word came from."""

    lang: str
    words: list[str]
    glosses: list[str | None]
    origins: list[str]

    def __len__(self) -> int:
        return len(self.words)

    def gloss(self, word: str) -> str | None:
        return self._gloss_index.get(word)

    @functools.cached_property
    def _gloss_index(self) -> dict[str, str | None]:
        return dict(zip(self.words, self.glosses))

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for o in self.origins:
            out[o] = out.get(o, 0) + 1
        return out


def _add(words: dict[str, tuple[str | None, str]], word: str, gloss: str | None, origin: str) -> None:
    word = word.strip()
    if not word:
        return
    if word not in words:
        words[word] = (gloss, origin)
    elif words[word][0] is None and gloss is not None:
        words[word] = (gloss, words[word][1])


def _photo_words(lang: str) -> list[tuple[str, str | None]]:
    try:
        from tagbook.photos import load_sample_photos
    except ImportError:
        return []
    out = []
    for photo in load_sample_photos():
        labels = list(photo.labels.get(lang, []))
        english = list(photo.labels.get("en", []))
        aligned = len(english) == len(labels)
        for j, word in enumerate(labels):
            out.append((word, english[j] if aligned else None))
    return out


def _toy_lexicon_words(lang: str) -> list[tuple[str, str | None]]:
    try:
        from tagbook.world.lexicon import LEXICON
    except ImportError:
        return []
    out = []
    for english, senses in LEXICON.items():
        for sense in senses:
            names = sense.names.get(lang, [])
            for name in [names] if isinstance(names, str) else names:
                out.append((name, english))
    return out


@functools.lru_cache(maxsize=4)
def frequent_physical_nouns(n: int, max_words: int = 30000) -> tuple[str, ...]:
    """The ``n`` most frequent English nouns (GloVe order) whose first WordNet sense is a physical entity."""
    if n <= 0:
        return ()
    from tagbook.hierarchy import wordnet
    from tagbook.text.vectors import load_vectors

    net = wordnet()
    glove = load_vectors("glove-en", max_words=max_words)
    out = []
    for word in glove.words:
        if len(word) < 3 or not word.isalpha() or not word.islower():
            continue
        senses = net.synsets(word, "n")
        if senses and PHYSICAL_ENTITY in net.ancestor_distances(senses[0]):
            out.append(word)
            if len(out) == n:
                break
    return tuple(out)


def _first_noun_sense(senses: Sequence[str], lang: str, tries: int = 3) -> str | None:
    """The first of the first ``tries`` senses that is one noun (Chinese: jieba tags it n...).

    A dictionary lists an English noun's senses across parts of speech ("top" -> 颠, a verb);
    for Chinese the translation must be tagged as one noun. Other languages take the first sense.
    """
    senses = [s for s in senses if s.strip()]
    if lang != "zh":
        return senses[0] if senses else None
    from tagbook.text.tokenize import pos_tags

    for sense in senses[:tries]:
        tags = pos_tags(sense, "zh")
        if len(tags) == 1 and tags[0][1].startswith("n"):
            return sense
    return None


def target_vocabulary(lang: str, n_frequent: int = 2000) -> TargetVocabulary:
    """The target vocabulary of ``lang``: sample-photo words, toy lexicon, frequent nouns translated."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    words: dict[str, tuple[str | None, str]] = {}
    for word, gloss in _photo_words(lang):
        _add(words, word, gloss, "sample photos")
    for word, gloss in _toy_lexicon_words(lang):
        _add(words, word, gloss, "toy lexicon")
    if n_frequent > 0:
        try:
            dictionary = dictionary_for(lang)
        except NoDictionary:
            dictionary = None
        if dictionary is not None:
            for english in frequent_physical_nouns(n_frequent):
                noun = _first_noun_sense(dictionary.translate(english), lang)
                if noun:
                    _add(words, noun, english, "frequent nouns")
    if lang == "en":
        for word, (gloss, origin) in list(words.items()):
            words[word] = (None, origin)
    ordered = list(words)
    return TargetVocabulary(lang, ordered, [words[w][0] for w in ordered], [words[w][1] for w in ordered])


# --------------------------------------------------------------------------------------------
# The annotator
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnotatorConfig:
    lang: str = "zh"
    method: str = "label-enhanced"
    theta: float = 0.5
    k: int = 10  # K of Eq. 1 and Eq. 3
    base: str = "hierse"  # the zero-shot model under label-enhanced: conse or hierse
    backbone: str = "efficientnet-lite0"
    n_frequent: int = 2000
    hierse: HierSEConfig = field(default_factory=HierSEConfig)

    def __post_init__(self) -> None:
        if self.lang not in LANGUAGES:
            raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {self.lang!r}")
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if self.base not in ("conse", "hierse"):
            raise ValueError(f"base must be conse or hierse, got {self.base!r}")
        if not 0.0 <= float(self.theta) <= 1.0:
            raise ValueError(f"theta must be in [0, 1], got {self.theta!r}")
        ZeroShotConfig(self.k)
        if self.n_frequent < 0:
            raise ValueError(f"n_frequent must be >= 0, got {self.n_frequent!r}")


@dataclass(frozen=True)
class Prediction:
    label: str
    gloss: str | None
    score: float


class CrossLingualAnnotator:
    """Annotate photos in ``config.lang`` by harvesting an ImageNet model (Wei et al. 2017).

    ``fit()`` loads the backbone and builds the target vocabulary and its vectors;
    ``score(probs)`` maps ImageNet probabilities to target-label scores; ``annotate(images, top)``
    does both for images (uint8 arrays or PIL images).
    """

    def __init__(self, config: AnnotatorConfig | None = None, space: BilingualSpace | None = None,
                 vocabulary: TargetVocabulary | None = None, source=None):
        self.config = config or AnnotatorConfig()
        self.space = space
        self.vocabulary = vocabulary
        self.source = source

    def fit(self) -> "CrossLingualAnnotator":
        from tagbook.hierarchy import wordnet

        c = self.config
        if self.source is None:
            from tagbook.methods.zeroshot.source_models import ImageNetSource

            self.source = ImageNetSource(c.backbone)
        if self.vocabulary is None:
            self.vocabulary = target_vocabulary(c.lang, c.n_frequent)
        if len(self.vocabulary) == 0:
            raise ValueError(f"the {c.lang!r} target vocabulary is empty")
        self.names = list(self.source.names)
        self.wnids = list(self.source.wnids)
        if c.method == "mt":
            self.mt = MachineTranslation(dictionary_for(c.lang), self.vocabulary.words, lang=c.lang)
            self.mt.fit([[n] for n in self.names])
            return self
        if self.space is None:
            self.space = EncoderSpace()
        self.target_vectors = self.space.embed(self.vocabulary.words, c.lang)
        # the target side is prepared once; each call only swaps in the source labels it needs
        self._template = ConSE(ZeroShotConfig(k=c.k)).fit(np.ones((1, self.target_vectors.shape[1])), self.target_vectors)
        self._net = wordnet()
        self._all_embed = isinstance(self.space, EncoderSpace)
        if not self._all_embed:  # a word-vector space: find once which source labels embed
            self._source_matrix = self._source_vectors(list(range(len(self.names))))
        return self

    # ---- label vectors ------------------------------------------------------------------------
    def _node_text(self, wnid: str) -> str:
        if wnid in self._wnid_index:
            return self.names[self._wnid_index[wnid]]
        return self._net.synset(wnid).lemma_names[0].replace("_", " ")

    @functools.cached_property
    def _wnid_index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.wnids)}

    def _paths_of(self, wnid: str) -> list[list[str]]:
        return [[s.wnid for s in path] for path in self._net.hypernym_paths(wnid)]

    def _uses_hierse(self) -> bool:
        c = self.config
        return c.method == "hierse" or (c.method == "label-enhanced" and c.base == "hierse")

    def _source_vectors(self, columns: list[int]) -> np.ndarray:
        if not self._uses_hierse():
            return self.space.embed([self.names[j] for j in columns], "en")
        nodes = [self.wnids[j] for j in columns]
        h = self.config.hierse
        needed = {a for n in nodes for a in ancestor_distances(n, self._paths_of(n), h.max_distance, h.parents)}
        needed = sorted(needed)
        vectors = dict(zip(needed, self.space.embed([self._node_text(n) for n in needed], "en")))
        return hierse_label_vectors(nodes, self._paths_of, vectors.get, h)

    def _zero_shot(self, probs: np.ndarray) -> tuple[ConSE, np.ndarray]:
        """A fitted ConSE (with HierSE vectors where asked) over the source labels the images use."""
        k = self.config.k
        if self._all_embed:
            columns = sorted(set(top_k(probs, k).ravel().tolist()))
            source = self._source_vectors(columns)
        else:
            columns = list(range(len(self.names)))
            source = self._source_matrix
        return self._template.with_source(source), probs[:, columns]

    # ---- scoring ------------------------------------------------------------------------------
    @property
    def labels(self) -> list[str]:
        return self.mt.labels if self.config.method == "mt" else self.vocabulary.words

    def score(self, probs: np.ndarray) -> np.ndarray:
        """``(n_images, len(self.labels))`` target scores from ImageNet probabilities."""
        probs = np.asarray(probs, dtype=np.float64)
        if self.config.method == "mt":
            return self.mt.score(probs)
        model, sub_probs = self._zero_shot(probs)
        if self.config.method == "label-enhanced":
            return LabelEnhancedZeroShot(model, self.config.theta).score(sub_probs)
        return model.score(sub_probs)

    def predict(self, probs: np.ndarray, top: int = 5) -> list[list[Prediction]]:
        scores = self.score(probs)
        best = top_k(scores, top)
        labels = self.labels
        out = []
        for i, row in enumerate(best):
            out.append([
                Prediction(labels[j], self.gloss(labels[j]), float(scores[i, j]))
                for j in row if np.isfinite(scores[i, j])
            ])
        return out

    def gloss(self, label: str) -> str | None:
        if self.config.lang == "en":
            return None
        return self.vocabulary.gloss(label) or _reverse_gloss(self.config.lang, label)

    def annotate(self, images: Sequence, top: int = 5) -> list[list[Prediction]]:
        """Top labels of each image (photos of a user are not written to the feature cache)."""
        probs = self.source.predict_proba(images, cache=False)
        return self.predict(probs, top=top)


def _reverse_gloss(lang: str, word: str) -> str | None:
    try:
        lexicon = dictionary_for(lang)
    except NoDictionary:
        return None
    reverse = _reverse_index(lang, id(lexicon))
    return reverse.get(word)


@functools.lru_cache(maxsize=4)
def _reverse_index(lang: str, _lexicon_id: int) -> dict[str, str]:
    lexicon = dictionary_for(lang)
    out: dict[str, str] = {}
    pairs = getattr(lexicon, "pairs", None)
    if pairs is None:
        return out
    for english, target in pairs():
        out.setdefault(target, english)
    return out
