"""`tagbook book`: execute the chapters that changed and build the static HTML book."""

from __future__ import annotations

import sys


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "book",
        help="execute the chapters whose inputs changed and build the HTML book",
        description=(
            "Execute the chapters (notebooks/NN_*.py) with papermill into book/_generated/, each only "
            "when something it depends on changed since its last good run (its notebook source, the "
            "library's source, its parameters, the pinned environment or the data it reads; a chapter "
            "that failed or was interrupted always runs again), reusing the others' executed notebooks "
            "and claims. Finish each executed page (its Results at a glance and Run this chapter boxes, "
            "code input folded, no progress bars), gather the claims ledger into the Claims page, write "
            "the build-information page and build the static HTML book into _build/html with warnings "
            "as errors."
        ),
        epilog="examples: tagbook book; tagbook book --force; tagbook book --only 03",
    )
    p.add_argument("--no-execute", action="store_true", help="only render what was executed before")
    p.add_argument("--force", action="store_true", help="execute every chapter, changed or not")
    p.add_argument("--only", "--chapters", dest="only", nargs="+", metavar="NN",
                   help="execute only these chapters (always), e.g. --only 03; the others are rendered as they are")
    p.set_defaults(func=run)


def run(args) -> int:
    from tagbook.book import BookError, build_book
    from tagbook.params import ParameterError

    try:
        index = build_book(execute=not args.no_execute, only=args.only, force=args.force)
    except (BookError, ParameterError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(served_message(index))
    return 0


def served_message(index) -> str:
    """Where the built book is, and the one command that serves it locally."""
    from pathlib import Path

    html = index.parent
    try:
        html = html.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        pass
    return (f"\nThe book is built: open file://{index} in a browser,\n"
            f"or serve it with:  python -m http.server -d {html}   (then http://localhost:8000)")
