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

**Incremental builds.** :func:`build_book` re-executes a chapter only when something it depends
on changed since its last good run (:func:`chapter_inputs`): its notebook source, the library's
source (every file of the ``tagbook`` package), its parameters, the pinned environment
(``requirements/constraints.txt``, ``pyproject.toml`` and the Python version) or the data it reads.
A chapter declares the data it reads in the ``reads`` metadata of its ``run-this-chapter`` cell, a
list of paths in which ``{shared_data}`` stands for the shared data folder and ``{root}`` for the
repository (``reads=["{shared_data}/muse"]``); every parameter whose name ends in ``_dir``,
``_path`` or ``_file`` and that is set counts as read too. Data are hashed by file sizes and
modification times (they may be large); sources and the environment by content.

Each chapter's state is ``book/_generated/NN.build.json``. It says ``running`` while the chapter
runs and ``ok`` (with the hashes of its inputs) only once the executed notebook, its claims and its
run record are all in place, so a chapter that failed or whose run was interrupted is executed
again by the next build. The kernel writes its claims into a staging folder
(``$TAGBOOK_CLAIMS_DIR``), moved into place only when the run succeeded: an interrupted run leaves
the previous run's notebook and claims as they were, so the Claims page never loses a chapter.
``book/_generated/build.json`` records which chapters this build executed and which it reused.
"""

from __future__ import annotations

import hashlib
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
from tagbook.paths import generated_dir, notebooks_dir, repo_root, shared_data_dir
from tagbook.report import (
    TIERS,
    command_line,
    read_claims_file,
    results_at_a_glance,
    run_this_chapter,
    write_claims_page,
)
from tagbook.report.claims import CLAIMS_DIR_VARIABLE, cell_digest, claim_anchor, jsonable

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
    ``tier``: the data tier shown when the chapter records no claims; ``reads``: the data files or
    folders the chapter reads (``{shared_data}`` and ``{root}`` are expanded), for incremental builds.
    """

    command: tuple[str, ...] | None = None
    tier: str | None = None
    reads: tuple[str, ...] = ()

    @classmethod
    def from_notebook(cls, notebook: Any, name: str = "the chapter") -> "BoxSettings":
        cells = [notebook["cells"][i] for i in _tagged(notebook, RUN_TAG)]
        if not cells:
            return cls()
        metadata = cells[0].get("metadata", {})
        command, tier, reads = metadata.get("command"), metadata.get("tier"), metadata.get("reads", [])
        if command is not None and (not isinstance(command, list) or not all(isinstance(n, str) for n in command)):
            raise BookError(f"{name}: the {RUN_TAG} cell's `command` must be a list of parameter names, got {command!r}")
        if tier is not None and tier not in TIERS:
            raise BookError(f"{name}: the {RUN_TAG} cell's `tier` must be one of {TIERS}, got {tier!r}")
        if not isinstance(reads, list) or not all(isinstance(r, str) for r in reads):
            raise BookError(f"{name}: the {RUN_TAG} cell's `reads` must be a list of paths, got {reads!r}")
        return cls(tuple(command) if command is not None else None, tier, tuple(reads))


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


_HEADING = re.compile(r"^#{1,6} \S")


