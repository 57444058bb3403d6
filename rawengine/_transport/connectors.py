"""Connectors: how a pool opens one byte stream to the engine.

Each returns a `Connection` (`interface.py`) for the running backend: asyncio's
`LoopConnection` or trio's `SocketConnection` over the raw socket (anyio connects, with its
portable timeout and error handling), wrapped in `TlsConnection` for TLS (`tls.py`).
"""

from __future__ import annotations

import errno
import os
import socket
import ssl

import anyio
import anyio.abc

from .._exceptions import ConnectError
from .errors import EngineTimeoutError, socket_error
from .interface import Connection
from .loop_connection import LoopConnection
from .sockets import running_asyncio_loop
from .tls import TlsConnection, handshake_error
from .trio_connection import SocketConnection

__all__ = ["TcpConnector", "UnixConnector", "socket_connection"]


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


async def _connect_tcp(host: str, port: int) -> socket.socket:
    """A connected non-blocking TCP socket (TCP_NODELAY), trying each address in turn.

    Not `anyio.connect_tcp`: on asyncio it hands back a socket already owned by an asyncio
    transport, and the connection classes register the descriptor themselves.
    """
    addresses = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    error: OSError | None = None
    for family, kind, proto, _, address in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            sock.setblocking(False)
            code = sock.connect_ex(address)
            if code == errno.EINPROGRESS:
                await anyio.wait_writable(sock)
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                raise OSError(code, os.strerror(code))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
        except BaseException:
            sock.close()
            raise
    raise error or OSError(errno.EHOSTUNREACH, f"no address for {host}")


class TcpConnector:
    """TCP to `host:port`, with TLS when an `ssl_context` is given (verified against `host`)."""

    def __init__(self, host: str, port: int, ssl_context: ssl.SSLContext | None = None) -> None:
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.url = f"tcp://{host}:{port}" if ":" not in host else f"tcp://[{host}]:{port}"

    async def connect(self, timeout: float) -> Connection:
        try:
            with anyio.fail_after(timeout):
                conn = socket_connection(await _connect_tcp(self.host, self.port))
                if self.ssl_context is None:
                    return conn
                tls = TlsConnection(conn, self.ssl_context, self.host, self.url)
                try:
                    await tls.handshake()
                except BaseException as exc:
                    conn.close()
                    if isinstance(exc, OSError):  # ssl.SSLError is one
                        raise handshake_error(self.url, exc) from exc
                    raise
                return tls
        except TimeoutError as exc:
            raise EngineTimeoutError(f"connecting to the engine at {self.url} took longer than {timeout}s") from exc
        except OSError as exc:
            raise ConnectError(f"cannot connect to the engine at {self.url}: {exc.strerror or exc}") from exc
