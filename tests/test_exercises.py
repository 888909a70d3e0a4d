"""A chapter's exercises have the book's form: 3 to 5 of them, each saying what to change, asking for
a prediction first, and giving a `tagbook run NN -p NAME VALUE` command whose parameters and values
the chapter accepts (checked as `tagbook run` checks them, before any work)."""

import re
import shlex
from pathlib import Path

import pytest

from tagbook.book import check_overrides

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ["00"]  # chapters whose exercises follow the form (add a chapter once its exercises do)


def exercises(source: Path) -> list[str]:
    text = source.read_text(encoding="utf-8")
    section = re.search(r"^# ## Exercises\n(.*?)(?=^# %%|\Z)", text, re.M | re.S)
    assert section, f"{source.name} has no Exercises section"
    lines = [line[2:] if line.startswith("# ") else line.lstrip("#") for line in section.group(1).splitlines()]
    items = re.split(r"^\d+\. ", "\n".join(lines), flags=re.M)[1:]
    return [" ".join(item.split()) for item in items]


def commands(item: str, chapter: str) -> list[list[str]]:
    return [shlex.split(c)[3:] for c in re.findall(rf"`(tagbook run {chapter}[^`]*)`", item)]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_exercises_say_what_to_change_what_to_predict_and_how_to_check(chapter):
    source = next((ROOT / "notebooks").glob(f"{chapter}_*.py"))
    items = exercises(source)
    assert 3 <= len(items) <= 5, f"{len(items)} exercises"
    for n, item in enumerate(items, 1):
        assert re.search(r"\bChange\b|\bchange\b|\badd\b|\bAdd\b", item), f"exercise {n}: what to change?"
        assert "predict first" in item.lower(), f"exercise {n}: no prediction asked for"
        found = commands(item, chapter)
        assert found, f"exercise {n}: no `tagbook run {chapter} ...` command"
        for args in found:
            assert len(args) % 3 == 0 and all(a == "-p" for a in args[::3]), f"exercise {n}: {args}"
            overrides = dict(zip(args[1::3], args[2::3]))
            check_overrides(chapter, overrides)  # raises on an unknown name or a value out of range
    assert "solution" not in " ".join(items).lower()


def test_the_form_check_can_fail(tmp_path):
    bad = tmp_path / "99_x.py"
    bad.write_text("# %% [markdown]\n# ## Exercises\n#\n# 1. Think about it.\n# 2. And this.\n")
    items = exercises(bad)
    assert len(items) == 2 and not commands(items[0], "99")
