"""papermill runs the chapters' Jupytext percent-format sources directly (tagbook.jupytext_io,
registered through papermill's entry points), by its command line and by its Python API."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from tagbook.jupytext_io import HANDLER, script_to_notebook_json

SCRIPT = textwrap.dedent(
    '''\
    # %% [markdown]
    # # A tiny chapter

    # %% tags=["parameters"]
    n_images = 3  # [1, 100] how many
    label = "x"

    # %%
    print(f"n_images={n_images} label={label} total={n_images * 2}")
    '''
)


def outputs(path):
    nb = nbformat.read(path, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def test_a_script_reads_as_a_notebook_with_its_parameters_cell_and_a_kernel():
    nb = nbformat.reads(script_to_notebook_json(SCRIPT), as_version=4)
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code"]
    assert nb.cells[1].metadata.tags == ["parameters"]
    assert nb.metadata.kernelspec["name"] == "python3"


def test_papermill_registers_the_handler_for_local_path_prefixes():
    from papermill.iorw import papermill_io

    for path in ("/tmp/x.py", "./x.py", "../x.py", "notebooks/02_cross_lingual.py"):
        assert papermill_io.get_handler(path) is HANDLER, path
    assert papermill_io.get_handler("s3://bucket/x.ipynb") is not HANDLER


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:The specified file .* does not end in one of")  # papermill's, about .py
def test_papermill_command_line_runs_a_percent_script_with_a_parameter(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "09_tiny.py").write_text(SCRIPT)
    papermill = Path(sys.executable).with_name("papermill")
    result = subprocess.run([str(papermill), "notebooks/09_tiny.py", "out.ipynb", "-p", "n_images", "500"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "n_images=500 label=x total=1000" in outputs(tmp_path / "out.ipynb")
    # by absolute path, through the Python API, written back as a script
    import papermill as pm

    pm.execute_notebook(str(tmp_path / "notebooks" / "09_tiny.py"), str(tmp_path / "out2.ipynb"),
                        parameters={"label": "y"}, progress_bar=False)
    assert "n_images=3 label=y total=6" in outputs(tmp_path / "out2.ipynb")
    HANDLER.write(json.dumps(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])),
                  str(tmp_path / "back.py"))
    assert "# %%\nx = 1" in (tmp_path / "back.py").read_text()
