"""Incremental builds: a chapter runs again only when something it depends on changed; a failed or
interrupted run is always run again, and an interrupted run keeps the previous claims in place.

A tiny chapter in a temporary book root, a copy of nothing real: each kernel run takes seconds."""

import json
import textwrap

import nbformat
import papermill
import pytest

import tagbook.book as book
from tagbook.book import BookError, plan_chapter, run_chapters

CHAPTER = textwrap.dedent(
    '''\
    # %% [markdown]
    # # Tiny chapter

    # %% [markdown] tags=["run-this-chapter"] tier="toy" reads=["{root}/data/table.csv"]
    # *Run this chapter: filled in when the book is built.*

    # %% tags=["parameters"]
    n_items = 3  # [1, 100] how many items
    extra_dir = None  # (str) another folder it reads

    # %% [markdown]
    # ## The sum of the items
    #
    # Gauss's formula, checked.

    # %%
    from pathlib import Path
    from tagbook.report import ClaimsLedger
    ledger = ClaimsLedger("07", parameters={"n_items": n_items})
    rows = Path("../data/table.csv").read_text().split()
    total = sum(range(1, n_items + 1))
    ledger.check("gauss", "toy-world", "the items sum to n(n+1)/2", "nowhere", {"sum": total, "rows": len(rows)},
                 holds=total == n_items * (n_items + 1) // 2, tier="toy")
    ledger.write()
    assert n_items != 13, "unlucky"
    '''
)


@pytest.fixture
def root(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "table.csv").write_text("a\nb\n")
    (tmp_path / "notebooks" / "07_tiny.py").write_text(CHAPTER)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["a==1"]\n')
    library = tmp_path / "lib" / "tagbook"
    library.mkdir(parents=True)
    (library / "methods.py").write_text("def f():\n    return 1\n")
    monkeypatch.setenv("TAGBOOK_ROOT", str(tmp_path))
    monkeypatch.setattr(book, "library_dir", lambda: library)
    return tmp_path


def source(root):
    return root / "notebooks" / "07_tiny.py"


def actions(result):
    return [(a["action"], a["reason"]) for a in result]


def claims(root):
    return json.loads((root / "book" / "_generated" / "07.claims.json").read_text())


