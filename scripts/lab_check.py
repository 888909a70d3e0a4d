"""Check the JupyterLab route (`make lab`) without a person: exit 0 when it works, 1 when not.

Starts JupyterLab headless on a free local port (no browser, a random token, the ``notebooks/``
folder, as ``make lab`` does), then asks its HTTP API:

1. the contents of every chapter source ``notebooks/NN_*.py``: each must come back as
   ``"type": "notebook"`` with markdown and code cells (Jupytext's contents manager reads it);
2. the effective ``defaultViewers`` of the document manager (user settings over the defaults,
   which ``requirements/jupyterlab-overrides.json`` sets): ``python`` files must open with the
   ``Jupytext Notebook`` viewer, so that a double click opens a chapter as a notebook;
3. the page JupyterLab serves: the Jupytext front-end extension (which provides that viewer) must
   be among its extensions.

With ``--browser`` it also opens JupyterLab in headless Chromium (Debian's ``/usr/bin/chromium``,
driven by playwright, as ``make browser-check`` does), double-clicks
``03_deep_tag_embedding.py`` in the file browser and checks that a notebook opens, with cells.

The server is stopped afterwards in every case. Run it with ``make lab-check``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CHAPTER = "03_deep_tag_embedding.py"
VIEWER = "Jupytext Notebook"
DOCMANAGER = "@jupyterlab/docmanager-extension:plugin"
JUPYTEXT_LAB_EXTENSION = "jupyterlab-jupytext"
CHROMIUM = Path("/usr/bin/chromium")


class CheckFailed(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jupyter_command() -> list[str]:
    jupyter = Path(sys.executable).with_name("jupyter")
    if not jupyter.is_file():
        raise CheckFailed(f"no {jupyter}: install the lab extra first (make lab-check does)")
    try:
        import jupyterlab  # noqa: F401
        import jupytext  # noqa: F401
    except ImportError as error:
        raise CheckFailed(f"{error.name} is not installed in {sys.prefix}: install the lab extra (make lab-check does)")
    return [str(jupyter), "lab"]


class Server:
    """JupyterLab in the background, stopped (with its process group) on exit."""

    def __init__(self, port: int, token: str, log_path: Path):
        command = jupyter_command() + [
            "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
            f"--IdentityProvider.token={token}", f"--notebook-dir={NOTEBOOKS}",
            "--ServerApp.shutdown_no_activity_timeout=600",  # gone by itself should this script be killed
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        self.base = f"http://127.0.0.1:{port}"
        self.token = token
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT,
                                        start_new_session=True)

    def get(self, path: str, timeout: float = 30) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base + path, headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def wait_ready(self, timeout: float) -> float:
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.process.poll() is not None:
                raise CheckFailed(f"JupyterLab exited with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                status, _ = self.get("/api/status", timeout=5)
                if status == 200:
                    return time.monotonic() - start
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        raise CheckFailed(f"JupyterLab did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 15) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


def check_contents(server: Server) -> tuple[list[str], dict[str, int]]:
    """Every chapter source is served as a notebook with markdown and code cells; returns the lines
    to print and each chapter's number of cells."""
    lines, counts = [], {}
    chapters = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    if not any(p.name == CHAPTER for p in chapters):
        raise CheckFailed(f"no {CHAPTER} in {NOTEBOOKS}")
    for path in chapters:
        status, body = server.get(f"/api/contents/{path.name}")
        if status != 200:
            raise CheckFailed(f"contents API: {path.name} answered HTTP {status}: {body[:200]!r}")
        model = json.loads(body)
        if model.get("type") != "notebook":
            raise CheckFailed(f"contents API: {path.name} came back as type {model.get('type')!r}, not 'notebook' "
                              "(Jupytext's contents manager is not active)")
        cells = model["content"]["cells"]
        kinds = {c["cell_type"] for c in cells}
        if not {"markdown", "code"} <= kinds:
            raise CheckFailed(f"contents API: {path.name} has cells of kinds {sorted(kinds)} only")
        counts[path.name] = len(cells)
        tagged = sum(1 for c in cells if "parameters" in c.get("metadata", {}).get("tags", []))
        lines.append(f"{path.name}: type notebook, {len(cells)} cells "
                     f"({sum(c['cell_type'] == 'code' for c in cells)} code), parameters cell: {tagged == 1}")
        if tagged != 1:
            raise CheckFailed(f"contents API: {path.name} has {tagged} cells tagged 'parameters', not 1")
    return lines, counts


