"""The package's shape, kept by a test: no import circles, and a core that imports none of the edges.

Imports are read with ``ast`` from every module, function-level and ``TYPE_CHECKING`` imports included,
so a new circle or a core module reaching for git, caches, reporters, publishers, verify or the command
line fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "migration_gate"
#: What the core may import from the package besides itself: the version and the errors.
CORE_MAY_IMPORT = {"migration_gate", "migration_gate.errors"}
#: Stages that come after reporting may not be imported by the reporters (data flows forward only).
AFTER_REPORTERS = (
    "migration_gate.publish",
    "migration_gate.commands",
    "migration_gate.cli",
    "migration_gate.verify",
    "migration_gate.batch",
    "migration_gate.history",
)


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules ``name`` imports (a ``from x import y`` of a submodule counts as importing y)."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [target, *(f"{target}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        for candidate in candidates:
            if candidate in known and candidate != name:
                found.add(candidate)
    return found


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    result.append(sorted(component))
    return result


def test_no_module_imports_another_in_a_circle():
    assert circles(graph()) == []


def test_the_circle_finder_finds_circles():
    """The test above can fail: a planted circle (and a self-contained chain) are told apart."""
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_the_core_imports_none_of_the_edges():
    edges = graph()
    wrong = {
        (name, target)
        for name, targets in edges.items()
        if name.startswith("migration_gate.core")
        for target in targets
        if not target.startswith("migration_gate.core") and target not in CORE_MAY_IMPORT
    }
    assert wrong == set()


def test_reporters_import_nothing_that_comes_after_them():
    edges = graph()
    wrong = {
        (name, target)
        for name, targets in edges.items()
        if name.startswith("migration_gate.reporters")
        for target in targets
        if target.startswith(AFTER_REPORTERS)
    }
    assert wrong == set()


def test_the_github_adapter_sees_no_run_internals():
    """It takes a Publication (rendered body, counts, annotations): no core, no reporters."""
    targets = graph()["migration_gate.publish.github"]
    assert {t for t in targets if t.startswith(("migration_gate.core", "migration_gate.reporters"))} == set()


def test_the_gitlab_adapter_sees_no_run_internals():
    """Like the GitHub adapter, it takes a Publication (rendered body and counts): no core, no reporters."""
    targets = graph()["migration_gate.publish.gitlab"]
    assert targets == {"migration_gate.publish.github"}  # Publication, ReportingError, redact, the retry settings
    assert {t for t in targets if t.startswith(("migration_gate.core", "migration_gate.reporters"))} == set()


def test_imports_are_read_inside_functions_too(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from .b import c\n", encoding="utf-8")
    assert imports_of("pkg.m", module, {"pkg.b", "pkg.b.c"}) == {"pkg.b", "pkg.b.c"}
