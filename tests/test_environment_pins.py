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
