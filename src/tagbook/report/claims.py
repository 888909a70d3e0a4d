"""The claims ledger: each chapter's testable claims, what this run measured, and the verdict.

A chapter records each claim with :meth:`ClaimsLedger.check` and writes them to
``book/_generated/NN.claims.json``; the book build gathers every chapter's file into the Claims
page (:func:`tagbook.report.scoreboard.write_claims_page`) and into each chapter's "Results at a
glance" box.

A claim checked on several models or settings carries ``n_checked`` and ``n_held``: it *held*
when it held on all of them, held *partly* when on some (``0 < n_held < n_checked``), and did
*not hold* when on none. ``holds`` stays the strict decision: true only when it held everywhere.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from tagbook.paths import generated_dir

TIERS = ("toy", "offline-real", "paper-data")
# Where a ledger writes when no output_dir is given and this variable is set (the book driver
# stages a running chapter's claims there and moves them into place when the chapter succeeded).
CLAIMS_DIR_VARIABLE = "TAGBOOK_CLAIMS_DIR"
VERDICTS = ("held", "partly", "not held")
REQUIRED_CLAIM_KEYS = ("id", "paper", "statement", "holds", "evidence")

Headline = float | str | None


def _as_bool(claim_id: str, holds: Any) -> bool:
    try:
        import numpy as np

        if isinstance(holds, np.bool_):
            return bool(holds)
    except ImportError:  # pragma: no cover
        pass
    if not isinstance(holds, bool):
        raise TypeError(f"claim {claim_id!r}: holds must be a bool, got {holds!r}")
    return holds


def _headline(claim_id: str, name: str, value: Any) -> Headline:
    """A headline number (``paper_value`` / ``ours``): a float, a short text, or None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"claim {claim_id!r}: {name} must be a number, a short text or None, got {value!r}")
    number = float(value)
    if math.isnan(number):
        raise ValueError(f"claim {claim_id!r}: {name} is NaN; pass None when there is no number")
    return number


def _count(claim_id: str, name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"claim {claim_id!r}: {name} must be an int, got {value!r}")
    return int(value)


def check_counts(claim_id: str, holds: bool, n_checked: Any, n_held: Any) -> tuple[int | None, int | None]:
    """Validate ``n_checked`` / ``n_held`` of a claim against each other and against ``holds``."""
    n_checked = _count(claim_id, "n_checked", n_checked)
    n_held = _count(claim_id, "n_held", n_held)
    if (n_checked is None) != (n_held is None):
        raise ValueError(f"claim {claim_id!r}: give n_checked and n_held together (got {n_checked}, {n_held})")
    if n_checked is None:
        return None, None
    if n_checked < 1:
        raise ValueError(f"claim {claim_id!r}: n_checked must be at least 1, got {n_checked}")
    if not 0 <= n_held <= n_checked:
        raise ValueError(f"claim {claim_id!r}: n_held must be in [0, n_checked = {n_checked}], got {n_held}")
    if holds != (n_held == n_checked):
        raise ValueError(
            f"claim {claim_id!r}: holds = {holds} contradicts n_held = {n_held} of n_checked = {n_checked} "
            "(a claim holds only when it held on every model or setting it was checked on)"
        )
    return n_checked, n_held


@dataclass
class Claim:
    """One testable claim of a paper, with what this run measured and whether it held.

    ``paper_value`` is the paper's own number for the claim where it gives one and ``ours`` this
    run's headline number (a float, a short text such as ``"2 of 3 models"``, or None);
    ``n_checked`` / ``n_held`` count the models or settings it was checked and held on;
    ``reason`` says in a line why it did not hold, or what the verdict rests on; ``short`` is the
    claim in a few words for the chapter's "Results at a glance" box (the statement when empty).
    """

    id: str
    paper: str
    statement: str
    where: str
    evidence: dict[str, float]
    holds: bool
    tier: str
    chapter: str = ""
    note: str = ""
    paper_value: Headline = None
    ours: Headline = None
    n_checked: int | None = None
    n_held: int | None = None
    reason: str = ""
    short: str = ""
    cell: str | None = None

    def __post_init__(self) -> None:
        if self.tier not in TIERS:
            raise ValueError(f"claim {self.id!r}: tier must be one of {TIERS}, got {self.tier!r}")
        self.holds = _as_bool(self.id, self.holds)
        if not self.evidence:
            raise ValueError(f"claim {self.id!r}: a claim needs measured evidence")
        clean = {}
        for key, number in self.evidence.items():
            number = float(number)
            if math.isnan(number):
                raise ValueError(f"claim {self.id!r}: evidence {key!r} is NaN")
            clean[str(key)] = number
        self.evidence = clean
        self.paper_value = _headline(self.id, "paper_value", self.paper_value)
        self.ours = _headline(self.id, "ours", self.ours)
        self.n_checked, self.n_held = check_counts(self.id, self.holds, self.n_checked, self.n_held)
        self.reason = " ".join(str(self.reason or "").split())
        self.short = " ".join(str(self.short or "").split())
        self.cell = str(self.cell) if self.cell else None


def cell_digest(source: str) -> str:
    """A short digest of a notebook cell's source (its lines stripped of trailing blanks)."""
    import hashlib

    text = "\n".join(line.rstrip() for line in str(source).strip().splitlines())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def current_cell() -> str | None:
    """The digest (:func:`cell_digest`) of the notebook cell running now; None outside a kernel."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return None
    shell = get_ipython()
    history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    if not history or not isinstance(history[-1], str):
        return None
    return cell_digest(history[-1])


def claim_anchor(chapter: str, claim_id: str) -> str:
    """The label of a claim's evidence section in the book: ``claim-02-label-enhanced-beats``."""
    slug = re.sub(r"[^a-z0-9]+", "-", f"{chapter}-{claim_id}".lower()).strip("-")
    return f"claim-{slug}"


