"""Chapter parameters: read from the notebook's ``parameters`` cell, validated with clear errors.

A chapter's first code cell is tagged ``parameters`` and holds only literal assignments, each
with an optional constraint comment::

    n_images = 400  # [16, 20000] number of images to generate
    theta = 0.5  # [0, 1] weight of the image vector
    dataset = "toy"  # {toy, flickr8kcn} which data set
    thetas = [0.0, 0.5, 1.0]  # [0, 1] every element in range
    data_dir = None  # (str) folder of the real data

``[lo, hi]`` bounds a number (or every number of a list), ``{a, b}`` lists the allowed values and
``(str)`` / ``(int)`` / ``(float)`` gives the type of a parameter whose default is ``None``. The rest
of the comment is the help text. The notebook source is the single place a parameter is declared:
`tagbook run` reads it to check overrides before any work, and the notebook checks itself again.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from tagbook.paths import notebooks_dir

_TYPES = {"int": int, "float": float, "str": str, "bool": bool, "list": list}


class ParameterError(ValueError):
    """A chapter parameter is unknown, of the wrong type or out of range."""


@dataclass(frozen=True)
class ParamSpec:
    name: str
    default: Any
    type: type
    nullable: bool = False
    low: float | None = None
    high: float | None = None
    choices: tuple | None = None
    help: str = ""

    def describe(self) -> str:
        parts = [self.type.__name__ + (" or None" if self.nullable else "")]
        if self.choices is not None:
            parts.append("one of " + ", ".join(map(str, self.choices)))
        if self.low is not None or self.high is not None:
            parts.append(f"in [{self.low}, {self.high}]")
        return "; ".join(parts)

    def check(self, value: Any) -> Any:
        """Return ``value`` (ints widened to float where a float is declared) or raise."""
        where = f"parameter {self.name!r}"
        if value is None:
            if self.nullable:
                return None
            raise ParameterError(f"{where} may not be None (expected {self.describe()})")
        value = self._check_type(value, where)
        for item in value if isinstance(value, list) else [value]:
            if self.choices is not None and item not in self.choices:
                raise ParameterError(
                    f"{where} = {item!r} is not allowed; choose one of: {', '.join(map(str, self.choices))}"
                )
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                if self.low is not None and item < self.low:
                    raise ParameterError(f"{where} = {item!r} is below its minimum {self.low}")
                if self.high is not None and item > self.high:
                    raise ParameterError(f"{where} = {item!r} is above its maximum {self.high}")
        return value

    def _check_type(self, value: Any, where: str) -> Any:
        expected = self.type
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if expected is int and isinstance(value, bool):
            raise ParameterError(f"{where} must be an int, got the bool {value!r}")
        if not isinstance(value, expected):
            raise ParameterError(
                f"{where} must be {expected.__name__}, got {type(value).__name__} {value!r}"
            )
        if expected is list and self.default:
            element_type = type(self.default[0])
            widened = []
            for item in value:
                if element_type is float and isinstance(item, int) and not isinstance(item, bool):
                    item = float(item)
                if not isinstance(item, element_type) or isinstance(item, bool) != isinstance(self.default[0], bool):
                    raise ParameterError(
                        f"{where} must be a list of {element_type.__name__}, got element {item!r}"
                    )
                widened.append(item)
            value = widened
        return value

    def parse(self, text: str) -> Any:
        """Turn a command-line string into a value of this parameter's type, or raise."""
        where = f"parameter {self.name!r}"
        if self.nullable and text.strip().lower() in ("none", "null"):
            return None
        try:
            if self.type is bool:
                lowered = text.strip().lower()
                if lowered in ("true", "yes", "1"):
                    return True
                if lowered in ("false", "no", "0"):
                    return False
                raise ValueError
            if self.type is int:
                return int(text)
            if self.type is float:
                return float(text)
            if self.type is list:
                value = json.loads(text)
                if not isinstance(value, list):
                    raise ValueError
                return value
            return text
        except ValueError:
            raise ParameterError(
                f"{where} expects {self.describe()}; could not read {text!r}"
                + (" (write a list as JSON, e.g. '[0.1, 0.5]')" if self.type is list else "")
            ) from None


_RANGE = re.compile(r"^\[\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*\]\s*")
_CHOICES = re.compile(r"^\{([^}]*)\}\s*")
_TYPE = re.compile(r"^\((\w+)\)\s*")


