"""The `tagbook` command: a dispatcher over sub-commands, one module each."""

from __future__ import annotations

import argparse
import importlib
import sys

# Sub-command modules, each exposing add_parser(subparsers). Imported lazily at parse time so
# `tagbook --help` stays quick and a broken optional module cannot take the others down.
SUBCOMMANDS = ("book", "run", "world", "annotate", "search")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tagbook",
        description=(
            "tagbook: an executable book reproducing five papers on annotating images with words, "
            "and the tools behind it. Build the book, rerun a chapter with other parameters, "
            "generate the toy world, annotate or search your own photos."
        ),
        epilog="Run 'tagbook COMMAND --help' for the options of one command.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"tagbook.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"tagbook.cli.{name}":
                continue  # that command is not part of this build
            raise
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return int(status or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
