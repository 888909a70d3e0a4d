"""The two boxes at the top of every chapter: "Results at a glance" and "Run this chapter".

Both are MyST admonitions with a class of their own (``results-at-a-glance``,
``run-this-chapter``) so the rendered page can be checked for them. The book driver writes them
into the executed notebook once the chapter has run (:mod:`tagbook.book`): the ledger is only
complete at the end of a chapter, the boxes stand at its top.
"""

from __future__ import annotations

import json
import math
import numbers
import shlex
from typing import Any, Iterable, Mapping

import pandas as pd

from tagbook.report.claims import Claim, TIERS, claim_reason, verdict, verdict_label
from tagbook.report.tables import MISSING, markdown_table

RESULTS_CLASS = "results-at-a-glance"
RUN_CLASS = "run-this-chapter"
TIER_MEANINGS = {
    "toy": "the procedurally generated toy world",
    "offline-real": "real pretrained models and sample photos, offline",
    "paper-data": "the paper's own data set, supplied by the reader",
}


def _get(record: Claim | Mapping[str, Any], name: str, default: Any = None) -> Any:
    return record.get(name, default) if isinstance(record, Mapping) else getattr(record, name, default)


def format_headline(value: Any) -> str:
    """A paper's or our headline number: whole numbers as integers, else at most three decimals
    (trailing zeros dropped, so the paper's 45.2 stays 45.2); a text as it is; None as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer():
            return str(int(number))
        return f"{number:.3f}".rstrip("0").rstrip(".")
    return str(value)


def _admonition(title: str, css_class: str, body: str, fence: str = "```") -> str:
    return f"{fence}{{admonition}} {title}\n:class: {css_class}\n\n{body.strip()}\n{fence}"


def results_at_a_glance(records: Iterable[Claim | Mapping[str, Any]]) -> str:
    """MyST markdown of the "Results at a glance" box of a chapter, from its claims.

    One row per claim: the claim in a few words (``short``, else the statement), the paper's
    number, ours, the verdict (``held``, ``partly: 2 of 3``, ``not held``) and the one-line reason.
    A column for the data tier is added when the claims come from more than one tier.
    """
    records = list(records)
    if not records:
        return _admonition("Results at a glance", RESULTS_CLASS, "This run recorded no claims.")
    verdicts = [verdict(r) for r in records]
    tiers = [str(_get(r, "tier", "")) for r in records]
    rows = []
    for record, tier in zip(records, tiers):
        row = {
            "claim": _get(record, "short") or _get(record, "statement"),
            "the paper": format_headline(_get(record, "paper_value")),
            "ours": format_headline(_get(record, "ours")),
            "verdict": verdict_label(record),
            "reason": claim_reason(record) or None,
        }
        if len(set(tiers)) > 1:
            row["data"] = tier
        rows.append(row)
    held, partly = verdicts.count("held"), verdicts.count("partly")
    summary = f"**{held} of {len(records)}** of the claims checked held on this run"
    summary += f", {partly} partly." if partly else "."
    body = summary + "\n\n" + markdown_table(pd.DataFrame(rows), index=False)
    return _admonition("Results at a glance", RESULTS_CLASS, body)


def command_value(value: Any) -> str:
    """A parameter value as ``tagbook run -p NAME VALUE`` reads it back (shell-quoted)."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return shlex.quote(json.dumps(list(value), ensure_ascii=False))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    return shlex.quote(str(value))


def command_line(chapter: str, command_parameters: Mapping[str, Any]) -> str:
    """``tagbook run NN -p name value ...`` for a chapter (``"02"`` or ``"02_cross_lingual"``)."""
    number = str(chapter).split("_", 1)[0]
    parts = ["tagbook", "run", number]
    for name, value in command_parameters.items():
        parts += ["-p", name, command_value(value)]
    return " ".join(parts)


def format_duration(seconds: float) -> str:
    """``12.3 s``, ``4 min 05 s``, ``1 h 02 min``."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"run_time_s must be a non-negative number of seconds, got {seconds!r}")
    if round(seconds, 1) < 60:
        return f"{seconds:.1f} s"
    whole = int(round(seconds))
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def _tier_text(tier: str | Iterable[str] | None) -> str:
    tiers = [tier] if isinstance(tier, str) else list(tier or [])
    tiers = [t for t in tiers if t]
    unknown = [t for t in tiers if t not in TIERS]
    if unknown:
        raise ValueError(f"tier must be one of {TIERS}, got {unknown[0]!r}")
    if not tiers:
        return "not recorded"
    return "; ".join(f"`{t}` ({TIER_MEANINGS[t]})" for t in tiers)


def run_this_chapter(
    chapter: str,
    command_parameters: Mapping[str, Any],
    tier: str | Iterable[str] | None,
    run_time_s: float | None,
) -> str:
    """MyST markdown of the "Run this chapter" box: the ``tagbook run`` command with the chapter's
    main parameters (as this page ran with them), the data tier(s) and this build's run time."""
    number = str(chapter).split("_", 1)[0]
    command = command_line(chapter, command_parameters)
    run_time = "not measured" if run_time_s is None else format_duration(float(run_time_s))
    body = "\n".join([
        "Rerun this chapter with other parameters and rebuild the book; a parameter not given keeps its "
        f"default, and `tagbook run {number} --list` lists them all with their ranges.",
        "",
        "```shell",
        command,
        "```",
        "",
        f"- Data: {_tier_text(tier)}",
        f"- Run time of the run shown on this page: {run_time} (the *Build information* page says whether "
        "this build executed it or reused it)",
    ])
    return _admonition("Run this chapter", RUN_CLASS, body, fence="````")