@pytest.mark.slow
def test_the_dependency_rule(root):
    generated = root / "book" / "_generated"
    assert actions(run_chapters([source(root)])) == [("executed", "never executed")]
    state = json.loads((generated / "07.build.json").read_text())
    assert state["status"] == "ok" and state["claims"] is True and state["seconds"] > 0
    assert claims(root)[0]["evidence"] == {"sum": 6.0, "rows": 2.0}
    first = (generated / "07_tiny.ipynb").stat().st_mtime_ns

    # the claim's anchor sits at the heading of the section whose cell recorded it
    from tagbook.report.claims import cell_digest
    nb = nbformat.read(generated / "07_tiny.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and cell_digest(c.source) == claims(root)[0]["cell"]]
    assert code and "ledger.check" in code[0].source
    section = [c for c in nb.cells if c.cell_type == "markdown" and "## The sum of the items" in c.source]
    assert section[0].source.startswith("(claim-07-gauss)=\n## The sum of the items")

    # nothing changed: reused, the executed notebook left as it was
    assert actions(run_chapters([source(root)])) == [("reused", "nothing it depends on changed")]
    assert (generated / "07_tiny.ipynb").stat().st_mtime_ns == first
    record = json.loads((generated / "build.json").read_text())
    assert [c["action"] for c in record["chapters"]] == ["reused"]

    # each kind of input, changed on its own, makes the chapter run again
    (root / "lib" / "tagbook" / "methods.py").write_text("def f():\n    return 2\n")
    assert plan_chapter(source(root)).reason == "library changed"
    (root / "lib" / "tagbook" / "methods.py").write_text("def f():\n    return 1\n")  # back as it was
    assert not plan_chapter(source(root)).execute
    (root / "data" / "table.csv").write_text("a\nb\nc\n")
    assert plan_chapter(source(root)).reason == "data changed"
    assert plan_chapter(source(root), {"n_items": 4}).reason == "parameters and data changed"
    (root / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["a==2"]\n')
    assert plan_chapter(source(root)).reason == "environment and data changed"
    assert plan_chapter(source(root), force=True).reason == "forced"
    (root / "extra").mkdir()
    assert "data changed" in plan_chapter(source(root), {"extra_dir": str(root / "extra")}).reason

    # the library changed: executed again, and the new run's evidence is what the page gathers
    (root / "lib" / "tagbook" / "new_module.py").write_text("X = 1\n")
    result = run_chapters([source(root)])
    assert result[0]["action"] == "executed" and "library" in result[0]["reason"]
    assert claims(root)[0]["evidence"] == {"sum": 6.0, "rows": 3.0}
    assert actions(run_chapters([source(root)])) == [("reused", "nothing it depends on changed")]

    # claims written by a run outside the build (papermill by hand) do not match the page: run again
    import os
    state_time = (generated / "07.build.json").stat().st_mtime_ns
    os.utime(generated / "07.claims.json", ns=(state_time + 10**9, state_time + 10**9))
    assert plan_chapter(source(root)).reason == "its claims were written outside the book build"

    # an executed notebook or claims file that went missing is made again
    (generated / "07.claims.json").unlink()
    assert plan_chapter(source(root)).reason == "its claims file is missing"


@pytest.mark.slow
def test_an_interrupted_run_keeps_the_previous_claims_and_runs_again(root, monkeypatch):
    generated = root / "book" / "_generated"
    run_chapters([source(root)])
    before = claims(root)
    assert before[0]["evidence"]["sum"] == 6.0

    real = papermill.execute_notebook

    def interrupted(*args, **kwargs):  # the kernel finished its cells, then Ctrl-C before the driver moved them
        real(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(papermill, "execute_notebook", interrupted)
    source(root).write_text(CHAPTER.replace("n_items = 3", "n_items = 5"))
    with pytest.raises(KeyboardInterrupt):
        run_chapters([source(root)])
    # the page still has the previous run's claims and notebook, and the state says it was cut short
    assert claims(root) == before
    assert (generated / "07_tiny.ipynb").is_file()
    assert json.loads((generated / "07.build.json").read_text())["status"] == "running"
    assert plan_chapter(source(root)).reason == "its last run was interrupted"
    from tagbook.report import write_claims_page
    assert "`gauss`" in write_claims_page(generated).read_text()

    monkeypatch.setattr(papermill, "execute_notebook", real)
    assert actions(run_chapters([source(root)])) == [("executed", "its last run was interrupted")]
    assert claims(root)[0]["evidence"]["sum"] == 15.0

    # a failed run is always run again, even with nothing changed since
    source(root).write_text(CHAPTER.replace("n_items = 3", "n_items = 13"))
    with pytest.raises(BookError, match="unlucky"):
        run_chapters([source(root)])
    assert plan_chapter(source(root)).reason == "its last run failed"
    record = json.loads((generated / "build.json").read_text())
    assert record["chapters"][-1]["action"] == "failed"


def test_the_book_command_passes_force_and_only_and_says_how_to_serve_the_book(monkeypatch, capsys, tmp_path):
    import tagbook.book
    from tagbook.cli import main

    calls = []
    index = tmp_path / "_build" / "html" / "index.html"
    monkeypatch.setattr(tagbook.book, "build_book", lambda **kw: calls.append(kw) or index)
    assert main(["book"]) == 0
    assert main(["book", "--force"]) == 0
    assert main(["book", "--only", "03", "05"]) == 0
    assert calls == [{"execute": True, "only": None, "force": False}, {"execute": True, "only": None, "force": True},
                     {"execute": True, "only": ["03", "05"], "force": False}]
    out = capsys.readouterr().out
    assert f"file://{index}" in out and f"python -m http.server -d {index.parent}" in out


def test_the_build_page_says_what_the_build_did_with_each_chapter(root):
    from tagbook.report.buildinfo import write_build_page

    generated = root / "book" / "_generated"
    generated.mkdir(parents=True)
    (generated / "07.build.json").write_text(json.dumps(
        {"status": "ok", "seconds": 75.0, "finished": "2026-01-01T10:00:00+00:00"}))
    (generated / "08.build.json").write_text(json.dumps(
        {"status": "ok", "seconds": 3.0, "finished": "2026-01-01T12:00:00+00:00"}))
    (generated / "build.json").write_text(json.dumps({
        "started": "2026-01-01T10:59:00+00:00", "finished": "2026-01-01T11:00:00+00:00",
        "chapters": [{"notebook": "07_tiny", "action": "reused", "reason": "nothing it depends on changed"},
                     {"notebook": "08_other", "action": "executed", "reason": "library changed"}]}))
    page = write_build_page([source(root), root / "notebooks" / "08_other.py", root / "notebooks" / "09_new.py"],
                            generated).read_text()
    assert "| 07_tiny | reused (nothing it depends on changed) | 1 min 15 s | 2026-01-01T10:00:00+00:00 | ok |" in page
    assert "| 08_other | executed after the last `tagbook book` (by `tagbook run`) | 3.0 s |" in page
    assert "| 09_new | never executed | — | — | — |" in page
    assert "1 executed, 1 reused" in page and "| CPU cores |" in page and "| papermill |" in page
