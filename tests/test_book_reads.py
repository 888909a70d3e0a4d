"""Every chapter declares the shared data it reads (the ``reads`` of its ``run-this-chapter`` cell),
and the declaration is checked against the code, so that it cannot silently go stale.

The rule. A chapter's code is its notebook and every module of the ``tagbook`` package that the
notebook imports, transitively (every ``import`` in a module counts, those inside functions too).
Each string literal in that code that is the name of an entry of the shared data folder (a file
or folder at any depth, or a path below the folder), and each f-string whose literal parts,
placeholders read as ``*``, match entries (``f"labels81_{split}.tsv"``), *names* those entries;
the folder's descriptions (``*.md``) are not data. Then, for each chapter:

* every named file must be covered by ``reads`` (declared itself or a folder above it), and every
  named folder must meet ``reads`` (declared, or something declared inside or above it), unless
  the chapter's entry in :data:`NOT_READ` exempts it and says why its code never reads it (a
  loader imported for another use, a split it never loads); an exemption that exempts nothing is
  stale and fails too;
* every declared shared-data path must exist and be named by the chapter's code (no dead entry).

What the rule does not see: paths assembled from pieces none of which names an entry, and data
read by code outside the package. Data from installed packages (word vectors, WordNet, weights)
are covered by the pinned environment and are not listed.

The other tests check what ``reads`` does in the build (:mod:`tagbook.book`): touching or adding a
file under a declared path changes that chapter's data digest and no other chapter's, and a
declared path that is missing (a machine without the shared folder) does not break the build.
"""

from __future__ import annotations

import ast
import fnmatch
import os
import re
from functools import lru_cache
from pathlib import Path, PurePosixPath

import jupytext
import pytest

from tagbook.book import BoxSettings, chapters, data_hash, data_paths, library_dir, plan_chapter
from tagbook.params import read_parameter_specs
from tagbook.paths import shared_data_dir

SHARED = "{shared_data}/"

# chapter -> {entry (a path below the shared folder, a glob, or a folder and all below it): why the
# chapter's code names it but never reads it}
NOT_READ = {
    "01": {"muse/en-de.dict": "text.lexicons names every MUSE dictionary; the chapter loads the Chinese and "
                              "Japanese ones only (real_models.dictionary_sources, biskip_dictionary)"},
    "02": {"muse": "text.lexicons is imported for CC-CEDICT; no MUSE dictionary is loaded (the real candidate set "
                   "is the Chinese everyday vocabulary, built from word vectors and jieba)"},
    "06": {"multi30k/task1": "only Multi30k task 2 is loaded (mohammadshahi2019.prepare_real: task=2)",
           "muse/en-ja.dict": "text.lexicons names every MUSE dictionary; the chapter loads en-de only",
           "muse/en-zh.dict": "text.lexicons names every MUSE dictionary; the chapter loads en-de only"},
}

needs_shared = pytest.mark.skipif(not (shared_data_dir() / "README.md").is_file(),
                                  reason=f"the shared data folder is absent ({shared_data_dir()})")


# ---------------------------------------------------------------------------------------------
# What a chapter declares
# ---------------------------------------------------------------------------------------------


def chapter_numbers() -> list[str]:
    return [p.stem.split("_", 1)[0] for p in chapters()]


def source_of(number: str) -> Path:
    return next(p for p in chapters() if p.stem.startswith(number + "_"))


@lru_cache(maxsize=None)
def run_cell_metadata(number: str) -> dict:
    notebook = jupytext.read(source_of(number))
    cells = [c for c in notebook.cells if c.cell_type == "markdown" and "run-this-chapter" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"chapter {number}: {len(cells)} run-this-chapter cells"
    return dict(cells[0].metadata)


def declared(number: str) -> list[str]:
    return list(run_cell_metadata(number).get("reads", []))


def declared_shared(number: str) -> list[PurePosixPath]:
    return [PurePosixPath(r[len(SHARED):]) for r in declared(number) if r.startswith(SHARED)]


# ---------------------------------------------------------------------------------------------
# What a chapter's code names
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def module_file(name: str) -> Path | None:
    parts = name.split(".")
    if parts[0] != "tagbook":
        return None
    base = library_dir().joinpath(*parts[1:])
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=None)
def parsed(path: Path) -> tuple[ast.AST, ...]:
    """Every node of a file's syntax tree."""
    return tuple(ast.walk(ast.parse(path.read_text(encoding="utf-8"))))


@lru_cache(maxsize=None)
def imported_modules(path: Path, package: str) -> frozenset[str]:
    """The ``tagbook`` modules (and their parent packages) a file imports anywhere in it."""
    names = set()
    for node in parsed(path):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{a.name}" for a in node.names)  # `from pkg import submodule`
    found = set()
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            if module_file(".".join(parts[:i])) is not None:
                found.add(".".join(parts[:i]))
    return frozenset(found)


