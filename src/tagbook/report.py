"""Reporting: the papers' own numbers beside ours, the claims ledger, and the figure theme."""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from tagbook.paths import generated_dir

PAPERS = {
    # key -> short citation; the seed papers of the book and the baselines whose numbers we quote
    "wei2017": "Wei, Wang, Li. Harvesting Deep Models for Cross-Lingual Image Annotation. CBMI 2017",
    "he2015": "He et al. Large Scale Image Annotation via Deep Representation Learning and Tag Embedding Learning. ICMR 2015",
    "ni2017": "Ni et al. Sampled Image Tagging and Retrieval Methods on User Generated Content. Lab41",
    "kovacs2019": "Kovacs & Bremner. Adding Language to ... (platform.ai blog). 2019",
    "mohammadshahi2019": "Mohammadshahi, Lebret, Aberer. Aligning Multilingual Word Embeddings for Cross-Modal Retrieval. 2019",
    "joulin2018": "Joulin et al. Loss in Translation: Learning Bilingual Word Mapping with a Retrieval Criterion. EMNLP 2018",
    "conneau2018": "Conneau et al. Word Translation Without Parallel Data. ICLR 2018",
}
TIERS = ("toy", "offline-real", "paper-data")
PAPER_NUMBER_COLUMNS = ["paper", "table", "method", "metric", "setting", "value", "note"]


# --------------------------------------------------------------------------------------------
# The papers' numbers
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# The claims ledger
# --------------------------------------------------------------------------------------------


@dataclass
class Claim:
    """One testable claim of a paper, with what this run measured and whether it held."""

    id: str
    paper: str
    statement: str
    where: str
    evidence: dict[str, float]
    holds: bool
    tier: str
    chapter: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.tier not in TIERS:
            raise ValueError(f"claim {self.id!r}: tier must be one of {TIERS}, got {self.tier!r}")
        if not isinstance(self.holds, bool):
            # numpy bools and the like must be turned into a real decision by the caller
            try:
                import numpy as np

                if isinstance(self.holds, np.bool_):
                    self.holds = bool(self.holds)
            except ImportError:  # pragma: no cover
                pass
        if not isinstance(self.holds, bool):
            raise TypeError(f"claim {self.id!r}: holds must be a bool, got {self.holds!r}")
        if not self.evidence:
            raise ValueError(f"claim {self.id!r}: a claim needs measured evidence")
        clean = {}
        for key, number in self.evidence.items():
            number = float(number)
            if math.isnan(number):
                raise ValueError(f"claim {self.id!r}: evidence {key!r} is NaN")
            clean[str(key)] = number
        self.evidence = clean


