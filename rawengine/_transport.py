"""The one place that moves HTTP bytes: a pooled HTTP/1.1 client over Unix sockets (asyncio or trio).

Why not `httpx.AsyncClient` here: a round trip is what rawengine exists for, and the stock
client spends about 1.5 ms of CPU per request on this kind of machine against 0.2 ms for a bare
socket loop (see the README's benchmark table). This transport writes pre-built request bytes,
parses the reply with the sans-IO `_protocol.http11` parser and keeps connections alive in a
bounded pool. httpx keeps its role for TCP hosts and as the test seam (`_httpx_transport.py`);
both implement the `Transport` protocol below, so the choice stays a one-file change.

Layers: `_loop_connection.py` (asyncio) and `_connection.py` (trio) do the socket I/O,
`_exchange.py` one HTTP exchange (and the streamed and hijacked replies), this module the pool and
the plain-request loop.

Rules kept here:
- A connection goes back to the pool only after a complete response that allows keep-alive;
  an error or a cancellation at any point closes it, at once and in the caller's task.
- An idle connection the engine closed (restart, idle timeout), or one holding unasked bytes,
  is noticed before reuse (one `poll`) and dropped.
- Plain requests have a connect timeout and a time-to-response-headers bound; streams and
  upgraded connections have only the connect timeout (callers bound them with anyio cancel scopes).
- A request is sent again (once, on a fresh connection) only when it cannot have reached the
  engine: the write to a reused connection failed, or a reused connection closed before a single
  response byte on a GET/HEAD. A POST that may have been received is never repeated.
- Cancellation passes through untouched.
"""

from __future__ import annotations

import socket
from types import TracebackType
from typing import Protocol

import anyio
import anyio.abc

from ._connection import SocketConnection, running_asyncio_loop
from ._exceptions import EngineError, ProtocolError
from ._exchange import (
    SOCKET_ERRORS,
    Body,
    BodyError,
    Connection,
    EngineTimeoutError,
    Headers,
    Stale,
    UnixExchange,
    UnixUpgrade,
    broken,
    exchange,
    in_context,
    may_replay,
    read_body,
    read_head,
    reraise_mapped,
    socket_error,
    write_request,
)
from ._loop_connection import LoopConnection
from ._protocol.http11 import Head, ResponseParser
from ._slots import Slots

__all__ = [
    "Body",
    "EngineTimeoutError",
    "Headers",
    "Response",
    "StreamingResponse",
    "Transport",
    "UnixTransport",
    "UpgradedStream",
]


class Response:
    """A complete reply to a plain request."""

    __slots__ = ("content", "head")

    def __init__(self, head: Head, content: bytes) -> None:
        self.head = head
        self.content = content

    @property
    def status_code(self) -> int:
        return self.head.status_code


class StreamingResponse(Protocol):
    """A reply whose body is read piece by piece, for as long as the engine sends it."""

    head: Head

    async def receive(self) -> bytes:
        """The next piece of the body; `b""` once the body is complete."""
        ...

    async def read_all(self, limit: int = ...) -> bytes:
        """The rest of the body (for error replies)."""
        ...


class UpgradedStream(Protocol):
    """The raw two-way byte stream of a hijacked (101) connection."""

    head: Head

    async def receive(self) -> bytes:
        """The next bytes from the engine; `b""` at end of stream."""
        ...

    async def send(self, data: bytes) -> None: ...

    async def send_eof(self) -> None:
        """Half-close: the process sees end of input while output keeps flowing."""
        ...


class Transport(Protocol):
    async def request(
        self, method: str, target: str, headers: Headers = (), body: Body = None, *, extra_time: float = 0.0
    ) -> Response: ...

    def stream(self, method: str, target: str, headers: Headers = (), body: Body = None) -> _ExchangeCM: ...

    def upgrade(self, method: str, target: str, headers: Headers = (), body: bytes = b"") -> _UpgradeCM: ...

    async def aclose(self) -> None: ...