def place_claim_anchors(notebook: Any, claims: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Put a MyST target ``(claim-NN-id)=`` before the heading of the section that holds each
    claim's evidence, in place; returns claim id -> label for the claims that got one.

    The section is the one of the code cell that recorded the claim (the ledger keeps a digest of
    that cell's source as ``cell``): the last heading above that cell. A claim recorded outside a
    notebook, or in a cell that is not there any more, gets no anchor (the Claims page then links
    the chapter).
    """
    by_count: dict[str, int] = {}
    for i, c in enumerate(notebook["cells"]):
        if c.get("cell_type") == "code":
            by_count.setdefault(cell_digest(_text(c.get("source", ""))), i)
    placed: dict[str, str] = {}
    wanted: dict[tuple[int, int], list[str]] = {}
    for claim in claims:
        index = by_count.get(claim.get("cell"))
        if index is None:
            continue
        for above in range(index - 1, -1, -1):
            cell = notebook["cells"][above]
            if cell.get("cell_type") != "markdown":
                continue
            lines = _text(cell.get("source", "")).split("\n")
            headings = [n for n, line in enumerate(lines) if _HEADING.match(line)]
            if headings:
                label = claim_anchor(str(claim.get("chapter", "")), str(claim["id"]))
                wanted.setdefault((above, headings[-1]), []).append(label)
                placed[str(claim["id"])] = label
                break
    for (index, line), labels in sorted(wanted.items(), reverse=True):  # bottom up: line numbers hold
        cell = notebook["cells"][index]
        lines = _text(cell["source"]).split("\n")
        lines[line:line] = [f"({label})=" for label in dict.fromkeys(labels)]
        cell["source"] = "\n".join(lines)
    return placed


def finish_chapter(
    notebook: Any,
    chapter: str,
    claims: Sequence[Mapping[str, Any]],
    command: Mapping[str, Any],
    run_time_s: float,
    settings: BoxSettings = BoxSettings(),
) -> None:
    """Finish an executed chapter notebook in place: boxes, no progress bars, code hidden, and an
    anchor per claim at the section that holds its evidence."""
    strip_progress_bars(notebook)
    hide_code_inputs(notebook)
    place_claim_anchors(notebook, claims)
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
    _write_json(path, record)
    return path


def _write_json(path: Path, data: Any) -> None:
    """Write JSON atomically: a reader (or an interrupted build) sees the old file or the new one."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


# ---------------------------------------------------------------------------------------------
# What a chapter depends on
# ---------------------------------------------------------------------------------------------

ENVIRONMENT_FILES = ("requirements/constraints.txt", "pyproject.toml")
DATA_PARAMETER = re.compile(r"_(dir|path|file)$")
STATE_OK, STATE_RUNNING, STATE_FAILED = "ok", "running", "failed"
INPUT_NAMES = ("notebook", "library", "parameters", "environment", "data")


def library_dir() -> Path:
    """The folder of the ``tagbook`` package whose source the chapters run."""
    import tagbook

    return Path(tagbook.__file__).resolve().parent


def _digest(parts: Iterator[bytes] | Sequence[bytes]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()[:20]


def _source_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and p.suffix not in (".pyc", ".pyo") and not p.name.endswith(".tmp"))


def library_hash(folder: Path | None = None) -> str:
    """Hash of the contents of every file of the package (code and its data files)."""
    folder = folder if folder is not None else library_dir()

    def parts() -> Iterator[bytes]:
        for path in _source_files(folder):
            yield str(path.relative_to(folder)).encode()
            yield path.read_bytes()
    return _digest(parts())


def environment_hash(root: Path | None = None) -> str:
    """Hash of the pinned environment: the lock file, pyproject.toml and the Python version."""
    root = root if root is not None else repo_root()

    def parts() -> Iterator[bytes]:
        yield sys.version.encode()
        for name in ENVIRONMENT_FILES:
            path = root / name
            yield name.encode()
            yield path.read_bytes() if path.is_file() else b"(missing)"
    return _digest(parts())


def expand_read_path(text: str) -> Path:
    """A ``reads`` entry as a path: ``{shared_data}`` and ``{root}`` expanded, relative to the root."""
    path = Path(text.replace("{shared_data}", str(shared_data_dir())).replace("{root}", str(repo_root())))
    return path if path.is_absolute() else repo_root() / path


def data_paths(settings: BoxSettings, values: Mapping[str, Any]) -> list[Path]:
    """The data a chapter reads: its declared ``reads`` and every set ``*_dir``/``*_path``/``*_file``
    parameter."""
    paths = [expand_read_path(r) for r in settings.reads]
    for name, value in values.items():
        if DATA_PARAMETER.search(name) and isinstance(value, str) and value:
            paths.append(expand_read_path(value))
    return paths


def data_hash(paths: Sequence[Path]) -> str:
    """Hash of the sizes and modification times of every file under ``paths`` (missing ones too)."""

    def parts() -> Iterator[bytes]:
        for path in paths:
            yield str(path).encode()
            if path.is_file():
                files = [path]
            elif path.is_dir():
                files = sorted(p for p in path.rglob("*") if p.is_file())
            else:
                yield b"(missing)"
                continue
            for f in files:
                st = f.stat()
                yield f"{f.relative_to(path) if f != path else f.name}:{st.st_size}:{st.st_mtime_ns}".encode()
    return _digest(parts())


def chapter_inputs(source: Path, values: Mapping[str, Any], settings: BoxSettings,
                   library_digest: str | None = None, environment_digest: str | None = None) -> dict[str, str]:
    """Hashes of everything a chapter's run depends on, by kind (:data:`INPUT_NAMES`)."""
    return {
        "notebook": _digest([source.read_bytes()]),
        "library": library_digest or library_hash(),
        "parameters": _digest([json.dumps({k: jsonable(v) for k, v in values.items()}, sort_keys=True).encode()]),
        "environment": environment_digest or environment_hash(),
        "data": data_hash(data_paths(settings, values)),
    }


def state_path(chapter_number: str) -> Path:
    return generated_dir() / f"{chapter_number}.build.json"


def read_state(chapter_number: str) -> dict[str, Any] | None:
    """The chapter's ``NN.build.json``, or None."""
    state = _read_json(state_path(chapter_number))
    return state if isinstance(state, dict) else None


@dataclass(frozen=True)
class Plan:
    """Whether a chapter must run, and why (``reason``), with the inputs it would run on."""

    source: Path
    execute: bool
    reason: str
    inputs: Mapping[str, str]


@dataclass(frozen=True)
class _Prepared:
    notebook: Any
    specs: Mapping[str, ParamSpec]
    settings: BoxSettings
    values: Mapping[str, Any]
    command: Mapping[str, Any]


def _prepare(source: Path, parameters: Mapping[str, Any] | None) -> _Prepared:
    """Read a chapter source and check everything the boxes need, before anything runs."""
    import jupytext

    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    specs = _chapter_specs(source, notebook)
    settings = BoxSettings.from_notebook(notebook, source.name)
    values = {name: dict(parameters or {}).get(name, spec.default) for name, spec in specs.items()}
    try:
        command = command_parameters(specs, values, settings.command)
    except BookError as exc:
        raise BookError(f"{source.name}: {exc}") from None
    return _Prepared(notebook, specs, settings, values, command)


def plan_chapter(source: Path, parameters: Mapping[str, Any] | None = None, force: bool = False,
                 library_digest: str | None = None, environment_digest: str | None = None) -> Plan:
    """Decide whether ``source`` must be executed (the dependency rule of the module docstring)."""
    prepared = _prepare(source, parameters)
    inputs = chapter_inputs(source, prepared.values, prepared.settings, library_digest, environment_digest)
    number = source.stem.split("_", 1)[0]
    state = read_state(number)
    out_dir = generated_dir()
    if force:
        return Plan(source, True, "forced", inputs)
    if state is None:
        return Plan(source, True, "never executed", inputs)
    status = state.get("status")
    if status == STATE_FAILED:
        return Plan(source, True, "its last run failed", inputs)
    if status != STATE_OK:
        return Plan(source, True, "its last run was interrupted", inputs)
    if not (out_dir / f"{source.stem}.ipynb").is_file():
        return Plan(source, True, "its executed notebook is missing", inputs)
    claims_file = out_dir / f"{number}.claims.json"
    if state.get("claims") and not claims_file.is_file():
        return Plan(source, True, "its claims file is missing", inputs)
    if claims_file.is_file() and claims_file.stat().st_mtime_ns > state_path(number).stat().st_mtime_ns:
        # the driver writes the state after the claims: newer claims came from a run outside it
        return Plan(source, True, "its claims were written outside the book build", inputs)
    previous = state.get("inputs", {})
    changed = [name for name in INPUT_NAMES if previous.get(name) != inputs[name]]
    if changed:
        return Plan(source, True, " and ".join(changed) + " changed", inputs)
    return Plan(source, False, "nothing it depends on changed", inputs)


# ---------------------------------------------------------------------------------------------
# Executing a chapter
# ---------------------------------------------------------------------------------------------


PATH_VARIABLES = ("TAGBOOK_SHARED_DATA", "TAGBOOK_CACHE", "TAGBOOK_ROOT")


def absolute_path_variables() -> None:
    """Make the folders named by :data:`PATH_VARIABLES` absolute (against the current folder), so
    that a kernel started in ``notebooks/`` reads the same folders as the command that started it."""
    for name in PATH_VARIABLES:
        value = os.environ.get(name)
        if value and not Path(value).expanduser().is_absolute():
            os.environ[name] = str(Path(value).expanduser().resolve())


def execute_chapter(source: Path, parameters: Mapping[str, Any] | None = None, log_output: bool = False,
                    inputs: Mapping[str, str] | None = None) -> Path:
    """Convert, execute, finish and store one chapter; returns the executed ``.ipynb``.

    The previous run's notebook and claims stay in place until this run succeeded; its state
    file says ``running`` meanwhile (see the module docstring). ``inputs`` are the hashes
    :func:`plan_chapter` computed (computed here when not given).
    """
    import jupytext
    import nbformat
    import papermill

    absolute_path_variables()  # the kernel runs in notebooks/: a relative folder would move
    out_dir = generated_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    chapter_number = source.stem.split("_", 1)[0]
    claims_path = out_dir / f"{chapter_number}.claims.json"
    run_path = out_dir / f"{chapter_number}.run.json"
    prepared = _prepare(source, parameters)  # everything the boxes need is checked before the chapter runs
    settings, values, command = prepared.settings, prepared.values, prepared.command
    if inputs is None:
        inputs = chapter_inputs(source, values, settings)
    state = {"chapter": chapter_number, "notebook": source.stem, "status": STATE_RUNNING,
             "started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "inputs": dict(inputs)}
    _write_json(state_path(chapter_number), state)
    output = out_dir / f"{source.stem}.ipynb"
    with tempfile.TemporaryDirectory() as tmp:
        unexecuted = Path(tmp) / f"{source.stem}.ipynb"
        jupytext.write(prepared.notebook, unexecuted)
        partial = Path(tmp) / f"{source.stem}.out.ipynb"
        staging = Path(tmp) / "claims"
        staging.mkdir()
        staged_claims = staging / claims_path.name
        started = time.perf_counter()
        try:
            with kernel_environment({**KERNEL_ENVIRONMENT, CLAIMS_DIR_VARIABLE: str(staging)}):
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
            for stale in (claims_path, run_path):
                stale.unlink(missing_ok=True)  # claims of a chapter that fails now are not evidence
            failed = out_dir / f"{source.stem}.failed.ipynb"
            if partial.exists():
                shutil.copy(partial, failed)
            _write_json(state_path(chapter_number), {**state, "status": STATE_FAILED,
                                                     "error": f"{exc.ename}: {exc.evalue}"})
            raise BookError(
                f"chapter {source.stem} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
                + (f"\n  the partly executed notebook is at {failed}" if failed.exists() else "")
            ) from None
        seconds = time.perf_counter() - started
        executed = nbformat.read(partial, as_version=4)
        claims = read_claims_file(staged_claims) if staged_claims.exists() else []
        finish_chapter(executed, chapter_number, claims, command, seconds, settings)
        # into place: the notebook and the claims first, the state that vouches for them last
        nbformat.write(executed, staging / output.name)
        (staging / output.name).replace(output)
        if staged_claims.exists():
            shutil.move(str(staged_claims), claims_path.with_name(claims_path.name + ".tmp"))
            claims_path.with_name(claims_path.name + ".tmp").replace(claims_path)
        else:
            claims_path.unlink(missing_ok=True)  # this run recorded none
        write_run_record(run_path, chapter_number, source.stem, seconds, values, command_line(chapter_number, command))
        (out_dir / f"{source.stem}.failed.ipynb").unlink(missing_ok=True)  # an earlier failure's leftovers
        _write_json(state_path(chapter_number), {
            **state, "status": STATE_OK, "seconds": round(seconds, 3), "claims": bool(claims),
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        })
    print(f"executed {source.stem} in {seconds:.1f} s -> {_shown(output)}")
    return output


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(repo_root()))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------------------------
# The book
# ---------------------------------------------------------------------------------------------

BUILD_RECORD = "build.json"


def write_build_record(actions: Sequence[Mapping[str, Any]], started: datetime) -> Path:
    """``book/_generated/build.json``: what this build did with each chapter."""
    path = generated_dir() / BUILD_RECORD
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_json(path, {"started": started.isoformat(timespec="seconds"),
                       "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                       "chapters": list(actions)})
    return path


def build_html(strict: bool = True) -> Path:
    """Render the book (no execution) into ``_build/html``; warnings are errors when ``strict``."""
    from tagbook.report.buildinfo import write_build_page

    write_claims_page()
    write_build_page(chapters())
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


def run_chapters(sources: Sequence[Path], force: bool = False) -> list[dict[str, Any]]:
    """Execute the chapters whose inputs changed (all with ``force``), reuse the others; returns
    what was done with each, as written to ``build.json``."""
    started = datetime.now(timezone.utc)
    library_digest, environment_digest = library_hash(), environment_hash()
    actions: list[dict[str, Any]] = []
    for source in sources:
        plan = plan_chapter(source, force=force, library_digest=library_digest,
                            environment_digest=environment_digest)
        number = source.stem.split("_", 1)[0]
        if not plan.execute:
            state = read_state(number) or {}
            print(f"reused {source.stem} ({plan.reason}; executed {state.get('finished', '?')} "
                  f"in {float(state.get('seconds', 0)):.1f} s)")
            actions.append({"chapter": number, "notebook": source.stem, "action": "reused",
                            "reason": plan.reason, "seconds": state.get("seconds")})
            continue
        print(f"executing {source.stem}: {plan.reason}")
        tic = time.perf_counter()
        try:
            execute_chapter(source, inputs=plan.inputs)
        except BookError:
            actions.append({"chapter": number, "notebook": source.stem, "action": "failed",
                            "reason": plan.reason, "seconds": round(time.perf_counter() - tic, 3)})
            write_build_record(actions, started)
            raise
        state = read_state(number) or {}
        actions.append({"chapter": number, "notebook": source.stem, "action": "executed",
                        "reason": plan.reason, "seconds": state.get("seconds")})
    write_build_record(actions, started)
    return actions


def build_book(execute: bool = True, only: list[str] | None = None, force: bool = False) -> Path:
    """Execute what changed (everything with ``force``) and render the book.

    ``only``: execute just these chapters (always, changed or not); the others are rendered as
    their last good run left them.
    """
    sources = [find_chapter(c) for c in only] if only else chapters()
    if execute:
        run_chapters(sources, force=force or bool(only))
    return build_html()
