"""Papermill reads and writes the chapters' Jupytext sources directly.

``papermill notebooks/02_cross_lingual.py out.ipynb -p n_images 500`` works: the package registers
this handler through papermill's ``papermill.io`` entry points (``pyproject.toml``). Papermill picks
an I/O handler by the start of a path, so the handler is registered for the prefixes a local path
starts with: ``/`` (absolute paths), ``./``, ``../`` and ``notebooks/`` (the chapters, from the
repository root). A ``.py`` path is read as a Jupytext script (percent format, as the chapters are
written) and handed to papermill as a notebook, with the ``python3`` kernel when the script names
none; writing to a ``.py`` path writes a percent-format script (without outputs). Every other path
goes to papermill's own local-file handler unchanged.
"""

from __future__ import annotations

from pathlib import Path

SCRIPT_SUFFIXES = (".py",)
DEFAULT_KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def _local():
    from papermill.iorw import papermill_io

    return papermill_io.get_handler("local")


def _is_script(path: str) -> bool:
    return Path(str(path).split("?")[0]).suffix in SCRIPT_SUFFIXES


def script_to_notebook_json(text: str) -> str:
    """A Jupytext script's text as notebook JSON (nbformat 4), with a kernel to run it on."""
    import jupytext
    import nbformat

    notebook = jupytext.reads(text, fmt="py:percent" if "# %%" in text else "py")
    notebook.metadata.setdefault("kernelspec", dict(DEFAULT_KERNEL))
    return nbformat.writes(notebook)


class JupytextScriptHandler:
    """A papermill I/O handler for Jupytext ``.py`` notebooks; other paths go to the local handler."""

    def read(self, path):
        if not _is_script(path):
            return _local().read(path)
        from papermill.utils import chdir

        with chdir(getattr(_local(), "_cwd", None)):
            text = Path(path).read_text(encoding="utf-8")
        return script_to_notebook_json(text)

    def write(self, buf, path):
        if not _is_script(path):
            return _local().write(buf, path)
        import jupytext
        import nbformat
        from papermill.utils import chdir

        notebook = nbformat.reads(buf, as_version=4)
        with chdir(getattr(_local(), "_cwd", None)):
            Path(path).write_text(jupytext.writes(notebook, fmt="py:percent"), encoding="utf-8")

    def listdir(self, path):
        return _local().listdir(path)

    def pretty_path(self, path):
        return _local().pretty_path(path)


HANDLER = JupytextScriptHandler()
