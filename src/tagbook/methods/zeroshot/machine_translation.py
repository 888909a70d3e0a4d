"""The machine-translation baseline of Wei, Wang and Li (2017): translate the predicted labels.

The source model ranks its English labels; each is translated into the target language and the
translations, in the same order, are the annotation. The paper used Baidu translation; here a
bilingual dictionary stands in for it, read the way a word-by-word translator reads it:

1. the label's names (an ImageNet label has several: "tabby, tabby cat") are looked up whole, in
   order, and the first one found gives its *first* listed sense;
2. otherwise the first name is translated word by word (first sense of each word) and the words
   are joined (with no space for Chinese and Japanese); a word the dictionary lacks stays as it is.

So an ambiguous label such as "shutter" becomes its first sense whatever the image shows, which
is the weakness the paper's Fig. 1 points at.

The translations need not be words of the target vocabulary (a translator is not restricted to
it). The output vocabulary is therefore the target vocabulary followed by every translation that
is not in it (:attr:`MachineTranslation.labels`); such a prediction takes a place in the top ``k``
and can never be correct. :meth:`MachineTranslation.pad_truth` widens a ground-truth matrix to
that vocabulary.
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

import numpy as np

from tagbook.ranking import rank_labels

__all__ = ["MachineTranslation", "normalise_phrase"]

_JOIN_WITHOUT_SPACE = {"zh", "ja"}


def normalise_phrase(text: str) -> str:
    """Lower case, ``_`` and ``-`` as spaces, single spaces: the dictionary key of a label name."""
    return re.sub(r"\s+", " ", re.sub(r"[_\-]", " ", text.strip().lower())).strip()


class MachineTranslation:
    """Dictionary translation of the source model's ranked labels, first sense first.

    ``dictionary`` maps an English word or phrase to its target-language senses, most common
    first: a mapping, or a lexicon object with ``translate(word) -> senses``. ``target_labels`` is
    the target vocabulary the other methods rank.
    """

    def __init__(self, dictionary, target_labels: Sequence[str], lang: str = "zh"):
        if isinstance(dictionary, Mapping):
            table = {normalise_phrase(k): list(v) for k, v in dictionary.items() if v}
            self._senses = lambda phrase: table.get(phrase, [])
        elif callable(getattr(dictionary, "translate", None)):  # a lexicon object
            self._senses = lambda phrase: list(dictionary.translate(phrase) or [])
        else:
            raise TypeError("dictionary must be a mapping English -> senses or a lexicon with translate(word)")
        self.target_labels = list(target_labels)
        self.lang = lang
        self.joiner = "" if lang in _JOIN_WITHOUT_SPACE else " "
        self.translations: list[str] | None = None

    def translate(self, names: str | Sequence[str]) -> tuple[str, bool]:
        """``(translation, found)`` for one source label; ``found`` is False when no word translated."""
        if isinstance(names, str):
            names = [n for n in names.split(",") if n.strip()] or [names]
        for name in names:
            senses = self._senses(normalise_phrase(name))
            if senses:
                return senses[0], True
        words = normalise_phrase(names[0]).split(" ")
        parts, found = [], False
        for word in words:
            senses = self._senses(word)
            if senses:
                parts.append(senses[0])
                found = True
            else:
                parts.append(word)
        return self.joiner.join(parts), found

    def fit(self, source_names: Sequence[str | Sequence[str]]) -> "MachineTranslation":
        """Translate every source label once; build the output vocabulary."""
        self.translations = []
        self.found = []
        for names in source_names:
            text, found = self.translate(names)
            self.translations.append(text)
            self.found.append(found)
        index = {label: i for i, label in enumerate(self.target_labels)}
        extra = []
        for text in self.translations:
            if text not in index:
                index[text] = len(index)
                extra.append(text)
        self.labels = self.target_labels + extra
        # the output column of each source label's translation (columns past the target labels are extras)
        self.columns_ = np.array([index[t] for t in self.translations], dtype=np.int64)
        return self

    def coverage(self) -> dict[str, float]:
        """Share of source labels translated at all, and share landing in the target vocabulary."""
        self._check_fitted()
        in_vocab = self.columns_ < len(self.target_labels)
        return {"translated": float(np.mean(self.found)), "in_target_vocabulary": float(in_vocab.mean())}

    def _check_fitted(self) -> None:
        if self.translations is None:
            raise RuntimeError("MachineTranslation is not fitted: call fit(source_names) first")

    def score(self, probs: np.ndarray) -> np.ndarray:
        """``(n_images, len(self.labels))``: each translation ranked where its source label ranks.

        A translation shared by several source labels takes its best rank; labels that no source
        label translates to score ``-inf``.
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
        np.maximum.at(scores, (rows, columns), rank_score)  # the best rank of each translation
        return scores

    def pad_truth(self, truth: np.ndarray) -> np.ndarray:
        """Widen a ``(n_images, n_target)`` truth matrix with False columns for the extra outputs."""
        self._check_fitted()
        truth = np.asarray(truth, dtype=bool)
        if truth.ndim != 2 or truth.shape[1] != len(self.target_labels):
            raise ValueError(f"truth must be (n_images, {len(self.target_labels)}), got shape {truth.shape}")
        pad = np.zeros((truth.shape[0], len(self.labels) - len(self.target_labels)), dtype=bool)
        return np.concatenate([truth, pad], axis=1)
