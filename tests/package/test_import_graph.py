"""No import circle: the graph of `xlcompute` modules importing each other is acyclic.

Every import statement counts, at module level or inside a function (a function-level import is
still a dependency; the old `workbook_command -> cli -> workbook_command` circle was one).
Importing a submodule is an edge to that submodule, not to its parent packages.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import xlcompute

ROOT = Path(xlcompute.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The xlcompute modules that ``name`` (at ``path``) imports."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            # `from pkg import sub` imports the submodule `pkg.sub` when there is one.
            subs = {f"{target}.{a.name}" for a in node.names} & known
            found.update(subs or {target})
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__" and node.args:
            if isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return {m for m in found if m in known and m != name}


def import_graph(prefix: str = "xlcompute") -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {
        name: {m for m in _imports(name, path, known) if m == prefix or m.startswith(prefix + ".")}
        for name, path in modules.items()
        if name == prefix or name.startswith(prefix + ".")
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of ``graph`` as [a, b, ..., a], or None when it is acyclic (depth-first search)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_checker_finds_a_circle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_the_graph_sees_function_level_and_relative_imports() -> None:
    graph = import_graph()
    assert "xlcompute.cli._common" in graph["xlcompute.cli.estimate"]
    assert "xlcompute.estimate" in graph["xlcompute.cli._common"]  # imported inside run_estimate
    assert "xlcompute.cli.estimate" in graph["xlcompute.cli"]


def test_cli_helpers_import_no_command() -> None:
    graph = import_graph("xlcompute.cli")
    helpers = [m for m in graph if m.rpartition(".")[2].startswith("_")]
    assert helpers
    for helper in helpers:
        assert all(m.rpartition(".")[2].startswith("_") for m in graph[helper]), (helper, graph[helper])


@pytest.mark.parametrize("prefix", ["xlcompute.cli", "xlcompute"])
def test_no_import_circle(prefix: str) -> None:
    cycle = find_cycle(import_graph(prefix))
    assert cycle is None, " -> ".join(cycle or [])
