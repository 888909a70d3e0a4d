"""Build the book: execute chapters with papermill, gather the claims, render with Jupyter Book.

The chapters' sources are Jupytext percent-format scripts in ``notebooks/``. Each is converted to a
notebook, executed by papermill (so parameters can be injected and are visible on the page) into
``book/_generated/``, and the book build only renders (``execute_notebooks: off``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Mapping

from tagbook.params import find_chapter, read_parameter_specs, validate
from tagbook.paths import generated_dir, notebooks_dir, repo_root
from tagbook.report import write_claims_page


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


def execute_chapter(source: Path, parameters: Mapping[str, Any] | None = None, log_output: bool = False) -> Path:
    """Convert, execute and store one chapter; returns the executed ``.ipynb``."""
    import jupytext
    import papermill

    out_dir = generated_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    chapter_number = source.stem.split("_", 1)[0]
    stale_claims = out_dir / f"{chapter_number}.claims.json"
    stale_claims.unlink(missing_ok=True)  # a failed run must not leave the previous run's claims
    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    output = out_dir / f"{source.stem}.ipynb"
    with tempfile.TemporaryDirectory() as tmp:
        unexecuted = Path(tmp) / f"{source.stem}.ipynb"
        jupytext.write(notebook, unexecuted)
        partial = Path(tmp) / f"{source.stem}.out.ipynb"
        started = time.perf_counter()
        try:
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
            stale_claims.unlink(missing_ok=True)  # claims of a run that failed are not evidence
            failed = out_dir / f"{source.stem}.failed.ipynb"
            if partial.exists():
                shutil.copy(partial, failed)
            raise BookError(
                f"chapter {source.stem} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
                + (f"\n  the partly executed notebook is at {failed}" if failed.exists() else "")
            ) from None
        shutil.copy(partial, output)
        (out_dir / f"{source.stem}.failed.ipynb").unlink(missing_ok=True)  # an earlier failure's leftovers
    print(f"executed {source.stem} in {time.perf_counter() - started:.1f} s -> {output.relative_to(repo_root())}")
    return output


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
