"""The book's configuration: what it builds, what it never executes, and that it loads nothing from outside."""

from __future__ import annotations

import json
import posixpath
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
GENERATED = "book/_generated/"
FIVE_PAPERS = {
    "wei2017harvesting",
    "he2015drel",
    "ni2016sampled",
    "kovacs2019adding",
    "mohammadshahi2019aligning",
}


def toc_files() -> list[str]:
    return [TOC["root"]] + [entry["file"] for entry in TOC["chapters"]]


def sphinx_config() -> dict:
    return CONFIG["sphinx"]["config"]


def bibliography_keys() -> set[str]:
    from pybtex.database import parse_file

    return set(parse_file(str(ROOT / CONFIG["bibtex_bibfiles"][0])).entries.keys())


# ---------------------------------------------------------------------------------------------
# What is built and how
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [".venv", ".cache", ".git", "src", "tests", "notebooks", "benchmarks", "scripts", "_build",
     "README.md", "node_modules", "book/_static_vendor"],
)
def test_config_excludes_everything_that_is_not_a_page(pattern):
    assert pattern in CONFIG["exclude_patterns"]


def test_only_toc_files_are_built_and_nothing_is_executed():
    assert CONFIG["only_build_toc_files"] is True
    assert CONFIG["execute"]["execute_notebooks"] == "off"


def test_toc_is_a_flat_book_rooted_at_the_intro():
    assert TOC["format"] == "jb-book"
    assert TOC["root"] == "book/intro"
    assert set(TOC) == {"format", "root", "chapters"}
    assert all(set(entry) == {"file"} for entry in TOC["chapters"])
    files = toc_files()
    assert len(files) == len(set(files)), "a page is listed twice"
    assert files[-3:] == [GENERATED + "claims", GENERATED + "build", "book/bibliography"]


def test_toc_names_only_pages_that_exist_or_are_generated():
    notebooks = {p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.py")}
    for name in toc_files():
        if name.startswith(GENERATED):
            stem = name[len(GENERATED):]
            # claims.md and build.md are written by the book build; every other generated page is an
            # executed notebook whose Jupytext source must exist.
            assert stem in ("claims", "build") or stem in notebooks, f"{name}: no notebooks/{stem}.py to generate it from"
        else:
            sources = [ROOT / f"{name}{suffix}" for suffix in (".md", ".ipynb")]
            assert any(s.exists() for s in sources), f"{name}: no such page"


def test_every_chapter_source_is_in_the_toc():
    listed = set(toc_files())
    for source in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py")):
        assert GENERATED + source.stem in listed, f"{source.name} is not in _toc.yml, so it would never be built"


def test_chapters_are_in_number_order():
    numbers = [f.split("/")[-1][:2] for f in toc_files() if re.match(r"\d\d_", f.split("/")[-1])]
    assert numbers == sorted(numbers)


# ---------------------------------------------------------------------------------------------
# Offline: MathJax from the vendored copy, no outside address anywhere
# ---------------------------------------------------------------------------------------------


def vendored_mathjax_dir() -> str:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return re.search(r"^MATHJAX_DIR\s*:=\s*(\S+)", makefile, re.M).group(1)


def test_mathjax_path_points_at_the_vendored_file():
    config = sphinx_config()
    mathjax_dir = vendored_mathjax_dir()  # book/_static_vendor/mathjax
    extra = config["html_extra_path"]
    assert [posixpath.dirname(mathjax_dir)] == extra
    # Sphinx puts "_static/" in front of a relative mathjax_path; html_extra_path copies the
    # vendored folder's contents to the output root.
    served = posixpath.normpath(posixpath.join("_static", config["mathjax_path"]))
    assert served == posixpath.basename(mathjax_dir) + "/tex-chtml.js"
    assert "://" not in config["mathjax_path"]
    assert not config["mathjax_path"].startswith("/")
    vendored = ROOT / mathjax_dir / "tex-chtml.js"
    if not vendored.exists():
        pytest.skip("MathJax is not vendored yet (make mathjax)")
    assert vendored.stat().st_size > 100_000


def test_config_names_no_outside_address():
    text = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert not re.search(r"(https?:)?//[\w.-]+\.\w+", text), "an outside URL in _config.yml"
    assert "cdn" not in text.lower()


def test_no_launch_repository_comment_or_analytics_buttons():
    launch = CONFIG["launch_buttons"]
    assert launch["thebe"] is False
    for key in ("binderhub_url", "jupyterhub_url", "colab_url", "deepnote_url"):
        assert not launch[key], key
    html = CONFIG["html"]
    for key in ("use_repository_button", "use_issues_button", "use_edit_page_button"):
        assert html[key] is False, key
    assert not any(html["analytics"].values())
    assert not any(html["comments"].values())
    assert sphinx_config()["html_theme_options"]["use_download_button"] is True


def test_thebe_is_not_loaded_and_citations_are():
    extensions = sphinx_config()["extensions"]
    assert "sphinx_thebe" not in extensions  # it would load thebe from unpkg.com
    assert {"myst_nb", "jupyter_book", "sphinx_book_theme", "sphinx_external_toc", "sphinxcontrib.bibtex"} <= set(extensions)


# ---------------------------------------------------------------------------------------------
# Bibliography
# ---------------------------------------------------------------------------------------------


def test_bibliography_has_the_five_papers_and_complete_entries():
    from pybtex.database import parse_file

    entries = parse_file(str(ROOT / CONFIG["bibtex_bibfiles"][0])).entries
    assert FIVE_PAPERS <= set(entries)
    for key, entry in entries.items():
        assert entry.persons.get("author"), f"{key}: no author"
        assert entry.fields.get("title"), f"{key}: no title"
        assert re.fullmatch(r"(19|20)\d\d", entry.fields.get("year", "")), f"{key}: no year"


def cited_keys(text: str) -> set[str]:
    keys = set()
    for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text):
        keys.update(k.strip() for k in group.split(","))
    return keys


