"""`tagbook book`: execute every chapter and build the static HTML book."""

from __future__ import annotations

import sys


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "book",
        help="execute every chapter with its default parameters and build the HTML book",
        description=(
            "Execute every chapter (notebooks/NN_*.py) with papermill into book/_generated/, finish "
            "each executed page (its Results at a glance and Run this chapter boxes, code input folded, "
            "no progress bars), gather the claims ledger into the Claims page and build the static "
            "HTML book into _build/html with warnings as errors."
        ),
    )
    p.add_argument("--no-execute", action="store_true", help="only render what was executed before")
    p.add_argument("--chapters", nargs="+", metavar="NN", help="execute only these chapters, e.g. 00 02")
    p.set_defaults(func=run)


def run(args) -> int:
    from tagbook.book import BookError, build_book
    from tagbook.params import ParameterError

    try:
        index = build_book(execute=not args.no_execute, only=args.chapters)
    except (BookError, ParameterError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"\nThe book is built: open {index} in a browser (file://{index})")
    return 0
