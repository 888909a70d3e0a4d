"""Word translation by aligned word vectors: the experiment and its table (chapters 01 and 06).

Given two word-vector spaces and a bilingual dictionary, :func:`translation_split` holds out test
source words (no test word is used for fitting), each alignment of :mod:`tagbook.text.align`
(least squares, Procrustes, RCSLS) is fitted on the training pairs, and every source word is
translated by nearest-neighbour or CSLS retrieval. :func:`word_translation_table` reports the
held-out precision@1/@5, the alignment ratio and hubness per (alignment, retrieval) through
:func:`tagbook.metrics.translation.evaluate_word_translation` (MUSE conventions, Conneau et al.
2018: a query is correct at k when any of its translations is among its k retrieved words).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from tagbook.metrics.translation import evaluate_word_translation
from tagbook.text.align import (
    BilingualDictionary,
    RCSLSConfig,
    compress_to_map_range,
    fit_alignment,
    make_alignment,
    normalize_rows,
    retrieve,
)

__all__ = ["TranslationSetup", "translation_split", "word_translation_table"]


@dataclass
class TranslationSetup:
    """One word-translation experiment: vocabularies, split, alignments and retrievals.

    max_vocab: keep the first (most frequent) words of each space, e.g. 50k.
    n_test: source words held out for testing (an int, or a share of the dictionary's in-vocabulary
        source words as a float in (0, 1)); no test source word is used for fitting.
    max_train: cap on the seed pairs used for fitting (those of the most frequent source words).
    train_translations: fit on each training word's first ``k`` translations only (None: all);
        testing always accepts every translation.
    """

    max_vocab: int = 50_000
    n_test: int | float = 1500
    max_train: int | None = 10_000
    train_translations: int | None = None
    seed: int = 0
    alignments: tuple[str, ...] = ("lstsq", "procrustes", "rcsls")
    retrievals: tuple[str, ...] = ("nn", "csls")
    csls_k: int = 10
    rcsls: RCSLSConfig = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.rcsls is None:
            self.rcsls = RCSLSConfig(show_progress=False)
        if self.max_vocab < 2 or self.n_test <= 0:
            raise ValueError(f"TranslationSetup needs max_vocab >= 2 and n_test > 0, got {self.max_vocab}, {self.n_test}")
        for name in self.alignments:
            make_alignment(name)
        for name in self.retrievals:
            if name not in ("nn", "csls"):
                raise ValueError(f"TranslationSetup.retrievals: 'nn' or 'csls', got {name!r}")


def translation_split(
    dictionary: BilingualDictionary, source_words: list[str], target_words: list[str], setup: TranslationSetup
) -> tuple[BilingualDictionary, BilingualDictionary]:
    """``(train, test)`` dictionaries of a word-translation experiment, split by source word.

    The dictionary is restricted to source words in ``source_words`` and split: ``setup.n_test``
    test words with all their pairs, the rest for fitting. Training pairs need both words in the
    vocabularies; each word keeps its first ``setup.train_translations`` translations (dictionary
    order, best first), words are ordered by their rank in ``source_words`` (most frequent first)
    and the first ``setup.max_train`` pairs are kept.
    """
    src_vocab = set(source_words)
    in_vocab = BilingualDictionary(tuple(p for p in dictionary.pairs if p[0] in src_vocab))
    train, test = in_vocab.split(setup.n_test, seed=setup.seed)
    train = train.restrict(source_words, target_words)
    if setup.train_translations is not None:
        kept: dict[str, int] = {}
        first = []
        for src, tgt in train.pairs:
            if kept.get(src, 0) < setup.train_translations:
                kept[src] = kept.get(src, 0) + 1
                first.append((src, tgt))
        train = BilingualDictionary(tuple(first))
    rank = {w: i for i, w in enumerate(source_words)}
    train = BilingualDictionary(tuple(sorted(train.pairs, key=lambda p: rank[p[0]])))
    if setup.max_train is not None:
        train = BilingualDictionary(train.pairs[: setup.max_train])
    return train, test


def word_translation_table(
    source_words: list[str],
    source_matrix: np.ndarray,
    target_words: list[str],
    target_matrix: np.ndarray,
    dictionary: BilingualDictionary,
    setup: TranslationSetup | None = None,
    progress: bool = True,
):
    """Fit each alignment on training pairs and report held-out P@1/P@5 per retrieval method.

    The split is :func:`translation_split` on the vocabularies capped at ``setup.max_vocab``.
    Test queries are the test words with a translation in the target vocabulary (any of their
    translations counts as correct); the alignment ratio divides by all test words (see
    :func:`tagbook.metrics.translation.alignment_ratio`). Returns a DataFrame with one row per
    (alignment, retrieval) and the counts in ``DataFrame.attrs``.
    """
    import pandas as pd

    setup = setup or TranslationSetup()
    n_s, n_t = min(setup.max_vocab, len(source_words)), min(setup.max_vocab, len(target_words))
    src_words, tgt_words = list(source_words[:n_s]), list(target_words[:n_t])
    S = normalize_rows(np.asarray(source_matrix[:n_s]))
    T = normalize_rows(np.asarray(target_matrix[:n_t]))
    train, test = translation_split(dictionary, src_words, tgt_words, setup)
    src_rows, tgt_rows = train.training_rows(src_words, tgt_words)
    queries, gold = test.test_queries(src_words, tgt_words)
    if len(queries) == 0:
        raise ValueError("no test word has a translation in the target vocabulary")
    rows = []
    for name in tqdm(setup.alignments, desc="alignments", disable=not progress, leave=False):
        model = fit_alignment(name, S[src_rows], T[tgt_rows], S, T, setup.rcsls)
        mapped, targets = normalize_rows(model.transform(S)), T
        if np.linalg.matrix_rank(model.W_) < T.shape[1]:  # same cosines, fewer dimensions
            mapped, targets = compress_to_map_range(model.W_, S, T)
        for row in evaluate_word_translation(
            mapped, targets, queries, gold, methods=setup.retrievals, csls_k=setup.csls_k,
            n_dictionary_sources=len(test.sources), normalize=False, retrieve=retrieve,
        ):
            rows.append({"alignment": name, **row})
    table = pd.DataFrame(rows)
    table.attrs.update(
        source_vocab=n_s, target_vocab=n_t, train_pairs=len(src_rows), test_words=len(test.sources),
        test_queries=len(queries),
    )
    return table
