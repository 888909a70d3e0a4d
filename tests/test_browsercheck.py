"""The real-browser check finds each kind of broken page on a tiny hand-made site."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

from tagbook.browsercheck import (
    CHROMIUM,
    BrowserCheckConfig,
    ContentRules,
    Figure,
    FontCoverage,
    PageContent,
    TableCell,
    TextBlock,
    _cjk_text_nodes,
    cell_problem,
    check_site,
    content_problems,
    figure_problem,
    html_pages,
    is_chapter_page,
    main,
    markdown_table_separators,
    progress_bar_texts,
)

if importlib.util.find_spec("playwright") is None:
    NO_BROWSER = "the playwright package is not installed"
elif not CHROMIUM.exists():
    NO_BROWSER = "no /usr/bin/chromium (bash scripts/install-browser.sh installs it)"
else:
    NO_BROWSER = ""
needs_chromium = pytest.mark.skipif(bool(NO_BROWSER), reason=NO_BROWSER or "browser present")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def page(title: str | None, body: str) -> str:
    head = f"<title>{title}</title>" if title is not None else ""
    return f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'


def write_png(path: Path, size: tuple[int, int] = (8, 6)) -> None:
    from PIL import Image

    Image.new("RGB", size, (200, 30, 30)).save(path)


def article(body: str) -> str:
    """Sphinx Book Theme's article element, with a text column of exactly 720 px inside 2 x 32 px of padding."""
    return f'<article class="bd-article" style="width: 720px; padding: 0 32px">{body}</article>'


TABLE = (
    "<table><caption>Paper vs ours</caption><thead><tr><th>model</th><th>P@5</th></tr></thead>"
    "<tbody>{rows}</tbody></table>"
)

