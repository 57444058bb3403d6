"""The transport package: no import cycle among its modules, and only it is imported from outside."""

from __future__ import annotations

import ast
import graphlib
import pathlib

import rawengine

PACKAGE = pathlib.Path(rawengine.__file__).parent
TRANSPORT = PACKAGE / "_transport"


def _sibling_imports(path: pathlib.Path) -> set[str]:
    """The `_transport` modules this one imports at module level or in a function (`from .x import`)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                names.add(node.module.split(".")[0])
            else:
                names.update(alias.name for alias in node.names)
    return names


def test_no_import_cycle_in_the_transport() -> None:
    graph = {path.stem: _sibling_imports(path) for path in TRANSPORT.glob("*.py")}
    graph.pop("__init__")
    assert all(dep in graph for deps in graph.values() for dep in deps), graph
    order = list(graphlib.TopologicalSorter(graph).static_order())  # raises CycleError on a cycle
    assert {"interface", "errors", "exchange", "pool", "connectors"} <= set(order)


def test_the_rest_of_rawengine_imports_the_package_not_its_modules() -> None:
    allowed = {"rawengine._transport", "rawengine._transport.httpx_transport"}  # httpx is imported on demand
    for path in PACKAGE.rglob("*.py"):
        if TRANSPORT in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and "_transport" in node.module:
                depth = len(path.relative_to(PACKAGE).parts) - 1
                absolute = "rawengine." + node.module.lstrip(".") if node.level == depth + 1 else node.module
                assert absolute in allowed, f"{path}: from {node.module} import ..."
