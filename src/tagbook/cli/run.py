"""`tagbook run CHAPTER -p NAME VALUE ...`: rerun one chapter with other parameters."""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "run",
        help="re-execute one chapter with other parameters and rebuild the book",
        description=(
            "Re-execute one chapter with papermill, with the parameters given by -p NAME VALUE "
            "(the others keep their defaults), then rebuild the book. Names, types and ranges "
            "are checked against the chapter's parameters cell before any work starts. The "
            "chapter's page then shows the command it ran with and its run time (also in "
            "book/_generated/NN.run.json)."
        ),
        epilog="example: tagbook run 00 -p n_images 500 -p seed 3",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("chapter", help="chapter number (00, 01, ...) or notebook name")
    p.add_argument(
        "-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
        help="set a parameter; lists as JSON, e.g. -p thetas '[0, 0.5, 1]'",
    )
    p.add_argument("--list", action="store_true", help="list the chapter's parameters and exit")
    p.add_argument("--no-build", action="store_true", help="execute the chapter but do not rebuild the book")
    p.set_defaults(func=run)


def run(args) -> int:
    from tagbook.book import BookError, build_html, check_overrides, execute_chapter
    from tagbook.params import ParameterError, read_parameter_specs

    overrides = {}
    for name, value in args.parameter:
        if name in overrides:
            print(f"error: parameter {name!r} given twice", file=sys.stderr)
            return 2
        overrides[name] = value
    try:
        source, parsed = check_overrides(args.chapter, overrides)
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.list:
        for spec in read_parameter_specs(source).values():
            print(f"{spec.name:<20} default {spec.default!r:<24} {spec.describe()}  {spec.help}")
        return 0
    try:
        execute_chapter(source, parsed)
        if not args.no_build:
            from tagbook.cli.book import served_message

            index = build_html()
            print(served_message(index).replace("The book is built", "The book is rebuilt"))
    except BookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