def _field(record: Claim | Mapping[str, Any], name: str, default: Any = None) -> Any:
    if isinstance(record, Mapping):
        return record.get(name, default)
    return getattr(record, name, default)


def verdict(record: Claim | Mapping[str, Any]) -> str:
    """``"held"``, ``"partly"`` or ``"not held"`` for a claim or a record of a claims file.

    Partly: checked on more than one model or setting and held on some but not all of them.
    """
    claim_id = str(_field(record, "id", "?"))
    holds = _as_bool(claim_id, _field(record, "holds"))
    n_checked, n_held = check_counts(claim_id, holds, _field(record, "n_checked"), _field(record, "n_held"))
    if holds:
        return "held"
    if n_checked is not None and n_checked > 1 and 0 < n_held < n_checked:
        return "partly"
    return "not held"


def verdict_label(record: Claim | Mapping[str, Any]) -> str:
    """The verdict as the book prints it: ``held``, ``partly: 2 of 3``, ``not held``."""
    result = verdict(record)
    if result == "partly":
        return f"partly: {_field(record, 'n_held')} of {_field(record, 'n_checked')}"
    return result


def claim_reason(record: Claim | Mapping[str, Any]) -> str:
    """The one-line reason of a claim: its ``reason``, else its ``note``, else empty."""
    text = _field(record, "reason", "") or _field(record, "note", "") or ""
    return " ".join(str(text).split())


class ClaimsLedger:
    """Collects a chapter's claims and writes them to ``book/_generated/<chapter>.claims.json``."""

    def __init__(self, chapter: str, output_dir: str | Path | None = None, parameters: Mapping | None = None):
        self.chapter = chapter
        if output_dir is None:
            output_dir = os.environ.get(CLAIMS_DIR_VARIABLE) or generated_dir()
        self.output_dir = Path(output_dir)
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
        *,
        paper_value: Headline = None,
        ours: Headline = None,
        n_checked: int | None = None,
        n_held: int | None = None,
        reason: str = "",
        short: str = "",
    ) -> Claim:
        """Record one claim (see :class:`Claim` for the fields); an id may be recorded once.

        In a notebook, the claim keeps a digest of the source of the cell that recorded it
        (``cell``): the book links the claim to the section of the chapter around that cell.
        """
        if any(c.id == id for c in self.claims):
            raise ValueError(f"claim id {id!r} recorded twice in chapter {self.chapter}")
        claim = Claim(
            id, paper, statement, where, dict(evidence), holds, tier, self.chapter, note,
            paper_value=paper_value, ours=ours, n_checked=n_checked, n_held=n_held, reason=reason, short=short,
            cell=current_cell(),
        )
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
            record["parameters"] = {k: jsonable(v) for k, v in self.parameters.items()}
            record["written"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
            records.append(record)
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(self.path)
        return self.path

    def table(self) -> pd.DataFrame:
        return claims_table([asdict(c) for c in self.claims])


def jsonable(value: Any) -> Any:
    """A parameter value as JSON keeps it: numbers, strings, booleans and None as they are, lists
    and tuples element by element, anything else as its text."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return str(value)


def format_evidence(evidence: Mapping[str, float]) -> str:
    return "; ".join(f"{k} = {v:.4g}" for k, v in evidence.items())


CLAIMS_TABLE_COLUMNS = ["chapter", "id", "paper", "claim", "where", "evidence", "holds", "reason", "data"]


def claims_table(records: Iterable[Claim | Mapping[str, Any]]) -> pd.DataFrame:
    """One row per claim; ``holds`` is the verdict label (``held``, ``partly: 2 of 3``, ``not held``)."""
    rows = []
    for r in records:
        r = asdict(r) if isinstance(r, Claim) else r
        rows.append({
            "chapter": r.get("chapter", ""),
            "id": r["id"],
            "paper": r["paper"],
            "claim": r["statement"],
            "where": r.get("where", ""),
            "evidence": format_evidence(r["evidence"]),
            "holds": verdict_label(r),
            "reason": claim_reason(r),
            "data": r.get("tier", ""),
        })
    return pd.DataFrame(rows, columns=CLAIMS_TABLE_COLUMNS)


def read_claims_file(path: str | Path) -> list[dict[str, Any]]:
    """The claims of one ``NN.claims.json``, checked for the required keys and consistent counts.

    Files written before the ledger had ``paper_value``, ``ours``, ``n_checked``, ``n_held`` and
    ``reason`` read as they are: those fields are optional.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of claims")
    for record in data:
        if not isinstance(record, dict):
            raise ValueError(f"{path}: every claim must be a JSON object, got {record!r}")
        missing = [k for k in REQUIRED_CLAIM_KEYS if k not in record]
        if missing:
            raise ValueError(f"{path}: claim {record.get('id', '?')!r} lacks {', '.join(missing)}")
        record.setdefault("chapter", path.name.split(".")[0])
        try:
            verdict(record)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: {exc}") from None
    return data


def load_claims(folder: str | Path | None = None) -> list[dict[str, Any]]:
    """Every ``*.claims.json`` in the generated folder, in chapter order (:func:`read_claims_file`)."""
    folder = Path(folder) if folder is not None else generated_dir()
    records = []
    for path in sorted(folder.glob("*.claims.json")):
        records += read_claims_file(path)
    return records
