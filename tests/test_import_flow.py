"""The library's imports follow the one-way data flow of DESIGN.md: no cycles, no import against
the flow, no private name imported across modules.

Every ``import`` / ``from ... import`` in every module under ``src/tagbook`` counts, including
those inside functions (a lazy import against the flow is still one).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tagbook

PACKAGE_ROOT = Path(tagbook.__file__).resolve().parent

# What a part of the library may never import (prefixes of module names).
FORBIDDEN = {
    "tagbook.ranking": ("tagbook.",),
    "tagbook.metrics": ("tagbook.methods", "tagbook.training", "tagbook.text", "tagbook.vision", "tagbook.world",
                        "tagbook.report", "tagbook.experiments", "tagbook.apps", "tagbook.cli"),
    "tagbook.world": ("tagbook.text", "tagbook.vision", "tagbook.methods", "tagbook.training", "tagbook.metrics",
                      "tagbook.report", "tagbook.experiments", "tagbook.apps", "tagbook.cli"),
    "tagbook.text": ("tagbook.methods", "tagbook.training", "tagbook.metrics", "tagbook.report",
                     "tagbook.experiments", "tagbook.apps", "tagbook.cli"),
    "tagbook.vision": ("tagbook.methods", "tagbook.training", "tagbook.metrics", "tagbook.report",
                       "tagbook.experiments", "tagbook.apps", "tagbook.cli"),
    "tagbook.training": ("tagbook.methods", "tagbook.metrics", "tagbook.report", "tagbook.experiments",
                         "tagbook.apps", "tagbook.cli"),
    "tagbook.methods": ("tagbook.metrics", "tagbook.report", "tagbook.experiments", "tagbook.apps", "tagbook.cli",
                        "tagbook.book"),
    "tagbook.report": ("tagbook.methods", "tagbook.training", "tagbook.experiments", "tagbook.apps", "tagbook.cli"),
    "tagbook.experiments": ("tagbook.apps", "tagbook.cli"),
    "tagbook.apps": ("tagbook.experiments", "tagbook.cli"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def library_imports() -> dict[str, list[tuple[str, str, int]]]:
    """``{module: [(imported module, imported name or "", line), ...]}`` for tagbook modules."""
    modules = {module_name(p) for p in PACKAGE_ROOT.rglob("*.py")}
    found: dict[str, list[tuple[str, str, int]]] = {}
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        name = module_name(path)
        edges = found.setdefault(name, [])
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                edges += [(a.name, "", node.lineno) for a in node.names if a.name.startswith("tagbook")]
            elif isinstance(node, ast.ImportFrom):
                target = resolve(name, path.name == "__init__.py", node)
                if not target.startswith("tagbook"):
                    continue
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    # `from tagbook.vision import extract` imports a module; `import X from it` a name
                    edges.append((sub, "", node.lineno) if sub in modules else (target, alias.name, node.lineno))
    return found


def module_graph(imports: dict[str, list[tuple[str, str, int]]]) -> dict[str, set[str]]:
    modules = set(imports)
    graph: dict[str, set[str]] = {}
    for source, edges in imports.items():
        for target, _, _ in edges:
            # an import of a.b.c also runs a and a.b: count the deepest module that exists
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != source:
                graph.setdefault(source, set()).add(target)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def against_the_flow(imports: dict[str, list[tuple[str, str, int]]]) -> list[str]:
    problems = []
    for source, edges in imports.items():
        for part, banned in FORBIDDEN.items():
            if source != part and not source.startswith(part + "."):
                continue
            for target, _, line in edges:
                if target.startswith(part + ".") or target == part:
                    continue  # inside its own part
                if any(target == b.rstrip(".") or target.startswith(b if b.endswith(".") else b + ".")
                       or target == b for b in banned):
                    problems.append(f"{source}:{line} imports {target}")
    return problems


def private_imports(imports: dict[str, list[tuple[str, str, int]]]) -> list[str]:
    problems = []
    for source, edges in imports.items():
        for target, name, line in edges:
            last = target.rsplit(".", 1)[-1]
            private_name = name.startswith("_") and not name.startswith("__")
            private_module = last.startswith("_") and not last.startswith("__")
            if (private_name or private_module) and target != source:
                problems.append(f"{source}:{line} imports {target}{'.' + name if name else ''}")
    return problems


IMPORTS = library_imports()


def test_no_import_cycles():
    cycles = find_cycles(module_graph(IMPORTS))
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_no_import_against_the_flow():
    problems = against_the_flow(IMPORTS)
    assert not problems, "imports against the flow of DESIGN.md:\n" + "\n".join(problems)


def test_no_private_name_imported_across_modules():
    problems = private_imports(IMPORTS)
    assert not problems, "private names imported across modules:\n" + "\n".join(problems)


# -- the checks themselves find what they look for -----------------------------------------------
def test_cycle_finder_finds_a_cycle_and_passes_a_tree():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b", "c"}, "b": {"c"}}) == []


def test_flow_check_flags_a_method_importing_metrics():
    fake = {"tagbook.methods.zeroshot.conse": [("tagbook.metrics.ranking", "hit_at_k", 3),
                                               ("tagbook.ranking", "top_k", 4)]}
    assert against_the_flow(fake) == ["tagbook.methods.zeroshot.conse:3 imports tagbook.metrics.ranking"]


def test_private_check_flags_a_private_name():
    fake = {"tagbook.methods.vse.pooled": [("tagbook.methods.vse.conv", "_batched", 7),
                                           ("tagbook.methods.vse.conv", "ConvVSE", 8)]}
    assert private_imports(fake) == ["tagbook.methods.vse.pooled:7 imports tagbook.methods.vse.conv._batched"]


@pytest.mark.parametrize("family", ["zeroshot", "vse", "tagging", "retrieval"])
def test_method_families_exist(family):
    assert (PACKAGE_ROOT / "methods" / family / "__init__.py").is_file()
