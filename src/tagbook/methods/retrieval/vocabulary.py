"""One word-embedding table for the captions of every language (the shared text encoder's input).

AME (Mohammadshahi, Lebret, Aberer 2019, Sec. 3.1 and 4.1) feeds the captions of both languages
to ONE recurrent encoder; its input is one embedding table holding both languages' words,
initialised from word vectors already aligned across the languages (the paper: fastText's aligned
vectors). Words are kept per language (English "die" and German "die" are two rows).

Row layout: row 0 is padding (never read: batches are packed); then, for each language in
order, its unknown-word row followed by its words, most frequent in the training captions first
(ties alphabetically). A word without a vector starts from a random vector of the typical norm
(seeded), so the table is complete; :attr:`SharedVocabulary.has_vector` says which rows came from
the aligned vectors.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import numpy as np
import torch

__all__ = ["PAD_ROW", "SharedVocabulary", "as_tokens"]

PAD_ROW = 0
UNKNOWN = "<unk>"


def as_tokens(caption: str | Sequence[str]) -> list[str]:
    """A caption as tokens: a string is split on white space (Multi30k is tokenised already)."""
    if isinstance(caption, str):
        return caption.split()
    tokens = list(caption)
    if any(not isinstance(t, str) for t in tokens):
        raise TypeError(f"a caption must be a string or a sequence of token strings, got {caption!r}")
    return tokens


def _vector_lookup(source, lang: str):
    """``(get(word) -> vector or None, dim)`` for a :class:`~tagbook.text.vectors.WordVectors`-like
    object (``get`` and ``dim``) or a mapping ``{word: vector}``."""
    if isinstance(source, Mapping):
        if not source:
            raise ValueError(f"the word vectors of {lang!r} are empty")
        dim = len(next(iter(source.values())))
        return source.get, dim
    if hasattr(source, "get") and hasattr(source, "dim"):
        return (lambda word: source.get(word)), int(source.dim)
    raise TypeError(f"word vectors of {lang!r} must be a WordVectors or a {{word: vector}} mapping, "
                    f"got {type(source).__name__}")


@dataclass
class SharedVocabulary:
    """The words of each language and the initial rows of the one embedding table."""

    languages: tuple[str, ...]
    words: dict[str, list[str]]  # per language, in row order (its unknown-word row excluded)
    vectors: np.ndarray  # (n_rows, dim) float32: the initial table
    has_vector: np.ndarray  # (n_rows,) bool: the row came from the aligned word vectors
    unknown_rows: dict[str, int] = field(init=False)
    index: dict[str, dict[str, int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.languages = tuple(self.languages)
        if not self.languages or len(set(self.languages)) != len(self.languages):
            raise ValueError(f"languages must be distinct and at least one, got {self.languages!r}")
        if set(self.words) != set(self.languages):
            raise ValueError(f"words are given for {sorted(self.words)} but languages are {self.languages}")
        self.unknown_rows, self.index = {}, {}
        row = PAD_ROW + 1
        for lang in self.languages:
            self.unknown_rows[lang] = row
            self.index[lang] = {word: row + 1 + i for i, word in enumerate(self.words[lang])}
            if len(self.index[lang]) != len(self.words[lang]):
                raise ValueError(f"the words of {lang!r} must be distinct")
            row += 1 + len(self.words[lang])
        self.vectors = np.asarray(self.vectors, dtype=np.float32)
        self.has_vector = np.asarray(self.has_vector, dtype=bool)
        if self.vectors.ndim != 2 or self.vectors.shape[0] != row or self.has_vector.shape != (row,):
            raise ValueError(f"vectors must be ({row}, dim) and has_vector ({row},) for this layout, got "
                             f"{self.vectors.shape} and {self.has_vector.shape}")

    # -- building ----------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        captions: Mapping[str, Iterable[str | Sequence[str]]],
        word_vectors: Mapping[str, object],
        min_count: int = 1,
        seed: int = 0,
    ) -> "SharedVocabulary":
        """The words of the training ``captions`` (``{lang: iterable of captions}``) seen at least
        ``min_count`` times, with rows from ``word_vectors[lang]`` (aligned across the languages:
        the same dimension everywhere). A word missing from the vectors is looked up lower-cased,
        then gets a random row."""
        if min_count < 1:
            raise ValueError(f"min_count must be >= 1, got {min_count}")
        languages = tuple(captions)
        missing = [lang for lang in languages if lang not in word_vectors]
        if missing:
            raise ValueError(f"no word vectors given for {', '.join(missing)}")
        lookups = {lang: _vector_lookup(word_vectors[lang], lang) for lang in languages}
        dims = {lang: dim for lang, (_, dim) in lookups.items()}
        if len(set(dims.values())) != 1:
            raise ValueError(f"aligned word vectors must share one dimension, got {dims}")
        dim = next(iter(dims.values()))
        words: dict[str, list[str]] = {}
        for lang in languages:
            counts = Counter(token for caption in captions[lang] for token in as_tokens(caption))
            kept = [w for w, n in counts.items() if n >= min_count and w != UNKNOWN]
            words[lang] = sorted(kept, key=lambda w: (-counts[w], w))
            if not words[lang]:
                raise ValueError(f"the {lang!r} captions hold no word seen {min_count} time(s)")
        n_rows = 1 + sum(1 + len(w) for w in words.values())
        table = np.zeros((n_rows, dim), dtype=np.float32)
        found = np.zeros(n_rows, dtype=bool)
        row = 1
        for lang in languages:
            get, _ = lookups[lang]
            row += 1  # the unknown-word row: filled below
            for word in words[lang]:
                vector = get(word)
                if vector is None and word.lower() != word:
                    vector = get(word.lower())
                if vector is not None:
                    table[row] = np.asarray(vector, dtype=np.float32).reshape(dim)
                    found[row] = True
                row += 1
        if not found.any():
            raise ValueError("no caption word has a word vector: check the languages and the tokenisation")
        typical = float(np.linalg.norm(table[found], axis=1).mean())
        rng = np.random.default_rng(seed)
        fill = ~found
        fill[PAD_ROW] = False
        table[fill] = rng.normal(scale=typical / np.sqrt(dim), size=(int(fill.sum()), dim)).astype(np.float32)
        return cls(languages=languages, words=words, vectors=table, has_vector=found)

    # -- layout -------------------------------------------------------------------------------
    @property
    def n_rows(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def _check_lang(self, lang: str) -> str:
        if lang not in self.index:
            raise ValueError(f"language {lang!r} is not in this vocabulary ({', '.join(self.languages)})")
        return lang

    def rows(self, lang: str) -> np.ndarray:
        """Table rows of the words of ``lang`` (its unknown-word row excluded), in word order."""
        start = self.unknown_rows[self._check_lang(lang)] + 1
        return np.arange(start, start + len(self.words[lang]), dtype=np.int64)

    def row(self, word: str, lang: str) -> int | None:
        """The row of ``word`` in ``lang``, or None."""
        return self.index[self._check_lang(lang)].get(word)

    def encode(self, caption: str | Sequence[str], lang: str) -> list[int]:
        """Row ids of a caption's tokens (unknown words: the language's unknown row; an empty
        caption becomes one unknown token, so every caption has a last state)."""
        index, unknown = self.index[self._check_lang(lang)], self.unknown_rows[lang]
        ids = [index.get(token, unknown) for token in as_tokens(caption)]
        return ids or [unknown]

    def pair_rows(self, pairs: Iterable[tuple[str, str]], source: str, target: str) -> tuple[np.ndarray, np.ndarray]:
        """``(source rows, target rows)`` of the lexicon ``pairs`` whose two words are both in the
        vocabulary (first occurrence of a repeated pair kept)."""
        s_index, t_index = self.index[self._check_lang(source)], self.index[self._check_lang(target)]
        seen: set[tuple[int, int]] = set()
        rows = []
        for pair in pairs:
            if len(pair) != 2:
                raise ValueError(f"lexicon pairs must be (source word, target word), got {pair!r}")
            s, t = s_index.get(pair[0]), t_index.get(pair[1])
            if s is not None and t is not None and (s, t) not in seen:
                seen.add((s, t))
                rows.append((s, t))
        if not rows:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        src, tgt = zip(*rows)
        return np.asarray(src, dtype=np.int64), np.asarray(tgt, dtype=np.int64)

    # -- persistence --------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain types and tensors only (what ``torch.load(..., weights_only=True)`` reads back)."""
        return {"languages": list(self.languages), "words": {k: list(v) for k, v in self.words.items()},
                "vectors": torch.from_numpy(self.vectors.copy()),
                "has_vector": torch.from_numpy(self.has_vector.copy())}

    @classmethod
    def from_dict(cls, blob: Mapping) -> "SharedVocabulary":
        """The inverse of :meth:`to_dict`."""
        return cls(languages=tuple(blob["languages"]), words={k: list(v) for k, v in blob["words"].items()},
                   vectors=np.asarray(blob["vectors"]), has_vector=np.asarray(blob["has_vector"]))
