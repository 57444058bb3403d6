"""One HTTP exchange over one `Connection`: write a request, read its head and body.

The pool (`pool.py`) owns the connections and the plain-request loop; this module holds what a
single exchange needs, and the two objects that keep a connection for longer: a streamed reply
(`StreamedExchange`) and a hijacked one (`UpgradedExchange`). Both get their connection from, and
give it back to, a `ConnectionOwner`: a small protocol, so this module never imports the pool.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from types import TracebackType
from typing import Protocol, Self

import anyio

from .._exceptions import EngineError, ProtocolError, TransportError
from .._protocol.http11 import (
    INCOMPLETE,
    NEED_DATA,
    Data,
    EndOfMessage,
    Head,
    ResponseParser,
    build_request,
    parse_complete,
)
from .errors import BodyError, Stale, broken, in_context, path_of, reraise_mapped, timed_out
from .interface import Body, Connection, Headers

__all__ = [
    "GATHER_LIMIT",
    "MAX_BODY_SIZE",
    "MAX_ERROR_BODY",
    "ConnectionOwner",
    "Exchanged",
    "StreamedExchange",
    "UpgradedExchange",
    "exchange",
    "may_replay",
    "read_body",
    "read_head",
    "write_request",
]

MAX_BODY_SIZE = 512 * 1024 * 1024
GATHER_LIMIT = 64 * 1024  # a reply still incomplete past this is read through the parser (no re-parsing)
MAX_ERROR_BODY = 1024 * 1024  # what is read of an error reply to a stream or an upgrade, for its message
_REPLAYABLE_AFTER_SEND = frozenset({"GET", "HEAD"})


class ConnectionOwner(Protocol):
    """What a stream needs of the pool: a connection with the request sent and its head read, and
    a way to hand the connection back (`reusable` only after a complete, keep-alive reply)."""

    async def open(
        self, method: str, target: str, headers: Headers, body: Body, parser: ResponseParser
    ) -> tuple[Connection, Head]: ...

    def release(self, conn: Connection, reusable: bool) -> None: ...


def may_replay(exc: Stale, conn: Connection, method: str, body: Body) -> bool:
    """Whether a request that met a stale connection can be sent again without doing it twice."""
    if not conn.reused or not (body is None or isinstance(body, bytes)):
        return False
    return exc.unsent or method in _REPLAYABLE_AFTER_SEND


# ------------------------------------------------------------------ one exchange


async def _send_body(conn: Connection, body: AsyncIterable[bytes]) -> None:
    iterator = body.__aiter__()
    while True:
        try:
            piece = await iterator.__anext__()
        except StopAsyncIteration:
            break
        except Exception as exc:
            raise BodyError() from exc
        if piece:
            await conn.send(b"%x\r\n%b\r\n" % (len(piece), piece))
    await conn.send(b"0\r\n\r\n")


def _length(method: str, body: bytes | None) -> int | None:
    """The Content-Length to send: the body's, 0 for a POST or PUT without one, else none."""
    if body is not None:
        return len(body)
    return 0 if method in ("POST", "PUT") else None


async def write_request(conn: Connection, method: str, target: str, headers: Headers, body: Body) -> None:
    if body is None or isinstance(body, bytes):
        data = build_request(method, target, headers, content_length=_length(method, body))
        if body:
            data += body
    else:
        try:
            await conn.send(build_request(method, target, headers, chunked=True))
        except OSError as exc:
            raise Stale(unsent=True) from exc
        await _send_body(conn, body)
        return
    try:
        await conn.send(data)
    except OSError as exc:
        raise Stale(unsent=True) from exc


async def read_head(conn: Connection, parser: ResponseParser) -> Head:
    while True:
        event = parser.next_event()
        if event is NEED_DATA:
            try:
                data = await conn.receive()
            except OSError as exc:
                if not parser.received_any:
                    raise Stale(unsent=False) from exc
                raise
            if not data and not parser.received_any:
                raise Stale(unsent=False)
            parser.receive_data(data)
            continue
        assert isinstance(event, Head)
        return event


async def read_body(conn: Connection, parser: ResponseParser, limit: int = MAX_BODY_SIZE) -> bytes:
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
            parser.receive_data(await conn.receive())
        else:
            assert isinstance(event, EndOfMessage)
            return pieces[0] if len(pieces) == 1 else b"".join(pieces)


Exchanged = tuple[Head, bytes, bool, ResponseParser | None]
"""The head; the body and whether the connection can be reused, or the parser to read them with."""


def _parse_head_reply(data: bytes) -> object:
    return parse_complete(data, head_request=True)


async def _exchange(conn: Connection, method: str, target: str, headers: Headers, body: Body) -> Exchanged:
    """Write the request and read until the head is complete.

    Returns the head and, when the whole reply came in the first reads (the usual case: a small
    reply is gathered whole, up to `GATHER_LIMIT` bytes), its body and whether the connection
    stays usable; otherwise the parser, holding what came, to read the body with (`read_body`).
    """
    await write_request(conn, method, target, headers, body)
    head_request = method == "HEAD"
    try:
        data, complete = await conn.receive_reply(
            _parse_head_reply if head_request else parse_complete, INCOMPLETE, GATHER_LIMIT
        )
    except OSError as exc:
        raise Stale(unsent=False) from exc
    if not data:
        raise Stale(unsent=False)
    if isinstance(complete, tuple):
        head, content, keep_alive = complete
        return head, content, keep_alive, None
    parser = ResponseParser(head_request=head_request)
    parser.receive_data(data)
    return await read_head(conn, parser), b"", False, parser


