"""Cross-lingual annotation of real photos: ImageNet models, a bilingual space, a target vocabulary.

This puts the pieces of Wei, Wang and Li (2017) together for any photo:

- source model: an ImageNet-1k classifier (EfficientNet-Lite0/1/2, :mod:`tagbook.vision`), whose
  English labels are WordNet synsets (so HierSE applies);
- bilingual space: the multilingual sentence encoder by default (:class:`~tagbook.text.spaces.EncoderSpace`),
  or any :class:`~tagbook.text.spaces.BilingualSpace`;
- target vocabulary per language (:func:`target_vocabulary`): the language's everyday
  vocabulary (:func:`tagbook.text.everyday.everyday_vocabulary`: by default the 20,000 most
  frequent content words, built from the offline word lists and dictionaries alone; see that
  module for what each language rests on), or for English all 400,000 words of GloVe 6B
  (``vocabulary="glove"``, ranked in GloVe's own space). No word enters it because a photo is
  labelled with it, so the hand-labelled sample photos (:mod:`tagbook.photos`) are a held-out
  test. Each word keeps an English gloss where a dictionary gives one.
- methods: ``mt`` (:class:`~tagbook.methods.machine_translation.MachineTranslation`, phrase first,
  senses chosen by the target word's frequency), ``conse``, ``hierse`` and ``label-enhanced`` (on
  HierSE by default). The zero-shot methods rank the vocabulary in chunks
  (:func:`tagbook.ranking.top_k_scores`), so even 400,000 words never form a dense score matrix.

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
from tagbook.ranking import top_k, top_k_scores

__all__ = [
    "LANGUAGES",
    "METHODS",
    "AnnotatorConfig",
    "CrossLingualAnnotator",
    "Prediction",
    "TargetVocabulary",
    "target_vocabulary",
    "dictionary_for",
    "mt_for",
    "VOCABULARIES",
]

LANGUAGES = ("zh", "en", "ja", "de")
METHODS = ("mt", "conse", "hierse", "label-enhanced")


# --------------------------------------------------------------------------------------------
# Dictionaries and target vocabularies
# --------------------------------------------------------------------------------------------


class NoDictionary(LookupError):
    """No English-to-``lang`` dictionary is available offline."""


@functools.lru_cache(maxsize=None)
def dictionary_for(lang: str):
    """The English-to-``lang`` lexicon (``translate(word) -> senses``, first sense first).

    zh: CC-CEDICT; ja: JMdict when ``jamdict-data`` is installed; en: the identity; de: the MUSE
    en-de dictionary where the book's shared data is (none offline otherwise).
    """
    if lang == "en":
        return _Identity()
    from tagbook.text import lexicons

    if lang == "de":
        from tagbook.paths import shared_data_dir

        try:
            return lexicons.load_muse_dictionary("de", shared_data_dir())
        except FileNotFoundError as error:
            raise NoDictionary(f"no English-German dictionary is available offline: {error}") from error
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


VOCABULARIES = ("everyday", "glove")


@dataclass
class TargetVocabulary:
    """Target-language words, an English gloss for each where known, and what they rest on."""

    lang: str
    words: list[str]
    glosses: list[str | None]
    description: str = ""
    name: str = "everyday"

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._word_index

    @property
    def origins(self) -> list[str]:
        """Where each word came from: one resource for all (no word comes from a labelled photo)."""
        return [f"{self.name} vocabulary"] * len(self.words)

    def gloss(self, word: str) -> str | None:
        i = self._word_index.get(word)
        return None if i is None else self.glosses[i]

    def index(self, word: str) -> int:
        """The position of ``word``; a KeyError naming it when it is not in this vocabulary."""
        try:
            return self._word_index[word]
        except KeyError:
            raise KeyError(f"{word!r} is not in the {self.name} {self.lang} vocabulary ({len(self):,} words)") from None

    @functools.cached_property
    def _word_index(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for i, w in enumerate(self.words):
            out.setdefault(w, i)
        return out


def target_vocabulary(lang: str, size: int = 20000, vocabulary: str = "everyday") -> TargetVocabulary:
    """The target vocabulary of ``lang``: its ``size`` most frequent everyday content words
    (:func:`tagbook.text.everyday.everyday_vocabulary`), or (``vocabulary="glove"``, English only)
    every word of GloVe 6B. Built without looking at any photo or label."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    if vocabulary not in VOCABULARIES:
        raise ValueError(f"vocabulary must be one of {', '.join(VOCABULARIES)}, got {vocabulary!r}")
    if vocabulary == "glove":
        if lang != "en":
            raise ValueError(f"the glove vocabulary is English: use lang 'en', not {lang!r}")
        from tagbook.text.vectors import load_vectors

        words = list(load_vectors("glove-en").words)
        return TargetVocabulary(lang, words, [None] * len(words), "all 400,000 words of GloVe 6B, most frequent first",
                                name="glove")
    from tagbook.text.everyday import everyday_vocabulary

    everyday = everyday_vocabulary(lang, size)
    return TargetVocabulary(lang, list(everyday.words), list(everyday.glosses), everyday.description)


