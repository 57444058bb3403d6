"""A fake engine for tests: an anyio Unix-socket server that answers with exactly the bytes a test gives it.

It is for what a real engine will not do on demand (garbage status lines, bodies cut short,
connections dropped mid-frame, replies that never come). Everything else is tested against the
real engines. It records every request it received (request line, headers, body), so tests can
prove what went over the wire, and counts connections, so tests can prove what was reused or closed.

```python
async with FakeEngine(f"{tmp_socket_dir}/fake.sock") as fake:
    fake.route("/containers/abc/json", reply(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\n{}"))
    async with rawengine.Engine(fake.host) as engine:
        ...
    assert fake.calls[0].request_line == b"GET /v1.41/containers/abc/json HTTP/1.1"
```

`/_ping` is answered by default (announcing `api_version`, or no `Api-Version` header for `None`);
a request with no route gets a JSON 404 `page not found`, as Docker answers an unknown route.
"""

from __future__ import annotations

import re
import socket
import struct
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

import anyio
import anyio.abc
import msgspec
from anyio.streams.buffered import BufferedByteReceiveStream

__all__ = [
    "FakeConnection",
    "FakeEngine",
    "Handler",
    "Recorded",
    "close_now",
    "hang",
    "http_response",
    "json_reply",
    "reply",
    "sequence",
]

_VERSION_PREFIX = re.compile(r"^/v\d+\.\d+(?=/)")
MAX_REQUEST_HEAD = 256 * 1024


@dataclass
class Recorded:
    """One request as the fake engine read it off the socket."""

    request_line: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes

    @property
    def method(self) -> str:
        return self.request_line.split(b" ", 1)[0].decode("latin-1")

    @property
    def target(self) -> str:
        """The request target exactly as sent (`/v1.41/containers/x/json?size=1`)."""
        parts = self.request_line.split(b" ")
        return parts[1].decode("latin-1") if len(parts) > 1 else ""

    @property
    def path(self) -> str:
        """The target's path without the query, and without the `/vX.Y` prefix."""
        return _VERSION_PREFIX.sub("", self.target.partition("?")[0])

    @property
    def query(self) -> str:
        return self.target.partition("?")[2]

    def header(self, name: str) -> bytes | None:
        wanted = name.lower().encode("latin-1")
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


