"""Multi30k (Elliott, Frank, Sima'an, Specia 2016): English and German captions of Flickr30k images.

Reads the text release in the layout of the ``multi30k/dataset`` repository (its ``data/``
folder; the layout of ``../shared/data/multi30k``), lower-cased, normalised and Moses-tokenised
(``lc.norm.tok``):

========  =============================================================  ==========================
task      captions                                                       files
========  =============================================================  ==========================
1         one English caption and its professional German translation    ``task1/tok/<split>.lc.norm.tok.<lang>``
          per image                                                      ``task1/image_splits/<split>.txt``
2         five English and five German captions per image, written       ``task2/tok/<split>.lc.norm.tok.<n>.<lang>``
          independently (caption ``n`` in English and in German are      ``task2/image_splits/<split>_images.txt``
          not translations of each other)
========  =============================================================  ==========================

Line ``i`` of every caption file of a split describes the image on line ``i`` of that split's
image list. Splits: ``train`` (29,000 images), ``val`` (1,014), ``test_2016`` (1,000; the file
stem is ``test_2016_flickr`` in task 1; ``"test"`` is an alias). Task 2 also lists the
``test_2017`` images but has no captions for them (:func:`read_image_list` reads the list).
The multilingual-retrieval paper (Mohammadshahi et al. 2019) uses task 2.

The tokenised text carries Moses' XML escapes (``&apos;``, ``&quot;``, ``&amp;``, ``&lt;``,
``&gt;``, ``&#124;``, ``&#91;``, ``&#93;``); they are undone by default (:func:`moses_unescape`),
so ``a mcdonald &apos;s`` reads ``a mcdonald 's`` (tokens stay space-separated).

Image features are not part of the release: :func:`load_image_features` reads a reader's own
file (a ``.npy`` with one row per image in the split's list order, or a ``.npz`` with ``names``
and ``features``) and orders it like the split.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

__all__ = [
    "LANGUAGES",
    "TASKS",
    "Multi30k",
    "Multi30kError",
    "load_multi30k",
    "load_image_features",
    "moses_unescape",
    "read_caption_file",
    "read_image_list",
    "split_files",
]

LANGUAGES = ("en", "de")
TASKS = (1, 2)
TASK2_CAPTIONS = 5  # captions per image and language in task 2
SPLIT_ALIASES = {"test": "test_2016"}
# split -> (image list stem, caption file stem or None when the release has no captions)
_SPLIT_STEMS = {
    1: {"train": ("train", "train"), "val": ("val", "val"), "test_2016": ("test_2016_flickr", "test_2016_flickr")},
    2: {
        "train": ("train_images", "train"),
        "val": ("val_images", "val"),
        "test_2016": ("test_2016_images", "test_2016"),
        "test_2017": ("test_2017_images", None),
    },
}
# Moses' escape-special-chars, undone in reverse; "&amp;" last so that "&amp;lt;" reads "&lt;"
_MOSES_ESCAPES = (
    ("&#124;", "|"), ("&lt;", "<"), ("&gt;", ">"), ("&apos;", "'"), ("&quot;", '"'),
    ("&#91;", "["), ("&#93;", "]"), ("&amp;", "&"),
)


class Multi30kError(FileNotFoundError):
    """The Multi30k files are missing or not in the published layout."""


def moses_unescape(text: str) -> str:
    """Undo the XML escapes of Moses' tokeniser (``&apos;`` -> ``'``, ``&amp;`` -> ``&``, ...)."""
    if "&" not in text:
        return text
    for escaped, plain in _MOSES_ESCAPES:
        text = text.replace(escaped, plain)
    return text


def read_image_list(path: str | Path) -> list[str]:
    """Image file names of a split list (``1000092795.jpg``), one per line, in file order."""
    path = Path(path)
    if not path.is_file():
        raise Multi30kError(f"image list not found: {path}")
    with path.open(encoding="utf-8") as f:
        names = [line.strip() for line in f]
    while names and not names[-1]:  # blank lines at the end of the file
        names.pop()
    if any(not name for name in names):
        raise ValueError(f"{path}:{names.index('') + 1}: empty line in an image list")
    return names


def read_caption_file(path: str | Path, unescape: bool = True) -> list[str]:
    """One caption per line, in file order (line ``i`` describes image ``i`` of the split).

    ``unescape``: undo Moses' XML escapes (:func:`moses_unescape`). Lines are kept as they are
    otherwise (a caption may be empty in a noisy release: it stays ``""``).
    """
    path = Path(path)
    if not path.is_file():
        raise Multi30kError(f"caption file not found: {path}")
    with path.open(encoding="utf-8") as f:
        lines = [line.rstrip("\r\n").strip() for line in f]
    return [moses_unescape(line) for line in lines] if unescape else lines


def _canonical_split(task: int, split: str) -> str:
    if task not in TASKS:
        raise ValueError(f"task must be 1 or 2, got {task!r}")
    name = SPLIT_ALIASES.get(split, split)
    if name not in _SPLIT_STEMS[task]:
        raise ValueError(f"split must be one of {', '.join(list(_SPLIT_STEMS[task]) + list(SPLIT_ALIASES))} "
                         f"for task {task}, got {split!r}")
    return name


def _check_languages(languages: Sequence[str]) -> tuple[str, ...]:
    languages = tuple(languages)
    if not languages or any(lang not in LANGUAGES for lang in languages) or len(set(languages)) != len(languages):
        raise ValueError(f"languages must be distinct codes among {', '.join(LANGUAGES)}, got {languages!r}")
    return languages


def split_files(root: str | Path, task: int = 2, split: str = "test", lang: str = "en") -> tuple[Path, list[Path]]:
    """``(image list, [caption files])`` of one split and language under ``root`` (the folder that
    holds ``task1/`` and ``task2/``); task 2 has five caption files, caption ``n`` in file ``n``."""
    root = Path(root)
    name = _canonical_split(task, split)
    _check_languages([lang])
    image_stem, caption_stem = _SPLIT_STEMS[task][name]
    base = root / f"task{task}"
    images = base / "image_splits" / f"{image_stem}.txt"
    if caption_stem is None:
        return images, []
    if task == 1:
        return images, [base / "tok" / f"{caption_stem}.lc.norm.tok.{lang}"]
    return images, [base / "tok" / f"{caption_stem}.lc.norm.tok.{n}.{lang}" for n in range(1, TASK2_CAPTIONS + 1)]


def _find_root(data_dir: Path, task: int) -> Path:
    for candidate in (data_dir, data_dir / "data"):
        if (candidate / f"task{task}" / "image_splits").is_dir():
            return candidate
    raise Multi30kError(
        f"data_dir {str(data_dir)!r} does not hold Multi30k's task{task}/image_splits folder (looked in it and in its "
        f"data/ folder). Get the text release from the multi30k/dataset repository and point data_dir at it."
    )


@dataclass
class Multi30k:
    """One split of Multi30k: image names and, per language, the captions of each image.

    ``captions[lang][i]`` lists the captions of image ``image_names[i]`` (1 in task 1, 5 in
    task 2), each a space-separated token string.
    """

    root: Path
    task: int
    split: str
    image_names: list[str]
    captions: dict[str, list[list[str]]]

    def __len__(self) -> int:
        return len(self.image_names)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.captions)

    @property
    def image_ids(self) -> list[str]:
        """Image names without the ``.jpg`` suffix (Flickr30k ids)."""
        return [name[: -len(".jpg")] if name.lower().endswith(".jpg") else name for name in self.image_names]

    def captions_per_image(self, lang: str) -> int:
        return len(self._captions(lang)[0]) if len(self) else 0

    def flat_captions(self, lang: str) -> list[str]:
        """All captions of ``lang`` image-major: caption ``j`` belongs to image ``j // c`` (the
        column layout of :func:`tagbook.metrics.retrieval.recall_at_k`)."""
        return [caption for per_image in self._captions(lang) for caption in per_image]

    def tokens(self, lang: str) -> list[list[list[str]]]:
        """``tokens[i][n]``: caption ``n`` of image ``i`` split into its (Moses) tokens."""
        return [[caption.split() for caption in per_image] for per_image in self._captions(lang)]

    def _captions(self, lang: str) -> list[list[str]]:
        if lang not in self.captions:
            raise KeyError(f"no {lang!r} captions loaded; this split holds {', '.join(self.captions)}")
        return self.captions[lang]


def load_multi30k(
    data_dir: str | Path,
    task: int = 2,
    split: str = "test",
    languages: Sequence[str] = LANGUAGES,
    unescape: bool = True,
) -> Multi30k:
    """Load one split of Multi30k task 1 or task 2 with the captions of ``languages``.

    ``data_dir`` is the folder holding ``task1/`` and ``task2/`` (or the repository root with
    them in ``data/``). Every caption file must have exactly one line per listed image.
    """
    name = _canonical_split(task, split)
    languages = _check_languages(languages)
    if data_dir is None:
        raise Multi30kError("data_dir is None: set it to the folder of the Multi30k text release")
    data_dir = Path(data_dir).expanduser()
    if not data_dir.is_dir():
        raise Multi30kError(f"data_dir {str(data_dir)!r} is not a folder")
    root = _find_root(data_dir, task)
    image_list, _ = split_files(root, task, name, languages[0])
    images = read_image_list(image_list)
    captions: dict[str, list[list[str]]] = {}
    for lang in languages:
        _, files = split_files(root, task, name, lang)
        if not files:
            raise Multi30kError(f"Multi30k task {task} has no captions for the {name} images (only {image_list.name})")
        columns = []
        for path in files:
            lines = read_caption_file(path, unescape=unescape)
            if len(lines) != len(images):
                raise ValueError(f"{path} has {len(lines)} lines but {image_list} lists {len(images)} images")
            columns.append(lines)
        captions[lang] = [list(per_image) for per_image in zip(*columns)]
    return Multi30k(root=root, task=task, split=name, image_names=images, captions=captions)


def load_image_features(path: str | Path, image_names: Sequence[str]) -> np.ndarray:
    """A reader's CNN features for the images ``image_names``, as ``(n_images, d)`` float32.

    - ``.npy``: a 2-D array whose row ``i`` belongs to ``image_names[i]`` (the split's list order,
      as the precomputed ``<split>_ims.npy`` files of VSE++);
    - ``.npz``: arrays ``features`` (``(n, d)``) and ``names`` (the image file names of its rows,
      any order, a superset allowed); rows are reordered to ``image_names``.
    """
    path = Path(path)
    if not path.is_file():
        raise Multi30kError(f"image-feature file not found: {path}")
    names = list(image_names)
    if path.suffix == ".npy":
        features = np.load(path, allow_pickle=False)
        if features.ndim != 2 or features.shape[0] != len(names):
            raise ValueError(f"{path} must be ({len(names)}, d) for the {len(names)} images, "
                             f"got shape {features.shape}")
    elif path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as blob:
            missing_keys = [key for key in ("features", "names") if key not in blob.files]
            if missing_keys:
                raise ValueError(f"{path} lacks the array(s) {', '.join(missing_keys)} (has {', '.join(blob.files)})")
            stored, row_names = blob["features"], [str(n) for n in blob["names"]]
        if stored.ndim != 2 or stored.shape[0] != len(row_names):
            raise ValueError(f"{path}: features {stored.shape} do not match its {len(row_names)} names")
        index = {name: row for row, name in enumerate(row_names)}
        absent = [name for name in names if name not in index]
        if absent:
            raise ValueError(f"{path} has no features for {len(absent)} image(s), e.g. {', '.join(absent[:3])}")
        features = stored[[index[name] for name in names]]
    else:
        raise ValueError(f"image features must be a .npy or .npz file, got {path.name}")
    if not np.issubdtype(features.dtype, np.number):
        raise ValueError(f"{path} holds {features.dtype} values, not numbers")
    features = features.astype(np.float32)
    if not np.isfinite(features).all():
        raise ValueError(f"{path} contains NaN or infinite features")
    return features
