"""The build-information page: which commit, when, with what software, on what machine, and what
this build did with each chapter (executed, and how long it took, or reused from an earlier run).

Read from the records the book driver leaves in ``book/_generated/``: each chapter's
``NN.build.json`` (its state, run time and date) and ``build.json`` (what the latest
``tagbook book`` did with each chapter, and why).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from tagbook.paths import generated_dir, repo_root
from tagbook.report.boxes import format_duration
from tagbook.report.tables import markdown_table

BUILD_PAGE = "build.md"
KEY_PACKAGES = ("tagbook", "torch", "numpy", "scipy", "pandas", "scikit-learn", "matplotlib", "gensim",
                "jupyter-book", "sphinx", "myst-nb", "papermill", "jupytext", "ipykernel")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def git_commit(root: Path | None = None) -> str:
    """The commit the book was built from (``+ local changes`` when the tree differs), or ``unknown``."""
    root = root if root is not None else repo_root()
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=30, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return head + (" + local changes" if dirty else "")


def package_versions(names: Sequence[str] = KEY_PACKAGES) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def machine() -> dict[str, str]:
    """The machine in a few facts: system, processor, cores, memory."""
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "system": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "CPU cores": str(os.cpu_count()),
        "memory": memory,
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
    }


def chapter_rows(chapter_names: Sequence[str], folder: Path) -> pd.DataFrame:
    """One row per chapter: what the latest build did with it, why, its run time and its run's date."""
    record = _read_json(folder / "build.json") or {}
    actions = {a.get("notebook"): a for a in record.get("chapters", []) if isinstance(a, dict)}
    rows = []
    for name in chapter_names:
        number = name.split("_", 1)[0]
        state = _read_json(folder / f"{number}.build.json") or {}
        action = actions.get(name)
        ran_later = bool(state.get("finished") and record.get("finished") and state["finished"] > record["finished"])
        if ran_later:
            what = "executed after the last `tagbook book` (by `tagbook run`)"
        elif action is not None:
            what = f"{action.get('action')} ({action.get('reason')})"
        elif state:
            what = "not considered by this build (kept from an earlier run)"
        else:
            what = "never executed"
        seconds = state.get("seconds")
        status = state.get("status", "—")
        rows.append({
            "chapter": name,
            "this build": what,
            "run time": format_duration(float(seconds)) if seconds is not None and status == "ok" else "—",
            "executed (UTC)": state.get("finished") or state.get("started") or "—",
            "state": status,
        })
    return pd.DataFrame(rows, columns=["chapter", "this build", "run time", "executed (UTC)", "state"])


def write_build_page(chapter_sources: Sequence[Path], folder: str | Path | None = None) -> Path:
    """Write ``build.md`` (the build-information page) into the generated folder."""
    folder = Path(folder) if folder is not None else generated_dir()
    folder.mkdir(parents=True, exist_ok=True)
    record = _read_json(folder / "build.json") or {}
    names = [Path(s).stem for s in chapter_sources]
    table = chapter_rows(names, folder)
    executed = [r for r in record.get("chapters", []) if r.get("action") == "executed"]
    reused = [r for r in record.get("chapters", []) if r.get("action") == "reused"]
    facts = {
        "commit": git_commit(),
        "book built (UTC)": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "chapters run by the latest `tagbook book`": (
            f"{len(executed)} executed, {len(reused)} reused (started {record.get('started')})" if record
            else "none recorded (chapters were run one by one with `tagbook run`)"),
        **machine(),
    }
    lines = [
        "# Build information",
        "",
        "What this copy of the book was built from and on. A chapter is executed again only when "
        "something it depends on changed since its last good run (its notebook source, the library, "
        "its parameters, the pinned environment or the data it reads); otherwise the build reuses its "
        "executed notebook and its claims. `tagbook book --force` executes every chapter.",
        "",
        markdown_table(pd.DataFrame({"": list(facts.values())}, index=list(facts)), index=True),
        "",
        "## Chapters",
        "",
        markdown_table(table, index=False),
        "",
        "*Run time* is the time the chapter's notebook took to execute in the run whose page the book "
        "shows; it depends on the machine and on what else ran on it.",
        "",
        "## Software",
        "",
        markdown_table(pd.Series(package_versions(), name="version").rename_axis("package"), index=True),
        "",
        f"Python: `{' '.join(sys.version.split())}`. The environment is pinned in `pyproject.toml` "
        "and locked in `requirements/constraints.txt`.",
    ]
    out = folder / BUILD_PAGE
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out
