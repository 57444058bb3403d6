"""Connectors: how a pool opens one byte stream to the engine.

Each returns a `Connection` (`interface.py`) for the running backend: asyncio's
`LoopConnection` or trio's `SocketConnection` over the raw socket (anyio connects, with its
portable timeout and error handling), wrapped in `TlsConnection` for TLS (`tls.py`).
"""

from __future__ import annotations

import socket

import anyio
import anyio.abc

from .errors import EngineTimeoutError, socket_error
from .interface import Connection
from .loop_connection import LoopConnection
from .sockets import running_asyncio_loop
from .trio_connection import SocketConnection

__all__ = ["UnixConnector", "socket_connection"]


def socket_connection(sock: socket.socket) -> Connection:
    """The connection kind for the running backend over a connected socket."""
    loop = running_asyncio_loop()
    return SocketConnection(sock) if loop is None else LoopConnection(sock, loop)


class UnixConnector:
    """A Unix socket at `path`."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.url = "unix://" + path

    async def connect(self, timeout: float) -> Connection:
        try:
            with anyio.fail_after(timeout):
                stream = await anyio.connect_unix(self.path)
        except TimeoutError as exc:
            raise EngineTimeoutError(
                f"connecting to the engine at unix://{self.path} took longer than {timeout}s"
            ) from exc
        except OSError as exc:
            raise socket_error(self.path, exc) from exc
        sock: socket.socket = stream.extra(anyio.abc.SocketAttribute.raw_socket)
        return socket_connection(sock)
