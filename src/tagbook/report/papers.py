"""The papers' own numbers, typed in once as data, and the tables that put ours beside them."""

from __future__ import annotations

from importlib import resources
from typing import Iterable

import pandas as pd

PAPERS = {
    # key -> short citation; the seed papers of the book and the baselines whose numbers we quote
    "wei2017": "Wei, Wang, Li. Harvesting Deep Models for Cross-Lingual Image Annotation. CBMI 2017",
    "he2015": "He et al. Large Scale Image Annotation via Deep Representation Learning and Tag Embedding Learning. ICMR 2015",
    "ni2017": "Ni et al. Sampled Image Tagging and Retrieval Methods on User Generated Content. Lab41",
    "kovacs2019": "Kovacs & Bremner. Adding Language to ... (platform.ai blog). 2019",
    "mohammadshahi2019": "Mohammadshahi, Lebret, Aberer. Aligning Multilingual Word Embeddings for Cross-Modal Retrieval. 2019",
    "joulin2018": "Joulin et al. Loss in Translation: Learning Bilingual Word Mapping with a Retrieval Criterion. EMNLP 2018",
    "conneau2018": "Conneau et al. Word Translation Without Parallel Data. ICLR 2018",
    "toy-world": "The toy world of this book (chapter 00): the properties it is built to have, measured",
}
# The five papers the book reproduces, in the order of its chapters; the others in PAPERS support them.
SEED_PAPERS = ("wei2017", "he2015", "ni2017", "kovacs2019", "mohammadshahi2019")
PAPER_NUMBER_COLUMNS = ["paper", "table", "method", "metric", "setting", "value", "note"]


def _paper_numbers_file():
    return resources.files("tagbook") / "data" / "paper_numbers.csv"


def paper_numbers(paper: str | None = None) -> pd.DataFrame:
    """The numbers the papers report, typed in once (``src/tagbook/data/paper_numbers.csv``).

    Each row: paper key, the table or figure it comes from, method, metric, setting, value, note.
    """
    with _paper_numbers_file().open(encoding="utf-8") as f:
        df = pd.read_csv(f, dtype={"setting": str, "note": str}, keep_default_na=False)
    if list(df.columns) != PAPER_NUMBER_COLUMNS:
        raise ValueError(f"paper_numbers.csv must have the columns {PAPER_NUMBER_COLUMNS}, got {list(df.columns)}")
    df["value"] = pd.to_numeric(df["value"], errors="raise")
    if paper is not None:
        if paper not in set(df["paper"]):
            raise KeyError(f"no numbers typed in for paper {paper!r}; papers with numbers: {sorted(set(df['paper']))}")
        df = df[df["paper"] == paper].reset_index(drop=True)
    return df


def paper_vs_build(
    paper: pd.DataFrame,
    build: pd.DataFrame,
    *,
    paper_data: str,
    build_data: str,
    on: Iterable[str] = ("method", "metric", "setting"),
    value: str = "value",
) -> pd.DataFrame:
    """Lay the paper's numbers and this build's side by side, each column labelled with its data.

    ``paper`` is (a filter of) :func:`paper_numbers`; ``build`` has the key columns ``on`` and a
    ``value`` column with what this build measured. Keys present on one side only show a blank on
    the other: nothing is filled in.
    """
    on = [c for c in on if c in paper.columns and c in build.columns]
    if not on:
        raise ValueError("paper and build share none of the key columns to align them on")
    left = paper[on + [value, "table"]].rename(columns={value: f"paper ({paper_data})", "table": "paper source"})
    right = build[on + [value]].rename(columns={value: f"this build ({build_data})"})
    for frame in (left, right):
        for column in on:
            frame[column] = frame[column].astype(str)
    merged = left.merge(right, on=on, how="outer", sort=False)
    return merged.set_index(on)
