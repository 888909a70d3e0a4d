"""environment.yml and pyproject.toml must carry the same exact pins."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)$")


def _pins(requirements):
    pins = {}
    for requirement in requirements:
        match = PIN.match(requirement.strip())
        assert match, f"not pinned exactly: {requirement!r}"
        pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def test_every_dependency_is_pinned_exactly_and_torch_is_the_cpu_wheel():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _pins(project["dependencies"])
    assert pins["torch"] == "2.13.0"
    for extra in project["optional-dependencies"].values():
        _pins(extra)


def test_environment_yml_has_the_same_pins_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    conda_python = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert conda_python == ["python=3.11"]
    env_pins = _pins([r for r in pip_section if not r.startswith("-e")])
    assert env_pins == _pins(project["dependencies"])


def test_the_lock_file_agrees_with_the_direct_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = _pins(
        line for line in (ROOT / "requirements" / "constraints.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    for name, version in _pins(project["dependencies"]).items():
        assert lock.get(name) == version, f"{name}: pyproject pins {version}, the lock has {lock.get(name)}"


def test_data_only_packages_are_pinned_exactly():
    lines = [
        line for line in (ROOT / "requirements" / "no-deps.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert set(_pins(lines)) == {"ja-ginza", "jamdict-data"}
    assert "requirements/no-deps.txt" in (ROOT / "Makefile").read_text()
    assert "requirements/no-deps.txt" in (ROOT / "environment.yml").read_text()


def _lock(name):
    return _pins(
        line for line in (ROOT / "requirements" / name).read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )


def test_the_lab_extra_is_optional_pinned_and_locked_consistently():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lab = _pins(project["optional-dependencies"]["lab"])
    assert set(lab) == {"jupyterlab"}
    assert "jupyterlab" not in _pins(project["dependencies"])  # the default set-up never needs it
    lab_lock, lock = _lock("lab.txt"), _lock("constraints.txt")
    assert lab_lock["jupyterlab"] == lab["jupyterlab"]
    both = set(lab_lock) & set(lock)
    assert {n: lab_lock[n] for n in both} == {n: lock[n] for n in both}, "lab.txt contradicts constraints.txt"
    assert "jupytext" in lock  # the chapters open as notebooks through Jupytext
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^lab: ", makefile, re.M) and "-c requirements/lab.txt -e '.[lab]'" in makefile
    import json
    overrides = json.loads((ROOT / "requirements" / "jupyterlab-overrides.json").read_text())
    viewers = overrides["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers == {"python": "Jupytext Notebook"}
