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
- links to local files that do not exist (the notebook download button among them), and links to
  a place in a page (``page.html#anchor``, the Claims page's links to the evidence among them)
  whose page has no element with that id;
- badges (sphinx-design's ``sd-badge``, the Claims page's verdicts) that say nothing in words:
  a verdict must read without its colour;
- uncaught JavaScript errors;
- a Markdown table that was rendered as text: a visible text block outside any ``<table>`` with a
  separator run such as ``|---|`` (or ``|—|``, which Sphinx's smart quotes make of ``|---|``);
- progress-bar text (tqdm's ``33%|███▎  | 1/3 [00:01<00:02, 1.00it/s]`` and the like) anywhere in
  the page's visible text: long loops report progress on the terminal, never in the book;
- table cells that show a missing value (``NaN``, ``nan``, ``<NA>``, ``None``, ``NaT``) or were
  truncated (text ending in ``...`` or ``…``);
- a chapter page (an executed ``book/_generated/NN_*.ipynb``: the HTML file name starts with two
  digits and an underscore) without its ``results-at-a-glance`` box;
- figures (``<img>`` inside the article, notebook outputs among them) drawn narrower than 300 px or
  wider than the article's text column, measured with ``getBoundingClientRect`` once the images
  loaded. Images outside the article (logos, icons) are not figures; a page without an article
  element has no figures.

The rules on text, tables and figures are plain functions (:func:`content_problems` and the
functions it calls) of what one in-page probe measured (:class:`PageContent`), so they are tested
without a browser.

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


@dataclass(frozen=True)
class ContentRules:
    """Thresholds of the text, table and figure rules.

    ``min_figure_width_px``: a figure drawn narrower than this is unreadable. ``column_slack_px``:
    how far a figure may exceed the text column's width (sub-pixel layout rounding).
    ``missing_values``: cell texts that mean a value is missing (pandas' ``NaN``/``<NA>``/``NaT``,
    Python's ``None``). ``truncation_marks``: endings of a truncated cell (pandas'
    ``display.max_colwidth`` cuts with ``...``). ``results_box_class``: the class of the
    Results at a glance box every chapter opens with. ``max_examples``: how many findings of one
    kind a problem message quotes.
    """

    min_figure_width_px: float = 300.0
    column_slack_px: float = 2.0
    missing_values: tuple[str, ...] = ("NaN", "nan", "<NA>", "None", "NaT")
    truncation_marks: tuple[str, ...] = ("...", "\u2026")
    results_box_class: str = "results-at-a-glance"
    max_examples: int = 5

    def __post_init__(self):
        if self.min_figure_width_px < 0:
            raise ValueError(f"min_figure_width_px must be >= 0, got {self.min_figure_width_px}")
        if self.column_slack_px < 0:
            raise ValueError(f"column_slack_px must be >= 0, got {self.column_slack_px}")
        if self.max_examples < 1:
            raise ValueError(f"max_examples must be >= 1, got {self.max_examples}")
        if not re.fullmatch(r"-?[_a-zA-Z][\w-]*", self.results_box_class):
            raise ValueError(f"results_box_class must be one CSS class name, got {self.results_box_class!r}")


@dataclass
class BrowserCheckConfig:
    """How to run the check.

    ``fontconfig_file`` replaces the system's font configuration for both the browser and the
    glyph-coverage queries (used by the tests to show that CJK text without a CJK font fails).
    ``rules`` holds the thresholds of the text, table and figure rules.
    """

    chromium: Path = CHROMIUM
    screenshots: Path | None = None
    timeout_ms: int = 30_000
    full_page_screenshots: bool = True
    fontconfig_file: Path | None = None
    rules: ContentRules = field(default_factory=ContentRules)


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
# Rules on what a page shows (plain functions: the browser only measures, see _PAGE_CONTENT)
# ---------------------------------------------------------------------------------------------

# A Markdown table's separator row: |---|, | :--: |, and |—| or |–|, which Sphinx's smart quotes
# make of |---| and |--|.
TABLE_SEPARATOR = re.compile(r"\|\s*[-\u2014\u2013:]+\s*\|")

_BLOCK_ELEMENTS = "\u2580-\u259f"  # Unicode's block elements, which tqdm draws its bar with
# Progress-bar text as tqdm and Keras print it on a terminal or into a notebook's stderr.
PROGRESS_BAR = re.compile(
    "|".join([
        r"\d{1,3}%\|",  # tqdm's percentage against its bar: 33%|███
        rf"\d{{1,3}}%\s*[{_BLOCK_ELEMENTS}]",  # a percentage then bar blocks: 45% ▇▇▇
        rf"[{_BLOCK_ELEMENTS}]{{2,}}\s*\|?\s*\d{{1,3}}%",  # bar blocks then a percentage: ▇▇▇ 45%
        rf"\|[{_BLOCK_ELEMENTS}][{_BLOCK_ELEMENTS} ]*\|\s*\d",  # a bar, then a count: |████| 10/10
        r"(?:\?|\d)\s?[kMG]?(?:it|B)/s\]",  # tqdm's rate: [00:01<00:02, 1.00it/s], [00:00<?, ?it/s]
        r"\ds/it\]",  # tqdm's slow rate: [00:05<00:10, 2.50s/it]
        r"\d+/\d+ \[[=>.]{3,}\]",  # Keras: 3/10 [=====>....]
    ])
)
CHAPTER_PAGE = re.compile(r"\d{2}_")


@dataclass
class TextBlock:
    """The visible text of one block element (``<p>``, ``<pre>``, ``<li>``, ``<div>``...) outside any table."""

    tag: str
    text: str


@dataclass
class TableCell:
    """One ``<td>``/``<th>``: its place (1-based, row and column spans counted) and its visible text."""

    table: int
    row: int
    column: int
    text: str
    header: str = ""
    caption: str = ""

    def table_name(self) -> str:
        """``table 2`` (the second table on the page), with its caption when it has one."""
        return f"table {self.table}" + (f" ({_clip(self.caption, 40)!r})" if self.caption else "")

    def place(self) -> str:
        """``row 3, column 'P@5'`` (the column's header), or ``row 3, column 2`` without a header row."""
        column = f"column {_clip(self.header, 30)!r}" if self.header else f"column {self.column}"
        return f"row {self.row}, {column}"


@dataclass
class Figure:
    """An ``<img>`` inside the article, as drawn: ``width``/``height`` in CSS pixels."""

    src: str
    width: float
    height: float
    loaded: bool = True
    shown: bool = True

    @property
    def name(self) -> str:
        """The image's file name, or the start of a ``data:`` URI."""
        if self.src.startswith("data:"):
            return self.src.split(",", 1)[0][:40] + ",..."
        return Path(unquote(urlsplit(self.src).path)).name or self.src[:80]


@dataclass
class PageContent:
    """What the in-page probe measured on one page; ``column_width`` is None without an article element."""

    page: str
    visible_text: str = ""
    text_blocks: list[TextBlock] = field(default_factory=list)
    cells: list[TableCell] = field(default_factory=list)
    has_results_box: bool = False
    figures: list[Figure] = field(default_factory=list)
    column_width: float | None = None
    badges: list[str] = field(default_factory=list)

    @classmethod
    def from_probe(cls, page: str, probe: dict) -> "PageContent":
        """Build from the dictionary that ``_PAGE_CONTENT`` returns."""
        return cls(
            page=page,
            visible_text=probe.get("visibleText") or "",
            text_blocks=[TextBlock(**block) for block in probe.get("textBlocks", [])],
            cells=[TableCell(**cell) for cell in probe.get("cells", [])],
            has_results_box=bool(probe.get("hasResultsBox")),
            figures=[Figure(**figure) for figure in probe.get("figures", [])],
            column_width=probe.get("column"),
            badges=[str(b) for b in probe.get("badges", [])],
        )


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _clip_start(text: str, width: int) -> str:
    """Like :func:`_clip`, but keeps the end (where a truncation mark is)."""
    text = " ".join(text.split())
    return text if len(text) <= width else "\u2026" + text[-(width - 1):]


def _excerpt(text: str, start: int, end: int, around: int = 30) -> str:
    """The matched text with up to ``around`` characters each side, whitespace collapsed."""
    lo, hi = max(0, start - around), min(len(text), end + around)
    piece = " ".join(text[lo:hi].split())
    return ("\u2026" if lo > 0 else "") + piece + ("\u2026" if hi < len(text) else "")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _summary(what: str, findings: list[str], noun: str, max_examples: int) -> str:
    shown = "; ".join(findings[:max_examples])
    more = f"; and {len(findings) - max_examples} more" if len(findings) > max_examples else ""
    return f"{what} ({_count(len(findings), noun)}): {shown}{more}"


def is_chapter_page(relative: str) -> bool:
    """A chapter is an executed ``book/_generated/NN_name.ipynb``: its HTML name starts with two digits and ``_``."""
    return CHAPTER_PAGE.match(Path(relative).name) is not None


def markdown_table_separators(text: str) -> list[str]:
    """Excerpts around the Markdown table separator runs (``|---|``, ``|—|``, ``| :-: |``) in ``text``, one a line."""
    found, lines = [], set()
    for match in TABLE_SEPARATOR.finditer(text):
        line = text.count("\n", 0, match.start())
        if line not in lines:
            lines.add(line)
            found.append(_excerpt(text, match.start(), match.end()))
    return found


def progress_bar_texts(text: str) -> list[str]:
    """Each line of ``text`` with progress-bar text (tqdm, Keras) in it, clipped around the bar, without repeats.

    Lines end at ``\\n`` and at ``\\r`` (with which tqdm redraws its bar in place).
    """
    found = []
    for line in re.split(r"[\r\n]+", text):
        match = PROGRESS_BAR.search(line)
        if match is None:
            continue
        piece = _excerpt(line, match.start(), match.end(), around=80)
        if piece not in found:
            found.append(piece)
    return found


def cell_problem(text: str, rules: ContentRules) -> str | None:
    """``"missing"`` when a cell shows a missing value, ``"truncated"`` when it ends in an ellipsis, else None."""
    text = text.strip()
    if text in rules.missing_values:
        return "missing"
    if text.endswith(rules.truncation_marks):
        return "truncated"
    return None


def figure_problem(figure: Figure, column_width: float | None, rules: ContentRules) -> str | None:
    """``"narrow"`` or ``"wide"`` for a drawn figure outside ``[min_figure_width_px, column_width + slack]``.

    Images that did not load (reported on their own) or are not drawn (in a closed fold) are not judged.
    """
    if not figure.loaded or not figure.shown:
        return None
    if figure.width < rules.min_figure_width_px:
        return "narrow"
    if column_width is not None and figure.width > column_width + rules.column_slack_px:
        return "wide"
    return None


def _cell_findings(cells: list[TableCell], quote) -> list[str]:
    """``table 1 ('caption'), row 2, column 'P@5': 'NaN'``; the table is named only where it changes."""
    findings, last_table = [], None
    for cell in cells:
        table = cell.table_name()
        where = cell.place() if table == last_table else f"{table}, {cell.place()}"
        findings.append(f"{where}: {quote(cell.text)}")
        last_table = table
    return findings


def badge_has_words(text: str) -> bool:
    """True when a badge's text has a word (two letters in a row), not only a symbol or a colour."""
    return bool(re.search(r"[^\W\d_]{2}", text))


_IDS = re.compile(r"""\b(?:id|name)\s*=\s*["']([^"']+)["']""")


def missing_anchors(links: list[str], ids_of=None) -> list[str]:
    """The ``file:`` links whose ``#anchor`` names no element of their (existing) page.

    ``ids_of(path)`` gives the ids (and ``name`` attributes) of a page (default: read from its
    HTML). Links without an anchor or to ``#top`` (the top of the page, by the HTML standard), to
    missing files (reported on their own) or to other schemes are not checked.
    """
    cache: dict[Path, set[str]] = {}

    def read_ids(path: Path) -> set[str]:
        return set(_IDS.findall(path.read_text(encoding="utf-8", errors="replace")))

    ids_of = ids_of or read_ids
    missing = []
    for url in dict.fromkeys(links):
        parts = urlsplit(url)
        if parts.scheme != "file" or not parts.fragment or parts.fragment.lower() == "top":
            continue
        path = Path(unquote(parts.path))
        if not path.is_file() or path.suffix not in (".html", ".htm"):
            continue
        if path not in cache:
            cache[path] = ids_of(path)
        if unquote(parts.fragment) not in cache[path]:
            missing.append(url)
    return missing


def content_problems(content: PageContent, rules: ContentRules | None = None) -> list[str]:
    """The problems a reader would see in a page's text, tables and figures, one message per kind."""
    rules = rules or ContentRules()
    problems = []
    tables_as_text = [
        f"<{block.tag}> {excerpt!r}"
        for block in content.text_blocks
        for excerpt in markdown_table_separators(block.text)
    ]
    if tables_as_text:
        problems.append(_summary(
            "Markdown table shown as text, outside any <table>", tables_as_text, "place", rules.max_examples,
        ))
    bars = [repr(piece) for piece in progress_bar_texts(content.visible_text)]
    if bars:
        problems.append(_summary("progress-bar text on the page", bars, "place", rules.max_examples))

    missing = [cell for cell in content.cells if cell_problem(cell.text, rules) == "missing"]
    truncated = [cell for cell in content.cells if cell_problem(cell.text, rules) == "truncated"]
    missing = _cell_findings(missing, lambda text: repr(text.strip()))
    truncated = _cell_findings(truncated, lambda text: repr(_clip_start(text, 50)))
    if missing:
        problems.append(_summary("table cells showing a missing value", missing, "cell", rules.max_examples))
    if truncated:
        problems.append(_summary("table cells cut short with an ellipsis", truncated, "cell", rules.max_examples))

    colour_only = [repr(text) for text in content.badges if not badge_has_words(text)]
    if colour_only:
        problems.append(_summary("badges that say nothing in words (readable only by their colour)",
                                 colour_only, "badge", rules.max_examples))
    if is_chapter_page(content.page) and not content.has_results_box:
        problems.append(
            f"chapter page has no Results at a glance box (no element of class {rules.results_box_class!r})"
        )

    narrow, wide = [], []
    for figure in content.figures:
        kind = figure_problem(figure, content.column_width, rules)
        drawn = f"{figure.name} drawn {figure.width:.0f}\u00d7{figure.height:.0f} px"
        if kind == "narrow":
            narrow.append(drawn)
        elif kind == "wide":
            wide.append(drawn)
    if narrow:
        problems.append(_summary(
            f"figures narrower than {rules.min_figure_width_px:.0f} px", narrow, "figure", rules.max_examples,
        ))
    if wide:
        problems.append(_summary(
            f"figures wider than the {content.column_width:.0f} px text column", wide, "figure", rules.max_examples,
        ))
    return problems


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

# Everything the text, table and figure rules judge, measured after the images loaded: the page's
# visible text (innerText leaves out what is not drawn, such as a closed fold); the visible text of
# each block element outside tables and math that has a pipe in it (a <br> read as a line break);
# every table cell with its place, column header and caption; whether the Results at a glance box
# is there; and each <img> inside the article with its drawn size, beside the width of the
# article's text column (its content box). The article is Sphinx Book Theme's
# <article class="bd-article">, else the first <article>, [role=main] or <main>; a page with none
# of these has no figures.
_PAGE_CONTENT = """
(boxClass) => {
  const body = document.body;
  if (!body) return { visibleText: "", textBlocks: [], cells: [], hasResultsBox: false, column: null, figures: [] };
  const shown = (el) => el.checkVisibility({ visibilityProperty: true });

  const notText = "table, script, style, noscript, template, textarea, svg, math, mjx-container, .math";
  const isBlock = new Map();
  const blockOf = (el) => {
    for (let e = el; e; e = e.parentElement) {
      if (!isBlock.has(e)) isBlock.set(e, e === body || !getComputedStyle(e).display.startsWith("inline"));
      if (isBlock.get(e)) return e;
    }
    return body;
  };
  const blockText = new Map();
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const isText = node.nodeType === Node.TEXT_NODE;
    if (!isText && node.tagName !== "BR") continue;
    const parent = node.parentElement;
    if (!parent || parent.closest(notText) || !shown(parent)) continue;
    const block = blockOf(parent);
    blockText.set(block, (blockText.get(block) || "") + (isText ? node.nodeValue : "\\n"));
  }
  const textBlocks = [];
  for (const [block, text] of blockText) {
    if (text.includes("|")) textBlocks.push({ tag: block.tagName.toLowerCase(), text: text });
  }

  const cells = [];
  Array.from(document.querySelectorAll("table")).forEach((table, t) => {
    const caption = table.caption ? table.caption.innerText.trim() : "";
    const rows = Array.from(table.rows);
    const headRow = table.tHead && table.tHead.rows.length
      ? table.tHead.rows[table.tHead.rows.length - 1]
      : rows.find((row) => row.cells.length > 0 && Array.from(row.cells).every((c) => c.tagName === "TH"));
    const taken = [];
    const placed = [];
    rows.forEach((row, r) => {
      taken[r] = taken[r] || [];
      let col = 0;
      for (const cell of row.cells) {
        while (taken[r][col]) col++;
        const rowSpan = Math.max(1, cell.rowSpan), colSpan = Math.max(1, cell.colSpan);
        for (let dr = 0; dr < rowSpan; dr++) {
          taken[r + dr] = taken[r + dr] || [];
          for (let dc = 0; dc < colSpan; dc++) taken[r + dr][col + dc] = true;
        }
        placed.push({ cell, row, r, col, colSpan });
        col += colSpan;
      }
    });
    const headers = [];
    for (const p of placed) {
      if (p.row !== headRow) continue;
      for (let dc = 0; dc < p.colSpan; dc++) headers[p.col + dc] = p.cell.innerText.trim();
    }
    for (const p of placed) {
      const text = (p.cell.innerText || p.cell.textContent || "").trim();
      cells.push({
        table: t + 1, row: p.r + 1, column: p.col + 1, text: text.slice(-2000),
        header: p.row === headRow ? "" : (headers[p.col] || ""), caption: caption,
      });
    }
  });

  const article = document.querySelector("article.bd-article") || document.querySelector("article")
    || document.querySelector("[role=main]") || document.querySelector("main");
  let column = null;
  const figures = [];
  if (article) {
    const style = getComputedStyle(article);
    const px = (value) => parseFloat(value) || 0;
    column = article.getBoundingClientRect().width - px(style.paddingLeft) - px(style.paddingRight)
      - px(style.borderLeftWidth) - px(style.borderRightWidth);
    for (const img of article.querySelectorAll("img")) {
      const box = img.getBoundingClientRect();
      figures.push({
        src: (img.currentSrc || img.src || img.getAttribute("src") || "(no src)").slice(0, 300),
        width: box.width, height: box.height,
        loaded: img.complete && img.naturalWidth > 0, shown: shown(img),
      });
    }
  }
  return {
    visibleText: body.innerText, textBlocks: textBlocks, cells: cells,
    hasResultsBox: document.getElementsByClassName(boxClass).length > 0, column: column, figures: figures,
    badges: Array.from(document.querySelectorAll(".sd-badge")).filter(shown).map((b) => b.innerText.trim()),
  };
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
            self._check_content(page, report)
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
        for url in missing_anchors(found["links"]):
            parts = urlsplit(url)
            report.problems.append(f"link to a place that is not there: {Path(unquote(parts.path)).name}#{parts.fragment}")

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

    def _check_content(self, page, report: PageReport) -> None:
        rules = self.config.rules
        probe = page.evaluate(_PAGE_CONTENT, rules.results_box_class)
        report.problems.extend(content_problems(PageContent.from_probe(report.page, probe), rules))

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
