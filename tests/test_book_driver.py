"""The chapter driver executes a Jupytext script with papermill, shows the parameters used, and
finishes the executed notebook: the two boxes at the top, no progress bars, code input hidden."""

import json
import os
import textwrap

import nbformat
import pytest

from tagbook.book import (
    BookError,
    BoxSettings,
    command_parameters,
    execute_chapter,
    finish_chapter,
    hide_code_inputs,
    is_progress_bar,
    place_box,
    strip_progress_bars,
)
from tagbook.params import read_parameter_specs

CHAPTER = textwrap.dedent(
    '''\
    # %% [markdown]
    # # Demo chapter
    #
    # *A paper, 2020.*

    # %% [markdown] tags=["results-at-a-glance"]
    # *Results at a glance: filled in when the book is built.*

    # %% [markdown] tags=["run-this-chapter"] command=["n_items"] tier="toy"
    # *Run this chapter: filled in when the book is built.*

    # %% tags=["parameters"]
    n_items = 3  # [1, 100] how many items
    seed = 0  # [0, 4294967295] random seed
    label = "demo"  # a label

    # %%
    from tagbook.params import chapter_parameters
    from tagbook.report import ClaimsLedger
    params = chapter_parameters("08", globals())

    # %% tags=["show-input"]
    import sys
    from tqdm import tqdm
    for _ in tqdm(range(3), desc="quietbar"):
        pass
    for _ in tqdm(range(3), desc="loudbar", disable=False):  # explicit: TQDM_DISABLE cannot stop it
        pass
    print("after the loops")
    print("a plain warning", file=sys.stderr)

    # %% tags=["remove-input"]
    ledger = ClaimsLedger("08", parameters=params)
    total = sum(range(1, n_items + 1))
    ledger.check("sum", "demo", "the items sum to n(n+1)/2", "nowhere", {"sum": total},
                 holds=total == n_items * (n_items + 1) // 2, tier="toy",
                 paper_value=6, ours=float(total), reason="Gauss", short="Gauss sum")
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


def tagged(nb, tag):
    return [c for c in nb.cells if tag in c.metadata.get("tags", [])]


@pytest.mark.slow
def test_execute_chapter_injects_parameters_writes_claims_and_finishes_the_page(book_root):
    generated = book_root / "book" / "_generated"
    out = execute_chapter(book_root / "notebooks" / "08_demo.py", {"n_items": 5, "label": "x y"})
    assert out == generated / "08_demo.ipynb"
    nb = nbformat.read(out, as_version=4)
    injected = tagged(nb, "injected-parameters")
    assert injected and "n_items = 5" in injected[0].source
    shown = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "This page ran with these parameters" in shown
    claims = json.loads((generated / "08.claims.json").read_text())
    assert claims[0]["evidence"] == {"sum": 15.0} and claims[0]["parameters"]["n_items"] == 5

    # the boxes replace the placeholders, in place, right after the title cell
    assert [c.metadata.get("tags") for c in nb.cells[1:3]] == [["results-at-a-glance"], ["run-this-chapter"]]
    results, run = nb.cells[1].source, nb.cells[2].source
    assert results.startswith("```{admonition} Results at a glance\n:class: results-at-a-glance\n")
    assert "| Gauss sum | 6 | 15 | held | Gauss |" in results
    assert run.startswith("````{admonition} Run this chapter\n:class: run-this-chapter\n")
    # declared n_items first, then the overridden label; seed keeps its default and is left out
    assert "tagbook run 08 -p n_items 5 -p label 'x y'\n" in run
    assert "`toy`" in run and "Run time of the run shown on this page: " in run
    record = json.loads((generated / "08.run.json").read_text())
    assert record["seconds"] > 0 and record["parameters"] == {"n_items": 5, "seed": 0, "label": "x y"}
    assert record["command"] == "tagbook run 08 -p n_items 5 -p label 'x y'"

    # no progress bar anywhere, the other output of that cell kept
    assert "quietbar" not in shown and "loudbar" not in shown and "it/s" not in shown
    assert "after the loops" in shown and "a plain warning" in shown

    # code input hidden unless the cell says otherwise
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all("hide-input" in c.metadata.tags for c in code if not {"show-input", "remove-input"} & set(c.metadata.get("tags", [])))
    assert "hide-input" not in tagged(nb, "show-input")[0].metadata.tags
    assert tagged(nb, "remove-input")[0].metadata.tags == ["remove-input"]
    assert "hide-input" in tagged(nb, "parameters")[0].metadata.tags
    nbformat.validate(nb)

    # a failing run names the cell and leaves no claims, no run record and no boxes
    with pytest.raises(BookError, match="AssertionError: unlucky"):
        execute_chapter(book_root / "notebooks" / "08_demo.py", {"n_items": 13})
    assert not (generated / "08.claims.json").exists()
    assert not (generated / "08.run.json").exists()
    failed = nbformat.read(generated / "08_demo.failed.ipynb", as_version=4)
    assert "filled in when the book is built" in tagged(failed, "results-at-a-glance")[0].source
    assert "admonition" not in json.dumps([c.source for c in failed.cells if c.cell_type == "markdown"])

    # a later good run clears the failed run's notebook
    execute_chapter(book_root / "notebooks" / "08_demo.py", {"n_items": 4})
    assert not (generated / "08_demo.failed.ipynb").exists()
    assert json.loads((generated / "08.claims.json").read_text())[0]["evidence"] == {"sum": 10.0}


def test_a_bad_command_declaration_is_refused_before_the_chapter_runs(book_root):
    source = book_root / "notebooks" / "08_demo.py"
    source.write_text(CHAPTER.replace('command=["n_items"]', 'command=["n_itmes"]'))
    with pytest.raises(BookError, match="08_demo.py: .*unknown parameter 'n_itmes'; known: n_items, seed, label"):
        execute_chapter(source)
    source.write_text(CHAPTER.replace('tier="toy"', 'tier="real"'))
    with pytest.raises(BookError, match="`tier` must be one of"):
        execute_chapter(source)


# ---------------------------------------------------------------------------------------------
# The finishing steps on their own (no kernel)
# ---------------------------------------------------------------------------------------------


def notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def code(source="x = 1", tags=(), outputs=()):
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)} if tags else {})
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    return cell


def stream(text, name="stderr"):
    return {"output_type": "stream", "name": name, "text": text}


# what tqdm writes into a notebook's stderr stream: carriage returns between redraws
BAR = ("\rloudbar:   0%|          | 0/3 [00:00<?, ?it/s]"
       "\rloudbar: 100%|██████████| 3/3 [00:00<00:00, 54947.21it/s]\n")


@pytest.mark.parametrize("line", [
    "loudbar: 100%|██████████| 3/3 [00:00<00:00, 54947.21it/s]",
    "toy world:  40%|####      | 4/10 [00:01<00:02,  3.10img/s, loss=0.3]",
    "epochs: 12it [00:03,  4.00it/s]",
    "encode: 3batch [01:02:03, 12.5s/batch]",
])
def test_progress_bars_are_recognised(line):
    assert is_progress_bar(line)


@pytest.mark.parametrize("line", ["hit@5 = 45% of the images", "[00:01] done", "ratio 3/4 [note]", "a | b | c"])
def test_ordinary_output_is_not_a_progress_bar(line):
    assert not is_progress_bar(line)


def test_strip_progress_bars_keeps_the_rest_of_a_stream():
    nb = notebook(
        code(outputs=[stream(BAR), stream("warning: slow\n" + BAR + "done\n"), stream("1 2 3\n", "stdout")]),
        nbformat.v4.new_markdown_cell("100%|██| not an output"),
    )
    assert strip_progress_bars(nb) == 2
    outputs = nb.cells[0].outputs
    assert [o.text for o in outputs] == ["warning: slow\ndone\n", "1 2 3\n"]
    assert nb.cells[1].source == "100%|██| not an output"
    widget = {"output_type": "display_data", "metadata": {},
              "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "x"},
                       "text/plain": "  0%|          | 0/3 [00:00<?, ?it/s]"}}
    nb = notebook(code(outputs=[widget]))
    assert strip_progress_bars(nb) == 1 and nb.cells[0].outputs == []


def test_hide_code_inputs_respects_the_cells_own_tags():
    cells = [code(), code(tags=["parameters"]), code(tags=["show-input"]), code(tags=["remove-input"]),
             code(tags=["hide-cell"]), code(tags=["hide-input"]), nbformat.v4.new_markdown_cell("text")]
    nb = notebook(*cells)
    assert hide_code_inputs(nb) == 2
    assert [c.metadata.get("tags") for c in nb.cells] == [
        ["hide-input"], ["parameters", "hide-input"], ["show-input"], ["remove-input"], ["hide-cell"],
        ["hide-input"], None,
    ]


def test_boxes_are_inserted_after_the_first_markdown_cell_when_the_notebook_has_no_placeholders():
    nb = notebook(code("import x"), nbformat.v4.new_markdown_cell("# Title"), code())
    claims = [{"id": "a", "paper": "p", "statement": "a claim", "evidence": {"x": 1.0}, "holds": False,
               "tier": "offline-real", "n_checked": 3, "n_held": 2}]
    finish_chapter(nb, "08", claims, {"n_items": 3}, 75.0)
    assert [c.metadata.get("tags") for c in nb.cells[1:4]] == [None, ["results-at-a-glance"], ["run-this-chapter"]]
    assert "| a claim | — | — | partly: 2 of 3 | — |" in nb.cells[2].source
    assert "`offline-real`" in nb.cells[3].source and "1 min 15 s" in nb.cells[3].source
    nbformat.validate(nb)


def test_a_chapter_without_claims_gets_only_the_run_box_and_its_declared_tier():
    nb = notebook(nbformat.v4.new_markdown_cell("# Title"), code())
    finish_chapter(nb, "00", [], {}, 2.0, BoxSettings(tier="toy"))
    assert [c.metadata.get("tags") for c in nb.cells] == [None, ["run-this-chapter"], ["hide-input"]]
    assert "tagbook run 00\n" in nb.cells[1].source and "`toy`" in nb.cells[1].source
    # a results placeholder that is there says that the run recorded no claims
    nb = notebook(nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_markdown_cell("*later*"))
    nb.cells[1].metadata["tags"] = ["results-at-a-glance"]
    finish_chapter(nb, "00", [], {}, 2.0)
    assert "This run recorded no claims." in nb.cells[1].source
    assert nb.cells[2].metadata.tags == ["run-this-chapter"] and "Data: not recorded" in nb.cells[2].source


def test_place_box_fills_every_placeholder_and_otherwise_inserts_after_the_anchor():
    nb = notebook(nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_markdown_cell("a"), code())
    nb.cells[1].metadata["tags"] = ["results-at-a-glance"]
    place_box(nb, "run-this-chapter", "run box", after_tag="results-at-a-glance")
    assert [c.source for c in nb.cells] == ["# Title", "a", "run box", "x = 1"]
    place_box(nb, "results-at-a-glance", "results box")
    assert [c.source for c in nb.cells] == ["# Title", "results box", "run box", "x = 1"]


def test_command_parameters_rule(tmp_path):
    source = tmp_path / "09_x.py"
    source.write_text('# %% tags=["parameters"]\na = 1  # [0, 9]\nb = 2.0\nc = "x"\nd = [1, 2]\n')
    specs = read_parameter_specs(source)
    assert command_parameters(specs, {}) == {"a": 1, "b": 2.0, "c": "x"}
    assert command_parameters(specs, {"d": [3]}) == {"a": 1, "b": 2.0, "c": "x", "d": [3]}
    assert command_parameters(specs, {"a": 1, "c": "y"}, declared=["d"]) == {"d": [1, 2], "c": "y"}
    with pytest.raises(BookError, match="unknown parameter 'e'"):
        command_parameters(specs, {}, declared=["e"])


def test_relative_data_folders_are_made_absolute_before_kernels_start(monkeypatch, tmp_path):
    from tagbook import book

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TAGBOOK_SHARED_DATA", "../shared/data")
    monkeypatch.setenv("TAGBOOK_CACHE", "/already/absolute")
    monkeypatch.delenv("TAGBOOK_ROOT", raising=False)
    book.absolute_path_variables()
    assert os.environ["TAGBOOK_SHARED_DATA"] == str((tmp_path / "../shared/data").resolve())
    assert os.environ["TAGBOOK_CACHE"] == "/already/absolute"
    assert "TAGBOOK_ROOT" not in os.environ
