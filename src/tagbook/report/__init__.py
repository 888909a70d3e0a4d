"""Reporting: the papers' own numbers beside ours, the claims ledger, the chapter boxes, the
table formatting and the figure theme.

Submodules: :mod:`~tagbook.report.tables` (one set of table rules and writers),
:mod:`~tagbook.report.papers` (the papers' numbers), :mod:`~tagbook.report.claims` (the ledger,
verdicts; its JSON schema in ``claims.schema.json``), :mod:`~tagbook.report.scoreboard` (the Claims
page and the intro's headlines), :mod:`~tagbook.report.boxes` ("Results at a glance", "Run this
chapter"), :mod:`~tagbook.report.buildinfo` (the build-information page) and
:mod:`~tagbook.report.figures` (the theme).
"""

from tagbook.report.boxes import (
    RESULTS_CLASS,
    RUN_CLASS,
    command_line,
    command_value,
    format_duration,
    format_headline,
    results_at_a_glance,
    run_this_chapter,
)
from tagbook.report.claims import (
    REQUIRED_CLAIM_KEYS,
    TIERS,
    VERDICTS,
    Claim,
    ClaimsLedger,
    check_counts,
    claim_reason,
    claims_table,
    load_claims,
    read_claims_file,
    verdict,
    verdict_label,
)
from tagbook.report.figures import use_theme
from tagbook.report.scoreboard import write_claims_page
from tagbook.report.papers import PAPER_NUMBER_COLUMNS, PAPERS, paper_numbers, paper_vs_build
from tagbook.report.tables import (
    MISSING,
    TableFormat,
    format_frame,
    format_number,
    html_table,
    is_missing,
    markdown_table,
    set_display_options,
    show_table,
    table_rows,
)

__all__ = [
    "MISSING", "PAPER_NUMBER_COLUMNS", "PAPERS", "REQUIRED_CLAIM_KEYS", "RESULTS_CLASS", "RUN_CLASS", "TIERS",
    "VERDICTS", "Claim", "ClaimsLedger", "TableFormat", "check_counts", "claim_reason", "claims_table",
    "command_line", "command_value", "format_duration", "format_frame", "format_headline", "format_number",
    "html_table", "is_missing", "load_claims", "markdown_table", "paper_numbers", "paper_vs_build",
    "read_claims_file", "results_at_a_glance", "run_this_chapter", "set_display_options", "show_table",
    "table_rows", "use_theme", "verdict", "verdict_label", "write_claims_page",
]
