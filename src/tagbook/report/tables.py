"""Tables of the book: one set of formatting rules and the writers that apply them.

Every table on a page goes through :func:`format_frame`, so they all read the same way:

* a missing value (``NaN``, ``None``, ``<NA>``, ``NaT``) is an em dash ``—``, never a word;
* integers read as integers, also a float column that only holds whole numbers (counts that went
  through a merge or a mean of ints) and pandas' nullable ``Int`` columns;
* a percentage has one decimal, any other fraction or ratio three;
* no cell is ever shortened: there is no ``...`` anywhere.

:func:`markdown_table` writes the result as a Markdown (MyST) table with plain ``|---|`` separators,
:func:`html_table` as an HTML table and :func:`show_table` displays it in a running notebook.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Hashable, Iterable, Mapping

import pandas as pd

MISSING = "—"
_MISSING_WORDS = frozenset({"nan", "none", "<na>", "nat"})


@dataclass(frozen=True)
class TableFormat:
    """How the numbers of a table are written.

    ``percent_columns`` hold percentages (0–100, already multiplied by 100) and get
    ``percent_digits`` decimals; every other non-whole number gets ``ratio_digits``.
    ``digits`` sets the decimals of single columns (e.g. seconds with one decimal) and wins over
    both. Columns are named by their labels; index levels by their names.
    """

    percent_columns: tuple[Hashable, ...] = ()
    ratio_digits: int = 3
    percent_digits: int = 1
    digits: Mapping[Hashable, int] = field(default_factory=dict)
    missing: str = MISSING

    def __post_init__(self) -> None:
        for name, value in (("ratio_digits", self.ratio_digits), ("percent_digits", self.percent_digits),
                            *((f"digits[{k!r}]", v) for k, v in self.digits.items())):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative int, got {value!r}")

    def decimals(self, column: Hashable) -> int:
        if column in self.digits:
            return self.digits[column]
        if column in self.percent_columns:
            return self.percent_digits
        return self.ratio_digits


def is_missing(value: Any) -> bool:
    """True for ``None``, ``NaN``, ``pd.NA``, ``NaT`` and the strings pandas prints for them."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return value.strip().lower() in _MISSING_WORDS
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return math.isnan(float(value))
    try:
        return bool(pd.isna(value)) if pd.api.types.is_scalar(value) else False
    except (TypeError, ValueError):
        return False


def format_number(value: Any, decimals: int = 3, whole_as_int: bool = True, missing: str = MISSING) -> str:
    """One value as the book writes it: ``12``, ``0.457``, ``—`` (see :class:`TableFormat`)."""
    if is_missing(value):
        return missing
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        import numpy as np

        if isinstance(value, np.bool_):
            return "yes" if bool(value) else "no"
    except ImportError:  # pragma: no cover
        pass
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isinf(number):
            return "∞" if number > 0 else "−∞"
        if whole_as_int and number.is_integer():
            return str(int(number))
        return f"{number:.{decimals}f}"
    return str(value)


def _whole_column(values: pd.Series) -> bool:
    """A float column whose every present value is a whole number (a count)."""
    present = pd.to_numeric(values.dropna(), errors="coerce").dropna()
    finite = present[present.abs() != float("inf")]
    return not finite.empty and bool((finite == finite.round()).all())


def _format_column(values: pd.Series, label: Hashable, fmt: TableFormat, force_decimals: bool) -> list[str]:
    decimals = fmt.decimals(label)
    if pd.api.types.is_bool_dtype(values.dtype):
        return [format_number(v, missing=fmt.missing) for v in values]
    if pd.api.types.is_integer_dtype(values.dtype):  # int64, uint8, nullable Int64 ...
        return [fmt.missing if is_missing(v) else str(int(v)) for v in values]
    if pd.api.types.is_float_dtype(values.dtype):
        whole = not force_decimals and _whole_column(values)
        return [format_number(v, decimals, whole_as_int=whole, missing=fmt.missing) for v in values]
    # object / string / categorical columns: each value by its own type
    return [format_number(v, decimals, whole_as_int=not force_decimals, missing=fmt.missing) for v in values]


def _label_text(label: Any) -> str:
    if isinstance(label, tuple):  # a MultiIndex column
        return " ".join(str(part) for part in label if not is_missing(part) and str(part) != "")
    return "" if label is None else str(label)


