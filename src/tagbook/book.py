"""Build the book: execute chapters with papermill, finish their pages, gather the claims, render.

The chapters' sources are Jupytext percent-format scripts in ``notebooks/``. Each is converted to a
notebook, executed by papermill (so parameters can be injected and are visible on the page) into
``book/_generated/``, and the book build only renders (``execute_notebooks: off``).

After a chapter ran, the driver finishes the executed notebook (:func:`finish_chapter`):

* **Boxes.** The markdown cell tagged ``results-at-a-glance`` gets the chapter's "Results at a
  glance" box, built from ``book/_generated/NN.claims.json``; the one tagged ``run-this-chapter``
  gets the "Run this chapter" box (the ``tagbook run`` command, the data tier, this build's run
  time). A chapter places both placeholders right after its title cell::

      # %% [markdown] tags=["results-at-a-glance"]
      # *Results at a glance: filled in when the book is built.*

      # %% [markdown] tags=["run-this-chapter"] command=["dataset", "n_images"] tier="toy"
      # *Run this chapter: filled in when the book is built.*

  A notebook without them gets them after its first markdown cell (the results box only when the
  chapter recorded claims). The command shows the parameters named in the ``command`` metadata
  of the ``run-this-chapter`` cell (default: the first three of the parameters cell), followed by
  every parameter this run overrode, each with the value this run used. ``tier`` there is the data
  tier shown when the chapter records no claims; otherwise the tiers of its claims are shown.
* **Run record.** ``book/_generated/NN.run.json``: seconds, parameters, command, date.
* **No progress bars.** Kernels run with ``TQDM_DISABLE=1``, and any stream output that still
  looks like a tqdm bar (code that passes ``disable=False`` explicitly overrides that variable) is
  removed from the executed notebook.
* **Code hidden.** Every code cell without a visibility tag of its own gets ``hide-input`` (the
  reader can unfold it); cells tagged ``show-input`` stay open, ``remove-input`` and the other
  MyST-NB visibility tags are left as they are.

A chapter that fails leaves no claims, no run record and no boxes: only the partly executed
``NN_name.failed.ipynb`` to read the error in.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from tagbook.params import ParamSpec, find_chapter, read_parameter_specs, validate
from tagbook.paths import generated_dir, notebooks_dir, repo_root
from tagbook.report import (
    TIERS,
    command_line,
    read_claims_file,
    results_at_a_glance,
    run_this_chapter,
    write_claims_page,
)
from tagbook.report.claims import jsonable

RESULTS_TAG = "results-at-a-glance"
RUN_TAG = "run-this-chapter"
HIDE_INPUT_TAG = "hide-input"
SHOW_INPUT_TAG = "show-input"
# Tags with which a cell already says how its input is shown (MyST-NB's, and show-input).
INPUT_VISIBILITY_TAGS = frozenset(
    {HIDE_INPUT_TAG, SHOW_INPUT_TAG, "remove-input", "remove_input", "hide-cell", "remove-cell", "remove_cell"}
)
DEFAULT_COMMAND_PARAMETERS = 3
KERNEL_ENVIRONMENT = {"TQDM_DISABLE": "1"}


class BookError(RuntimeError):
    """A chapter failed to execute or the book failed to build."""


def chapters() -> list[Path]:
    """Every chapter source, in order."""
    return sorted(notebooks_dir().glob("[0-9][0-9]_*.py"))


def check_overrides(chapter: str, overrides: Mapping[str, str]) -> tuple[Path, dict[str, Any]]:
    """Resolve a chapter and parse its command-line overrides; raise before any work on error."""
    source = find_chapter(chapter)
    specs = read_parameter_specs(source)
    unknown = [name for name in overrides if name not in specs]
    if unknown:
        validate(specs, {unknown[0]: None})  # raises the error that lists the known parameters
    parsed = {name: specs[name].parse(text) for name, text in overrides.items()}
    validate(specs, parsed)
    return source, parsed


# ---------------------------------------------------------------------------------------------
# Finishing an executed notebook
# ---------------------------------------------------------------------------------------------


def _tags(cell: Mapping) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _text(source: Any) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


_BAR_PERCENT = re.compile(r"\d{1,3}%\|")
_BAR_TIMING = re.compile(
    r"\[\s*(?:\d+:)?\d{1,2}:\d{2}\s*(?:<\s*(?:(?:\d+:)?\d{1,2}:\d{2}|\?)\s*)?,[^\]\n]*/[^\]\n]*\]"
)
_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def is_progress_bar(text: str) -> bool:
    """True for a line drawn by tqdm: ``desc:  40%|████      | 4/10 [00:01<00:02, 3.1it/s]``
    or, without a total, ``desc: 12it [00:03, 4.0it/s]``."""
    return bool(_BAR_PERCENT.search(text) or _BAR_TIMING.search(text))


def _without_bars(text: str) -> str:
    kept = []
    for piece in re.split(r"(?<=\n)", text):
        if not piece:
            continue
        body, end = (piece[:-1], "\n") if piece.endswith("\n") else (piece, "")
        if "\r" not in body and not is_progress_bar(body):
            kept.append(piece)
            continue
        segments = [s for s in body.split("\r") if s.strip() and not is_progress_bar(s)]
        if segments:
            kept.append("\n".join(segments) + end)
    return "".join(kept)


def strip_progress_bars(notebook: Any) -> int:
    """Remove progress bars from the stream (and widget) outputs of every code cell, in place.

    Returns how many outputs were changed or dropped; other text in those outputs is kept.
    """
    changed = 0
    for cell in notebook["cells"]:
        if cell.get("cell_type") != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                text = _text(output.get("text", ""))
                clean = _without_bars(text)
                if clean != text:
                    changed += 1
                    if not clean.strip():
                        continue
                    output["text"] = clean
            elif kind in ("display_data", "update_display_data") and _WIDGET_MIME in output.get("data", {}):
                if is_progress_bar(_text(output["data"].get("text/plain", ""))):
                    changed += 1
                    continue
            outputs.append(output)
        cell["outputs"] = outputs
    return changed


def hide_code_inputs(notebook: Any) -> int:
    """Tag every code cell without a visibility tag ``hide-input``, in place; returns how many."""
    hidden = 0
    for cell in notebook["cells"]:
        if cell.get("cell_type") != "code":
            continue
        tags = _tags(cell)
        if INPUT_VISIBILITY_TAGS.isdisjoint(tags):
            cell.setdefault("metadata", {})["tags"] = tags + [HIDE_INPUT_TAG]
            hidden += 1
    return hidden


def _tagged(notebook: Any, tag: str) -> list[int]:
    return [i for i, c in enumerate(notebook["cells"]) if c.get("cell_type") == "markdown" and tag in _tags(c)]


def _new_markdown_cell(notebook: Any, source: str, tag: str) -> Any:
    import nbformat

    cell = nbformat.v4.new_markdown_cell(source, metadata={"tags": [tag]})
    if (notebook.get("nbformat"), notebook.get("nbformat_minor", 0)) < (4, 5):
        cell.pop("id", None)  # cell ids exist from nbformat 4.5 on
    return cell


def place_box(notebook: Any, tag: str, source: str, after_tag: str | None = None) -> None:
    """Write ``source`` into the markdown cell(s) tagged ``tag``; without one, insert a tagged cell
    after the last cell tagged ``after_tag`` or else after the first markdown cell."""
    found = _tagged(notebook, tag)
    for index in found:
        notebook["cells"][index]["source"] = source
    if found:
        return
    anchors = _tagged(notebook, after_tag) if after_tag else []
    if not anchors:
        anchors = [next((i for i, c in enumerate(notebook["cells"]) if c.get("cell_type") == "markdown"), -1)]
    notebook["cells"].insert(anchors[-1] + 1, _new_markdown_cell(notebook, source, tag))


@dataclass(frozen=True)
class BoxSettings:
    """What a chapter declares in the metadata of its ``run-this-chapter`` placeholder cell.

    ``command``: the parameters the "Run this chapter" command shows (None: the first three);
    ``tier``: the data tier shown when the chapter records no claims.
    """

    command: tuple[str, ...] | None = None
    tier: str | None = None

    @classmethod
    def from_notebook(cls, notebook: Any, name: str = "the chapter") -> "BoxSettings":
        cells = [notebook["cells"][i] for i in _tagged(notebook, RUN_TAG)]
        if not cells:
            return cls()
        metadata = cells[0].get("metadata", {})
        command, tier = metadata.get("command"), metadata.get("tier")
        if command is not None and (not isinstance(command, list) or not all(isinstance(n, str) for n in command)):
            raise BookError(f"{name}: the {RUN_TAG} cell's `command` must be a list of parameter names, got {command!r}")
        if tier is not None and tier not in TIERS:
            raise BookError(f"{name}: the {RUN_TAG} cell's `tier` must be one of {TIERS}, got {tier!r}")
        return cls(tuple(command) if command is not None else None, tier)


def command_parameters(
    specs: Mapping[str, ParamSpec], values: Mapping[str, Any], declared: Sequence[str] | None = None
) -> dict[str, Any]:
    """The parameters (name -> this run's value) the "Run this chapter" command shows.

    The ``declared`` names, or else the first three parameters of the parameters cell, then every
    other parameter whose value differs from its default.
    """
    unknown = [name for name in declared or () if name not in specs]
    if unknown:
        raise BookError(f"the {RUN_TAG} cell names the unknown parameter {unknown[0]!r}; known: {', '.join(specs)}")
    names = list(declared) if declared is not None else list(specs)[:DEFAULT_COMMAND_PARAMETERS]
    names += [n for n, spec in specs.items() if n not in names and values.get(n, spec.default) != spec.default]
    return {name: values.get(name, specs[name].default) for name in names}


def _claims_tiers(claims: Sequence[Mapping[str, Any]]) -> list[str]:
    present = {c.get("tier") for c in claims}
    return [t for t in TIERS if t in present]


def finish_chapter(
    notebook: Any,
    chapter: str,
    claims: Sequence[Mapping[str, Any]],
    command: Mapping[str, Any],
    run_time_s: float,
    settings: BoxSettings = BoxSettings(),
) -> None:
    """Finish an executed chapter notebook in place: boxes, no progress bars, code hidden."""
    strip_progress_bars(notebook)
    hide_code_inputs(notebook)
    has_results = bool(claims) or bool(_tagged(notebook, RESULTS_TAG))
    if has_results:
        place_box(notebook, RESULTS_TAG, results_at_a_glance(claims))
    tier = _claims_tiers(claims) or settings.tier
    place_box(notebook, RUN_TAG, run_this_chapter(chapter, command, tier, run_time_s),
              after_tag=RESULTS_TAG if has_results else None)


# ---------------------------------------------------------------------------------------------
# Executing a chapter
# ---------------------------------------------------------------------------------------------


@contextmanager
def kernel_environment(variables: Mapping[str, str] = KERNEL_ENVIRONMENT) -> Iterator[None]:
    """Set environment variables for the kernels started inside the block (they inherit them)."""
    previous = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _chapter_specs(source: Path, notebook: Any) -> dict[str, ParamSpec]:
    has_parameters = any(c.cell_type == "code" and "parameters" in _tags(c) for c in notebook.cells)
    return read_parameter_specs(source) if has_parameters else {}


def write_run_record(path: Path, chapter: str, notebook: str, seconds: float, values: Mapping[str, Any],
                     command: str) -> Path:
    """``NN.run.json``: how long this build's run of the chapter took, and with what."""
    record = {
        "chapter": chapter,
        "notebook": notebook,
        "seconds": round(float(seconds), 3),
        "parameters": {k: jsonable(v) for k, v in values.items()},
        "command": command,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def execute_chapter(source: Path, parameters: Mapping[str, Any] | None = None, log_output: bool = False) -> Path:
    """Convert, execute, finish and store one chapter; returns the executed ``.ipynb``."""
    import jupytext
    import nbformat
    import papermill

    out_dir = generated_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    chapter_number = source.stem.split("_", 1)[0]
    claims_path = out_dir / f"{chapter_number}.claims.json"
    run_path = out_dir / f"{chapter_number}.run.json"
    for stale in (claims_path, run_path):
        stale.unlink(missing_ok=True)  # a failed run must not leave the previous run's records
    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    # everything the boxes need from the source is checked before the chapter runs
    specs = _chapter_specs(source, notebook)
    settings = BoxSettings.from_notebook(notebook, source.name)
    values = {name: dict(parameters or {}).get(name, spec.default) for name, spec in specs.items()}
    try:
        command = command_parameters(specs, values, settings.command)
    except BookError as exc:
        raise BookError(f"{source.name}: {exc}") from None
    output = out_dir / f"{source.stem}.ipynb"
    with tempfile.TemporaryDirectory() as tmp:
        unexecuted = Path(tmp) / f"{source.stem}.ipynb"
        jupytext.write(notebook, unexecuted)
        partial = Path(tmp) / f"{source.stem}.out.ipynb"
        started = time.perf_counter()
        try:
            with kernel_environment():
                papermill.execute_notebook(
                    str(unexecuted),
                    str(partial),
                    parameters=dict(parameters or {}),
                    cwd=str(source.parent),
                    kernel_name="python3",
                    progress_bar=True,
                    log_output=log_output,
                )
        except papermill.PapermillExecutionError as exc:
            claims_path.unlink(missing_ok=True)  # claims of a run that failed are not evidence
            failed = out_dir / f"{source.stem}.failed.ipynb"
            if partial.exists():
                shutil.copy(partial, failed)
            raise BookError(
                f"chapter {source.stem} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
                + (f"\n  the partly executed notebook is at {failed}" if failed.exists() else "")
            ) from None
        seconds = time.perf_counter() - started
        executed = nbformat.read(partial, as_version=4)
        claims = read_claims_file(claims_path) if claims_path.exists() else []
        finish_chapter(executed, chapter_number, claims, command, seconds, settings)
        nbformat.write(executed, output)
        write_run_record(run_path, chapter_number, source.stem, seconds, values, command_line(chapter_number, command))
        (out_dir / f"{source.stem}.failed.ipynb").unlink(missing_ok=True)  # an earlier failure's leftovers
    print(f"executed {source.stem} in {seconds:.1f} s -> {_shown(output)}")
    return output


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(repo_root()))
    except ValueError:
        return str(path)


def build_html(strict: bool = True) -> Path:
    """Render the book (no execution) into ``_build/html``; warnings are errors when ``strict``."""
    write_claims_page()
    root = repo_root()
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book), "build", str(root), "--builder", "html"]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    result = subprocess.run(command, cwd=root)
    if result.returncode != 0:
        raise BookError(f"the book build failed (exit {result.returncode}); see the messages above")
    index = root / "_build" / "html" / "index.html"
    return index


def build_book(execute: bool = True, only: list[str] | None = None) -> Path:
    sources = [find_chapter(c) for c in only] if only else chapters()
    if execute:
        for source in sources:
            execute_chapter(source)
    return build_html()
