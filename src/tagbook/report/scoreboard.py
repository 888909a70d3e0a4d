"""The Claims page as a scoreboard, and the headlines the intro page shows.

Built from every chapter's ``NN.claims.json`` at book-build time (nothing here is typed in):

* a headline per paper and data tier (held / partly / not held, with counts), the five papers the
  book reproduces first and the supporting papers (and the book's own toy world) apart;
* per paper, one row per claim: a verdict badge that reads without colour (a symbol and the
  words, on a coloured badge), the paper's number beside ours, the ledger's reason, the data tier,
  and a link to the section of the chapter that holds the evidence (the anchor the book driver
  placed there, see :func:`tagbook.book.place_claim_anchors`), else to the chapter;
* the claims files themselves, linked for download, and their JSON schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from tagbook.paths import generated_dir
from tagbook.report.boxes import format_headline
from tagbook.report.claims import (
    TIERS,
    VERDICTS,
    format_evidence,
    claim_anchor,
    claim_reason,
    load_claims,
    verdict,
    verdict_label,
)
from tagbook.report.papers import PAPERS, SEED_PAPERS
from tagbook.report.tables import markdown_table

HEADLINES_FILE = "headlines.md"
SCHEMA_FILE = Path(__file__).with_name("claims.schema.json")
# sphinx-design badges: the colour doubles a symbol and the words, never replaces them
BADGE_ROLE = {"held": "bdg-success", "partly": "bdg-warning", "not held": "bdg-danger"}
BADGE_SYMBOL = {"held": "✓", "partly": "◐", "not held": "✗"}


def badge(record: Mapping[str, Any]) -> str:
    """The verdict of a claim as a MyST badge: ``{bdg-warning}`◐ partly: 2 of 3```."""
    result = verdict(record)
    return f"{{{BADGE_ROLE[result]}}}`{BADGE_SYMBOL[result]} {verdict_label(record)}`"


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


def chapter_documents(folder: Path) -> dict[str, tuple[str, str, str]]:
    """chapter number -> (document name, title, markdown text) of each executed chapter in ``folder``."""
    found: dict[str, tuple[str, str, str]] = {}
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        if path.stem.endswith(".failed"):
            continue
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, json.JSONDecodeError):
            cells = []
        markdown = []
        for cell in cells:
            if cell.get("cell_type") == "markdown":
                source = cell.get("source", "")
                markdown.append("".join(source) if isinstance(source, list) else str(source))
        title = next((line[2:].strip() for text in markdown for line in text.splitlines() if line.startswith("# ")),
                     f"Chapter {path.stem.split('_', 1)[0]}")
        found.setdefault(path.stem.split("_", 1)[0], (path.stem, title, "\n".join(markdown)))
    return found


def evidence_link(record: Mapping[str, Any], documents: Mapping[str, tuple[str, str, str]]) -> str:
    """A link to the chapter section holding a claim's evidence (its anchor when the chapter has it)."""
    chapter = str(record.get("chapter", ""))
    label = claim_anchor(chapter, str(record["id"]))
    doc = documents.get(chapter)
    if doc is None:
        return f"chapter {chapter}"
    if f"({label})=" in doc[2]:
        return f"{chapter}: {{ref}}`{label}`"
    return f"[{chapter} {_one_line(doc[1])}]({doc[0]}.ipynb)"


def paper_order(records: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[str]]:
    """(seed papers present, in the book's order; the other papers, in order of appearance)."""
    present = list(dict.fromkeys(str(r["paper"]) for r in records))
    seeds = [p for p in SEED_PAPERS if p in present]
    return seeds, [p for p in present if p not in SEED_PAPERS]


def headline_rows(records: Sequence[Mapping[str, Any]], papers: Sequence[str]) -> pd.DataFrame:
    """One row per (paper, data tier): claims, held, partly, not held and the headline in words."""
    rows = []
    for paper in papers:
        mine = [r for r in records if r["paper"] == paper]
        for tier in [t for t in TIERS if any(r.get("tier") == t for r in mine)]:
            verdicts = [verdict(r) for r in mine if r.get("tier") == tier]
            counts = {v: verdicts.count(v) for v in VERDICTS}
            words = f"{counts['held']} of {len(verdicts)} held"
            if counts["partly"]:
                words += f", {counts['partly']} partly"
            if counts["not held"]:
                words += f", {counts['not held']} not held"
            rows.append({"paper": paper_title(paper), "data": tier, "claims": len(verdicts), **counts,
                         "headline": words})
    return pd.DataFrame(rows, columns=["paper", "data", "claims", *VERDICTS, "headline"])


def paper_title(paper: str) -> str:
    """A paper in a few words: ``Ni et al. (2017)``; the toy world as itself."""
    if paper == "toy-world":
        return "The toy world's own properties (chapter 00)"
    text = PAPERS.get(paper)
    if not text:
        return paper
    authors = text.split(". ")[0].rstrip(".")
    year = "".join(ch for ch in paper if ch.isdigit())
    return f"{authors}{'.' if authors.endswith('et al') else ''} ({year})" if year else authors


