"""The chapter driver executes a Jupytext script with papermill and shows the parameters used."""

import json
import textwrap

import nbformat
import pytest

from tagbook.book import BookError, execute_chapter

CHAPTER = textwrap.dedent(
    '''\
    # %% [markdown]
    # # Demo chapter

    # %% tags=["parameters"]
    n_items = 3  # [1, 100] how many items
    seed = 0  # [0, 4294967295] random seed

    # %%
    from tagbook.params import chapter_parameters
    from tagbook.report import ClaimsLedger
    params = chapter_parameters("08", globals())

    # %%
    ledger = ClaimsLedger("08", parameters=params)
    ledger.check("sum", "demo", "the items sum to n(n+1)/2", "nowhere",
                 {"sum": sum(range(1, n_items + 1))}, holds=sum(range(1, n_items + 1)) == n_items * (n_items + 1) // 2,
                 tier="toy")
    ledger.write()
    assert n_items != 13, "unlucky"
    '''
)


@pytest.fixture
def book_root(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "08_demo.py").write_text(CHAPTER)
    monkeypatch.setenv("TAGBOOK_ROOT", str(tmp_path))
    return tmp_path


@pytest.mark.slow
def test_execute_chapter_injects_parameters_and_writes_claims(book_root):
    out = execute_chapter(book_root / "notebooks" / "08_demo.py", {"n_items": 5})
    assert out == book_root / "book" / "_generated" / "08_demo.ipynb"
    nb = nbformat.read(out, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "n_items = 5" in injected[0].source
    shown = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "This page ran with these parameters" in shown
    claims = json.loads((book_root / "book" / "_generated" / "08.claims.json").read_text())
    assert claims[0]["evidence"] == {"sum": 15.0} and claims[0]["parameters"]["n_items"] == 5

    # a failing run names the cell and removes the previous run's claims
    with pytest.raises(BookError, match="AssertionError: unlucky"):
        execute_chapter(book_root / "notebooks" / "08_demo.py", {"n_items": 13})
    assert not (book_root / "book" / "_generated" / "08.claims.json").exists()
    assert (book_root / "book" / "_generated" / "08_demo.failed.ipynb").exists()

    # a later good run clears the failed run's notebook
    execute_chapter(book_root / "notebooks" / "08_demo.py", {"n_items": 4})
    assert not (book_root / "book" / "_generated" / "08_demo.failed.ipynb").exists()
    assert json.loads((book_root / "book" / "_generated" / "08.claims.json").read_text())[0]["evidence"] == {"sum": 10.0}
