"""The word-vector container, :class:`WordVectors`: one interface for every source of vectors.

Rows of :attr:`WordVectors.matrix` are unit length (float32), so a dot product is a cosine.
A multi-word label is embedded as the papers do, by the average of its words' vectors
(:meth:`WordVectors.phrase_vector`)::

    phi(label) = 1/|T| * sum_{t in T} phi(t),   T = in-vocabulary tokens of the label.

Large conversions (the Chinese pickle, the Japanese keys, trained and encoded vectors) are cached
as ``.npz`` files (no pickle) under :func:`tagbook.paths.cache_dir` ``/vectors``
(:func:`vector_cache_file`, named by :func:`vector_cache_key`). The loaders of each source live
beside this module; :func:`tagbook.text.vectors.load_vectors` loads vectors by name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from tagbook.cache import atomic_write, content_hash
from tagbook.paths import cache_dir
from tagbook.ranking import top_k

__all__ = [
    "WordVectors",
    "normalize",
    "vector_cache_file",
    "vector_cache_key",
    "keep_first",
]

def normalize(matrix: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Rows of ``matrix`` scaled to unit Euclidean length, as float32 (zero rows stay zero)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        return matrix / max(float(np.linalg.norm(matrix)), eps)
    if matrix.ndim != 2:
        raise ValueError(f"expected a vector or a 2-D matrix of row vectors, got shape {matrix.shape}")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.maximum(norms, eps)).astype(np.float32, copy=False)


class WordVectors:
    """A vocabulary and its unit-length float32 vectors, one row per word.

    Parameters
    ----------
    words:
        The vocabulary, one entry per row of ``matrix``; must be distinct.
    matrix:
        ``(len(words), dim)`` vectors; rows are normalised to unit length here
        (the original lengths are kept in :attr:`norms`).
    lang:
        ``'en'``, ``'de'``, ``'zh'``, ``'ja'`` or ``None`` (multilingual): which tokeniser
        :meth:`phrase_vector` uses.
    name:
        Where the vectors come from (shown in tables).
    norms:
        Only when ``matrix`` already has unit rows: their original lengths (kept as given).
    aliases:
        Optional extra keys that share a row: ``{key: row}`` (the Japanese GiNZA vectors map
        480k keys onto 20k rows). Aliases are found by ``in`` and :meth:`vector` but never
        returned by :meth:`most_similar`.
    """

    def __init__(
        self,
        words: Sequence[str],
        matrix: np.ndarray,
        *,
        lang: str | None = None,
        name: str = "",
        aliases: dict[str, int] | None = None,
        norms: np.ndarray | None = None,
    ):
        words = list(words)
        matrix = np.asarray(matrix, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != len(words):
            raise ValueError(
                f"matrix must have shape (len(words)={len(words)}, dim), got {matrix.shape}"
            )
        self.index = {word: row for row, word in enumerate(words)}
        if len(self.index) != len(words):
            seen, dupes = set(), []
            for word in words:
                if word in seen:
                    dupes.append(word)
                seen.add(word)
            raise ValueError(f"words must be distinct; repeated: {dupes[:5]}")
        self.words = words
        if norms is None:
            self.norms = np.linalg.norm(matrix, axis=1).astype(np.float32)
            self.matrix = normalize(matrix)
        else:  # rows already unit length (a subset or a saved file): keep them bit for bit
            self.norms = np.asarray(norms, dtype=np.float32).reshape(len(words))
            self.matrix = matrix
        self.lang = lang
        self.name = name
        self.aliases = {k: int(v) for k, v in (aliases or {}).items() if k not in self.index}
        if self.aliases and max(self.aliases.values()) >= len(words):
            raise ValueError("aliases point past the last row of matrix")

    # ----------------------------------------------------------------- basic access
    normalize = staticmethod(normalize)

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index or word in self.aliases

    def __repr__(self) -> str:
        extra = f", {len(self.aliases)} aliases" if self.aliases else ""
        return f"WordVectors({self.name or 'unnamed'!r}, lang={self.lang!r}, {len(self)} x {self.dim}{extra})"

    def row(self, word: str) -> int:
        """Row of ``word`` (or of the row an alias shares); KeyError when absent."""
        if word in self.index:
            return self.index[word]
        if word in self.aliases:
            return self.aliases[word]
        raise KeyError(f"{word!r} is not in the vocabulary of {self!r}")

    def vector(self, word: str) -> np.ndarray:
        """The unit vector of ``word``; KeyError naming the word when it is out of vocabulary."""
        return self.matrix[self.row(word)]

    __getitem__ = vector

    def get(self, word: str, default=None):
        return self.vector(word) if word in self else default

    # ----------------------------------------------------------------- phrases
    def phrase_tokens(self, label: str) -> tuple[list[str], list[str]]:
        """Tokenise ``label`` with the language's tokeniser: (in-vocabulary forms, OOV tokens).

        WordNet-style underscores count as spaces. For Japanese each token is looked up by its
        surface form, then its dictionary form, then its lemma.
        """
        from tagbook.text.tokenize import lookup_forms

        text = label.replace("_", " ")
        if self.lang is None:
            token_forms = [[t] for t in text.split()]
        else:
            token_forms = lookup_forms(text, self.lang)
        found, missing = [], []
        for forms in token_forms:
            hit = next((f for f in forms if f in self), None)
            if hit is None:
                missing.append(forms[0])
            else:
                found.append(hit)
        return found, missing

    def phrase_vector(self, label: str, *, strict: bool = False, unit: bool = False) -> np.ndarray | None:
        """Average of the word vectors of a (multi-word) label, skipping out-of-vocabulary words.

        ``phi(label) = 1/|T| sum_{t in T} phi(t)`` over the label's in-vocabulary tokens ``T``
        (the papers embed multi-word labels this way). A label that is itself a key (e.g. a
        vocabulary built from whole labels) is taken as is. Returns ``None`` when no token is
        in the vocabulary, or raises KeyError naming the label with ``strict=True``.
        ``unit=True`` rescales the average to unit length.
        """
        if label in self:
            average = self.vector(label)
        else:
            found, missing = self.phrase_tokens(label)
            if not found:
                if strict:
                    raise KeyError(
                        f"no word of the label {label!r} is in the vocabulary of {self!r} "
                        f"(out of vocabulary: {missing})"
                    )
                return None
            average = self.matrix[[self.row(w) for w in found]].mean(axis=0)
        return normalize(average) if unit else average.astype(np.float32, copy=True)

    def phrase_vectors(self, labels: Iterable[str], *, unit: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """``(matrix, found)``: one :meth:`phrase_vector` row per label (zeros where none) and a
        boolean mask of the labels that could be embedded."""
        labels = list(labels)
        matrix = np.zeros((len(labels), self.dim), dtype=np.float32)
        found = np.zeros(len(labels), dtype=bool)
        for i, label in enumerate(labels):
            vector = self.phrase_vector(label, unit=unit)
            if vector is not None:
                matrix[i], found[i] = vector, True
        return matrix, found

    # ----------------------------------------------------------------- similarity
    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words."""
        return float(self.vector(a) @ self.vector(b))

    def most_similar(
        self, query: str | np.ndarray, k: int = 10, *, exclude: Iterable[str] = ()
    ) -> list[tuple[str, float]]:
        """The ``k`` words nearest (cosine) to a word or a vector, best first, as (word, cosine).

        A word query never returns itself; words in ``exclude`` are skipped too. Equal cosines
        keep vocabulary order (the lower row first, :func:`tagbook.ranking.top_k`).
        """
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        skip = set(exclude)
        if isinstance(query, str):
            skip.add(self.words[self.row(query)])
            skip.add(query)
            vector = self.vector(query)
        else:
            vector = normalize(np.asarray(query, dtype=np.float32).reshape(-1))
            if vector.shape[0] != self.dim:
                raise ValueError(f"query vector has dimension {vector.shape[0]}, vectors have {self.dim}")
        scores = self.matrix @ vector
        skipped = np.zeros(len(self.words), dtype=bool)
        skipped[np.array([self.index[w] for w in skip if w in self.index], dtype=np.intp)] = True
        best = top_k(np.where(skipped, -np.inf, scores), min(k, len(self.words)))[0]
        return [(self.words[i], float(scores[i])) for i in best if not skipped[i]]

    # ----------------------------------------------------------------- derived stores
    def subset(self, words: Iterable[str], *, missing: str = "skip") -> WordVectors:
        """A new store with only ``words`` (in the order given, repeats dropped).

        ``missing='skip'`` drops words not in the vocabulary; ``'raise'`` raises KeyError naming them.
        """
        if missing not in ("skip", "raise"):
            raise ValueError(f"missing must be 'skip' or 'raise', got {missing!r}")
        keep = [w for w in dict.fromkeys(words) if w in self]
        if missing == "raise":
            absent = [w for w in dict.fromkeys(words) if w not in self]
            if absent:
                raise KeyError(f"{len(absent)} words not in {self!r}: {absent[:10]}")
        rows = [self.row(w) for w in keep]
        return WordVectors(keep, self.matrix[rows], lang=self.lang, name=self.name, norms=self.norms[rows])

    def to_keyed_vectors(self):
        """A gensim ``KeyedVectors`` with the same (unit) vectors."""
        from gensim.models import KeyedVectors

        kv = KeyedVectors(self.dim)
        kv.add_vectors(self.words, self.matrix)
        return kv

    @classmethod
    def from_keyed_vectors(cls, kv, *, lang: str | None = None, name: str = "") -> WordVectors:
        """From a gensim ``KeyedVectors`` (its index order is kept)."""
        return cls(list(kv.index_to_key), np.asarray(kv.vectors), lang=lang, name=name)

    # ----------------------------------------------------------------- files
    def save(self, path: str | Path) -> Path:
        """Write a ``.npz`` (no pickle): words, unit vectors, their original lengths, aliases.

        The file appears whole or not at all (:func:`tagbook.cache.atomic_write`).
        """
        path = Path(path)
        alias_keys = np.array(list(self.aliases), dtype=str)
        alias_rows = np.array(list(self.aliases.values()), dtype=np.int64)
        arrays = {
            "words": np.array(self.words, dtype=str),
            "matrix": self.matrix,
            "norms": self.norms,
            "alias_keys": alias_keys,
            "alias_rows": alias_rows,
            "meta": np.array(json.dumps({"lang": self.lang, "name": self.name})),
        }
        return atomic_write(path, lambda handle: np.savez(handle, **arrays))

    @classmethod
    def load(cls, path: str | Path) -> WordVectors:
        """Read a file written by :meth:`save`."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"word-vector file not found: {path}")
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            aliases = dict(zip(data["alias_keys"].tolist(), data["alias_rows"].tolist()))
            return cls(data["words"].tolist(), data["matrix"], lang=meta["lang"], name=meta["name"],
                       aliases=aliases, norms=data["norms"])


# --------------------------------------------------------------------------------- caching


_CACHE_FORMAT = 2  # bump when the layout of cached files changes


def vector_cache_file(*parts: str) -> Path:
    """``<cache_dir>/vectors/v<format>/<parts...>``: where converted, trained or encoded vectors
    are cached (``v<format>`` changes with the layout of those files)."""
    folder = cache_dir() / "vectors" / f"v{_CACHE_FORMAT}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder.joinpath(*parts)


def vector_cache_key(payload) -> str:
    """16 hex digits naming a cached vectors file after a JSON-serialisable description.

    The recipe is fixed, since files already cached are found by it: :func:`tagbook.cache.content_hash`
    of the UTF-8 bytes of ``json.dumps(payload, sort_keys=True, ensure_ascii=False)``.
    """
    return content_hash(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8"), 16)


def keep_first(max_words: int | None, n: int) -> int:
    """How many of ``n`` words (most frequent first) a loader keeps for ``max_words`` (None: all)."""
    if max_words is None:
        return n
    if not isinstance(max_words, (int, np.integer)) or max_words < 1:
        raise ValueError(f"max_words must be a positive int or None, got {max_words!r}")
    return min(int(max_words), n)
