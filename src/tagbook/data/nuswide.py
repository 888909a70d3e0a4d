"""NUS-WIDE (Chua, Tang, Hong, Li, Luo, Zheng, CIVR 2009): 269,648 Flickr images, 81 concepts
labelled by hand, the users' own tags and six low-level features, in the layout NUS LMS publishes.

Point ``data_dir`` at the folder where the release's archives were unpacked. Paths below are
relative to it; where the archives are known to unpack in more than one way, every form listed is
looked for, in that order.

==========================  ============================================================================
what                        file(s)
==========================  ============================================================================
concept names (81)          ``Concepts81.txt`` or ``ConceptsList/Concepts81.txt``; one name per line,
                            alphabetical; this order is the label-matrix column order
ground truth                ``Groundtruth/TrainTestLabels/Labels_<concept>_<Split>.txt``, ``<Split>`` =
                            ``Train`` / ``Test``: one ``0``/``1`` per line, in image-list order
image lists                 ``ImageList/TrainImagelist.txt``, ``ImageList/TestImagelist.txt`` (161,789 and
                            107,859 lines) and ``ImageList/Imagelist.txt`` (all 269,648 images)
low-level features          in ``Low_Level_Features/`` or ``NUS_WID_Low_Level_Features/Low_Level_Features/``:
                            per split ``<Split>_Normalized_<F>.dat`` for ``F`` in CH, CORR, EDH, WT, CM55 and
                            ``BoW_<Split>_int.dat``; or, for all images in ``Imagelist.txt`` order,
                            ``Normalized_<F>.dat`` and ``BoW_int.dat``
tags (1,000 most frequent)  in ``NUS_WID_Tags/``: ``TagList1k.txt`` (names, one per line, frequency order)
                            and per split ``<Split>_Tags1k.dat``, or ``AllTags1k.txt`` for all images in
                            ``Imagelist.txt`` order; one image per line, 1,000 ``0``/``1`` values
==========================  ============================================================================

The six low-level features (Chua et al. 2009, Sec. 3): 64-D colour histogram (``CH``), 144-D colour
auto-correlogram (``CORR``), 73-D edge direction histogram (``EDH``), 128-D wavelet texture
(``WT``), 225-D block-wise colour moments on a 5x5 grid (``CM55``) and 500-D bag of visual words
of SIFT descriptors (``BoW``). Numeric files are whitespace-separated text (spaces or tabs, a
trailing separator allowed), one image per line.

Assumptions, from how the release is documented and used publicly (the release itself is not
reachable from this build): the split feature files are named as above (the BoW files put the
split in the middle: ``BoW_Train_int.dat``); a row of a split file belongs to the image on the same
line of that split's image list; image-list lines name an image as ``<folder>\\<file>.jpg``,
possibly behind a ``C:\\ImageData\\Flickr\\`` prefix; both are read as ``<folder>/<file>.jpg``
(``actor/0001_2124494179.jpg``), the image id used here and in ``labels81_*.tsv``.

A known defect of the release: ``Labels_lake_Train.txt`` line 78,373 holds ``-1130179`` instead of
0/1 (``Groundtruth/AllLabels`` has 0 there). By default any value other than 0/1 is read as 0 and
recorded in :attr:`NUSWide.label_repairs`; ``strict_labels=True`` raises instead.

The compact copy of the official ground truth beside the repository (``../shared/data/nuswide``:
``labels81_{train,test}.tsv``, ``Concepts81.txt``, ``TagList1k.txt``) is read by
:func:`load_shared_labels` and :func:`load_shared_vocabularies`; :func:`fast0tag_split` builds the
925 seen / 81 unseen / 1,006 union tag split of Zhang, Gong and Shah (CVPR 2016, "Fast Zero-Shot
Image Tagging") used by Ni et al.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, NamedTuple, Sequence

import numpy as np
import pandas as pd

from tagbook.paths import shared_data_dir

__all__ = [
    "LOW_LEVEL_FEATURES",
    "OFFICIAL_SPLIT_SIZES",
    "SPLITS",
    "Fast0TagSplit",
    "LabelRepair",
    "LabelStatistics",
    "NUSWide",
    "NUSWideError",
    "NUSWideLabels",
    "fast0tag_split",
    "flickr_ids",
    "label_statistics",
    "load_nuswide",
    "load_shared_labels",
    "load_shared_vocabularies",
    "normalise_image_name",
    "read_image_list",
    "read_name_list",
]

SPLITS = {"train": "Train", "test": "Test"}
OFFICIAL_SPLIT_SIZES = {"train": 161_789, "test": 107_859}  # images of the official split (269,648 in all)
LOW_LEVEL_FEATURES = {  # name -> dimension (Chua et al. 2009); 1,134 in all
    "CH": 64,  # colour histogram
    "CORR": 144,  # colour auto-correlogram
    "EDH": 73,  # edge direction histogram
    "WT": 128,  # wavelet texture
    "CM55": 225,  # block-wise colour moments, 5 x 5 grid
    "BoW": 500,  # bag of visual words (SIFT)
}

CONCEPT_FILES = ("Concepts81.txt", "ConceptsList/Concepts81.txt")
LABEL_DIR = "Groundtruth/TrainTestLabels"
IMAGE_LIST_DIR = "ImageList"
ALL_IMAGES_LIST = "ImageList/Imagelist.txt"
FEATURE_DIRS = ("Low_Level_Features", "NUS_WID_Low_Level_Features/Low_Level_Features")
TAG_DIR = "NUS_WID_Tags"
TAG_LIST = "NUS_WID_Tags/TagList1k.txt"


class NUSWideError(FileNotFoundError):
    """NUS-WIDE files are missing or not in the published layout."""


@dataclass(frozen=True)
class LabelRepair:
    """A ground-truth value other than 0/1, read as 0."""

    file: str
    line: int
    value: int


@dataclass(eq=False)
class NUSWide:
    """One split of NUS-WIDE: every matrix has one row per image, in ``image_ids`` order."""

    root: Path
    split: str
    image_ids: list[str]  # "<folder>/<file>.jpg"
    concepts: list[str]
    labels: np.ndarray  # (n_images, n_concepts) bool, columns in ``concepts`` order
    features: dict[str, np.ndarray]  # name -> (n_images, dimension) float32, names of LOW_LEVEL_FEATURES
    tags: np.ndarray | None  # (n_images, n_tags) bool, columns in ``tag_names`` order; None if not loaded
    tag_names: list[str]
    label_repairs: list[LabelRepair] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.image_ids)

    @property
    def flickr_ids(self) -> np.ndarray:
        """The Flickr photo id of each image (the number after ``_`` in its file name), int64."""
        return flickr_ids(self.image_ids)

    def feature_matrix(self, names: Sequence[str] | None = None) -> np.ndarray:
        """The loaded features ``names`` (default: all loaded, in :data:`LOW_LEVEL_FEATURES` order)
        side by side, ``(n_images, sum of dimensions)`` float32."""
        if names is None:
            names = [n for n in LOW_LEVEL_FEATURES if n in self.features]
        missing = [n for n in names if n not in self.features]
        if missing:
            raise KeyError(f"features not loaded: {missing}; loaded: {sorted(self.features)}")
        if not names:
            raise ValueError("no features loaded: pass features=... to load_nuswide")
        return np.concatenate([self.features[n] for n in names], axis=1)


@dataclass(eq=False)
class NUSWideLabels:
    """The official 81-concept ground truth of one split, from the compact ``labels81_<split>.tsv``."""

    split: str
    image_ids: list[str]
    flickr_ids: np.ndarray  # int64
    concepts: list[str]
    labels: np.ndarray  # (n_images, 81) bool

    def __len__(self) -> int:
        return len(self.image_ids)


class Fast0TagSplit(NamedTuple):
    """The zero-shot tag split of Zhang, Gong and Shah (2016): ``seen`` tags to train on, ``unseen``
    labels to test on, and their ``union`` for the generalised test (seen first, then unseen)."""

    seen: list[str]
    unseen: list[str]
    union: list[str]


# ----------------------------------------------------------------------------- small readers


def read_name_list(path: str | Path) -> list[str]:
    """Names of a one-name-per-line file (``Concepts81.txt``, ``TagList1k.txt``), in file order.

    Tolerates a byte-order mark, CRLF line ends and surrounding blanks; skips empty lines.
    """
    path = Path(path)
    with path.open(encoding="utf-8-sig") as f:
        return [line.strip() for line in f if line.strip()]


def normalise_image_name(line: str) -> str:
    """``C:\\ImageData\\Flickr\\actor\\0001_2124494179.jpg`` or ``actor\\0001_2124494179.jpg`` ->
    ``actor/0001_2124494179.jpg`` (folder and file name; the id used throughout)."""
    parts = [p for p in line.strip().replace("\\", "/").split("/") if p]
    if len(parts) < 2:
        raise ValueError(f"expected '<folder>\\<file>.jpg', got {line.strip()!r}")
    return "/".join(parts[-2:])


def read_image_list(path: str | Path) -> list[str]:
    """Image ids of an ``ImageList/*Imagelist.txt`` file, in file order."""
    path = Path(path)
    ids = []
    with path.open(encoding="utf-8-sig", errors="replace") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                ids.append(normalise_image_name(line))
            except ValueError as e:
                raise ValueError(f"{path}:{line_no}: {e}") from None
    return ids


def flickr_ids(image_ids: Iterable[str]) -> np.ndarray:
    """The Flickr photo id in each ``<folder>/<nnnn>_<photo id>.jpg``, int64."""
    out = []
    for image_id in image_ids:
        stem = image_id.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        number = stem.rsplit("_", 1)[-1]
        if not number.isdigit():
            raise ValueError(f"image id {image_id!r} has no Flickr photo id after '_'")
        out.append(int(number))
    return np.asarray(out, dtype=np.int64)


def _read_numeric_matrix(path: Path, n_columns: int) -> np.ndarray:
    """A whitespace-separated numeric text file as ``(n_rows, n_columns)`` float32; a file whose
    rows do not all hold ``n_columns`` numbers raises an error naming it."""
    try:
        frame = pd.read_csv(path, sep=r"\s+", header=None, dtype=np.float32, engine="c")
    except pd.errors.EmptyDataError:
        return np.zeros((0, n_columns), dtype=np.float32)
    except (ValueError, pd.errors.ParserError) as e:
        raise ValueError(f"{path}: not a whitespace-separated numeric matrix ({e})") from None
    values = frame.to_numpy(dtype=np.float32)
    if values.shape[1] != n_columns:
        raise ValueError(f"{path}: expected {n_columns} values per line, found {values.shape[1]}")
    if np.isnan(values).any():
        line = int(np.flatnonzero(np.isnan(values).any(axis=1))[0]) + 1
        raise ValueError(f"{path}: line {line} holds fewer than {n_columns} values")
    return values


def _read_label_column(path: Path, strict: bool) -> tuple[np.ndarray, list[LabelRepair]]:
    """One ``Labels_<concept>_<Split>.txt`` as a bool vector, with the values that were not 0/1."""
    try:
        values = pd.read_csv(path, header=None, dtype=np.int64, engine="c").iloc[:, 0].to_numpy()
    except pd.errors.EmptyDataError:
        return np.zeros(0, dtype=bool), []
    except (ValueError, pd.errors.ParserError) as e:
        raise ValueError(f"{path}: expected one integer (0 or 1) per line ({e})") from None
    bad = np.flatnonzero((values != 0) & (values != 1))
    repairs = [LabelRepair(file=path.name, line=int(i) + 1, value=int(values[i])) for i in bad]
    if repairs and strict:
        first = repairs[0]
        raise ValueError(f"{path}: line {first.line} holds {first.value}, not 0 or 1 ({len(repairs)} such lines)")
    return values == 1, repairs


# ----------------------------------------------------------------------------- the release


def _check_split(split: str) -> str:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    return SPLITS[split]


def _check_root(data_dir) -> Path:
    if data_dir is None:
        raise NUSWideError("data_dir is None: set it to the folder where the NUS-WIDE release was unpacked")
    root = Path(data_dir).expanduser()
    if not root.is_dir():
        raise NUSWideError(f"data_dir {str(root)!r} is not a folder")
    return root


def _first_existing(root: Path, candidates: Sequence[str], what: str) -> Path:
    for relative in candidates:
        if (root / relative).is_file():
            return root / relative
    raise NUSWideError(
        f"the NUS-WIDE {what} is missing from {root}: looked for {' or '.join(repr(c) for c in candidates)}"
    )


def _split_rows(root: Path, split_ids: list[str], cache: dict) -> np.ndarray:
    """Rows of the split's images in the all-image order of ``ImageList/Imagelist.txt``."""
    if "rows" not in cache:
        all_ids = read_image_list(_first_existing(root, [ALL_IMAGES_LIST], "list of all images"))
        position = {image_id: i for i, image_id in enumerate(all_ids)}
        missing = [i for i in split_ids if i not in position]
        if missing:
            raise ValueError(
                f"{len(missing)} images of the split are not in {ALL_IMAGES_LIST}, e.g. {missing[0]!r}"
            )
        cache["rows"] = (np.array([position[i] for i in split_ids], dtype=np.int64), len(all_ids))
    return cache["rows"]


def _aligned_rows(values: np.ndarray, path: Path, n_split: int, rows: tuple[np.ndarray, int] | None) -> np.ndarray:
    """``values`` restricted to the split: as they are for a split file, selected rows for an
    all-image file; a row count that does not match raises an error naming the file."""
    expected = n_split if rows is None else rows[1]
    if len(values) != expected:
        listed = "the split's image list" if rows is None else ALL_IMAGES_LIST
        raise ValueError(f"{path}: {len(values)} lines, but {listed} has {expected} images")
    return values if rows is None else values[rows[0]]


def _read_features(
    root: Path, split_name: str, names: Sequence[str], image_ids: list[str], cache: dict
) -> dict[str, np.ndarray]:
    features = {}
    for name in names:
        if name == "BoW":
            per_split, all_images = f"BoW_{split_name}_int.dat", "BoW_int.dat"
        else:
            per_split, all_images = f"{split_name}_Normalized_{name}.dat", f"Normalized_{name}.dat"
        candidates = [f"{d}/{per_split}" for d in FEATURE_DIRS] + [f"{d}/{all_images}" for d in FEATURE_DIRS]
        path = _first_existing(root, candidates, f"{name} feature file")
        is_split_file = path.name == per_split
        values = _read_numeric_matrix(path, LOW_LEVEL_FEATURES[name])
        rows = None if is_split_file else _split_rows(root, image_ids, cache)
        features[name] = _aligned_rows(values, path, len(image_ids), rows)
    return features


def _read_tags(root: Path, split_name: str, image_ids: list[str], cache: dict) -> tuple[np.ndarray, list[str]]:
    tag_names = read_name_list(_first_existing(root, [TAG_LIST], "tag list"))
    path = _first_existing(
        root, [f"{TAG_DIR}/{split_name}_Tags1k.dat", f"{TAG_DIR}/AllTags1k.txt"], f"{split_name.lower()} tag matrix"
    )
    values = _read_numeric_matrix(path, len(tag_names))
    if not np.isin(values, (0.0, 1.0)).all():
        raise ValueError(f"{path}: tag values must be 0 or 1")
    rows = None if path.name.startswith(split_name) else _split_rows(root, image_ids, cache)
    return _aligned_rows(values, path, len(image_ids), rows) == 1.0, tag_names


def _read_labels(
    root: Path, split_name: str, concepts: list[str], n_images: int, strict: bool
) -> tuple[np.ndarray, list[LabelRepair]]:
    labels = np.zeros((n_images, len(concepts)), dtype=bool)
    repairs: list[LabelRepair] = []
    for j, concept in enumerate(concepts):
        relative = f"{LABEL_DIR}/Labels_{concept}_{split_name}.txt"
        path = _first_existing(root, [relative], f"ground truth of {concept!r}")
        column, found = _read_label_column(path, strict)
        if len(column) != n_images:
            raise ValueError(f"{path}: {len(column)} lines, but the {split_name} image list has {n_images} images")
        labels[:, j] = column
        repairs.extend(found)
    return labels, repairs


def load_nuswide(
    data_dir: str | Path,
    split: str = "train",
    features: Iterable[str] = tuple(LOW_LEVEL_FEATURES),
    tags: bool = True,
    strict_labels: bool = False,
) -> NUSWide:
    """Load one split of the NUS-WIDE release (layout: see the module docstring).

    ``features`` names the low-level features to read (a subset of :data:`LOW_LEVEL_FEATURES`;
    ``()`` reads none); ``tags=False`` skips the 1k-tag matrix. Every file is checked against the
    split's image list before it is used, and a missing file raises :class:`NUSWideError` naming it.
    """
    split_name = _check_split(split)
    features = list(features)
    unknown = [n for n in features if n not in LOW_LEVEL_FEATURES]
    if unknown:
        raise ValueError(f"features must be among {', '.join(LOW_LEVEL_FEATURES)}; unknown: {unknown}")
    root = _check_root(data_dir)
    concepts = read_name_list(_first_existing(root, CONCEPT_FILES, "concept list"))
    image_ids = read_image_list(
        _first_existing(root, [f"{IMAGE_LIST_DIR}/{split_name}Imagelist.txt"], f"{split} image list")
    )
    if not image_ids:
        raise NUSWideError(f"the {split} image list of {root} is empty")
    labels, repairs = _read_labels(root, split_name, concepts, len(image_ids), strict_labels)
    cache: dict = {}
    loaded = _read_features(root, split_name, features, image_ids, cache)
    tag_matrix, tag_names = _read_tags(root, split_name, image_ids, cache) if tags else (None, [])
    return NUSWide(
        root=root,
        split=split,
        image_ids=image_ids,
        concepts=concepts,
        labels=labels,
        features=loaded,
        tags=tag_matrix,
        tag_names=tag_names,
        label_repairs=repairs,
    )


# ----------------------------------------------------------------------------- the compact copy


def _shared_folder(shared_dir) -> Path:
    base = Path(shared_dir).expanduser() if shared_dir is not None else shared_data_dir() / "nuswide"
    for candidate in (base, base / "nuswide"):
        if (candidate / "Concepts81.txt").is_file():
            return candidate
    raise NUSWideError(
        f"shared_dir {str(base)!r} holds no Concepts81.txt (looked in it and in its nuswide/ folder)"
    )


def load_shared_labels(shared_dir: str | Path | None = None, split: str = "train") -> NUSWideLabels:
    """The official 81-concept ground truth of one split from the compact copy beside the repository.

    ``shared_dir`` is the ``nuswide`` folder (or the data folder above it; default
    ``../shared/data/nuswide``). ``labels81_<split>.tsv`` has one image per line, in the official
    image-list order: ``image<TAB>flickr_photo_id<TAB>space-separated positive concepts`` (the last
    empty for an image without concepts); columns follow ``Concepts81.txt``.
    """
    _check_split(split)
    folder = _shared_folder(shared_dir)
    concepts = read_name_list(folder / "Concepts81.txt")
    column = {c: j for j, c in enumerate(concepts)}
    path = folder / f"labels81_{split}.tsv"
    if not path.is_file():
        raise NUSWideError(f"the ground-truth file {path.name!r} is missing from {folder}")
    image_ids, photo_ids, rows, cols = [], [], [], []
    with path.open(encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) != 3 or not parts[1].isdigit():
                raise ValueError(f"{path}:{line_no}: expected 'image<TAB>flickr id<TAB>concepts', got {line[:80]!r}")
            for concept in parts[2].split():
                if concept not in column:
                    raise ValueError(f"{path}:{line_no}: {concept!r} is not in Concepts81.txt")
                rows.append(len(image_ids))
                cols.append(column[concept])
            image_ids.append(parts[0])
            photo_ids.append(int(parts[1]))
    labels = np.zeros((len(image_ids), len(concepts)), dtype=bool)
    labels[rows, cols] = True
    return NUSWideLabels(
        split=split,
        image_ids=image_ids,
        flickr_ids=np.asarray(photo_ids, dtype=np.int64),
        concepts=concepts,
        labels=labels,
    )


def load_shared_vocabularies(shared_dir: str | Path | None = None) -> tuple[list[str], list[str]]:
    """``(tag_list_1k, concepts81)`` from ``TagList1k.txt`` and ``Concepts81.txt`` beside the repository."""
    folder = _shared_folder(shared_dir)
    tag_list = folder / "TagList1k.txt"
    if not tag_list.is_file():
        raise NUSWideError(f"the tag list 'TagList1k.txt' is missing from {folder}")
    return read_name_list(tag_list), read_name_list(folder / "Concepts81.txt")


# ----------------------------------------------------------------------------- vocabularies and statistics


def _check_unique(names: Sequence[str], what: str) -> list[str]:
    names = list(names)
    seen: set[str] = set()
    repeated = [n for n in names if n in seen or seen.add(n)]
    if repeated:
        raise ValueError(f"{what} repeats {repeated[:5]}")
    return names


def fast0tag_split(tag_list_1k: Sequence[str], concepts81: Sequence[str]) -> Fast0TagSplit:
    """The Fast0Tag zero-shot split of NUS-WIDE (Zhang, Gong and Shah 2016; Ni et al., Table 2).

    Seen tags: the 1k tags that are not concepts, in tag-list order (925 on the real lists, whose
    1,000 tags include 75 of the concepts); unseen: the 81 concepts, in concept order; union: seen
    then unseen (1,006). The unseen labels never appear among the seen ones.
    """
    tags = _check_unique(tag_list_1k, "tag_list_1k")
    concepts = _check_unique(concepts81, "concepts81")
    concept_set = set(concepts)
    seen = [t for t in tags if t not in concept_set]
    return Fast0TagSplit(seen=seen, unseen=concepts, union=seen + concepts)


@dataclass(eq=False)
class LabelStatistics:
    """How labels spread over images and images over labels (any ``(n_images, n_labels)`` truth)."""

    names: list[str]
    n_images: int
    labels_per_image: np.ndarray  # (n_images,) int
    images_per_label: np.ndarray  # (n_labels,) int, in ``names`` order

    @property
    def n_labels(self) -> int:
        return len(self.names)

    @property
    def mean_labels_per_image(self) -> float:
        return float(self.labels_per_image.mean()) if self.n_images else 0.0

    @property
    def images_without_labels(self) -> int:
        return int((self.labels_per_image == 0).sum())

    @property
    def labels_per_image_histogram(self) -> np.ndarray:
        """``h[j]`` = the number of images with exactly ``j`` labels, ``j = 0 .. max``."""
        return np.bincount(self.labels_per_image)

    def by_frequency(self) -> pd.Series:
        """Images per label, most frequent first (ties by name): the long-tail curve."""
        series = pd.Series(self.images_per_label, index=self.names, name="images")
        return series.sort_index().sort_values(ascending=False, kind="stable")

    def head_share(self, n: int) -> float:
        """Share of all (image, label) pairs held by the ``n`` most frequent labels."""
        counts = self.by_frequency().to_numpy()
        total = counts.sum()
        return float(counts[:n].sum() / total) if total else 0.0

    def labels_holding(self, share: float) -> int:
        """The fewest most-frequent labels that together hold at least ``share`` of all pairs."""
        if not 0 < share <= 1:
            raise ValueError(f"share must lie in (0, 1], got {share!r}")
        cumulative = np.cumsum(self.by_frequency().to_numpy())
        if cumulative.size == 0 or cumulative[-1] == 0:
            return 0
        return int(np.searchsorted(cumulative, share * cumulative[-1] - 1e-9) + 1)


def label_statistics(labels: np.ndarray, names: Sequence[str]) -> LabelStatistics:
    """Labels per image and images per label of a boolean ``(n_images, n_labels)`` truth matrix."""
    labels = np.asarray(labels)
    if labels.ndim != 2 or labels.shape[1] != len(names):
        raise ValueError(f"labels must be (n_images, {len(names)}) for {len(names)} names, got {labels.shape}")
    labels = labels.astype(bool)
    return LabelStatistics(
        names=list(names),
        n_images=int(labels.shape[0]),
        labels_per_image=labels.sum(axis=1).astype(np.int64),
        images_per_label=labels.sum(axis=0).astype(np.int64),
    )
