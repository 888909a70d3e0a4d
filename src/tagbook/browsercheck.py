"""Open every page of the built book in a real headless browser and list what a reader would see broken.

    python -m tagbook.browsercheck _build/html --screenshots _build/screenshots

Chromium (Debian's ``/usr/bin/chromium``, installed by ``scripts/install-browser.sh``) is driven by
the ``playwright`` package; no browser is downloaded. Each HTML page is opened from ``file://`` and
checked for:

- a title (``<title>`` present and not Sphinx's ``<no title>``);
- images that did not load (``naturalWidth == 0`` once loading finished) and local files the page
  asked for that do not exist;
- any request that would leave the machine (a scheme other than ``file:``, ``data:``, ``blob:``):
  each is aborted and recorded, and elements that reference an outside resource to load are
  listed too;
- math that MathJax did not typeset;
- CJK text drawn with fonts that lack its glyphs: for every text node with CJK characters the
  browser reports (DevTools ``CSS.getPlatformFontsForNode``) the fonts it drew the node with, and
  fontconfig says whether any of them has glyphs for those characters. Without a CJK font
  installed, Chromium falls back to a Latin font and draws empty boxes; that is reported;
- links to local files that do not exist (the notebook download button among them);
- uncaught JavaScript errors.

One PNG screenshot per page goes into the screenshots folder. The exit status is 0 when every page
passed, 1 when a page had a problem, 2 when the check could not run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_SCHEMES = ("file", "data", "blob", "about")
SKIPPED_FOLDERS = ("_static", "_sources", "_images", "mathjax")

# Han (with extensions A and compatibility), kana, Hangul, CJK punctuation and full-width forms.
CJK = re.compile(
    "[\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"
)


class BrowserCheckError(RuntimeError):
    """The check could not run (no browser, no pages, no fontconfig)."""


@dataclass
class BrowserCheckConfig:
    """How to run the check.

    ``fontconfig_file`` replaces the system's font configuration for both the browser and the
    glyph-coverage queries (used by the tests to show that CJK text without a CJK font fails).
    """

    chromium: Path = CHROMIUM
    screenshots: Path | None = None
    timeout_ms: int = 30_000
    full_page_screenshots: bool = True
    fontconfig_file: Path | None = None


@dataclass
class PageReport:
    """What the browser found on one page."""

    page: str
    title: str = ""
    problems: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    screenshot: Path | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------------------------------------
# Glyph coverage from fontconfig
# ---------------------------------------------------------------------------------------------


class FontCoverage:
    """Which characters a font family has glyphs for, as fontconfig reports (cached per family)."""

    def __init__(self, env: dict[str, str] | None = None):
        if shutil.which("fc-list") is None:
            raise BrowserCheckError("fc-list (fontconfig) is not installed; the CJK font check needs it")
        self.env = env
        self._ranges: dict[str, list[tuple[int, int]]] = {}

    @staticmethod
    def _pattern(family: str) -> str:
        return ":family=" + re.sub(r"([\\:,=-])", r"\\\1", family)

    def ranges(self, family: str) -> list[tuple[int, int]]:
        """Code-point ranges covered by any face of ``family``; empty when fontconfig has no such family."""
        if family not in self._ranges:
            out = subprocess.run(
                ["fc-list", "-f", "%{charset}\\n", self._pattern(family)],
                capture_output=True, text=True, env=self.env, check=False,
            ).stdout
            ranges = []
            for token in out.split():
                lo, _, hi = token.partition("-")
                ranges.append((int(lo, 16), int(hi or lo, 16)))
            self._ranges[family] = ranges
        return self._ranges[family]

    def covers(self, family: str, char: str) -> bool:
        point = ord(char)
        return any(lo <= point <= hi for lo, hi in self.ranges(family))

    def missing(self, chars: set[str], families: list[str]) -> set[str]:
        """The characters none of ``families`` has a glyph for."""
        return {c for c in chars if not any(self.covers(f, c) for f in families)}


# ---------------------------------------------------------------------------------------------
# In-page probes (JavaScript)
# ---------------------------------------------------------------------------------------------

_WAIT_FOR_IMAGES = """
async (timeoutMs) => {
  const waits = [];
  for (const img of Array.from(document.images)) {
    if (img.loading === "lazy") img.loading = "eager";
    if (!img.complete) {
      waits.push(new Promise((resolve) => {
        img.addEventListener("load", resolve, { once: true });
        img.addEventListener("error", resolve, { once: true });
      }));
    }
  }
  await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, timeoutMs))]);
  return Array.from(document.images)
    .filter((img) => img.naturalWidth === 0)
    .map((img) => (img.currentSrc || img.src || img.getAttribute("src") || "(no src)").slice(0, 200));
}
"""

_WAIT_FOR_MATH = """
async (timeoutMs) => {
  const hasMath = document.querySelector(".math") !== null;
  if (!hasMath) return { hasMath: false, typeset: 0, loaded: false };
  const mj = window.MathJax;
  const started = mj && mj.startup && mj.startup.promise;
  if (started) {
    await Promise.race([mj.startup.promise, new Promise((r) => setTimeout(r, timeoutMs))]);
  }
  return {
    hasMath: true,
    typeset: document.querySelectorAll("mjx-container").length,
    loaded: Boolean(started),
  };
}
"""

_REFERENCES = """
() => {
  const loadedRels = ["stylesheet", "preload", "prefetch", "preconnect", "dns-prefetch",
                      "modulepreload", "icon", "manifest", "prerender"];
  const urls = [];
  for (const el of document.querySelectorAll(
      "script[src], img[src], iframe[src], frame[src], embed[src], source[src], video[src], "
      + "audio[src], track[src], input[type=image][src], object[data], img[srcset], source[srcset]")) {
    if (el.src) urls.push(el.tagName.toLowerCase() + " " + el.src);
    if (el.data) urls.push("object " + el.data);
    const srcset = el.getAttribute("srcset");
    if (srcset) for (const part of srcset.split(",")) {
      const u = part.trim().split(/\\s+/)[0];
      if (u) urls.push(el.tagName.toLowerCase() + " " + new URL(u, document.baseURI).href);
    }
  }
  for (const el of document.querySelectorAll("link[href]")) {
    const rels = (el.getAttribute("rel") || "").toLowerCase().split(/\\s+/);
    if (rels.some((r) => loadedRels.includes(r))) urls.push("link " + el.href);
  }
  const links = Array.from(document.querySelectorAll("a[href]")).map((a) => a.href);
  return { loads: urls, links: links };
}
"""


# ---------------------------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------------------------


def html_pages(root: Path) -> list[Path]:
    """Every HTML page of a build, without the assets' folders."""
    pages = [p for p in root.rglob("*.html") if not set(p.relative_to(root).parts[:-1]) & set(SKIPPED_FOLDERS)]
    return sorted(pages)


