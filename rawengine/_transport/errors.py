"""How transport failures are told: the exception classes and the mapping of socket errors.

Socket failures become `TransportError` (`ConnectError` when connecting), a reply cut short by
the engine closing the connection is a `TransportError` too, bytes that break HTTP are
`ProtocolError`, and an error raised by the caller's own body iterator passes through as it is.
Messages name the method and the path, never the query string (caller data) or a body.
"""

from __future__ import annotations

import errno

from .._exceptions import ConnectError, EngineError, ProtocolError, TransportError
from .._protocol.http11 import IncompleteResponse

__all__ = [
    "SOCKET_ERRORS",
    "BodyError",
    "EngineTimeoutError",
    "Stale",
    "broken",
    "in_context",
    "path_of",
    "reraise_mapped",
    "socket_error",
    "timed_out",
]


class EngineTimeoutError(TransportError, TimeoutError):
    """The engine did not connect or answer within the configured bound."""


def path_of(target: str) -> str:
    """The target without its query: what error messages show (a query may carry caller data)."""
    return target.partition("?")[0]


class Stale(Exception):
    """A reused connection failed before the engine answered a single byte."""

    def __init__(self, unsent: bool) -> None:
        super().__init__()
        self.unsent = unsent  # the write itself failed: the engine cannot have received the request


class BodyError(Exception):
    """The caller's body iterator raised: its error is re-raised as it is, never as a transport error."""


def broken(method: str, target: str, exc: BaseException) -> TransportError:
    if isinstance(exc, Stale):
        return TransportError(f"the engine closed the connection before answering {method} {path_of(target)}")
    return TransportError(f"connection to the engine broke during {method} {path_of(target)}: {exc!r}")


def in_context(exc: ProtocolError, method: str, target: str) -> EngineError:
    """The parser's complaint, prefixed with the request it answered (method and path, no query).

    A reply cut short by the engine closing the connection is a `TransportError`: it went away.
    """
    if isinstance(exc, IncompleteResponse):
        return TransportError(f"connection to the engine broke during {method} {path_of(target)}: {exc}")
    return ProtocolError(f"{method} {path_of(target)}: {exc}")


SOCKET_ERRORS = (OSError,)  # what the socket raises; anyio only connects


def reraise_mapped(exc: BaseException, method: str, target: str) -> None:
    """Turn a failure while opening a stream into a rawengine error (or do nothing)."""
    if isinstance(exc, ProtocolError):
        raise in_context(exc, method, target) from exc
    if isinstance(exc, EngineError):
        return
    if isinstance(exc, BodyError):
        raise exc.__cause__ from None  # type: ignore[misc]
    if isinstance(exc, (Stale, *SOCKET_ERRORS)):
        raise broken(method, target, exc) from exc


def socket_error(path: str, exc: OSError) -> ConnectError:
    code = exc.errno
    if isinstance(exc, FileNotFoundError) or code == errno.ENOENT:
        what = (
            "no engine socket exists there: is the engine running? "
            "Start one (`make demo` does it on a fresh machine) or set DOCKER_HOST"
        )
    elif isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM):
        what = "permission denied: run as root or as a member of the socket's group (for Docker, `docker`)"
    elif isinstance(exc, ConnectionRefusedError) or code == errno.ECONNREFUSED:
        what = (
            "connection refused: the socket exists but no engine listens on it "
            "(a stale socket left by a daemon that died?); start the engine"
        )
    else:
        what = f"{exc.strerror or exc}"
    return ConnectError(f"cannot connect to the engine at unix://{path}: {what}")


def timed_out(method: str, target: str, bound: float) -> EngineTimeoutError:
    return EngineTimeoutError(f"the engine did not answer {method} {path_of(target)} within {bound:g}s")
