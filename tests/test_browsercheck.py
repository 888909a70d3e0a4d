"""The real-browser check finds each kind of broken page on a tiny hand-made site."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tagbook.browsercheck import (
    CHROMIUM,
    BrowserCheckConfig,
    FontCoverage,
    _cjk_text_nodes,
    check_site,
    html_pages,
    main,
)

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium (bash scripts/install-browser.sh installs it)"
)
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def page(title: str | None, body: str) -> str:
    head = f"<title>{title}</title>" if title is not None else ""
    return f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'


def write_png(path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (8, 6), (200, 30, 30)).save(path)


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
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (bash scripts/install-browser.sh installs it)")
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
    assert main([str(bad_only)]) == 1
    out = capsys.readouterr().out
    assert "no_title.html:" in out and "page has no title" in out
    assert main([str(tmp_path / "does-not-exist")]) == 2
