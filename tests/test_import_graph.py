"""The import graph of reviewapp/: no cycle between its feature packages and top-level modules.

Every `import` counts, module-level or inside a function: a lazy import hides a cycle from
Python, not from a reader. Nodes are the first name under `reviewapp` (a package such as
`ranking`, or a module such as `tasks`); imports inside one node are not edges. The application
factory (`factory.py`, which the package's `__init__.py` hands `create_app` on) is the
composition root that mounts every feature: its imports are not edges.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "reviewapp"
ROOT = "reviewapp"
COMPOSITION_ROOT = (PACKAGE / "__init__.py", PACKAGE / "factory.py")
def node_of(path: Path) -> str:
    """Return the node a source file belongs to: its first name under reviewapp/."""
    first = path.relative_to(PACKAGE).parts[0]
    return first.removesuffix(".py")


def module_name(path: Path) -> list[str]:
    """Return the dotted parts of a source file's module (a package for an `__init__.py`)."""
    parts = [ROOT, *path.relative_to(PACKAGE).with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def targets(path: Path, tree: ast.AST) -> set[str]:
    """Return the nodes a source file imports, at any depth of its code."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path)[:-1]
    found: set[str] = set()
    for item in ast.walk(tree):
        if isinstance(item, ast.Import):
            for alias in item.names:
                parts = alias.name.split(".")
                if parts[0] == ROOT:
                    found.add(_node(parts[1:], None))
        elif isinstance(item, ast.ImportFrom):
            if item.level:
                base = package[:len(package) - item.level + 1]
                parts = base + (item.module.split(".") if item.module else [])
            else:
                parts = (item.module or "").split(".")
            if parts[0] != ROOT:
                continue
            for alias in item.names:
                found.add(_node(parts[1:], alias.name))
    return found


def _node(parts: list[str], name: str | None) -> str:
    """Return the node of `reviewapp.<parts>` (importing `name` from it, if given)."""
    if parts:
        return ROOT if parts[0] == "factory" else parts[0]
    if name and ((PACKAGE / f"{name}.py").is_file() or (PACKAGE / name).is_dir()):
        return name  # `from reviewapp import tasks`
    return ROOT  # a name of the factory module, such as create_app


def import_graph() -> dict[str, dict[str, set[str]]]:
    """Return node -> imported node -> the files behind that edge."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in COMPOSITION_ROOT:
            continue
        source = node_of(path)
        for target in targets(path, ast.parse(path.read_text(), str(path))):
            if target not in (source, ROOT):
                graph[source][target].add(str(path.relative_to(PACKAGE.parent)))
    return graph


def cycles(graph: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    """Return the strongly connected components of more than one node, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def describe(graph: dict[str, dict[str, set[str]]], component: list[str]) -> str:
    """Return the edges inside a cycle, with the files that make them."""
    lines = [" <-> ".join(component)]
    for source in component:
        for target in sorted(set(graph.get(source, {})) & set(component)):
            files = ", ".join(sorted(graph[source][target]))
            lines.append(f"  {source} -> {target}: {files}")
    return "\n".join(lines)


def test_no_import_cycle_between_features():
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(describe(graph, c) for c in found)


def test_the_graph_sees_function_level_and_relative_imports(tmp_path):
    source = ("from ..tasks import enqueue\nfrom . import services\n"
              "def f():\n    from ..ranking.scores import rescore_application\n"
              "    import reviewapp.outbox\n    from .. import indexing, create_app\n"
              "    from ..factory import create_app\n")
    path = PACKAGE / "examiner" / "example.py"
    found = targets(path, ast.parse(source))
    assert found == {"tasks", "examiner", "ranking", "outbox", "indexing", ROOT}


@pytest.mark.parametrize("edges, expected", [
    ({"a": {"b"}, "b": {"c"}}, []),
    ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
])
def test_cycles_are_found(edges, expected):
    graph = {source: {target: {"f.py"} for target in targets_} for source, targets_ in edges.items()}
    assert cycles(graph) == expected