def check_default_viewer(server: Server) -> str:
    """A double click opens python files with the Jupytext notebook viewer."""
    status, body = server.get(f"/lab/api/settings/{DOCMANAGER}")
    if status != 200:
        raise CheckFailed(f"settings API: {DOCMANAGER} answered HTTP {status}")
    setting = json.loads(body)
    default = setting["schema"]["properties"]["defaultViewers"].get("default", {})
    user = setting.get("settings", {}).get("defaultViewers")
    effective = user if user is not None else default
    where = "user settings" if user is not None else "defaults (overrides.json)"
    if effective.get("python") != VIEWER:
        fix = ("remove that entry in Settings > Settings Editor > Document Manager" if user is not None else
               f"copy requirements/jupyterlab-overrides.json to {sys.prefix}/share/jupyter/lab/settings/overrides.json")
        raise CheckFailed(f"defaultViewers from the {where} maps python to {effective.get('python')!r}, not {VIEWER!r}: "
                          f"a double click would open the chapters as text ({fix})")
    return f"defaultViewers (from the {where}): python -> {effective['python']!r}"


def check_front_end(server: Server) -> str:
    """The page lists the Jupytext lab extension, which provides the viewer."""
    status, body = server.get("/lab")
    if status != 200:
        raise CheckFailed(f"/lab answered HTTP {status}")
    page = body.decode("utf-8", errors="replace")
    start = page.find('id="jupyter-config-data"')
    if start < 0:
        raise CheckFailed("/lab carries no jupyter-config-data")
    config = json.loads(page[page.index(">", start) + 1: page.index("</script>", start)])
    names = [e.get("name") for e in config.get("federated_extensions", [])]
    if JUPYTEXT_LAB_EXTENSION not in names:
        raise CheckFailed(f"the JupyterLab page loads no {JUPYTEXT_LAB_EXTENSION} extension (it loads: {names})")
    return f"front-end extensions: {', '.join(sorted(names))}"


def check_double_click(server: Server, expected_cells: int, screenshot: Path | None) -> str:
    """Headless Chromium: a double click on the chapter in the file browser opens it as a notebook
    (the status bar counts ``expected_cells`` cells, as the contents API did)."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.is_file():
        raise CheckFailed(f"--browser needs {CHROMIUM} (bash scripts/install-browser.sh installs it)")
    checkpoints = NOTEBOOKS / ".ipynb_checkpoints"  # opening a file makes a checkpoint: ours is removed
    had_folder = checkpoints.is_dir()
    before = set(checkpoints.iterdir()) if had_folder else set()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            try:
                title, shown = _open_by_double_click(browser.new_page(viewport={"width": 1400, "height": 900}),
                                                     server, screenshot)
            finally:
                browser.close()
    finally:
        for made in (set(checkpoints.iterdir()) if checkpoints.is_dir() else set()) - before:
            made.unlink()
        if not had_folder and checkpoints.is_dir() and not any(checkpoints.iterdir()):
            checkpoints.rmdir()
    if shown != expected_cells:
        raise CheckFailed(f"the double click opened a notebook of {shown} cells, the contents API has {expected_cells}")
    return f"double click in Chromium: {title!r} opened as a notebook of {shown} cells"


def _open_by_double_click(page, server: Server, screenshot: Path | None) -> tuple[str, int]:
    """(page title, cells counted by the status bar) once the chapter opened."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    counter = re.compile(r"Cell \d+ */ *(\d+)")
    page.goto(f"{server.base}/lab?token={server.token}&reset", timeout=120_000)
    item = page.locator(".jp-DirListing-item", has_text=CHAPTER.removesuffix(".py"))
    item.first.wait_for(timeout=120_000)
    item.first.dblclick()
    try:
        page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=120_000)
    except PlaywrightTimeout:
        raise CheckFailed(f"a double click on {CHAPTER} opened no notebook (page title {page.title()!r})") from None
    status = page.locator(".jp-StatusBar-Widget", has_text=counter)
    status.first.wait_for(timeout=60_000)
    shown = int(counter.search(status.first.inner_text()).group(1))
    if screenshot is not None:
        page.screenshot(path=str(screenshot))
    return page.title(), shown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--browser", action="store_true", help="also double-click the chapter in headless Chromium")
    parser.add_argument("--screenshot", type=Path, help="with --browser: save the opened notebook as this PNG")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for JupyterLab to start")
    args = parser.parse_args(argv)
    token = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="tagbook-lab-check-") as tmp:
        try:
            server = Server(free_port(), token, Path(tmp) / "jupyterlab.log")
        except CheckFailed as error:
            print(f"lab-check FAILED: {error}")
            return 1
        try:
            seconds = server.wait_ready(args.timeout)
            print(f"JupyterLab answered after {seconds:.1f} s on {server.base} (root {NOTEBOOKS})")
            lines, counts = check_contents(server)
            for line in lines:
                print("  " + line)
            print("  " + check_default_viewer(server))
            print("  " + check_front_end(server))
            if args.browser:
                print("  " + check_double_click(server, counts[CHAPTER], args.screenshot))
        except CheckFailed as error:
            print(f"lab-check FAILED: {error}")
            return 1
        finally:
            server.stop()
    print("lab-check passed: the chapters open as notebooks in JupyterLab")
    return 0


if __name__ == "__main__":
    sys.exit(main())