def _is_local(url: str) -> bool:
    return urlsplit(url).scheme.lower() in LOCAL_SCHEMES


def _file_path(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


def _redirect_target(page: Path) -> str | None:
    """The target of a page that is nothing but a ``<meta http-equiv="refresh">`` redirect."""
    text = page.read_text(encoding="utf-8", errors="replace")
    match = re.search(r"<meta[^>]+http-equiv=[\"']refresh[\"'][^>]*url=([^\"'>]+)", text, re.I)
    if match and "<body" not in text.lower():
        return match.group(1).strip()
    return None


def _screenshot_name(relative: str) -> str:
    return re.sub(r"[^\w.-]+", "__", relative.removesuffix(".html")) + ".png"


class BrowserCheck:
    """Opens pages in one headless Chromium and checks each; use as a context manager."""

    def __init__(self, config: BrowserCheckConfig | None = None):
        self.config = config or BrowserCheckConfig()
        if not Path(self.config.chromium).exists():
            raise BrowserCheckError(
                f"no browser at {self.config.chromium}: run `bash scripts/install-browser.sh` "
                "(installs Debian's chromium and fonts-noto-cjk)"
            )
        env = dict(os.environ)
        if self.config.fontconfig_file is not None:
            env["FONTCONFIG_FILE"] = str(self.config.fontconfig_file)
        self.env = env
        self.fonts = FontCoverage(env)
        self._current: PageReport | None = None

    def __enter__(self) -> "BrowserCheck":
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=str(self.config.chromium), args=CHROMIUM_ARGS, env=self.env,
        )
        self._context = self._browser.new_context(
            viewport={"width": 1280, "height": 900}, service_workers="block",
        )
        self._context.route("**/*", self._route)
        return self

    def __exit__(self, *exc) -> None:
        self._context.close()
        self._browser.close()
        self._playwright.stop()

    # -- network ----------------------------------------------------------------------------

    def _route(self, route) -> None:
        url = route.request.url
        if _is_local(url):
            route.continue_()
            return
        if self._current is not None:
            self._current.outside_requests.append(url)
        route.abort("blockedbyclient")

    def _on_request_failed(self, request) -> None:
        report = self._current
        if report is None or not request.url.startswith("file:"):
            return
        path = _file_path(request.url)
        if not path.exists():
            report.problems.append(f"missing file requested: {path}")

    # -- one page ---------------------------------------------------------------------------

    def check_page(self, page_path: Path, root: Path) -> PageReport:
        relative = page_path.relative_to(root).as_posix()
        report = PageReport(page=relative)
        started = time.perf_counter()
        target = _redirect_target(page_path)
        if target is not None:
            report.title = f"(redirect to {target})"
            if not (page_path.parent / target.split("#")[0]).exists():
                report.problems.append(f"redirects to {target}, which does not exist")
            report.seconds = time.perf_counter() - started
            return report

        self._current = report
        page = self._context.new_page()
        page.on("requestfailed", self._on_request_failed)
        page.on("pageerror", lambda error: report.problems.append(f"JavaScript error: {error}"))
        page.on("websocket", lambda ws: report.outside_requests.append(ws.url))
        try:
            try:
                page.goto(page_path.resolve().as_uri(), wait_until="load", timeout=self.config.timeout_ms)
            except Exception as exc:  # playwright's TimeoutError or a navigation error
                report.problems.append(f"did not load: {str(exc).splitlines()[0]}")
                return report
            self._check_title(page, report)
            self._check_images(page, report)
            self._check_math(page, report)
            self._check_references(page, report)
            self._check_cjk_fonts(page, report)
            self._screenshot(page, report)
        finally:
            page.close()
            self._current = None
            for url in dict.fromkeys(report.outside_requests):
                report.problems.append(f"request to outside address blocked: {url}")
            report.seconds = time.perf_counter() - started
        return report

    def _check_title(self, page, report: PageReport) -> None:
        report.title = page.title().strip()
        if not report.title or report.title.lower().startswith("<no title>"):
            report.problems.append("page has no title")

    def _check_images(self, page, report: PageReport) -> None:
        for src in page.evaluate(_WAIT_FOR_IMAGES, min(self.config.timeout_ms, 10_000)):
            report.problems.append(f"image did not load (naturalWidth 0): {src}")

    def _check_math(self, page, report: PageReport) -> None:
        math = page.evaluate(_WAIT_FOR_MATH, min(self.config.timeout_ms, 15_000))
        if math["hasMath"] and not math["loaded"]:
            report.problems.append("page has math but MathJax did not load")
        elif math["hasMath"] and math["typeset"] == 0:
            report.problems.append("page has math but MathJax typeset none of it")

    def _check_references(self, page, report: PageReport) -> None:
        found = page.evaluate(_REFERENCES)
        for item in found["loads"]:
            kind, _, url = item.partition(" ")
            if not _is_local(url):
                report.problems.append(f"<{kind}> references an outside resource to load: {url}")
        for url in dict.fromkeys(found["links"]):
            if url.startswith("file:") and not _file_path(url).exists():
                report.problems.append(f"link to a missing file: {_file_path(url)}")

    def _check_cjk_fonts(self, page, report: PageReport) -> None:
        session = self._context.new_cdp_session(page)
        try:
            session.send("DOM.enable")
            session.send("CSS.enable")
            root = session.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
            failures = []
            for node in _cjk_text_nodes(root):
                try:
                    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
                except Exception:
                    continue  # a node the browser no longer knows
                if not fonts or any(f.get("isCustomFont") for f in fonts):
                    continue  # not rendered (hidden), or drawn with a web font fontconfig cannot see
                families = [f["familyName"] for f in fonts]
                missing = self.fonts.missing(set(CJK.findall(node["nodeValue"])), families)
                if missing:
                    text = " ".join(node["nodeValue"].split())[:40]
                    failures.append(f"{text!r} drawn with {', '.join(families)}, which lack {''.join(sorted(missing))[:20]}")
            if failures:
                shown = "; ".join(failures[:5]) + (f"; and {len(failures) - 5} more" if len(failures) > 5 else "")
                report.problems.append(f"CJK text without a CJK font ({len(failures)} text nodes): {shown}")
        finally:
            session.detach()

    def _screenshot(self, page, report: PageReport) -> None:
        if self.config.screenshots is None:
            return
        folder = Path(self.config.screenshots)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / _screenshot_name(report.page)
        page.screenshot(path=str(path), full_page=self.config.full_page_screenshots)
        report.screenshot = path


