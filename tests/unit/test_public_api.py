"""The public surface: `__all__` complete and sorted, and the sans-IO layers import no I/O library."""

from __future__ import annotations

import ast
import pathlib
import types

import rawengine

PACKAGE = pathlib.Path(rawengine.__file__).parent
PURE_LAYERS = ("_protocol", "_endpoints", "_models")
IO_LIBRARIES = {"anyio", "httpx", "httpcore", "trio", "asyncio", "socket"}


def test_all_is_sorted_and_complete() -> None:
    public = {
        name
        for name in dir(rawengine)
        if not name.startswith("_") and not isinstance(getattr(rawengine, name), types.ModuleType)
    }
    modules = {"annotations"}  # `from __future__ import annotations`, not an export
    assert rawengine.__all__ == sorted(rawengine.__all__)
    assert len(set(rawengine.__all__)) == len(rawengine.__all__)
    assert public - modules == set(rawengine.__all__)


def test_exports_read_as_rawengine() -> None:
    assert rawengine.Engine.__module__ == "rawengine"
    assert rawengine.NotFoundError.__module__ == "rawengine"
    assert repr(rawengine.Engine).startswith("<class 'rawengine.Engine'")


def test_exception_tree() -> None:
    for cls in (rawengine.BadRequestError, rawengine.NotFoundError, rawengine.ConflictError, rawengine.ServerError):
        assert issubclass(cls, rawengine.APIError)
    assert issubclass(rawengine.ConnectError, rawengine.TransportError)
    assert issubclass(rawengine.EngineTimeoutError, rawengine.TransportError)
    assert issubclass(rawengine.EngineTimeoutError, TimeoutError)
    for base in (rawengine.TransportError, rawengine.ProtocolError, rawengine.APIError, rawengine.StreamError):
        assert issubclass(base, rawengine.EngineError)


def _imports(path: pathlib.Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_pure_layers_do_no_io() -> None:
    checked = 0
    for layer in PURE_LAYERS:
        for path in (PACKAGE / layer).glob("*.py"):
            assert not (_imports(path) & IO_LIBRARIES), f"{path} imports an I/O library"
            checked += 1
    assert checked >= 8


def test_py_typed_is_shipped() -> None:
    assert (PACKAGE / "py.typed").exists()
