"""The machine-translation baseline of Wei, Wang and Li (2017): translate the predicted labels.

The source model ranks its English labels; each is translated into the target language and the
translations, in the same order, are the annotation. The paper used Baidu translation; here a
bilingual dictionary (CC-CEDICT, JMdict, an English-German lexicon, or any mapping) stands in for
it. Two strategies:

``strategy="phrase"`` (the default): a label is translated as a phrase, never pieced together.

1. each of the label's names, whole, names of more words first ("tabby, tabby cat": ``tabby
   cat``, then ``tabby``, which is also a fabric);
2. the head noun of each name (the last word, or the word before a post-modifier such as "of"
   or "having": ``crash helmet`` -> ``helmet``, ``Egyptian cat`` -> ``cat``);
3. the further names the caller gives for the label, in order (:meth:`MachineTranslation.fit`'s
   ``fallbacks``; :func:`wordnet_fallbacks` gives the synset's WordNet lemmas and then those of
   its hypernyms, so ``schooner``, absent from CC-CEDICT, becomes the word for sailing vessel),
   each whole and then by its head noun.

At the first step that finds the phrase, the sense is chosen among its first ``max_senses``
senses (nouns first where ``is_noun`` is given) by the target word's frequency (``frequency``: target word -> rank, 0 the most common,
e.g. the order of a target-language vector vocabulary; senses without a rank come after, in
dictionary order; without ``frequency`` the dictionary's first sense). Only well-formed
target-language words are emitted (:func:`is_target_word`: for Chinese and Japanese no Latin
letters, digits or spaces), so nothing untranslated or garbled ("egyptianmau", "tabby猫") can
come out. A label for which no step finds a word has no translation (``None``); it is counted
(:meth:`MachineTranslation.untranslated`) and takes no place in the ranking.

``strategy="word"`` (the earlier word-by-word reading, kept as a labelled variant): the label's
names are looked up whole and the first found gives its first sense; otherwise the first name is
translated word by word (first sense of each word), joined (with no space for Chinese and
Japanese), and a word the dictionary lacks stays as it is.

An ambiguous label such as "shutter" becomes one sense whatever the image shows, which is the
weakness the paper's Fig. 1 points at.

The translations need not be words of the target vocabulary (a translator is not restricted to
it). The output vocabulary is therefore the target vocabulary followed by every translation that
is not in it (:attr:`MachineTranslation.labels`); such a prediction takes a place in the top ``k``
and can never be correct. :meth:`MachineTranslation.pad_truth` widens a ground-truth matrix to
that vocabulary.
"""

from __future__ import annotations

import re
from typing import Callable, Mapping, Sequence

import numpy as np

from tagbook.ranking import rank_labels

__all__ = ["MachineTranslation", "STRATEGIES", "normalise_phrase", "head_noun", "is_target_word",
           "wordnet_fallbacks"]