def mt_for(lang: str, target_words, strategy: str = "phrase") -> MachineTranslation:
    """The machine-translation baseline into ``lang`` with its dictionary, the target language's
    frequency ranks and noun test (:mod:`tagbook.text.everyday`)."""
    from tagbook.text.everyday import frequency_rank, noun_test

    return MachineTranslation(dictionary_for(lang), list(target_words), lang=lang, strategy=strategy,
                              frequency=frequency_rank(lang), is_noun=noun_test(lang))


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
    n_frequent: int = 20000  # the size of the everyday vocabulary
    vocabulary: str = "everyday"  # or "glove" (English: all GloVe 6B words, in GloVe's space)
    mt_strategy: str = "phrase"  # the translation baseline: "phrase" first, or the old "word" by word
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
        if isinstance(self.n_frequent, bool) or not isinstance(self.n_frequent, int) or self.n_frequent < 1:
            raise ValueError(f"n_frequent (the vocabulary size) must be a positive int, got {self.n_frequent!r}")
        if self.vocabulary not in VOCABULARIES:
            raise ValueError(f"vocabulary must be one of {', '.join(VOCABULARIES)}, got {self.vocabulary!r}")
        if self.vocabulary == "glove" and self.lang != "en":
            raise ValueError(f"the glove vocabulary is English: use lang 'en', not {self.lang!r}")


@dataclass(frozen=True)
class Prediction:
    label: str
    gloss: str | None
    score: float


