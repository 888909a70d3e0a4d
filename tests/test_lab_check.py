"""The JupyterLab route (`make lab-check`): runs only where the optional `lab` extra is installed."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("jupyterlab") is None or not Path(sys.executable).with_name("jupyter").is_file(),
    reason="the optional lab extra (JupyterLab) is not installed: `make lab-check` installs it",
)


@pytest.fixture
def lab_check():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import lab_check

        yield lab_check
    finally:
        sys.path.remove(str(ROOT / "scripts"))
        sys.modules.pop("lab_check", None)


@pytest.mark.slow
def test_jupyterlab_serves_every_chapter_as_a_notebook_opened_by_the_jupytext_viewer(lab_check, capsys):
    assert lab_check.main([]) == 0
    out = capsys.readouterr().out
    chapters = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
    for name in chapters:
        assert f"{name}: type notebook" in out
    assert "python -> 'Jupytext Notebook'" in out


@pytest.mark.slow
def test_a_user_setting_that_opens_python_files_as_text_fails_the_check(lab_check, capsys, tmp_path, monkeypatch):
    plugin = tmp_path / "@jupyterlab" / "docmanager-extension" / "plugin.jupyterlab-settings"
    plugin.parent.mkdir(parents=True)
    plugin.write_text('{"defaultViewers": {"python": "Editor"}}')
    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(tmp_path))
    assert lab_check.main([]) == 1
    assert "maps python to 'Editor'" in capsys.readouterr().out