_JOIN_WITHOUT_SPACE = {"zh", "ja"}
STRATEGIES = ("phrase", "word")
_NOT_CJK_WORD = re.compile(r"[A-Za-z0-9\s\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_NOT_LETTER_WORD = re.compile(r"[^\w\- '.]|[\d_]")


def normalise_phrase(text: str) -> str:
    """Lower case, ``_`` and ``-`` as spaces, single spaces: the dictionary key of a label name."""
    return re.sub(r"\s+", " ", re.sub(r"[_\-]", " ", text.strip().lower())).strip()


_POSTMODIFIER_STARTS = {"of", "having", "with", "without", "that", "which", "who", "for", "from", "in", "on", "at",
                        "used", "made", "resembling", "like"}


def head_noun(name: str) -> str | None:
    """The head noun of an English noun phrase: the word before a post-modifier ("of", "with",
    "having", "for", ...) if there is one, else the last word (``crash helmet`` -> ``helmet``,
    ``cup of coffee`` -> ``cup``, ``a cat having a striped coat`` -> ``cat``); ``None`` for one word."""
    words = normalise_phrase(name).replace("'s ", " ").split(" ")
    if len(words) < 2:
        return None
    for i in range(1, len(words)):
        if words[i] in _POSTMODIFIER_STARTS:
            return words[i - 1]
    return words[-1]


def is_target_word(text: str, lang: str) -> bool:
    """Whether ``text`` is a well-formed word of ``lang``: non-empty; Chinese and Japanese without
    Latin letters, digits or spaces; other languages letters (with spaces, hyphens, apostrophes)."""
    text = text.strip()
    if not text:
        return False
    if lang in _JOIN_WITHOUT_SPACE:
        return not _NOT_CJK_WORD.search(text)
    return not _NOT_LETTER_WORD.search(text)


def wordnet_fallbacks(wnids: Sequence[str], hypernym_levels: int = 2) -> list[list[str]]:
    """For each WordNet id, the names to try after the label's own: the synset's lemmas, then the
    lemmas of its hypernyms up to ``hypernym_levels`` levels up (nearest first, first path first)."""
    from tagbook.hierarchy import wordnet

    net = wordnet()
    out = []
    for wnid in wnids:
        names: list[str] = list(net.lemma_names(wnid))
        frontier = [net.synset(wnid)]
        for _ in range(hypernym_levels):
            frontier = [h for s in frontier for h in net.hypernyms(s)]
            for synset in frontier:
                names.extend(net.lemma_names(synset))
        out.append([n.replace("_", " ") for n in dict.fromkeys(names)])
    return out


def _as_rank_lookup(frequency) -> Callable[[str], float] | None:
    if frequency is None:
        return None
    if isinstance(frequency, Mapping):
        return lambda word: frequency.get(word, np.inf)
    if callable(frequency):
        return frequency
    if isinstance(frequency, Sequence) and not isinstance(frequency, str):
        ranks = {w: i for i, w in reversed(list(enumerate(frequency)))}
        return lambda word: ranks.get(word, np.inf)
    raise TypeError("frequency must be a mapping word -> rank, a callable, a frequency-ordered word list or None")


class MachineTranslation:
    """Dictionary translation of the source model's ranked labels.

    ``dictionary`` maps an English word or phrase to its target-language senses, most common
    first: a mapping, or a lexicon object with ``translate(word) -> senses``. ``target_labels`` is
    the target vocabulary the other methods rank. ``strategy``: ``"phrase"`` (default) or
    ``"word"`` (see the module docstring). ``frequency``: target word -> rank (0 most common),
    a callable giving the rank, or a frequency-ordered word list; used by the phrase strategy to
    choose among the first ``max_senses`` senses. ``is_noun``: a test of a target word; where
    given, senses that pass it are preferred (a label is a noun: "tower" is 塔, not the verb 矗立).
    """

    def __init__(self, dictionary, target_labels: Sequence[str], lang: str = "zh", strategy: str = "phrase",
                 frequency=None, max_senses: int = 3, is_noun: Callable[[str], bool] | None = None):
        if isinstance(dictionary, Mapping):
            table = {normalise_phrase(k): list(v) for k, v in dictionary.items() if v}
            self._senses = lambda phrase: table.get(phrase, [])
        elif callable(getattr(dictionary, "translate", None)):  # a lexicon object
            self._senses = lambda phrase: list(dictionary.translate(phrase) or [])
        else:
            raise TypeError("dictionary must be a mapping English -> senses or a lexicon with translate(word)")
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
        if not isinstance(max_senses, int) or max_senses < 1:
            raise ValueError(f"max_senses must be a positive int, got {max_senses!r}")
        self.target_labels = list(target_labels)
        self.lang = lang
        self.strategy = strategy
        self.max_senses = max_senses
        self._rank = _as_rank_lookup(frequency)
        self._is_noun = is_noun
        self.joiner = "" if lang in _JOIN_WITHOUT_SPACE else " "
        self.translations: list[str | None] | None = None

    @property
    def label(self) -> str:
        """How this baseline is named in tables."""
        return "MT (phrase first)" if self.strategy == "phrase" else "MT (word by word)"

    # ---- one label ------------------------------------------------------------------------------
    def _choose(self, senses: Sequence[str]) -> str | None:
        valid = [s.strip() for s in senses if is_target_word(s, self.lang)][: self.max_senses]
        if not valid:
            return None
        nouns = [s for s in valid if self._is_noun(s)] if self._is_noun is not None else valid
        valid = nouns or valid
        if self._rank is None:
            return valid[0]
        order = sorted(range(len(valid)), key=lambda i: (self._rank(valid[i]), i))
        return valid[order[0]]

    def translate(self, names: str | Sequence[str], fallbacks: Sequence[str] = ()) -> tuple[str | None, bool]:
        """``(translation, found)`` for one source label (its names, and further names to try).

        Phrase strategy: ``(None, False)`` when no step finds a word. Word strategy: the old
        reading (a word-by-word string, ``found`` False when no word translated).
        """
        text, route = self._translate(names, fallbacks)
        return text, route != "none"

    def _translate(self, names, fallbacks=()) -> tuple[str | None, str]:
        if isinstance(names, str):
            names = [n for n in names.split(",") if n.strip()] or [names]
        names = [n for n in names if str(n).strip()]
        if self.strategy == "word":
            return self._word_by_word(names)
        # the more words a name has, the more specific it is: "tabby cat" before "tabby" (a fabric too)
        names = sorted(names, key=lambda n: -len(normalise_phrase(n).split(" ")))
        steps = [("phrase", names), ("head noun", [h for h in map(head_noun, names) if h])]
        fallbacks = [f for f in fallbacks if str(f).strip()]
        steps.append(("further name", [x for f in fallbacks for x in (f, head_noun(f)) if x]))
        for route, phrases in steps:
            for phrase in phrases:
                chosen = self._choose(self._senses(normalise_phrase(phrase)))
                if chosen is not None:
                    return chosen, route
        return None, "none"

    def _word_by_word(self, names) -> tuple[str, str]:
        for name in names:
            senses = self._senses(normalise_phrase(name))
            if senses:
                return senses[0], "phrase"
        words = normalise_phrase(names[0]).split(" ")
        parts, found = [], False
        for word in words:
            senses = self._senses(word)
            if senses:
                parts.append(senses[0])
                found = True
            else:
                parts.append(word)
        return self.joiner.join(parts), ("word by word" if found else "none")

    # ---- all labels -----------------------------------------------------------------------------
    def fit(self, source_names: Sequence[str | Sequence[str]],
            fallbacks: Sequence[Sequence[str]] | None = None) -> "MachineTranslation":
        """Translate every source label once; build the output vocabulary.

        ``source_names[i]``: the label's names (a string, comma-separated names allowed, or a list);
        ``fallbacks[i]``: further names to try (phrase strategy), e.g. :func:`wordnet_fallbacks`.
        """
        if fallbacks is not None and len(fallbacks) != len(source_names):
            raise ValueError(f"fallbacks must have one list per source label ({len(source_names)}), got {len(fallbacks)}")
        self.source_names = [n if isinstance(n, str) else ", ".join(n) for n in source_names]
        self.translations, self.found, self.routes = [], [], []
        for i, names in enumerate(source_names):
            text, route = self._translate(names, fallbacks[i] if fallbacks is not None else ())
            self.translations.append(text)
            self.found.append(route != "none")
            self.routes.append(route)
        index = {label: i for i, label in enumerate(self.target_labels)}
        extra = []
        for text in self.translations:
            if text is not None and text not in index:
                index[text] = len(index)
                extra.append(text)
        self.labels = self.target_labels + extra
        # the output column of each source label's translation (past the target labels: extras; -1: none)
        self.columns_ = np.array([index[t] if t is not None else -1 for t in self.translations], dtype=np.int64)
        return self

    def untranslated(self) -> list[str]:
        """The source labels with no translation (phrase strategy; word strategy: no word found)."""
        self._check_fitted()
        return [name for name, found in zip(self.source_names, self.found) if not found]

    def coverage(self) -> dict[str, float]:
        """Share of source labels translated at all, share landing in the target vocabulary, and the
        number of labels with no translation."""
        self._check_fitted()
        in_vocab = (self.columns_ >= 0) & (self.columns_ < len(self.target_labels))
        return {"translated": float(np.mean(self.found)), "in_target_vocabulary": float(in_vocab.mean()),
                "n_untranslated": float(len(self.found) - int(np.sum(self.found)))}

    def _check_fitted(self) -> None:
        if self.translations is None:
            raise RuntimeError("MachineTranslation is not fitted: call fit(source_names) first")

    def score(self, probs: np.ndarray) -> np.ndarray:
        """``(n_images, len(self.labels))``: each translation ranked where its source label ranks.

        A translation shared by several source labels takes its best rank; labels that no source
        label translates to (and source labels with no translation) score ``-inf``.
        """
        self._check_fitted()
        probs = np.asarray(probs, dtype=np.float64)
        if probs.ndim == 1:
            probs = probs[None, :]
        if probs.ndim != 2 or probs.shape[1] != len(self.translations):
            raise ValueError(f"probs must be (n_images, {len(self.translations)}), got shape {probs.shape}")
        order = rank_labels(probs)  # source labels, best first
        n, n_source = order.shape
        rank_score = np.broadcast_to(np.arange(n_source, 0, -1, dtype=np.float64), (n, n_source))
        scores = np.full((n, len(self.labels)), -np.inf)
        columns = self.columns_[order]
        rows = np.broadcast_to(np.arange(n)[:, None], (n, n_source))
        keep = columns >= 0
        np.maximum.at(scores, (rows[keep], columns[keep]), rank_score[keep])  # the best rank of each translation
        return scores

    def pad_truth(self, truth: np.ndarray) -> np.ndarray:
        """Widen a ``(n_images, n_target)`` truth matrix with False columns for the extra outputs."""
        self._check_fitted()
        truth = np.asarray(truth, dtype=bool)
        if truth.ndim != 2 or truth.shape[1] != len(self.target_labels):
            raise ValueError(f"truth must be (n_images, {len(self.target_labels)}), got shape {truth.shape}")
        pad = np.zeros((truth.shape[0], len(self.labels) - len(self.target_labels)), dtype=bool)
        return np.concatenate([truth, pad], axis=1)