def test_cited_keys_parse():
    assert cited_keys("see {cite:p}`a2019x, b2020y` and {cite}`c`") == {"a2019x", "b2020y", "c"}


def test_every_citation_in_pages_and_chapters_is_in_the_bibliography():
    known = bibliography_keys()
    sources = list((ROOT / "book").glob("*.md")) + list((ROOT / "notebooks").glob("*.py"))
    for source in sources:
        missing = cited_keys(source.read_text(encoding="utf-8")) - known
        assert not missing, f"{source.relative_to(ROOT)} cites unknown keys {sorted(missing)}"


def test_bibliography_page_lists_all_entries():
    text = (ROOT / "book" / "bibliography.md").read_text(encoding="utf-8")
    assert re.search(r"```\{bibliography\}\s*\n:all:", text)


def test_intro_has_cjk_text_for_the_font_check():
    text = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    for word in ("狗", "犬", "Hund"):
        assert word in text


# ---------------------------------------------------------------------------------------------
# A real build of the book's configuration with stand-in chapters (seconds)
# ---------------------------------------------------------------------------------------------


STAND_IN_CLAIMS = [
    {"id": "demo-claim", "paper": "wei2017", "statement": "the method beats the baseline on every model",
     "where": "Table 2", "evidence": {"hit@5": 0.5}, "holds": False, "tier": "toy",
     "paper_value": 45.2, "ours": 0.5, "n_checked": 3, "n_held": 2, "reason": "one model behind"},
]


STAND_IN_CELL = "print('狗 dog')"


def stand_in_claims(chapter: str) -> list[dict]:
    """The stand-in claims as a chapter's ledger records them (recorded in the stand-in's code cell)."""
    from tagbook.report.claims import cell_digest

    return [dict(c, chapter=chapter, cell=cell_digest(STAND_IN_CELL)) for c in STAND_IN_CLAIMS]