def _cjk_text_nodes(node: dict):
    """Text nodes (DOM nodeType 3) with CJK characters, in document order, through frames and shadow roots."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.get("nodeType") == 3 and CJK.search(current.get("nodeValue", "")):
            yield current
        children = list(current.get("children") or [])
        children += list(current.get("shadowRoots") or [])
        if "contentDocument" in current:
            children.append(current["contentDocument"])
        stack.extend(reversed(children))


def check_site(root: str | Path, config: BrowserCheckConfig | None = None, progress: bool = False) -> list[PageReport]:
    """Check every HTML page under ``root`` (a Sphinx/Jupyter Book HTML build)."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise BrowserCheckError(f"no HTML build at {root}: build the book first (make book)")
    pages = html_pages(root)
    if not pages:
        raise BrowserCheckError(f"no HTML pages under {root}")
    reports = []
    with BrowserCheck(config) as browser:
        for page in pages:
            report = browser.check_page(page, root)
            reports.append(report)
            if progress:
                print(_format_one(report), flush=True)
    return reports


def _format_one(report: PageReport) -> str:
    head = f"{'ok  ' if report.ok else 'FAIL'}  {report.page}  ({report.seconds:.1f} s)  {report.title}"
    return "\n".join([head] + [f"        - {problem}" for problem in report.problems])