def format_frame(
    frame: pd.DataFrame | pd.Series,
    percent_columns: Iterable[Hashable] = (),
    ratio_digits: int = 3,
    *,
    percent_digits: int = 1,
    digits: Mapping[Hashable, int] | None = None,
    missing: str = MISSING,
) -> pd.DataFrame:
    """The table as strings, written by the book's rules (module docstring); index and columns kept.

    A column listed in ``percent_columns`` (or ``digits``) keeps its decimals even where a value is
    whole (``50.0`` is written ``50.0``, a share, not a count).
    """
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame or Series, got {type(frame).__name__}")
    fmt = TableFormat(tuple(percent_columns), ratio_digits, percent_digits, dict(digits or {}), missing)
    named = set(fmt.percent_columns) | set(fmt.digits)
    unknown = [c for c in named if c not in frame.columns and c not in frame.index.names]
    if unknown:
        raise KeyError(f"format_frame: no column or index level {unknown[0]!r}; columns: {list(frame.columns)}")
    columns = {}
    for position, label in enumerate(frame.columns):
        columns[position] = _format_column(frame.iloc[:, position], label, fmt, label in named)
    out = pd.DataFrame(columns, index=_format_index(frame.index, fmt, named), dtype=object)
    out.columns = frame.columns
    return out


def _format_index(index: pd.Index, fmt: TableFormat, named: set) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        levels = [
            _format_column(pd.Series(index.get_level_values(i)), name, fmt, name in named)
            for i, name in enumerate(index.names)
        ]
        return pd.MultiIndex.from_arrays(levels, names=index.names)
    return pd.Index(_format_column(pd.Series(index), index.name, fmt, index.name in named), name=index.name)


def _escape(text: str) -> str:
    """A cell's text made safe inside a Markdown table row."""
    return text.replace("\\|", "|").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def table_rows(
    frame: pd.DataFrame | pd.Series, index: bool = True, **format_options: Any
) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the formatted table as plain strings; the index first when ``index``."""
    formatted = format_frame(frame, **format_options)
    header = [_label_text(c) for c in formatted.columns]
    body = formatted.to_numpy(dtype=object).tolist()
    if index:
        names = [_label_text(n) for n in formatted.index.names]
        keys = [k if isinstance(k, tuple) else (k,) for k in formatted.index]
        header = names + header
        body = [list(key) + row for key, row in zip(keys, body)]
    return header, [[str(cell) for cell in row] for row in body]


def markdown_table(frame: pd.DataFrame | pd.Series, index: bool = True, **format_options: Any) -> str:
    """The table as Markdown (MyST): index first (unless ``index=False``), ``|---|`` separators.

    Cells are written by :func:`format_frame` (``percent_columns=``, ``ratio_digits=``,
    ``digits=`` pass through); text is kept as it is, so ``**bold**`` marks in a cell render.
    Pipes are escaped and line breaks become spaces; nothing is shortened.
    """
    header, rows = table_rows(frame, index=index, **format_options)
    if not header:
        raise ValueError("markdown_table: the table has no columns")
    lines = ["| " + " | ".join(_escape(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_escape(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def html_table(frame: pd.DataFrame | pd.Series, index: bool = True, **format_options: Any) -> str:
    """The table as HTML (class ``tagbook-table``), by the same rules; text is escaped."""
    formatted = format_frame(frame, **format_options)
    if isinstance(formatted.columns, pd.MultiIndex):
        formatted.columns = [_label_text(c) for c in formatted.columns]
    return formatted.to_html(index=index, escape=True, na_rep=MISSING, max_rows=None, max_cols=None,
                             classes="tagbook-table", border=0)


def show_table(frame: pd.DataFrame | pd.Series, index: bool = True, **format_options: Any) -> None:
    """Display the table in a running notebook as Markdown (rendered by MyST in the book)."""
    from IPython.display import Markdown, display

    display(Markdown(markdown_table(frame, index=index, **format_options)))


def set_display_options() -> None:
    """pandas display options under which a DataFrame shown as it is is never shortened."""
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_columns", None)
    pd.set_option("display.max_rows", None)
    pd.set_option("display.width", None)