class CrossLingualAnnotator:
    """Annotate photos in ``config.lang`` by harvesting an ImageNet model (Wei et al. 2017).

    ``fit()`` loads the backbone and builds the target vocabulary and its vectors;
    ``score(probs)`` maps ImageNet probabilities to target-label scores (dense, for small
    vocabularies); ``predict(probs, top)`` gives the top labels, ranking the vocabulary in chunks;
    ``annotate(images, top)`` does both for images (uint8 arrays or PIL images).
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
            self.vocabulary = target_vocabulary(c.lang, c.n_frequent, c.vocabulary)
        if len(self.vocabulary) == 0:
            raise ValueError(f"the {c.lang!r} target vocabulary is empty")
        self.names = list(self.source.names)
        self.wnids = list(self.source.wnids)
        if c.method == "mt":
            from tagbook.methods.zeroshot.machine_translation import wordnet_fallbacks

            self.mt = mt_for(c.lang, self.vocabulary.words, c.mt_strategy)
            from tagbook.vision.imagenet import IMAGENET

            names = [[n] for n in self.names]
            if self.wnids == list(IMAGENET.wnids):  # the synset's names as ImageNet lists them, then the clean name
                names = [[*IMAGENET.synonyms[i], n] for i, n in enumerate(self.names)]
            self.mt.fit(names, wordnet_fallbacks(self.wnids) if c.mt_strategy == "phrase" else None)
            return self
        if self.space is None:
            if c.vocabulary == "glove":
                from tagbook.text.spaces import WordVectorSpace
                from tagbook.text.vectors import load_vectors

                self.space = WordVectorSpace({"en": load_vectors("glove-en")}, name="GloVe 6B 50d")
            else:
                self.space = EncoderSpace()
        glove = getattr(self.space, "vectors", {}).get("en") if c.vocabulary == "glove" else None
        if glove is not None and list(glove.words[: len(self.vocabulary)]) == list(self.vocabulary.words):
            target = glove.matrix  # already unit rows (float32): 400,000 words need no second copy
            self._target_unit, self._target_has = target, np.ones(len(target), dtype=bool)
            dummy = np.ones((1, target.shape[1]))
            self._template = ConSE(ZeroShotConfig(k=c.k)).fit(dummy, dummy)
        else:
            self.target_vectors = self.space.embed(self.vocabulary.words, c.lang)
            # the target side is prepared once; each call only swaps in the source labels it needs
            self._template = ConSE(ZeroShotConfig(k=c.k)).fit(np.ones((1, self.target_vectors.shape[1])), self.target_vectors)
            # ranked in float32: half the memory to stream through per photo (ties aside, the same order)
            self._target_unit = self._template.target_vectors.astype(np.float32)
            self._target_has = self._template.target_has_vector
        self._dense_ok = glove is None or self._target_unit.shape[0] == self._template.target_vectors.shape[0]
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

    def _cached_source_vectors(self, columns: list[int]) -> np.ndarray:
        """:meth:`_source_vectors`, each label's vector computed once (a label's ConSE or HierSE
        vector depends on that label alone), so a warm annotator only looks them up."""
        cache = self.__dict__.setdefault("_source_cache", {})
        missing = [j for j in columns if j not in cache]
        if missing:
            cache.update(zip(missing, self._source_vectors(missing)))
        return np.stack([cache[j] for j in columns])

    def _zero_shot(self, probs: np.ndarray) -> tuple[ConSE, np.ndarray]:
        """A fitted ConSE (with HierSE vectors where asked) over the source labels the images use."""
        k = self.config.k
        if self._all_embed:
            columns = sorted(set(top_k(probs, k).ravel().tolist()))
            source = self._cached_source_vectors(columns)
        else:
            columns = list(range(len(self.names)))
            source = self._source_matrix
        return self._template.with_source(source), probs[:, columns]

    # ---- scoring ------------------------------------------------------------------------------
    @property
    def labels(self) -> list[str]:
        return self.mt.labels if self.config.method == "mt" else self.vocabulary.words

    def score(self, probs: np.ndarray) -> np.ndarray:
        """``(n_images, len(self.labels))`` target scores from ImageNet probabilities (a dense matrix:
        for the everyday vocabularies; :meth:`predict` ranks any vocabulary in chunks)."""
        probs = np.asarray(probs, dtype=np.float64)
        if self.config.method == "mt":
            return self.mt.score(probs)
        if not self._dense_ok:
            raise ValueError("score() builds a dense matrix; with the glove vocabulary use predict()")
        model, sub_probs = self._zero_shot(probs)
        if self.config.method == "label-enhanced":
            return LabelEnhancedZeroShot(model, self.config.theta).score(sub_probs)
        return model.score(sub_probs)

    def top_labels(self, probs: np.ndarray, top: int = 5) -> tuple[np.ndarray, np.ndarray]:
        """``(indices, scores)``, each ``(n_images, top)``, best first (index -1: no label), the same
        ranking as :meth:`score` (label-enhanced: its selected words first, in selection order, then
        the rest by Eq. 1's cosine), computed with :func:`tagbook.ranking.top_k_scores`."""
        probs = np.asarray(probs, dtype=np.float64)
        if self.config.method == "mt":
            scores = self.mt.score(probs)
            best = top_k(scores, min(top, scores.shape[1]))
            return best, np.take_along_axis(scores, best, axis=1)
        model, sub_probs = self._zero_shot(probs)
        targets = self._target_unit
        exclude = None if self._target_has.all() else ~self._target_has
        phi = model.embed_images(sub_probs)  # Eq. 1, not unit length (Eq. 3 mixes it as it is)
        image = _unit(phi).astype(targets.dtype)
        n_labels = len(targets)
        if self.config.method != "label-enhanced":
            return top_k_scores(image, targets, min(top, n_labels), exclude=exclude)
        # Eq. 3: the K queries of an image do not depend on the words chosen before, so all of them
        # (and phi(x) for the words after the selection) are ranked in one pass over the vocabulary;
        # the sequential selection then takes, at step k, the best word not chosen at steps < k
        # (among the K best of that query: at most k - 1 < K are taken), as LabelEnhancedZeroShot.
        idx, _ = model.top_source_labels(sub_probs)
        n, k_steps = idx.shape
        k_steps = min(k_steps, int(self._target_has.sum()))
        theta = self.config.theta
        queries = _unit(theta * phi[:, None, :] + (1.0 - theta) * model.source_vectors[idx[:, :k_steps]])  # (n, K, d)
        queries = np.concatenate([queries.reshape(n * k_steps, -1), image], axis=0).astype(targets.dtype)
        found, found_scores = top_k_scores(queries, targets, min(top + k_steps, n_labels), exclude=exclude)
        steps, rest, rest_scores = found[: n * k_steps].reshape(n, k_steps, -1), found[n * k_steps:], found_scores[n * k_steps:]
        out_idx = np.full((n, top), -1, dtype=np.int64)
        out_scores = np.full((n, top), -np.inf)
        rank_scores = 2.0 + np.arange(k_steps, 0, -1, dtype=np.float64)  # > any cosine, best first
        for i in range(n):
            chosen: list[int] = []
            for k in range(k_steps):
                chosen.append(next(int(j) for j in steps[i, k] if j >= 0 and int(j) not in chosen))
            picked = set(chosen)
            row = list(zip(chosen, rank_scores.tolist()))
            row += [(int(j), float(c)) for j, c in zip(rest[i], rest_scores[i]) if j >= 0 and int(j) not in picked]
            for slot, (j, value) in enumerate(row[:top]):
                out_idx[i, slot], out_scores[i, slot] = j, value
        return out_idx, out_scores

    def predict(self, probs: np.ndarray, top: int = 5) -> list[list[Prediction]]:
        best, scores = self.top_labels(probs, top)
        labels = self.labels
        out = []
        for i, row in enumerate(best):
            out.append([
                Prediction(labels[j], self.gloss(labels[j]), float(scores[i, slot]))
                for slot, j in enumerate(row) if j >= 0 and np.isfinite(scores[i, slot])
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


def _unit(matrix: np.ndarray) -> np.ndarray:
    """Rows (the last axis) of unit length; zero rows stay zero."""
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


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