def format_reports(reports: list[PageReport]) -> str:
    failed = [r for r in reports if not r.ok]
    lines = [_format_one(r) for r in reports]
    lines.append("")
    lines.append(
        f"{len(reports)} pages checked, {len(failed)} with problems, "
        f"{sum(len(r.problems) for r in reports)} problems in all"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tagbook.browsercheck",
        description="Open every page of an HTML build in headless Chromium and report broken pages.",
    )
    parser.add_argument("html", type=Path, help="the HTML build folder, e.g. _build/html")
    parser.add_argument("--screenshots", type=Path, default=None, help="folder for one PNG per page")
    parser.add_argument("--chromium", type=Path, default=CHROMIUM, help=f"browser binary (default {CHROMIUM})")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a page (default 30)")
    parser.add_argument("--viewport-only", action="store_true", help="screenshot the first screen, not the whole page")
    args = parser.parse_args(argv)
    config = BrowserCheckConfig(
        chromium=args.chromium,
        screenshots=args.screenshots,
        timeout_ms=int(args.timeout * 1000),
        full_page_screenshots=not args.viewport_only,
    )
    try:
        reports = check_site(args.html, config, progress=True)
    except BrowserCheckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failed = [r for r in reports if not r.ok]
    print(f"\n{len(reports)} pages checked, {len(failed)} with problems")
    if args.screenshots is not None:
        print(f"screenshots: {args.screenshots}")
    for report in failed:
        print(f"\n{report.page}:")
        for problem in report.problems:
            print(f"  - {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