# Pages that each break one of the text, table and figure rules, and one that keeps them all.
RULE_PAGES = {
    "rules/table_as_text.html": article(
        "<p>| model | P@5 |<br>|---|---|<br>| ours | 0.41 |</p>"
        '<div class="output"><pre>| model | R@1 |\n|\u2014|\u2014|\n| ours | 0.22 |</pre></div>'
    ),
    "rules/progress_bar.html": article(
        '<p>Training.</p><div class="output stderr"><pre>'
        "100%|" + "\u2588" * 10 + "| 10/10 [00:00&lt;00:00, 1234.56it/s]</pre></div>"
    ),
    "rules/cells.html": article(
        TABLE.format(rows=(
            "<tr><td>ours</td><td>NaN</td></tr><tr><td>paper</td><td>&lt;NA&gt;</td></tr>"
            "<tr><td>None</td><td> nan </td></tr><tr><td>other</td><td>0.38</td></tr>"
        ))
        + "<table><tr><td>the zero-shot model beats the...</td><td>0.41</td></tr>"
        "<tr><td>ours</td><td>0.3\u2026</td></tr></table>"
    ),
"rules/03_chapter_without_box.html": article("<h1>A chapter</h1><p>No box here.</p>"),
    "rules/figures.html": article(
        '<img src="../red.png" alt="small" width="120">'
        '<div style="overflow-x: auto"><img src="../wide.png" alt="wide" style="width: 1000px"></div>'
    ),
    "rules/04_chapter_keeps_every_rule.html": (
        '<img src="../red.png" alt="logo">'  # a tiny logo outside the article is not a figure
        + article(
            '<div class="results-at-a-glance"><p>Results at a glance</p></div>'
            "<p>Recall rose by 33% | see the table; a|b is a pipe; 10/10 runs finished.</p>"
            + TABLE.format(rows=(
                "<tr><td>None of the above</td><td>0.41</td></tr><tr><td>e.g. ours</td><td>n/a</td></tr>"
                "<tr><td>a table inside a cell</td><td>|---|---|</td></tr>"
            ))
            + '<img src="../wide.png" alt="fits" style="width: 640px">'
            + '<img src="../wide.png" alt="rounding" style="width: 721.5px">'
            + '<details><summary>code</summary><pre>print("|---|---|")\n'
            "  3%|\u258e         | 1/30 [00:01&lt;00:29,  1.00it/s]</pre></details>"
        )
    ),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("site")
    write_png(root / "red.png")
    (root / "sub").mkdir()
    (root / "good.html").write_text(page(
        "A good page",
        '<h1>Good</h1><p>The dog: dog / 狗 / Hund / 犬</p><img src="red.png" alt="red">'
        '<a href="sub/other.html">other</a> <a href="#top">top</a>',
    ), encoding="utf-8")
    (root / "sub" / "other.html").write_text(page("Other", '<p>back to <a href="../good.html">good</a></p>'))
    (root / "broken_image.html").write_text(page("Broken image", '<img src="missing.png" alt="gone">'))
    (root / "outside.html").write_text(page(
        "Outside",
        '<p>text</p><script src="https://cdn.example.org/lib.js"></script>'
        '<script>fetch("http://example.com/track").catch(() => {});</script>',
    ))
    (root / "no_title.html").write_text(page(None, "<p>no title here</p>"))
    (root / "dead_link.html").write_text(page("Dead link", '<a href="nowhere.ipynb">download</a>'))
    (root / "math_without_mathjax.html").write_text(page("Math", '<p><span class="math">\\(x^2\\)</span></p>'))
    (root / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=good.html" />')
    write_png(root / "wide.png", (1000, 50))
    (root / "rules").mkdir()
    for name, body in RULE_PAGES.items():
        (root / name).write_text(page(Path(name).stem, body), encoding="utf-8")
    # assets' folders are not pages
    (root / "_static").mkdir()
    (root / "_static" / "skip.html").write_text("<p>not a page</p>")
    return root


def problems_of(reports, name: str) -> list[str]:
    return next(r for r in reports if r.page == name).problems


def test_html_pages_skips_asset_folders(site):
    names = [p.relative_to(site).as_posix() for p in html_pages(site)]
    assert "_static/skip.html" not in names
    assert names == sorted(names)
    assert {"good.html", "sub/other.html", "index.html"} <= set(names)


def test_cjk_text_nodes_walks_children_frames_and_shadow_roots():
    tree = {
        "nodeType": 9, "children": [
            {"nodeType": 1, "children": [{"nodeType": 3, "nodeValue": "plain", "nodeId": 1}]},
            {"nodeType": 1, "shadowRoots": [{"nodeType": 11, "children": [{"nodeType": 3, "nodeValue": "狗", "nodeId": 2}]}]},
            {"nodeType": 1, "contentDocument": {"nodeType": 9, "children": [{"nodeType": 3, "nodeValue": "犬 dog", "nodeId": 3}]}},
        ],
    }
    assert [n["nodeId"] for n in _cjk_text_nodes(tree)] == [2, 3]


@pytest.mark.skipif(shutil.which("fc-list") is None, reason="no fontconfig")
def test_font_coverage_reads_fontconfig_charsets():
    fonts = FontCoverage()
    families = subprocess.run(["fc-list", "-f", "%{family[0]}\\n", ":charset=41"], capture_output=True, text=True).stdout.split("\n")
    family = next(f for f in families if f)
    assert fonts.covers(family, "A")
    assert fonts.missing({"A"}, [family]) == set()
    assert fonts.missing({"狗"}, ["No Such Font Family 123"]) == {"狗"}


@pytest.fixture(scope="module")
def reports(site, tmp_path_factory):
    if NO_BROWSER:
        pytest.skip(NO_BROWSER)
    shots = tmp_path_factory.mktemp("shots")
    return check_site(site, BrowserCheckConfig(screenshots=shots, timeout_ms=15_000)), shots


@needs_chromium
def test_good_pages_pass_and_are_screenshotted(reports):
    found, shots = reports
    cjk_fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    if not cjk_fonts.strip():
        pytest.skip("no CJK font installed (fonts-noto-cjk)")
    assert problems_of(found, "good.html") == []
    assert problems_of(found, "sub/other.html") == []
    good = next(r for r in found if r.page == "good.html")
    assert good.title == "A good page"
    assert good.screenshot == shots / "good.png"
    assert good.screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (shots / "sub__other.png").exists()


@needs_chromium
def test_broken_image_is_found(reports):
    problems = problems_of(reports[0], "broken_image.html")
    assert any(p.startswith("image did not load") and "missing.png" in p for p in problems)
    assert any(p.startswith("missing file requested") for p in problems)


@needs_chromium
def test_outside_requests_are_blocked_and_reported(reports):
    found = reports[0]
    report = next(r for r in found if r.page == "outside.html")
    assert "https://cdn.example.org/lib.js" in report.outside_requests
    assert "http://example.com/track" in report.outside_requests
    assert any("references an outside resource" in p and "cdn.example.org" in p for p in report.problems)
    assert any(p == "request to outside address blocked: http://example.com/track" for p in report.problems)
    assert all(not r.outside_requests for r in found if r.page != "outside.html")


@needs_chromium
def test_missing_title_is_found(reports):
    assert "page has no title" in problems_of(reports[0], "no_title.html")


@needs_chromium
def test_link_to_missing_file_is_found(reports):
    problems = problems_of(reports[0], "dead_link.html")
    assert any(p.startswith("link to a missing file") and p.endswith("nowhere.ipynb") for p in problems)


@needs_chromium
def test_math_that_mathjax_never_typeset_is_found(reports):
    assert problems_of(reports[0], "math_without_mathjax.html") == ["page has math but MathJax did not load"]


@needs_chromium
def test_redirect_page_is_checked_for_its_target(reports):
    report = next(r for r in reports[0] if r.page == "index.html")
    assert report.ok and "good.html" in report.title


@needs_chromium
@pytest.mark.skipif(not DEJAVU.is_dir(), reason="needs the DejaVu fonts as a font set without CJK glyphs")
def test_cjk_text_fails_without_a_cjk_font(tmp_path):
    """With a font set that has no CJK glyphs, the browser draws boxes and the check says so."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "cjk.html").write_text(page("CJK", "<p>The dog: dog / 狗 / Hund / 犬</p><p>Latin only</p>"), encoding="utf-8")
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
        f"<fontconfig><dir>{DEJAVU}</dir><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>"
    )
    found = check_site(root, BrowserCheckConfig(fontconfig_file=conf, timeout_ms=15_000))
    problems = problems_of(found, "cjk.html")
    assert len(problems) == 1
    assert problems[0].startswith("CJK text without a CJK font (1 text nodes)")
    assert "狗" in problems[0] and "犬" in problems[0]


@needs_chromium
def test_command_line_exit_status(site, tmp_path, capsys):
    good_only = tmp_path / "good"
    good_only.mkdir()
    (good_only / "page.html").write_text(page("Fine", "<p>fine</p>"))
    assert main([str(good_only), "--screenshots", str(tmp_path / "shots")]) == 0
    assert (tmp_path / "shots" / "page.png").exists()
    bad_only = tmp_path / "bad"
    bad_only.mkdir()
    shutil.copy(site / "no_title.html", bad_only / "no_title.html")
    shutil.copy(site / "rules" / "03_chapter_without_box.html", bad_only / "03_chapter_without_box.html")
    shutil.copy(site / "rules" / "table_as_text.html", bad_only / "table_as_text.html")
    assert main([str(bad_only)]) == 1
    out = capsys.readouterr().out
    assert "no_title.html:" in out and "page has no title" in out
    assert "3 pages checked, 3 with problems" in out
    assert "\n03_chapter_without_box.html:\n  - chapter page has no Results at a glance box" in out
    assert "\ntable_as_text.html:\n  - Markdown table shown as text" in out
    assert main([str(tmp_path / "does-not-exist")]) == 2


# ---------------------------------------------------------------------------------------------
# The text, table and figure rules, without a browser
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "| model | P@5 |\n|---|---|\n| ours | 0.41 |",
    "| a | b | |\u2014|\u2014| | 1 | 2 |",  # smart quotes made --- an em dash
    "|\u2013|",
    "| :--- | ---: |",
    "|-|",
])
def test_markdown_table_separators_are_found(text):
    found = markdown_table_separators(text)
    assert len(found) == 1
    assert "|" in found[0]


@pytest.mark.parametrize("text", ["a | b", "x - y | z", "|a|b|", "p(x|y) - p(y|x)", "| - x |", ""])
def test_prose_with_pipes_is_not_a_markdown_table(text):
    assert markdown_table_separators(text) == []


def test_markdown_table_separators_are_reported_once_per_line():
    text = "intro\n| a | b | c |\n|---|---|---|\n| 1 | 2 | 3 |\n\n| d |\n|:-:|"
    found = markdown_table_separators(text)
    assert len(found) == 2
    assert "|---|---|---|" in found[0] and "|:-:|" in found[1]


@pytest.mark.parametrize("text", [
    " 33%|\u2588\u2588\u2588\u258e      | 1/3 [00:01<00:02,  1.00it/s]",
    "|\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588| 10/10",
    "epoch 2: [00:05<00:10, 2.50s/it]",
    "  0%|          | 0/10 [00:00<?, ?it/s]",
    "\u2587\u2587\u2587\u2587 45%",
    "45% \u2587\u2587",
    "3/10 [=====>....] - ETA: 2s",
])
def test_progress_bar_text_is_found(text):
    assert progress_bar_texts(text) != []


@pytest.mark.parametrize("text", [
    "Recall rose by 33% | see the table",
    "10/10 runs finished; P@5 = 33%.",
    "units such as it/s are per second",
    "\u2588 a lone block",
    "| 33% | 40% |",
])
def test_prose_is_not_progress_bar_text(text):
    assert progress_bar_texts(text) == []


def test_progress_bar_text_is_quoted_without_repeats():
    line = "100%|\u2588\u2588\u2588\u2588| 4/4 [00:00<00:00, 9.50it/s]"
    found = progress_bar_texts(line + "\n" + line)
    assert 1 <= len(found) <= 3
    assert len(set(found)) == len(found)
    assert "100%|" in found[0]


@pytest.mark.parametrize("text, kind", [
    ("NaN", "missing"), (" nan ", "missing"), ("<NA>", "missing"), ("None", "missing"), ("NaT", "missing"),
    ("the zero-shot model beats the...", "truncated"), ("0.3\u2026", "truncated"), ("...", "truncated"),
    ("0.41", None), ("None of the above", None), ("nano", None), ("e.g.", None), ("", None), ("NA", None),
])
def test_cell_problem(text, kind):
    assert cell_problem(text, ContentRules()) == kind


@pytest.mark.parametrize("relative, chapter", [
    ("book/_generated/02_cross_lingual.html", True),
    ("00_toy_world.html", True),
    ("book/_generated/claims.html", False),
    ("book/intro.html", False),
    ("book/bibliography.html", False),
    ("book/_generated/2_short.html", False),
    ("book/_generated/123_three_digits.html", False),
    ("book/02_x/notes.html", False),
])
def test_is_chapter_page(relative, chapter):
    assert is_chapter_page(relative) is chapter


@pytest.mark.parametrize("width, column, kind", [
    (120, 720, "narrow"), (299.5, 720, "narrow"), (300, 720, None), (640, 720, None),
    (721.9, 720, None), (722.5, 720, "wide"), (1000, 720, "wide"), (1000, None, None),
])
def test_figure_problem(width, column, kind):
    assert figure_problem(Figure("x.png", width, 100), column, ContentRules()) == kind


def test_figures_not_loaded_or_not_drawn_are_not_judged():
    rules = ContentRules()
    assert figure_problem(Figure("x.png", 0, 0, loaded=False), 720, rules) is None
    assert figure_problem(Figure("x.png", 0, 0, shown=False), 720, rules) is None


def test_content_rules_reject_bad_thresholds():
    with pytest.raises(ValueError, match="min_figure_width_px"):
        ContentRules(min_figure_width_px=-1)
    with pytest.raises(ValueError, match="results_box_class"):
        ContentRules(results_box_class="two classes")
    with pytest.raises(ValueError, match="max_examples"):
        ContentRules(max_examples=0)


def test_clean_chapter_content_has_no_problems():
    content = PageContent(
        page="book/_generated/02_cross_lingual.html",
        visible_text="Recall rose by 33% | see the table.",
        text_blocks=[TextBlock("p", "a | b")],
        cells=[TableCell(1, 2, 2, "0.41", header="P@5")],
        has_results_box=True,
        figures=[Figure("file:///b/_images/fig.png", 640, 480)],
        column_width=720,
    )
    assert content_problems(content) == []


def test_content_problems_name_what_was_found():
    content = PageContent(
        page="book/_generated/02_cross_lingual.html",
        visible_text="ok\n 50%|\u2588\u2588\u2588\u2588\u2588     | 5/10 [00:01<00:01, 4.20it/s]\n",
        text_blocks=[TextBlock("p", "| model | P@5 |\n|---|---|"), TextBlock("li", "fine | text")],
        cells=[
            TableCell(1, 2, 2, "NaN", header="P@5", caption="Paper vs ours"),
            TableCell(2, 3, 1, "a long claim that was cut..."),
        ],
        has_results_box=False,
        figures=[
            Figure("file:///b/_images/small.png", 120, 90),
            Figure("data:image/png;base64,iVBORw0KGgo=", 1000.4, 200),
        ],
        column_width=720,
    )
    problems = content_problems(content)
    assert len(problems) == 7
    table, bar, missing, truncated, box, narrow, wide = problems
    assert table.startswith("Markdown table shown as text, outside any <table> (1 place): <p> '")
    assert "|---|---|" in table
    assert bar.startswith("progress-bar text on the page (") and "50%|" in bar
    assert missing == (
        "table cells showing a missing value (1 cell): table 1 ('Paper vs ours'), row 2, column 'P@5': 'NaN'"
    )
    assert truncated == (
        "table cells cut short with an ellipsis (1 cell): table 2, row 3, column 1: 'a long claim that was cut...'"
    )
    assert box == "chapter page has no Results at a glance box (no element of class 'results-at-a-glance')"
    assert narrow == "figures narrower than 300 px (1 figure): small.png drawn 120\u00d790 px"
    assert wide == (
        "figures wider than the 720 px text column (1 figure): data:image/png;base64,... drawn 1000\u00d7200 px"
    )


def test_content_problems_quote_a_few_examples_and_count_the_rest():
    cells = [TableCell(1, row, 1, "NaN") for row in range(1, 9)]
    [problem] = content_problems(PageContent(page="claims.html", cells=cells), ContentRules(max_examples=2))
    assert problem.startswith("table cells showing a missing value (8 cells): table 1, row 1, column 1: 'NaN'; row 2, ")
    assert problem.endswith("; and 6 more")


def test_page_content_from_probe():
    probe = {
        "visibleText": "text", "textBlocks": [{"tag": "p", "text": "|-|"}],
        "cells": [{"table": 1, "row": 1, "column": 1, "text": "None", "header": "", "caption": ""}],
        "hasResultsBox": True, "column": 700.5,
        "figures": [{"src": "a.png", "width": 10, "height": 5, "loaded": True, "shown": True}],
    }
    content = PageContent.from_probe("book/_generated/01_x.html", probe)
    assert content.text_blocks == [TextBlock("p", "|-|")]
    assert content.cells[0].text == "None" and content.has_results_box and content.column_width == 700.5
    assert content.figures == [Figure("a.png", 10, 5)]
    empty = PageContent.from_probe("x.html", {})
    assert empty.column_width is None and empty.figures == [] and not empty.has_results_box


# ---------------------------------------------------------------------------------------------
# The text, table and figure rules in the browser
# ---------------------------------------------------------------------------------------------


@needs_chromium
def test_page_that_keeps_every_rule_passes(reports):
    assert problems_of(reports[0], "rules/04_chapter_keeps_every_rule.html") == []


@needs_chromium
def test_markdown_table_rendered_as_text_is_found(reports):
    [problem] = problems_of(reports[0], "rules/table_as_text.html")
    assert problem.startswith("Markdown table shown as text, outside any <table> (2 places): <p> '")
    assert "'| model | P@5 | |---|---| | ours | 0.41 |'" in problem  # the <br>s read as line breaks
    assert "; <pre> '" in problem and "|\u2014|\u2014|" in problem


@needs_chromium
def test_progress_bar_text_is_found_in_the_page(reports):
    [problem] = problems_of(reports[0], "rules/progress_bar.html")
    assert problem == (
        "progress-bar text on the page (1 place): "
        "'100%|\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588| 10/10 [00:00<00:00, 1234.56it/s]'"
    )


@needs_chromium
def test_table_cells_with_missing_values_or_cut_short_are_found(reports):
    missing, truncated = problems_of(reports[0], "rules/cells.html")
    assert missing.startswith("table cells showing a missing value (4 cells): ")
    assert missing == (
        "table cells showing a missing value (4 cells): table 1 ('Paper vs ours'), row 2, column 'P@5': 'NaN'; "
        "row 3, column 'P@5': '<NA>'; row 4, column 'model': 'None'; row 4, column 'P@5': 'nan'"
    )
    assert truncated == (
        "table cells cut short with an ellipsis (2 cells): "
        "table 2, row 1, column 1: 'the zero-shot model beats the...'; row 2, column 2: '0.3\u2026'"
    )


@needs_chromium
def test_chapter_without_results_box_is_found(reports):
    assert problems_of(reports[0], "rules/03_chapter_without_box.html") == [
        "chapter page has no Results at a glance box (no element of class 'results-at-a-glance')"
    ]
    not_chapters = [r for r in reports[0] if not Path(r.page).name[:2].isdigit()]
    assert not any("Results at a glance" in p for r in not_chapters for p in r.problems)


@needs_chromium
def test_figures_too_narrow_or_wider_than_the_column_are_found(reports):
    assert problems_of(reports[0], "rules/figures.html") == [
        "figures narrower than 300 px (1 figure): red.png drawn 120\u00d790 px",
        "figures wider than the 720 px text column (1 figure): wide.png drawn 1000\u00d750 px",
    ]


# ---------------------------------------------------------------------------------------------
# Badges that read without colour; links to a place in a page
# ---------------------------------------------------------------------------------------------


def test_a_badge_must_say_its_verdict_in_words():
    from tagbook.browsercheck import PageContent, badge_has_words, content_problems

    assert badge_has_words("◐ partly: 2 of 3") and badge_has_words("✗ not held") and badge_has_words("✓ held")
    assert not badge_has_words("✓") and not badge_has_words("") and not badge_has_words("2 / 3")
    page = PageContent(page="book/_generated/claims.html", badges=["✓ held", "✗", "◐ 2/3"])
    problems = content_problems(page)
    assert len(problems) == 1 and "readable only by their colour" in problems[0]
    assert "'✗'" in problems[0] and "'◐ 2/3'" in problems[0] and "held" not in problems[0].split(":", 1)[1]
    assert content_problems(PageContent(page="x.html", badges=["✓ held"])) == []


def test_links_to_a_place_in_a_page_must_find_it(tmp_path):
    from tagbook.browsercheck import missing_anchors

    chapter = tmp_path / "02_x.html"
    chapter.write_text('<section id="the-evidence"><span id="claim-02-a"></span></section>')
    base = chapter.as_uri()
    links = [f"{base}#claim-02-a", f"{base}#the-evidence", f"{base}#claim-02-gone", base,
             f"{(tmp_path / 'missing.html').as_uri()}#x", "https://example.org/#x", f"{base}#top"]
    assert missing_anchors(links) == [f"{base}#claim-02-gone"]
    assert missing_anchors([f"{base}#claim%2D02%2Da"]) == []  # an escaped fragment is the same place