async def exchange(
    conn: Connection, method: str, target: str, headers: Headers, body: Body, bound: float | None
) -> Exchanged:
    """`_exchange` within `bound` seconds to the response head (`EngineTimeoutError`), if any.

    This runs on every plain request, so it is done the cheapest way each backend allows (a
    cancel scope around every request costs a fifth of a ping round trip on trio here): on
    asyncio the connection's own lazily re-armed loop timer, on trio (Linux) the connection's
    timerfd waited on together with the socket (`timerfd.py`); when the deadline passes the
    socket is shut down, waking the pending read or write. Elsewhere, a trio cancel scope.
    """
    if bound is None:
        return await _exchange(conn, method, target, headers, body)
    if conn.arm(bound):
        try:
            result = await _exchange(conn, method, target, headers, body)
        except (Stale, ProtocolError, OSError) as exc:
            if conn.expired:
                raise timed_out(method, target, bound) from exc
            raise
        finally:
            conn.disarm()
        if conn.expired:  # fired during the last read: the head is whole, the body would fail
            raise timed_out(method, target, bound)
        return result
    import trio  # this is trio, so it is imported already

    with trio.move_on_after(bound):
        return await _exchange(conn, method, target, headers, body)
    raise timed_out(method, target, bound)


# ------------------------------------------------------------------ connections held by the caller


class StreamedExchange:
    """One streamed request on a pooled connection, returned to the pool only if fully read."""

    def __init__(self, owner: ConnectionOwner, method: str, target: str, headers: Headers, body: Body) -> None:
        self._owner = owner
        self._request = (method, target, headers, body)
        self._conn: Connection | None = None
        self._parser = ResponseParser(head_request=method == "HEAD")
        self._done = False
        self._failure: EngineError | None = None
        self.head: Head

    async def __aenter__(self) -> Self:
        method, target, headers, body = self._request
        self._conn, self.head = await self._owner.open(method, target, headers, body, self._parser)
        return self

    async def receive(self) -> bytes:
        if self._done:
            return b""
        if self._failure is not None:
            raise self._failure  # a broken body stays broken: never a clean-looking end
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
                    parser.receive_data(await conn.receive_checkpointed())
                    continue
                self._done = True
                return b""
        except ProtocolError as exc:
            self._failure = in_context(exc, self._request[0], self._request[1])
            raise self._failure from exc
        except OSError as exc:
            self._failure = broken(self._request[0], self._request[1], exc)
            raise self._failure from exc

    async def read_all(self, limit: int = MAX_ERROR_BODY) -> bytes:
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
            self._owner.release(conn, self._done and exc is None and self._parser.keep_alive)


class UpgradedExchange:
    """A hijacked connection: never pooled, always closed on exit.

    A reply other than 101 leaves the stream closed: an error status's body (its message) is
    what `receive()` returns, and a 2xx is not read at all (the caller raises `ProtocolError`).
    """

    def __init__(self, owner: ConnectionOwner, method: str, target: str, headers: Headers, body: bytes) -> None:
        self._owner = owner
        self._request = (method, target, headers, body)
        self._conn: Connection | None = None
        self._pending = b""
        self._eof = False
        self.head: Head

    async def __aenter__(self) -> Self:
        method, target, headers, body = self._request
        parser = ResponseParser(expect_upgrade=True)
        conn, self.head = await self._owner.open(method, target, headers, body, parser)
        self._conn = conn
        if parser.switched:
            self._pending = parser.trailing_data
            return self
        self._eof = True
        if self.head.status_code >= 300:
            try:
                self._pending = await read_body(conn, parser, limit=MAX_ERROR_BODY)
            except BaseException as exc:
                self._conn = None
                self._owner.release(conn, False)
                reraise_mapped(exc, method, target)
                raise
        return self

    def _connection(self) -> Connection:
        conn = self._conn
        if conn is None:
            raise RuntimeError("the stream is closed")
        return conn

    async def receive(self) -> bytes:
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        if self._eof:
            return b""
        conn = self._connection()
        try:
            data = await conn.receive_checkpointed()
        except OSError as exc:
            raise broken(self._request[0], self._request[1], exc) from exc
        if not data:
            self._eof = True
        return data

    async def send(self, data: bytes) -> None:
        conn = self._connection()
        waits = conn.waits
        try:
            await conn.send(data)
        except OSError as exc:
            raise TransportError(
                f"could not write to the engine during {self._request[0]} {path_of(self._request[1])}"
            ) from exc
        if conn.waits == waits:
            await anyio.lowlevel.checkpoint()  # a writer that never waits must still let others run

    async def send_eof(self) -> None:
        conn = self._connection()
        try:
            await conn.send_eof()
        except OSError as exc:
            raise TransportError(f"could not half-close the connection of {path_of(self._request[1])}") from exc

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            self._owner.release(conn, False)
