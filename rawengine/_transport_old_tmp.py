"""The one module that moves HTTP bytes: a pooled HTTP/1.1 client over anyio Unix sockets.

Why not `httpx.AsyncClient` here: a round trip is what rawengine exists for, and the stock
client spends about 1.5 ms of CPU per request on this kind of machine against 0.2 ms for a bare
socket loop (see the README's benchmark table). This transport writes pre-built request bytes,
parses the reply with the sans-IO `_protocol.http11` parser and keeps connections alive in a
bounded pool. httpx keeps its role for TCP hosts and as the test seam (`_httpx_transport.py`);
both implement the `Transport` protocol below, so the choice stays a one-file change.

Rules kept here:
- A connection goes back to the pool only after a complete response that allows keep-alive;
  an error or a cancellation at any point closes it (cleanup shielded from cancellation).
- An idle connection the engine closed (restart, idle timeout) is noticed before reuse.
- Plain requests have a connect timeout and a time-to-response-headers bound; streams and
  upgraded connections have none (callers bound them with anyio cancel scopes).
- Errors from the socket become `ConnectError` / `TransportError`; bytes that break HTTP
  become `ProtocolError`. Cancellation passes through untouched.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import AsyncIterable
from types import TracebackType
from typing import Protocol, Self

import anyio
import anyio.abc

from ._exceptions import ConnectError, EngineError, ProtocolError, TransportError
from ._protocol.http11 import NEED_DATA, Data, EndOfMessage, Head, ResponseParser, build_request

__all__ = [
    "Body",
    "EngineTimeoutError",
    "Response",
    "StreamingResponse",
    "Transport",
    "UnixTransport",
    "UpgradedStream",
]

Body = bytes | AsyncIterable[bytes] | None
Headers = tuple[tuple[str, str], ...]

READ_SIZE = 256 * 1024
MAX_BODY_SIZE = 512 * 1024 * 1024


class EngineTimeoutError(TransportError, TimeoutError):
    """The engine did not connect or answer within the configured bound."""


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


def _socket_error(path: str, exc: OSError) -> ConnectError:
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


class _Connection:
    __slots__ = ("reused", "sock", "stream")

    def __init__(self, stream: anyio.abc.SocketStream) -> None:
        self.stream = stream
        self.sock: socket.socket = stream.extra(anyio.abc.SocketAttribute.raw_socket)
        self.reused = False

    def is_idle_and_open(self) -> bool:
        """False when the engine closed the idle connection or sent something unasked."""
        try:
            self.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)  # b"" (closed) or unasked bytes
            return False
        except BlockingIOError:
            return True
        except OSError:
            return False

    async def aclose(self) -> None:
        with anyio.CancelScope(shield=True):
            try:
                await self.stream.aclose()
            except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
                pass


async def _send_body(stream: anyio.abc.ByteStream, body: AsyncIterable[bytes]) -> None:
    async for piece in body:
        if piece:
            await stream.send(b"%x\r\n%b\r\n" % (len(piece), piece))
    await stream.send(b"0\r\n\r\n")


class UnixTransport:
    """HTTP/1.1 over a Unix socket with a bounded keep-alive pool.

    Args:
        path: the socket's path.
        max_connections: the most connections open at once, pooled and hijacked together.
        connect_timeout: seconds allowed to connect (plain requests and streams alike).
        response_timeout: seconds allowed from sending a plain request to its response headers.
    """

    def __init__(
        self, path: str, *, max_connections: int = 64, connect_timeout: float = 5.0, response_timeout: float = 120.0
    ) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.path = path
        self.max_connections = max_connections
        self.connect_timeout = connect_timeout
        self.response_timeout = response_timeout
        self._idle: list[_Connection] = []
        self._slots = anyio.Semaphore(max_connections, fast_acquire=True)
        self._closed = False

    @property
    def idle_connections(self) -> int:
        return len(self._idle)

    @property
    def connections_in_use(self) -> int:
        return self.max_connections - self._slots.value

    async def _connect(self) -> _Connection:
        try:
            with anyio.fail_after(self.connect_timeout):
                stream = await anyio.connect_unix(self.path)
        except TimeoutError as exc:
            raise EngineTimeoutError(
                f"connecting to the engine at unix://{self.path} took longer than {self.connect_timeout}s"
            ) from exc
        except OSError as exc:
            raise _socket_error(self.path, exc) from exc
        return _Connection(stream)

    async def _acquire(self) -> _Connection:
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
                await conn.aclose()
            return await self._connect()
        except BaseException:
            self._slots.release()
            raise

    async def _release(self, conn: _Connection, reusable: bool) -> None:
        try:
            if reusable and not self._closed:
                self._idle.append(conn)
            else:
                await conn.aclose()
        finally:
            self._slots.release()

    async def request(
        self, method: str, target: str, headers: Headers = (), body: Body = None, *, extra_time: float = 0.0
    ) -> Response:
        """Send one request and read its whole reply."""
        replayable = not isinstance(body, AsyncIterable)
        for attempt in (0, 1):
            conn = await self._acquire()
            reusable = False
            try:
                parser = ResponseParser(head_request=method == "HEAD")
                with anyio.fail_after(self.response_timeout + extra_time):
                    await _write_request(conn.stream, method, target, headers, body)
                    head = await _read_head(conn.stream, parser)
                content = await _read_body(conn.stream, parser)
                reusable = parser.keep_alive
                return Response(head, content)
            except TimeoutError as exc:
                raise EngineTimeoutError(
                    f"the engine did not answer {method} {target} within {self.response_timeout + extra_time}s"
                ) from exc
            except _Stale:
                # The engine closed a pooled connection as we reused it and never saw the request.
                if attempt or not conn.reused or not replayable:
                    raise TransportError(
                        f"the engine closed the connection before answering {method} {target}"
                    ) from None
            except (OSError, anyio.BrokenResourceError, anyio.EndOfStream) as exc:
                raise TransportError(f"connection to the engine broke during {method} {target}: {exc!r}") from exc
            finally:
                await self._release(conn, reusable)
        raise AssertionError("unreachable")

    def stream(self, method: str, target: str, headers: Headers = (), body: Body = None) -> _UnixExchange:
        """`async with transport.stream(...) as response:` read a long or endless body."""
        return _UnixExchange(self, method, target, headers, body)

    def upgrade(self, method: str, target: str, headers: Headers = (), body: bytes = b"") -> _UnixUpgrade:
        """`async with transport.upgrade(...) as stream:` the hijacked connection of a 101 reply."""
        headers = (*headers, ("Connection", "Upgrade"), ("Upgrade", "tcp"))
        return _UnixUpgrade(self, method, target, headers, body)

    async def aclose(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.aclose()


class _Stale(Exception):
    """EOF or reset before a single response byte, on a request that may be replayed."""


async def _write_request(stream: anyio.abc.ByteStream, method: str, target: str, headers: Headers, body: Body) -> None:
    if body is None:
        head = build_request(method, target, headers, content_length=0 if method in ("POST", "PUT") else None)
        data = head
    elif isinstance(body, bytes):
        data = build_request(method, target, headers, content_length=len(body)) + body
    else:
        await stream.send(build_request(method, target, headers, chunked=True))
        await _send_body(stream, body)
        return
    try:
        await stream.send(data)
    except (anyio.BrokenResourceError, OSError) as exc:
        raise _Stale() from exc


async def _read_head(stream: anyio.abc.ByteStream, parser: ResponseParser) -> Head:
    while True:
        event = parser.next_event()
        if event is NEED_DATA:
            try:
                data = await stream.receive(READ_SIZE)
            except anyio.EndOfStream:
                data = b""
            except (anyio.BrokenResourceError, OSError) as exc:
                if not parser.received_any:
                    raise _Stale() from exc
                raise
            if not data and not parser.received_any:
                raise _Stale()
            parser.receive_data(data)
            continue
        assert isinstance(event, Head)
        return event


async def _read_body(stream: anyio.abc.ByteStream, parser: ResponseParser, limit: int = MAX_BODY_SIZE) -> bytes:
    pieces: list[bytes] = []
    size = 0
    while True:
        event = parser.next_event()
        if type(event) is Data:
            pieces.append(event.data)
            size += len(event.data)
            if size > limit:
                raise ProtocolError(f"the engine's response body exceeds {limit} bytes")
        elif event is NEED_DATA:
            try:
                parser.receive_data(await stream.receive(READ_SIZE))
            except anyio.EndOfStream:
                parser.receive_data(b"")
        else:
            assert isinstance(event, EndOfMessage)
            return pieces[0] if len(pieces) == 1 else b"".join(pieces)


class _UnixExchange:
    """One streamed request on a pooled connection, returned to the pool only if fully read."""

    def __init__(self, transport: UnixTransport, method: str, target: str, headers: Headers, body: Body) -> None:
        self._transport = transport
        self._request = (method, target, headers, body)
        self._conn: _Connection | None = None
        self._parser = ResponseParser(head_request=method == "HEAD")
        self._done = False
        self.head: Head

    async def __aenter__(self) -> Self:
        method, target, headers, body = self._request
        self._conn = conn = await self._transport._acquire()
        try:
            await _write_request(conn.stream, method, target, headers, body)
            self.head = await _read_head(conn.stream, self._parser)
        except BaseException as exc:
            self._conn = None
            await self._transport._release(conn, False)
            _reraise_mapped(exc, method, target)
            raise
        return self

    async def receive(self) -> bytes:
        if self._done:
            return b""
        conn = self._conn
        if conn is None:
            raise RuntimeError("the response stream is closed")
        parser = self._parser
        try:
            while True:
                event = parser.next_event()
                if type(event) is Data:
                    return event.data
                if event is NEED_DATA:
                    try:
                        parser.receive_data(await conn.stream.receive(READ_SIZE))
                    except anyio.EndOfStream:
                        parser.receive_data(b"")
                    continue
                self._done = True
                return b""
        except (OSError, anyio.BrokenResourceError) as exc:
            raise TransportError(
                f"connection to the engine broke during {self._request[0]} {self._request[1]}"
            ) from exc
        except anyio.ClosedResourceError as exc:
            raise RuntimeError("the response stream is closed") from exc

    async def read_all(self, limit: int = 1024 * 1024) -> bytes:
        pieces = []
        size = 0
        while piece := await self.receive():
            pieces.append(piece)
            size += len(piece)
            if size > limit:
                break
        return b"".join(pieces)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await self._transport._release(conn, self._done and exc is None and self._parser.keep_alive)


class _UnixUpgrade:
    """A hijacked connection: never pooled, always closed on exit."""

    def __init__(self, transport: UnixTransport, method: str, target: str, headers: Headers, body: bytes) -> None:
        self._transport = transport
        self._request = (method, target, headers, body)
        self._conn: _Connection | None = None
        self._pending = b""
        self._eof = False
        self.head: Head

    async def __aenter__(self) -> Self:
        method, target, headers, body = self._request
        self._conn = conn = await self._transport._acquire()
        try:
            parser = ResponseParser()
            await _write_request(conn.stream, method, target, headers, body)
            self.head = await _read_head(conn.stream, parser)
            if parser.switched:
                self._pending = parser.trailing_data
            else:
                self._pending = await _read_body(conn.stream, parser, limit=1024 * 1024)
                self._eof = True
        except BaseException as exc:
            self._conn = None
            await self._transport._release(conn, False)
            _reraise_mapped(exc, method, target)
            raise
        return self

    async def receive(self) -> bytes:
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        if self._eof:
            return b""
        conn = self._conn
        if conn is None:
            raise RuntimeError("the stream is closed")
        try:
            return await conn.stream.receive(READ_SIZE)
        except anyio.EndOfStream:
            self._eof = True
            return b""
        except (OSError, anyio.BrokenResourceError) as exc:
            raise TransportError(
                f"connection to the engine broke during {self._request[0]} {self._request[1]}"
            ) from exc

    async def send(self, data: bytes) -> None:
        conn = self._conn
        if conn is None:
            raise RuntimeError("the stream is closed")
        try:
            await conn.stream.send(data)
        except (OSError, anyio.BrokenResourceError) as exc:
            raise TransportError(f"could not write to the engine during {self._request[0]} {self._request[1]}") from exc

    async def send_eof(self) -> None:
        conn = self._conn
        if conn is None:
            raise RuntimeError("the stream is closed")
        try:
            await conn.stream.send_eof()
        except (OSError, anyio.BrokenResourceError) as exc:
            raise TransportError(f"could not half-close the connection of {self._request[1]}") from exc

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await self._transport._release(conn, False)


def _reraise_mapped(exc: BaseException, method: str, target: str) -> None:
    """Turn a socket failure while opening a stream into a rawengine error (or do nothing)."""
    if isinstance(exc, EngineError):
        return
    if isinstance(exc, _Stale):
        raise TransportError(f"the engine closed the connection before answering {method} {target}") from exc
    if isinstance(exc, (OSError, anyio.BrokenResourceError, anyio.EndOfStream)):
        raise TransportError(f"connection to the engine broke during {method} {target}: {exc!r}") from exc
