"""Made-up data trees in the folder layouts of real releases, written out for the tests.

The trees are kept as one JSON file each (``tests/fixtures/<name>_tree.json``: ``about``, the
description of the made-up tree, and ``files``, relative path -> exact text, line ends included)
rather than as files named like the releases' own, so that nothing in the repository looks like a
copy of the real data. :func:`materialise` writes a tree into a temporary folder once per test
process and returns that folder.
"""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
from pathlib import Path

TREES = Path(__file__).parent / "fixtures"


@functools.lru_cache(maxsize=None)
def materialise(name: str) -> Path:
    """The made-up tree ``name`` written out (bytes exactly as stored); removed when the process ends."""
    tree = json.loads((TREES / f"{name}_tree.json").read_text(encoding="utf-8"))
    root = Path(tempfile.mkdtemp(prefix=f"tagbook-fixture-{name}-")) / name
    atexit.register(shutil.rmtree, root.parent, True)
    for relative, text in tree["files"].items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return root