def _spec_from(name: str, default: Any, comment: str) -> ParamSpec:
    comment = comment.lstrip("#").strip()
    low = high = None
    choices = None
    declared = None
    while True:
        if m := _RANGE.match(comment):
            low, high = float(m.group(1)), float(m.group(2))
        elif m := _CHOICES.match(comment):
            choices = tuple(c.strip().strip("'\"") for c in m.group(1).split(",") if c.strip())
        elif m := _TYPE.match(comment):
            if m.group(1) not in _TYPES:
                raise ParameterError(f"parameter {name!r}: unknown declared type ({m.group(1)})")
            declared = _TYPES[m.group(1)]
        else:
            break
        comment = comment[m.end():]
    nullable = default is None
    ptype = declared or (type(default) if default is not None else str)
    if choices is not None and ptype in (int, float):
        choices = tuple(ptype(c) for c in choices)
    if choices is not None and ptype is list and default:
        element = type(default[0])
        choices = tuple(element(c) for c in choices)
    return ParamSpec(name, default, ptype, nullable, low, high, choices, comment.strip())


def parameters_cell_source(notebook_source: str) -> str:
    """The source of the cell tagged ``parameters`` in a Jupytext percent-format script."""
    lines = notebook_source.splitlines()
    start = None
    for i, line in enumerate(lines):
        if line.startswith("# %%") and "parameters" in line and "tags" in line:
            start = i + 1
            break
    if start is None:
        raise ParameterError("the notebook has no cell tagged 'parameters'")
    end = next((j for j in range(start, len(lines)) if lines[j].startswith("# %%")), len(lines))
    return "\n".join(lines[start:end])


def read_parameter_specs(notebook: str | Path) -> dict[str, ParamSpec]:
    """Parse a chapter's parameters cell into specs (name -> ParamSpec), in order."""
    path = Path(notebook)
    source = parameters_cell_source(path.read_text(encoding="utf-8"))
    comments: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string
    specs: dict[str, ParamSpec] = {}
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            raise ParameterError(f"{path.name}: the parameters cell may hold only `name = literal` lines")
        name = node.targets[0].id
        try:
            default = ast.literal_eval(node.value)
        except ValueError:
            raise ParameterError(f"{path.name}: parameter {name!r} must have a literal default") from None
        specs[name] = _spec_from(name, default, comments.get(node.end_lineno, ""))
    return specs


def find_chapter(chapter: str) -> Path:
    """``"00"`` or ``"0"`` or ``"00_toy_world"`` -> ``notebooks/00_toy_world.py``."""
    found = sorted(notebooks_dir().glob("[0-9][0-9]_*.py"))
    key = str(chapter).strip()
    for path in found:
        number = path.stem.split("_", 1)[0]
        if key in (path.stem, number) or (key.isdigit() and int(key) == int(number)):
            return path
    known = ", ".join(p.stem for p in found) or "none"
    raise ParameterError(f"unknown chapter {chapter!r}; known chapters: {known}")


def validate(specs: Mapping[str, ParamSpec], values: Mapping[str, Any]) -> dict[str, Any]:
    """Check every value against its spec; unknown names are an error that lists the known ones."""
    unknown = [name for name in values if name not in specs]
    if unknown:
        raise ParameterError(
            f"unknown parameter {unknown[0]!r}; this chapter takes: {', '.join(specs)}"
        )
    return {name: spec.check(values.get(name, spec.default)) for name, spec in specs.items()}


class ChapterParameters(dict):
    """The validated parameters of a chapter run; attribute access for convenience."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def table(self, specs: Mapping[str, ParamSpec]):
        import pandas as pd

        rows = [
            {
                "parameter": name,
                "value": repr(self[name]),
                "default": repr(spec.default),
                "changed": "yes" if self[name] != spec.default else "",
                "meaning": spec.help,
            }
            for name, spec in specs.items()
        ]
        return pd.DataFrame(rows).set_index("parameter")


def chapter_parameters(chapter: str, namespace: Mapping[str, Any], show: bool = True) -> ChapterParameters:
    """Validate a running chapter's parameters (from its globals) and show what it ran with."""
    specs = read_parameter_specs(find_chapter(chapter))
    params = ChapterParameters(validate(specs, {name: namespace[name] for name in specs if name in namespace}))
    if show:
        try:
            from IPython.display import Markdown, display
        except ImportError:  # pragma: no cover - only outside notebooks
            print(params.table(specs))
        else:
            from tagbook.report.tables import show_table

            display(Markdown("**This page ran with these parameters**"))
            show_table(params.table(specs))  # every cell in full, as the book's other tables
    return params