@lru_cache(maxsize=None)
def code_files(number: str) -> tuple[Path, ...]:
    """The chapter's notebook and every package module it imports, transitively."""
    notebook = source_of(number)
    todo, seen = list(imported_modules(notebook, "tagbook")), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = module_file(name)
        todo.extend(imported_modules(path, name if path.name == "__init__.py" else name.rsplit(".", 1)[0]))
    return (notebook, *sorted(module_file(n) for n in seen))


@lru_cache(maxsize=None)
def literals(path: Path) -> frozenset[tuple[str, bool]]:
    """(text, is_template) of every string literal and f-string of a file (placeholders as ``*``)."""
    found = set()
    for node in parsed(path):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add((node.value, False))
        elif isinstance(node, ast.JoinedStr):
            found.add(("".join(v.value if isinstance(v, ast.Constant) else "*" for v in node.values), True))
    return frozenset(found)


@lru_cache(maxsize=None)
def shared_entries() -> tuple[tuple[PurePosixPath, bool], ...]:
    """(path below the shared folder, is a folder) of every data entry there."""
    root = shared_data_dir()
    return tuple((PurePosixPath(p.relative_to(root).as_posix()), p.is_dir())
                 for p in sorted(root.rglob("*")) if p.suffix != ".md")


@lru_cache(maxsize=None)
def entries_named_by(text: str, template: bool) -> list[tuple[PurePosixPath, bool]]:
    if not text or len(text) > 100 or any(c.isspace() for c in text):
        return []
    if template:
        stem = re.sub(r"\.\w+$", "", text.replace("*", ""))
        if sum(c.isalnum() for c in stem) < 2:  # "{name}.txt" names nothing in particular
            return []
        return [(e, d) for e, d in shared_entries() if fnmatch.fnmatchcase(e.name, text) or fnmatch.fnmatchcase(str(e), text)]
    return entries_by_name().get(text, [])


@lru_cache(maxsize=None)
def entries_by_name() -> dict[str, list[tuple[PurePosixPath, bool]]]:
    """Each entry under its name and under its path below the shared folder."""
    index: dict[str, list[tuple[PurePosixPath, bool]]] = {}
    for entry, is_dir in shared_entries():
        for key in {entry.name, str(entry)}:
            index.setdefault(key, []).append((entry, is_dir))
    return index


@lru_cache(maxsize=None)
def named(number: str) -> dict[tuple[PurePosixPath, bool], set[str]]:
    """Entry -> the files of the chapter's code that name it."""
    found: dict[tuple[PurePosixPath, bool], set[str]] = {}
    for path in code_files(number):
        for text, template in literals(path):
            for entry in entries_named_by(text, template):
                found.setdefault(entry, set()).add(path.name)
    return found


def within(inner: PurePosixPath, outer: PurePosixPath) -> bool:
    return inner == outer or outer in inner.parents


def exempted_by(entry: PurePosixPath, pattern: str) -> bool:
    return within(entry, PurePosixPath(pattern)) or fnmatch.fnmatchcase(str(entry), pattern)


def uncovered(number: str, reads: list[PurePosixPath]) -> dict[PurePosixPath, set[str]]:
    """Named entries that ``reads`` does not cover (before exemptions)."""
    missing = {}
    for (entry, is_dir), where in named(number).items():
        if is_dir:
            ok = any(within(r, entry) or within(entry, r) for r in reads)
        else:
            ok = any(within(entry, r) for r in reads)
        if not ok:
            missing[entry] = where
    return missing


def declaration_problems(number: str, reads: list[PurePosixPath]) -> list[str]:
    problems = []
    missing = uncovered(number, reads)
    exemptions = NOT_READ.get(number, {})
    for entry, where in sorted(missing.items()):
        if not any(exempted_by(entry, pattern) for pattern in exemptions):
            problems.append(f"{SHARED}{entry} is named in {', '.join(sorted(where))} but not in reads")
    for pattern in exemptions:
        if not any(exempted_by(entry, pattern) for entry in missing):
            problems.append(f"the exemption {pattern!r} exempts nothing: drop it from NOT_READ")
    entries = {e for e, _ in shared_entries()}
    for r in reads:
        if r not in entries:
            problems.append(f"{SHARED}{r} is declared but does not exist in {shared_data_dir()}")
        elif not any(within(r, e) or within(e, r) for e, _ in named(number)):
            problems.append(f"{SHARED}{r} is declared but nothing in the chapter's code names it")
    return problems


# ---------------------------------------------------------------------------------------------
# The declarations
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", chapter_numbers())
def test_every_chapter_declares_reads_even_when_empty(number):
    assert "reads" in run_cell_metadata(number), f"chapter {number}: its run-this-chapter cell has no `reads`"
    for entry in declared(number):
        assert entry.startswith(SHARED) or entry.startswith("{root}/"), \
            f"chapter {number}: {entry!r} should start with {SHARED} or {{root}}/, so it reads the same on every machine"


@needs_shared
@pytest.mark.shared_data
@pytest.mark.parametrize("number", chapter_numbers())
def test_reads_cover_every_shared_path_the_chapter_names(number):
    problems = declaration_problems(number, declared_shared(number))
    assert not problems, f"chapter {number}:\n  " + "\n  ".join(problems)