class ClaimsLedger:
    """Collects a chapter's claims and writes them to ``book/_generated/<chapter>.claims.json``."""

    def __init__(self, chapter: str, output_dir: str | Path | None = None, parameters: Mapping | None = None):
        self.chapter = chapter
        self.output_dir = Path(output_dir) if output_dir is not None else generated_dir()
        self.parameters = dict(parameters or {})
        self.claims: list[Claim] = []

    def check(
        self,
        id: str,
        paper: str,
        statement: str,
        where: str,
        evidence: Mapping[str, float],
        holds: bool,
        tier: str,
        note: str = "",
    ) -> Claim:
        if any(c.id == id for c in self.claims):
            raise ValueError(f"claim id {id!r} recorded twice in chapter {self.chapter}")
        claim = Claim(id, paper, statement, where, dict(evidence), holds, tier, self.chapter, note)
        self.claims.append(claim)
        return claim

    @property
    def path(self) -> Path:
        return self.output_dir / f"{self.chapter}.claims.json"

    def write(self) -> Path:
        self.output_dir.mkdir(parents=True, exist_ok=True)
        records = []
        for claim in self.claims:
            record = asdict(claim)
            record["parameters"] = {k: _jsonable(v) for k, v in self.parameters.items()}
            record["written"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
            records.append(record)
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(self.path)
        return self.path

    def table(self) -> pd.DataFrame:
        return claims_table([asdict(c) for c in self.claims])


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


def _format_evidence(evidence: Mapping[str, float]) -> str:
    return "; ".join(f"{k} = {v:.4g}" for k, v in evidence.items())


def claims_table(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    rows = [
        {
            "chapter": r.get("chapter", ""),
            "id": r["id"],
            "paper": r["paper"],
            "claim": r["statement"],
            "where": r.get("where", ""),
            "evidence": _format_evidence(r["evidence"]),
            "holds": "yes" if r["holds"] else "NO",
            "data": r.get("tier", ""),
        }
        for r in records
    ]
    return pd.DataFrame(rows, columns=["chapter", "id", "paper", "claim", "where", "evidence", "holds", "data"])


REQUIRED_CLAIM_KEYS = ("id", "paper", "statement", "holds", "evidence")


def load_claims(folder: str | Path | None = None) -> list[dict[str, Any]]:
    """Every ``*.claims.json`` in the generated folder, checked for the required keys."""
    folder = Path(folder) if folder is not None else generated_dir()
    records = []
    for path in sorted(folder.glob("*.claims.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON ({exc})") from None
        if not isinstance(data, list):
            raise ValueError(f"{path}: expected a JSON list of claims")
        for record in data:
            missing = [k for k in REQUIRED_CLAIM_KEYS if k not in record]
            if missing:
                raise ValueError(f"{path}: claim {record.get('id', '?')!r} lacks {', '.join(missing)}")
            record.setdefault("chapter", path.name.split(".")[0])
            records.append(record)
    return records


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _chapter_title(folder: Path, chapter: str) -> tuple[str | None, str]:
    """(document name, title) of the executed chapter ``NN_*.ipynb`` in ``folder``, if it is there."""
    for path in sorted(folder.glob(f"{chapter}_*.ipynb")):
        if path.stem.endswith(".failed"):
            continue
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, json.JSONDecodeError):
            cells = []
        for cell in cells:
            source = "".join(cell.get("source", [])) if cell.get("cell_type") == "markdown" else ""
            for line in source.splitlines():
                if line.startswith("# "):
                    return path.stem, line[2:].strip()
        return path.stem, f"Chapter {chapter}"
    return None, f"Chapter {chapter}"


def write_claims_page(folder: str | Path | None = None, out: str | Path | None = None) -> Path:
    """Write the book's Claims page (MyST Markdown) from every chapter's claims file.

    A summary (claims and how many held, per chapter), then per chapter a table with the
    verdict first, and the measured evidence of each claim below it.
    """
    folder = Path(folder) if folder is not None else generated_dir()
    out = Path(out) if out is not None else folder / "claims.md"
    records = load_claims(folder)
    table = claims_table(records)
    lines = [
        "# Claims",
        "",
        "Every chapter checks the testable claims of its paper on the data it ran with and records, "
        "for each, the measured evidence and whether the claim held. This page gathers those records "
        "at build time. A claim that does not hold is listed as **NO**: it is reported, not tuned away. "
        "*Data* says which tier the evidence comes from: the procedurally generated toy world (`toy`), "
        "real pretrained models and sample photos available offline (`offline-real`), or a paper's own "
        "data set supplied by the reader (`paper-data`).",
        "",
    ]
    if table.empty:
        lines.append("No chapter has recorded a claim in this build yet.")
    else:
        held = int((table["holds"] == "yes").sum())
        lines += [f"In this build, {held} of {len(table)} recorded claims held.", ""]
        by_chapter = {ch: list(rows.itertuples(index=False)) for ch, rows in table.groupby("chapter", sort=False)}
        titles = {ch: _chapter_title(folder, ch) for ch in by_chapter}
        lines += ["| chapter | claims | held | not held |", "|---|---|---|---|"]
        for ch, rows in by_chapter.items():
            n_held = sum(r.holds == "yes" for r in rows)
            doc, title = titles[ch]
            name = f"[{ch} {_md_cell(title)}]({doc}.ipynb)" if doc else ch
            lines.append(f"| {name} | {len(rows)} | {n_held} | {len(rows) - n_held} |")
        for ch, rows in by_chapter.items():
            lines += ["", f"## {ch} {titles[ch][1]}", "", "| holds | data | claim | in the paper |",
                      "|---|---|---|---|"]
            for r in rows:
                verdict = "yes" if r.holds == "yes" else "**NO**"
                claim = f"{_md_cell(r.claim)} (`{_md_cell(r.id)}`)"
                lines.append(f"| {verdict} | {r.data} | {claim} | {r.paper}, {_md_cell(r.where)} |")
            lines += ["", "Evidence, as measured:", ""]
            lines += [f"- `{r.id}`: {_md_cell(r.evidence)}" for r in rows]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------

_CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Sans CJK KR")


def use_theme() -> None:
    """The one figure theme of the book (seaborn), with a CJK-capable font when one is installed."""
    import matplotlib
    import seaborn as sns
    from matplotlib import font_manager

    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind")
    installed = {f.name for f in font_manager.fontManager.ttflist}
    cjk = [name for name in _CJK_FAMILIES if name in installed]
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = ["DejaVu Sans", *cjk, *matplotlib.rcParams["font.sans-serif"]]
    matplotlib.rcParams["figure.dpi"] = 100
    matplotlib.rcParams["savefig.bbox"] = "tight"
    if not cjk:
        warnings.warn(
            "no CJK font found (install fonts-noto-cjk); Chinese and Japanese labels in figures will not render",
            stacklevel=2,
        )