def headlines_markdown(records: Sequence[Mapping[str, Any]], link: str | None = None) -> str:
    """The two headline tables (the papers the book reproduces; the supporting ones)."""
    if not records:
        return "No chapter has recorded a claim in this build yet."
    seeds, others = paper_order(records)
    lines = []
    if seeds:
        lines += ["**The papers this book reproduces**", "", markdown_table(headline_rows(records, seeds), index=False), ""]
    if others:
        lines += ["**Supporting papers, and the properties the toy world is built to have**", "",
                  markdown_table(headline_rows(records, others), index=False), ""]
    if link:
        lines += [link, ""]
    return "\n".join(lines).rstrip() + "\n"


def claim_rows(records: Sequence[Mapping[str, Any]], documents: Mapping[str, tuple[str, str, str]]) -> pd.DataFrame:
    """One row per claim: verdict badge, the claim (with its data tier and where the paper makes it),
    the paper's number, ours, the reason and the link to the evidence."""
    rows = []
    for r in records:
        where = _one_line(r.get("where", ""))
        context = f"`{r.get('tier', '')}`" + (f"; {where}" if where else "")
        rows.append({
            "verdict": badge(r),
            "claim": f"{_one_line(r['statement'])} ({context})",
            "the paper": format_headline(r.get("paper_value")),
            "ours": format_headline(r.get("ours")),
            "reason": claim_reason(r) or None,
            "evidence": evidence_link(r, documents),
        })
    return pd.DataFrame(rows, columns=["verdict", "claim", "the paper", "ours", "reason", "evidence"])


def write_scoreboard(folder: str | Path | None = None, out: str | Path | None = None) -> Path:
    """Write the Claims page (``claims.md``) and the intro's headlines (``headlines.md``) into ``folder``."""
    folder = Path(folder) if folder is not None else generated_dir()
    out = Path(out) if out is not None else folder / "claims.md"
    records = load_claims(folder)
    documents = chapter_documents(folder)
    lines = [
        "# Claims",
        "",
        "Every chapter checks the testable claims of its paper on the data it ran with and records, "
        "for each, the measured evidence and whether the claim held. This page gathers those records "
        "at build time. A claim that does not hold is listed as **not held**: it is reported, not tuned "
        "away; one checked on several models or settings that held on some of them is listed as "
        "*partly* with the count. *Data* says which tier the evidence comes from: the procedurally "
        "generated toy world (`toy`), real pretrained models and sample photos available offline "
        "(`offline-real`), or a paper's own data set supplied by the reader (`paper-data`).",
        "",
        "Each verdict is a badge with a symbol and words: ✓ held, ◐ partly (held on n of m models or "
        "settings), ✗ not held. Beside each claim are its data tier and where the paper makes it; *the "
        "paper* is the paper's own number for the claim where it gives one, *ours* this build's; "
        "*evidence* links the section of the chapter where the claim was checked.",
        "",
    ]
    if not records:
        lines.append("No chapter has recorded a claim in this build yet.")
    else:
        lines += ["## Scoreboard", "",
                  "One line per paper and data tier: the counts are never summed across papers or tiers, "
                  "since a claim of a supporting paper or one checked on the toy world says nothing about "
                  "another paper's claim on real data.", "", headlines_markdown(records)]
        seeds, others = paper_order(records)
        for heading, papers in (("The papers this book reproduces", seeds),
                                ("Supporting papers and the toy world", others)):
            if not papers:
                continue
            lines += [f"## {heading}", ""]
            for paper in papers:
                mine = [r for r in records if r["paper"] == paper]
                lines += [f"### {PAPERS.get(paper, paper)}", "", markdown_table(claim_rows(mine, documents), index=False),
                          "", "Evidence, as measured:", ""]
                lines += [f"- `{r['id']}` (chapter {r.get('chapter', '')}): {format_evidence(r['evidence'])}"
                          for r in mine]
                lines.append("")
        files = sorted(p.name for p in folder.glob("*.claims.json"))
        schema = f"/src/tagbook/report/{SCHEMA_FILE.name}"
        lines += ["## The ledger, machine-readable", "",
                  "Each chapter's claims as it recorded them (JSON, one object per claim, with the "
                  "parameters of the run): "
                  + ", ".join(f"{{download}}`{name} <{name}>`" for name in files)
                  + f". Every file follows the schema {{download}}`claims.schema.json <{schema}>`.", ""]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    headlines = headlines_markdown(records, link="The claims one by one, with the reasons and the evidence: "
                                                 "{doc}`the Claims page </book/_generated/claims>`.")
    (folder / HEADLINES_FILE).write_text(headlines, encoding="utf-8")
    return out


def write_claims_page(folder: str | Path | None = None, out: str | Path | None = None) -> Path:
    """Write the book's Claims page (MyST Markdown) from every chapter's claims file, and the intro's
    headlines beside it (:func:`write_scoreboard`)."""
    return write_scoreboard(folder, out)