@needs_shared
@pytest.mark.shared_data
def test_the_rule_catches_a_missing_or_a_dead_declaration():
    # chapter 06 without its Tatoeba file, and with a file nothing in its code names
    reads = [r for r in declared_shared("06") if r.parts[0] != "tatoeba"]
    assert any("tatoeba/deu.txt is named" in p for p in declaration_problems("06", reads))
    reads = declared_shared("06") + [PurePosixPath("flickr8k/Flickr8k.token.txt")]
    assert any("flickr8k/Flickr8k.token.txt is declared but nothing" in p for p in declaration_problems("06", reads))
    # a file inside a folder that is only named: declaring the folder's other file is not enough
    reads = [PurePosixPath("muse/en-zh.dict"), PurePosixPath("tatoeba/cmn.txt")]
    assert any("muse/en-ja.dict is named" in p for p in declaration_problems("01", reads))
    # f-string templates name the entries they match; a bare "{name}.txt" names none
    assert {e for e, _ in entries_named_by("labels81_*.tsv", True)} == {
        PurePosixPath("nuswide/labels81_train.tsv"), PurePosixPath("nuswide/labels81_test.tsv")}
    assert entries_named_by("*.txt", True) == []


def test_the_import_closure_follows_imports_inside_functions():
    # wei2017 imports tagbook.text.everyday only inside a function
    assert any(p.name == "everyday.py" for p in code_files("02"))
    assert all(p.is_file() for n in chapter_numbers() for p in code_files(n))


# ---------------------------------------------------------------------------------------------
# What `reads` does in the build
# ---------------------------------------------------------------------------------------------


def all_declared() -> set[PurePosixPath]:
    return {r for n in chapter_numbers() for r in declared_shared(n)}


@pytest.fixture
def fake_shared(tmp_path, monkeypatch):
    """A shared folder holding (empty) every declared path, or a file inside each declared folder."""
    root = tmp_path / "shared" / "data"
    for entry in all_declared():
        target = root / entry
        if entry.suffix:  # a file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("x\n")
        else:
            target.mkdir(parents=True, exist_ok=True)
            (target / "part.txt").write_text("x\n")
    monkeypatch.setenv("TAGBOOK_SHARED_DATA", str(root))
    return root


@lru_cache(maxsize=None)
def box_settings(number: str) -> tuple[BoxSettings, dict]:
    """The chapter's run-cell settings and its default parameter values, as the build reads them."""
    source = source_of(number)
    settings = BoxSettings.from_notebook(jupytext.read(source), source.name)
    return settings, {name: spec.default for name, spec in read_parameter_specs(source).items()}


def digests() -> dict[str, str]:
    """Each chapter's data digest (its ``reads`` expanded with the current shared folder)."""
    return {number: data_hash(data_paths(*box_settings(number))) for number in chapter_numbers()}


def bump(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_touching_a_declared_file_changes_that_chapters_digest_only(fake_shared):
    before = digests()
    assert all_declared(), "no chapter declares any shared data"
    for entry in sorted(all_declared()):
        target = fake_shared / entry
        files = [target] if target.is_file() else sorted(p for p in target.rglob("*") if p.is_file())
        bump(files[0])
        after = digests()
        changed = {n for n in before if after[n] != before[n]}
        readers = {n for n in chapter_numbers() if any(within(entry, r) or within(r, entry) for r in declared_shared(n))}
        assert changed == readers, f"touching {entry}: changed {sorted(changed)}, readers {sorted(readers)}"
        before = after


def test_a_new_file_in_a_declared_folder_changes_the_digest(fake_shared):
    folders = [e for e in all_declared() if (fake_shared / e).is_dir()]
    if not folders:
        pytest.skip("no chapter declares a folder")
    before = digests()
    (fake_shared / folders[0] / "new.txt").write_text("y\n")
    after = digests()
    readers = {n for n in chapter_numbers() if any(within(folders[0], r) for r in declared_shared(n))}
    assert {n for n in before if after[n] != before[n]} == readers


def test_the_build_plan_uses_the_same_data_digest(fake_shared):
    expected = digests()
    for number in chapter_numbers():
        if declared_shared(number):
            plan = plan_chapter(source_of(number), library_digest="library", environment_digest="environment")
            assert plan.inputs["data"] == expected[number]
            break


def test_missing_shared_data_does_not_break_the_build_and_its_arrival_triggers_a_run(tmp_path, monkeypatch, fake_shared):
    present = digests()
    monkeypatch.setenv("TAGBOOK_SHARED_DATA", str(tmp_path / "nowhere"))
    absent = digests()  # no exception: a missing path is hashed as missing
    for number in chapter_numbers():
        plan_chapter(source_of(number), library_digest="library", environment_digest="environment")
        if declared_shared(number):
            assert absent[number] != present[number], number
        else:
            assert absent[number] == present[number], number