class FakeConnection:
    """One accepted connection, as a handler sees it."""

    def __init__(self, stream: anyio.abc.SocketStream, engine: FakeEngine) -> None:
        self.stream = stream
        self.reader = BufferedByteReceiveStream(stream)
        self.engine = engine
        self.closed = False

    async def send(self, data: bytes) -> None:
        await self.stream.send(data)

    async def send_eof(self) -> None:
        await self.stream.send_eof()

    async def receive(self) -> bytes:
        """Bytes the client sent after its request (stdin on a hijacked connection); `b""` at EOF."""
        if self.reader.buffer:
            return await self.reader.receive()
        try:
            return await self.stream.receive()
        except (anyio.EndOfStream, anyio.BrokenResourceError):
            return b""

    async def close(self) -> None:
        self.closed = True
        await self.stream.aclose()

    async def read_request(self) -> Recorded | None:
        """The next request on this connection, or `None` when the client closed it."""
        try:
            head = await self.reader.receive_until(b"\r\n\r\n", MAX_REQUEST_HEAD)
        except (anyio.IncompleteRead, anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
            return None
        lines = head.split(b"\r\n")
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers.append((name, value.strip()))
        recorded = Recorded(lines[0], headers, b"")
        length = recorded.header("content-length")
        if recorded.header("transfer-encoding") == b"chunked":
            recorded.body = await self._read_chunked()
        elif length:
            recorded.body = await self.reader.receive_exactly(int(length))
        return recorded

    async def _read_chunked(self) -> bytes:
        pieces: list[bytes] = []
        while True:
            size = int((await self.reader.receive_until(b"\r\n", 1024)).split(b";")[0], 16)
            if size == 0:
                await self.reader.receive_until(b"\r\n", 1024)
                return b"".join(pieces)
            pieces.append(await self.reader.receive_exactly(size))
            await self.reader.receive_exactly(2)


Handler = Callable[[Recorded, FakeConnection], Awaitable[None]]


def http_response(
    status: int = 200,
    body: bytes = b"",
    *,
    reason: str = "OK",
    headers: Mapping[str, str] | None = None,
    chunked: bool = False,
    content_type: str | None = "application/json",
) -> bytes:
    """The bytes of a well-formed reply (Content-Length, or chunked in one chunk)."""
    lines = [f"HTTP/1.1 {status} {reason}", "Api-Version: 1.41", "Server: Docker/20.10.24 (fake)"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
    if chunked:
        lines.append("Transfer-Encoding: chunked")
        payload = (b"%x\r\n%b\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"
    else:
        lines.append(f"Content-Length: {len(body)}")
        payload = body
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


def reply(raw: bytes, *, close: bool = False) -> Handler:
    """Answer with `raw`, byte for byte; then keep the connection open, or close it."""

    async def handler(request: Recorded, conn: FakeConnection) -> None:
        if raw:
            await conn.send(raw)
        if close:
            await conn.close()

    return handler


def json_reply(value: object, status: int = 200) -> Handler:
    return reply(http_response(status, msgspec.json.encode(value)))


def sequence(*pieces: bytes | float, close: bool = False) -> Handler:
    """Send each bytes piece in its own write; a number sleeps that many seconds in between."""

    async def handler(request: Recorded, conn: FakeConnection) -> None:
        for piece in pieces:
            if isinstance(piece, bytes):
                await conn.send(piece)
            else:
                await anyio.sleep(piece)
        if close:
            await conn.close()

    return handler


async def _hang(request: Recorded, conn: FakeConnection) -> None:
    await anyio.sleep_forever()


async def _close_now(request: Recorded, conn: FakeConnection) -> None:
    await conn.close()


hang: Handler = _hang
"""Read the request and never answer (the connection stays open)."""

close_now: Handler = _close_now
"""Read the request and close the connection without a byte of answer."""


@dataclass
class FakeEngine:
    """The fake engine's server; `async with` it inside the test (it runs a task group).

    Args:
        path: where to listen (keep it short: Unix socket paths are limited to about 100 bytes).
        api_version: what `/_ping` announces in `Api-Version`; `None` leaves the header out.
        ping_delay: seconds `/_ping` waits before answering (to make concurrent first calls overlap).
    """

    path: str
    api_version: str | None = "1.41"
    ping_delay: float = 0.0
    ping_headers: dict[str, str] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    routes: dict[str, Handler] = field(default_factory=dict)
    default: Handler | None = None
    connections: int = 0
    open_connections: int = 0

    @property
    def host(self) -> str:
        return f"unix://{self.path}"

    @property
    def calls(self) -> list[Recorded]:
        """Every request but the pings."""
        return [r for r in self.requests if r.path != "/_ping"]

    @property
    def pings(self) -> int:
        return sum(1 for r in self.requests if r.path == "/_ping")

    def route(self, path: str, handler: Handler) -> None:
        """Answer requests for `path` (unversioned, no query: `/containers/abc/json`) with `handler`."""
        self.routes[path] = handler

    async def __aenter__(self) -> Self:
        self._listener = await anyio.create_unix_listener(self.path)
        self._streams: set[anyio.abc.SocketStream] = set()
        self._group = anyio.create_task_group()
        await self._group.__aenter__()
        self._group.start_soon(self._accept, self._listener)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Stop by shutting sockets down, not by cancelling reads: anyio's asyncio Unix streams can
        # report an InvalidStateError when a read is cancelled as its socket turns readable.
        await self._listener.aclose()
        for stream in list(self._streams):
            try:
                stream.extra(anyio.abc.SocketAttribute.raw_socket).shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        # Let every reader see its EOF before anything is cancelled: a read cancelled in the same
        # loop turn as its socket became readable is exactly the case above.
        await anyio.wait_all_tasks_blocked()
        self._group.cancel_scope.cancel()  # what is left sleeps (`hang`), which cancels cleanly
        await self._group.__aexit__(exc_type, exc, tb)

    async def _accept(self, listener: anyio.abc.SocketListener) -> None:
        while True:
            try:
                stream = await listener.accept()
            except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
                return
            self._group.start_soon(self._serve, stream)

    async def _serve(self, stream: anyio.abc.SocketStream) -> None:
        self.connections += 1
        self.open_connections += 1
        self._streams.add(stream)
        conn = FakeConnection(stream, self)
        try:
            while not conn.closed:
                request = await conn.read_request()
                if request is None:
                    break
                self.requests.append(request)
                await self._handler_for(request)(request, conn)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream, OSError):
            pass
        finally:
            self.open_connections -= 1
            self._streams.discard(stream)
            with anyio.CancelScope(shield=True):
                await stream.aclose()

    def _handler_for(self, request: Recorded) -> Handler:
        if request.path == "/_ping" and "/_ping" not in self.routes:
            return self._ping
        handler = self.routes.get(request.path) or self.default
        if handler is None:
            return reply(http_response(404, b'{"message":"page not found"}'))
        return handler

    async def _ping(self, request: Recorded, conn: FakeConnection) -> None:
        if self.ping_delay:
            await anyio.sleep(self.ping_delay)
        lines = ["HTTP/1.1 200 OK", "Content-Type: text/plain; charset=utf-8", "Content-Length: 2"]
        if self.api_version is not None:
            lines.append(f"Api-Version: {self.api_version}")
        lines.extend(f"{name}: {value}" for name, value in self.ping_headers.items())
        await conn.send(("\r\n".join(lines) + "\r\n\r\nOK").encode("latin-1"))


def frame(kind: int, payload: bytes, length: int | None = None) -> bytes:
    """A multiplexed-stream frame: `kind` 1 stdout, 2 stderr, 3 error; `length` may lie."""
    return struct.pack(">BxxxL", kind, len(payload) if length is None else length) + payload