class _ExchangeCM(Protocol):
    async def __aenter__(self) -> StreamingResponse: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class _UpgradeCM(Protocol):
    async def __aenter__(self) -> UpgradedStream: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class UnixTransport:
    """HTTP/1.1 over a Unix socket with a bounded keep-alive pool.

    Args:
        path: the socket's path.
        max_connections: the most connections open at once, pooled and hijacked together.
        connect_timeout: seconds allowed to connect (plain requests and streams alike).
        response_timeout: seconds allowed from sending a plain request to its response headers;
            `None` for no bound. Streams and upgraded connections never have one.
    """

    def __init__(
        self,
        path: str,
        *,
        max_connections: int = 64,
        connect_timeout: float = 5.0,
        response_timeout: float | None = 120.0,
    ) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        if not connect_timeout > 0 or (response_timeout is not None and not response_timeout > 0):
            raise ValueError("connect_timeout and response_timeout must be positive (response_timeout may be None)")
        self.path = path
        self.max_connections = max_connections
        self.connect_timeout = connect_timeout
        self.response_timeout = response_timeout
        self._idle: list[Connection] = []
        self._slots = Slots(max_connections)  # not anyio's Semaphore: that binds to one backend
        self._closed = False

    @property
    def idle_connections(self) -> int:
        return len(self._idle)

    @property
    def connections_in_use(self) -> int:
        return self.max_connections - self._slots.value

    async def _connect(self) -> Connection:
        try:
            with anyio.fail_after(self.connect_timeout):
                stream = await anyio.connect_unix(self.path)
        except TimeoutError as exc:
            raise EngineTimeoutError(
                f"connecting to the engine at unix://{self.path} took longer than {self.connect_timeout}s"
            ) from exc
        except OSError as exc:
            raise socket_error(self.path, exc) from exc
        sock: socket.socket = stream.extra(anyio.abc.SocketAttribute.raw_socket)
        loop = running_asyncio_loop()
        return SocketConnection(sock) if loop is None else LoopConnection(sock, loop)

    async def _acquire(self) -> Connection:
        if self._closed:
            raise RuntimeError("this Engine is closed; create a new one (`async with rawengine.Engine() as engine:`)")
        await self._slots.acquire()
        try:
            idle = self._idle
            while idle:
                conn = idle.pop()
                if conn.is_idle_and_open():
                    conn.reused = True
                    return conn
                conn.close()
            return await self._connect()
        except BaseException:
            self._slots.release()
            raise

    def _take_idle(self) -> Connection | None:
        """A pooled connection at once, or `None` (none idle, or no free slot): `_acquire` then."""
        idle = self._idle
        if not idle or self._closed:
            return None
        try:
            self._slots.acquire_nowait()  # a free slot means nobody is queued for one
        except anyio.WouldBlock:
            return None
        while idle:
            conn = idle.pop()
            if conn.is_idle_and_open():
                conn.reused = True
                return conn
            conn.close()
        self._slots.release()
        return None

    def _release(self, conn: Connection, reusable: bool) -> None:
        if reusable and not self._closed:
            self._idle.append(conn)
        else:
            conn.close()
        self._slots.release()

    async def request(
        self, method: str, target: str, headers: Headers = (), body: Body = None, *, extra_time: float = 0.0
    ) -> Response:
        """Send one request and read its whole reply."""
        bound = self.response_timeout
        if bound is not None:
            bound += extra_time
        for attempt in (0, 1):
            conn = self._take_idle() or await self._acquire()
            reusable = False
            waits = conn.waits
            try:
                head, content, reusable, parser = await exchange(conn, method, target, headers, body, bound)
                if parser is not None:
                    content = await read_body(conn, parser)
                    reusable = parser.keep_alive
                if conn.waits == waits:  # the reply was there before the first read: still a checkpoint
                    await anyio.lowlevel.checkpoint()
                return Response(head, content)
            except Stale as exc:
                # The engine closed a pooled connection as we reused it.
                if attempt or not may_replay(exc, conn, method, body):
                    raise broken(method, target, exc) from None
            except BodyError as exc:
                raise exc.__cause__ from None  # type: ignore[misc]
            except ProtocolError as exc:
                raise in_context(exc, method, target) from exc
            except EngineError:
                raise  # EngineTimeoutError is an OSError too (TimeoutError): not a broken connection
            except SOCKET_ERRORS as exc:
                raise broken(method, target, exc) from exc
            finally:
                self._release(conn, reusable)
        raise AssertionError("unreachable")

    async def _open(
        self, method: str, target: str, headers: Headers, body: Body, parser: ResponseParser
    ) -> tuple[Connection, Head]:
        """Send a request and read its head on a connection the caller owns (streams, upgrades)."""
        for attempt in (0, 1):
            conn = await self._acquire()
            try:
                await write_request(conn, method, target, headers, body)
                return conn, await read_head(conn, parser)
            except BaseException as exc:
                self._release(conn, False)
                if isinstance(exc, Stale) and not attempt and may_replay(exc, conn, method, body):
                    continue
                reraise_mapped(exc, method, target)
                raise
        raise AssertionError("unreachable")

    def stream(self, method: str, target: str, headers: Headers = (), body: Body = None) -> UnixExchange:
        """`async with transport.stream(...) as response:` read a long or endless body."""
        return UnixExchange(self, method, target, headers, body)

    def upgrade(self, method: str, target: str, headers: Headers = (), body: bytes = b"") -> UnixUpgrade:
        """`async with transport.upgrade(...) as stream:` the hijacked connection of a 101 reply."""
        headers = (*headers, ("Connection", "Upgrade"), ("Upgrade", "tcp"))
        return UnixUpgrade(self, method, target, headers, body)

    async def aclose(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