def stand_in_notebook(title: str) -> dict:
    """An already-executed notebook, finished as the driver finishes a chapter: a markdown title with
    math, a section, a code cell with output, and the two boxes."""
    from tagbook.book import finish_chapter

    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": [f"# {title}\n", "\n", "Score $s = x^\\top W t$.\n"]},
            {"cell_type": "markdown", "metadata": {}, "source": ["## The evidence\n", "\n", "Measured here.\n"]},
            {
                "cell_type": "code", "execution_count": 1, "metadata": {}, "source": ["print('狗 dog')"],
                "outputs": [{"name": "stdout", "output_type": "stream", "text": ["狗 dog\n"]}],
            },
            {
                "cell_type": "code", "execution_count": 2, "metadata": {"tags": ["show-input"]},
                "source": ["shown_call = 1"], "outputs": [],
            },
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 4,
    }
    finish_chapter(notebook, title[:2], stand_in_claims(title[:2]), {"n_images": 400}, 12.5)
    return notebook


@pytest.fixture(scope="module")
def built_book(tmp_path_factory) -> Path:
    """Build the book's real _config.yml, _toc.yml and prose pages with stand-in chapters."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    if not jupyter_book.exists():
        pytest.skip("jupyter-book is not installed in this environment")
    root = tmp_path_factory.mktemp("book")
    for name in ("_config.yml", "_toc.yml", "Makefile"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "book", root / "book", ignore=shutil.ignore_patterns("_generated", "_static_vendor"))
    (root / "book" / "_static_vendor" / "mathjax").mkdir(parents=True)
    (root / "book" / "_static_vendor" / "mathjax" / "tex-chtml.js").write_text("/* stand-in */\n")
    generated = root / "book" / "_generated"
    generated.mkdir()
    chapters = [n[len(GENERATED):] for n in toc_files() if re.match(r"\d\d_", n.split("/")[-1])]
    for stem in chapters:
        (generated / f"{stem}.ipynb").write_text(json.dumps(stand_in_notebook(stem)))
        (generated / f"{stem[:2]}.claims.json").write_text(json.dumps(stand_in_claims(stem[:2])))
    # the generated pages, as the book build writes them
    shutil.copytree(ROOT / "src" / "tagbook" / "report", root / "src" / "tagbook" / "report")
    from tagbook.report import write_claims_page
    from tagbook.report.buildinfo import write_build_page

    write_claims_page(generated)
    write_build_page([Path("notebooks") / f"{stem}.py" for stem in chapters], generated)
    result = subprocess.run(
        [str(jupyter_book), "build", str(root), "--builder", "html", "-W", "-n", "--keep-going"],
        cwd=root, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return root / "_build" / "html"


LOADED = re.compile(
    r"<(?:script|img|iframe|source|embed|video|audio)\b[^>]*\bsrc=\"(?P<src>[^\"]+)\""
    r"|<link\b[^>]*\bhref=\"(?P<href>[^\"]+)\"[^>]*>"
)


def test_built_pages_load_nothing_from_outside(built_book):
    pages = sorted(built_book.rglob("*.html"))
    assert len(pages) >= len(toc_files())
    for page in pages:
        for match in LOADED.finditer(page.read_text(encoding="utf-8")):
            tag = match.group(0)
            url = match.group("src") or match.group("href")
            if match.group("href") and re.search(r'rel="(canonical|alternate|next|prev|index|search|author|license)"', tag):
                continue
            assert not re.match(r"(https?:)?//", url), f"{page.relative_to(built_book)} loads {url}"


def test_built_pages_have_no_thebe(built_book):
    assert "thebe" not in (built_book / "book" / "intro.html").read_text(encoding="utf-8").lower()


def test_built_pages_use_the_vendored_mathjax(built_book):
    vendored = (built_book / "mathjax" / "tex-chtml.js").resolve()
    assert vendored.exists()
    assert not (built_book / "_static" / "mathjax").exists()
    pages_with_mathjax = []
    for page in sorted(built_book.rglob("*.html")):
        for src in re.findall(r'<script[^>]*src="([^"?]*tex-chtml\.js)[^"]*"', page.read_text(encoding="utf-8")):
            assert (page.parent / src).resolve() == vendored, f"{page.relative_to(built_book)} loads {src}"
            pages_with_mathjax.append(page.relative_to(built_book).as_posix())
    chapter = next(n for n in toc_files() if re.match(r"\d\d_", n.split("/")[-1]))
    assert f"{chapter}.html" in pages_with_mathjax  # the stand-in chapter has math


def test_chapter_pages_offer_the_executed_notebook_for_download(built_book):
    chapters = [n for n in toc_files() if re.match(r"\d\d_", n.split("/")[-1])]
    assert chapters
    for name in chapters:
        page = built_book / f"{name}.html"
        links = re.findall(r'href="([^"]+\.ipynb)"', page.read_text(encoding="utf-8"))
        assert links, f"{name}: no .ipynb download link"
        for link in links:
            target = (page.parent / link).resolve()
            assert target.exists(), f"{name}: the download link {link} points nowhere"
            notebook = json.loads(target.read_text(encoding="utf-8"))
            assert notebook["nbformat"] == 4
            assert any(cell.get("outputs") for cell in notebook["cells"]), "the download is not the executed notebook"


def test_bibliography_page_renders_the_papers(built_book):
    text = (built_book / "book" / "bibliography.html").read_text(encoding="utf-8").lower()
    for title in ("Harvesting Deep Models for Cross-Lingual Image Annotation",
                  "Aligning Multilingual Word Embeddings for Cross-Modal Retrieval Task"):
        assert title.lower() in text


def test_chapter_pages_render_the_boxes_and_hide_code_input(built_book):
    chapter = next(n for n in toc_files() if re.match(r"\d\d_", n.split("/")[-1]))
    page = (built_book / f"{chapter}.html").read_text(encoding="utf-8")
    results = re.search(r'<div class="results-at-a-glance admonition">(.*?)</table>', page, re.S)
    assert results, "no Results at a glance box with a table"
    assert "partly: 2 of 3" in results.group(1) and "one model behind" in results.group(1)
    run = re.search(r'<div class="run-this-chapter admonition">(.*?)</ul>', page, re.S)
    assert run and "Run time of the run shown on this page: 12.5 s" in run.group(1)
    assert page.index("results-at-a-glance admonition") < page.index("cell_input")  # the boxes come first
    # MyST-NB folds the input of a cell tagged hide-input; show-input cells stay open
    assert re.search(r'<div class="cell tag_hide-input docutils container">\s*<details class="[^"]*hide above-input">', page)
    assert re.search(r'<div class="cell tag_show-input docutils container">\s*<div class="cell_input', page)


def test_the_claims_page_is_a_scoreboard_whose_links_resolve(built_book):
    page = built_book / "book" / "_generated" / "claims.html"
    text = page.read_text(encoding="utf-8")
    # the verdict is a badge with a symbol and words: readable without its colour
    assert re.search(r'<span class="[^"]*sd-badge sd-bg-warning[^"]*">◐ partly: 2 of 3</span>', text)
    n_chapters = len([f for f in toc_files() if re.match(r"\d\d_", f.split("/")[-1])])
    assert "Wei, Wang, Li (2017)" in text and f"0 of {n_chapters} held, {n_chapters} partly" in text
    # each claim links the section of its chapter that holds the evidence, and that anchor is there
    links = re.findall(r'href="(\d\d_[^"#]+\.html)#(claim-[^"]+)"', text)
    assert len(links) == len(re.findall(r"\d\d_", " ".join(toc_files())))
    for target, anchor in links:
        chapter = (page.parent / target).read_text(encoding="utf-8")
        assert f'id="{anchor}"' in chapter, f"{target}#{anchor} does not resolve"
    # the machine-readable ledger and its schema are linked, and the files are there
    downloads = re.findall(r'href="([^"]+\.json)"', text)
    assert {Path(d).name for d in downloads} >= {"02.claims.json", "claims.schema.json"}
    for link in downloads:
        assert (page.parent / link).resolve().is_file(), link


def test_the_intro_shows_the_scoreboard_and_the_build_page_the_chapters(built_book):
    intro = (built_book / "book" / "intro.html").read_text(encoding="utf-8")
    n_chapters = len([f for f in toc_files() if re.match(r"\d\d_", f.split("/")[-1])])
    assert f"0 of {n_chapters} held, {n_chapters} partly" in intro and "FORCE=1" in intro and "environment.yml" in intro
    build = (built_book / "book" / "_generated" / "build.html").read_text(encoding="utf-8")
    assert "Build information" in build and "02_cross_lingual" in build and "never executed" in build
    assert "CPU cores" in build and "papermill" in build
