"""Chinese ground-truth labels from captions, as Wei, Wang and Li (2017, Sec. 3.1) build them.

Each caption is segmented and tagged with parts of speech; for each image, the noun, verb,
adjective and locality words that appear in at least two of its (five) captions are its labels.
The paper used the boson segmenter; here jieba (``jieba.posseg``) does it, with these tags:

- nouns: tags starting with ``n`` (n, nr, ns, nt, nz, ng, ...);
- verbs: ``v`` (v, vn, vd, ...);
- adjectives: ``a`` (a, ad, an, ...);
- locality words: ``s``, jieba's place words (街上, 海边, 水中; the paper's example of a
  locality word, 街上, is tagged ``s`` by jieba), and ``f``, its localisers (左边, 上方, 中间),
  when they have at least two characters. A bare one-character localiser (上, 里, 中) is a suffix
  that jieba splits off (草地/上, where boson keeps 街上 whole); kept, it would be a label of
  almost every image. :attr:`GroundTruthConfig.locality_min_chars` sets that length.

:data:`PICTURE_WORDS` lists words that speak about the caption or the picture rather than what
it shows (有 "there is", 是 "is", 图 / 画面 / 照片 "picture", 背景 "background"). The paper's rule
keeps them (they are verbs and nouns); :func:`ground_truth` keeps them unless they are passed as
``stopwords``. Where a caption grammar says "in the snow there is ..." in almost every caption, 有
becomes a label of almost every image, and any method that ranks 有 high gets hits for free.

Latin-script tokens (jieba's ``eng``), numerals and punctuation are never kept. A word counts
once per caption (a caption that says 狗 twice is one vote for 狗).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
from tqdm import tqdm

__all__ = ["PICTURE_WORDS", "GroundTruthConfig", "GroundTruth", "caption_words", "image_labels", "ground_truth", "label_statistics"]


PICTURE_WORDS = frozenset({"有", "是", "图", "图中", "图片", "画面", "照片", "背景"})


@dataclass(frozen=True)
class GroundTruthConfig:
    min_captions: int = 2
    pos_prefixes: tuple[str, ...] = ("n", "v", "a", "s", "f")
    locality_min_chars: int = 2  # a word tagged f (localiser) needs this many characters
    exclude_tags: tuple[str, ...] = ()  # exact tags to drop although their prefix is kept
    stopwords: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not isinstance(self.min_captions, int) or self.min_captions < 1:
            raise ValueError(f"min_captions must be a positive int, got {self.min_captions!r}")
        if isinstance(self.pos_prefixes, str) or not self.pos_prefixes:
            raise ValueError(f"pos_prefixes must be a non-empty tuple of tag prefixes, got {self.pos_prefixes!r}")

    def keeps(self, tag: str, word: str = "") -> bool:
        if tag in self.exclude_tags or not any(tag.startswith(p) for p in self.pos_prefixes):
            return False
        return not (tag == "f" and len(word) < self.locality_min_chars)


def pos_tag(text: str) -> list[tuple[str, str]]:
    """``[(word, tag), ...]`` by jieba's part-of-speech segmenter (deterministic)."""
    from tagbook.text.tokenize import pos_tags

    return pos_tags(text, "zh")


def caption_words(caption: str, config: GroundTruthConfig | None = None) -> list[str]:
    """The distinct kept words (by part of speech) of one caption, in order of appearance."""
    config = config or GroundTruthConfig()
    words = (word.strip() for word, tag in pos_tag(caption) if config.keeps(tag, word.strip()))
    return list(dict.fromkeys(w for w in words if w and w not in config.stopwords))


def image_labels(captions: Sequence[str], config: GroundTruthConfig | None = None) -> list[str]:
    """Labels of one image: kept words found in at least ``min_captions`` of its captions.

    Ordered by the number of captions they occur in (most first), then by first appearance.
    """
    config = config or GroundTruthConfig()
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for caption in captions:
        words = caption_words(caption, config)
        counts.update(words)
        for w in words:
            first_seen.setdefault(w, len(first_seen))
    kept = [w for w, c in counts.items() if c >= config.min_captions]
    return sorted(kept, key=lambda w: (-counts[w], first_seen[w]))


@dataclass
class GroundTruth:
    """Per-image label lists and the vocabulary they span."""

    labels: list[list[str]]
    vocabulary: list[str]

    def matrix(self, vocabulary: Sequence[str] | None = None) -> np.ndarray:
        """Boolean ``(n_images, len(vocabulary))``; labels outside ``vocabulary`` are dropped."""
        vocabulary = list(self.vocabulary if vocabulary is None else vocabulary)
        column = {w: j for j, w in enumerate(vocabulary)}
        out = np.zeros((len(self.labels), len(vocabulary)), dtype=bool)
        for i, labels in enumerate(self.labels):
            for w in labels:
                j = column.get(w)
                if j is not None:
                    out[i, j] = True
        return out

    def statistics(self) -> dict[str, float]:
        return label_statistics(self.labels)


def ground_truth(
    captions_per_image: Iterable[Sequence[str]], config: GroundTruthConfig | None = None, progress: bool = False
) -> GroundTruth:
    """Apply :func:`image_labels` to every image; the vocabulary is sorted by document frequency."""
    config = config or GroundTruthConfig()
    captions_per_image = list(captions_per_image)
    labels = [image_labels(c, config) for c in tqdm(captions_per_image, desc="ground truth", disable=not progress)]
    frequency: Counter[str] = Counter(w for ls in labels for w in ls)
    vocabulary = sorted(frequency, key=lambda w: (-frequency[w], w))
    return GroundTruth(labels, vocabulary)


def label_statistics(labels: Sequence[Sequence[str]]) -> dict[str, float]:
    """What the paper reports of its ground truth: distinct labels, labels per image min/mean/max.

    Images without any label are counted (``images_without_labels``) and left out of min/mean/max.
    """
    sizes = np.array([len(ls) for ls in labels])
    labelled = sizes[sizes > 0]
    return {
        "images": int(len(sizes)),
        "images_without_labels": int((sizes == 0).sum()),
        "distinct_labels": int(len({w for ls in labels for w in ls})),
        "labels_per_image_min": int(labelled.min()) if labelled.size else 0,
        "labels_per_image_mean": float(labelled.mean()) if labelled.size else 0.0,
        "labels_per_image_max": int(labelled.max()) if labelled.size else 0,
    }
