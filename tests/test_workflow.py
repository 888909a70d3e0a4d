"""The publishing workflow (.github/workflows/book.yml): it runs the README's test command, builds
the book, publishes _build/html to GitHub Pages, and uses only actions pinned to a commit."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"


def workflow():
    data = yaml.safe_load(WORKFLOW.read_text())
    # YAML 1.1 reads the key `on` as the boolean true
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(data, job):
    return data["jobs"][job]["steps"]


def test_every_action_is_pinned_to_a_full_commit_hash():
    data = workflow()
    uses = [s["uses"] for job in data["jobs"] for s in steps(data, job) if "uses" in s]
    assert uses
    for use in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", use), f"not pinned to a commit: {use}"
    text = WORKFLOW.read_text()
    for use in uses:  # each pin says which release it is
        assert re.search(re.escape(use) + r"\s+# v\d+\.\d+\.\d+", text), use


def test_it_runs_the_readmes_test_command_then_builds_the_book():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(make book[^\n]*\n)(make test[^\n]*\n)```", readme)
    assert block, "the README's two set-up commands"
    runs = [s.get("run", "") for s in steps(workflow(), "build")]
    test = next(i for i, r in enumerate(runs) if r.startswith("make test"))
    book = next(i for i, r in enumerate(runs) if r.startswith("make book"))
    assert test < book
    python = workflow()["jobs"]["build"]["steps"][1]["with"]["python-version"]
    assert python == "3.11" and f"PYTHON=python{python}" in runs[test]


def test_it_publishes_the_built_html_to_pages():
    data = workflow()
    assert data["on"]["push"]["branches"] == ["main"] and "workflow_dispatch" in data["on"]
    assert data["permissions"] == {"contents": "read"}
    upload = next(s for s in steps(data, "build") if "upload-pages-artifact" in s.get("uses", ""))
    assert upload["with"]["path"] == "_build/html"
    deploy = data["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert any("deploy-pages" in s.get("uses", "") for s in deploy["steps"])
