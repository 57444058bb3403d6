"""What the rest of rawengine sees of a transport: the `Transport` protocol and its replies.

Every transport implements it: `HttpTransport` (rawengine's own HTTP/1.1 over Unix sockets,
TCP, TLS or ssh, `pool.py`) and `HttpxTransport` (over an `httpx.AsyncClient`,
`httpx_transport.py`). `Connection` is what the exchange code needs of one byte stream; the
asyncio, trio, TLS and ssh connections all provide it.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable
from types import TracebackType
from typing import Protocol

from .._protocol.http11 import Head

__all__ = [
    "Body",
    "Connection",
    "Headers",
    "Response",
    "StreamingResponse",
    "Transport",
    "UpgradedStream",
]

Body = bytes | AsyncIterable[bytes] | None
Headers = tuple[tuple[str, str], ...]


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

    def stream(self, method: str, target: str, headers: Headers = (), body: Body = None) -> ExchangeCM: ...

    def upgrade(self, method: str, target: str, headers: Headers = (), body: bytes = b"") -> UpgradeCM: ...

    async def aclose(self) -> None: ...


class ExchangeCM(Protocol):
    async def __aenter__(self) -> StreamingResponse: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class UpgradeCM(Protocol):
    async def __aenter__(self) -> UpgradedStream: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class Connection(Protocol):
    """One byte stream to the engine, used by one task at a time (plus one writer beside a reader
    on a hijacked stream). Reads return `b""` at end of stream; failures are `OSError`.

    `reused`: it served a request before (a failure may then be a stale connection). `waits`:
    how often a read or write had to wait (each wait was a checkpoint). `expired`: the response
    bound passed and the connection was shut down.
    """

    reused: bool

    @property
    def expired(self) -> bool: ...

    @property
    def waits(self) -> int: ...

    async def send(self, data: bytes) -> None: ...

    async def receive(self, *, wait_first: bool = False) -> bytes: ...

    async def receive_reply(
        self, parse: Callable[[bytes], object], incomplete: object, limit: int
    ) -> tuple[bytes, object]: ...

    async def receive_checkpointed(self) -> bytes: ...

    @property
    def descriptors(self) -> int: ...

    async def send_eof(self) -> None:
        """Half-close: the engine reads end of input; reading goes on."""
        ...

    def is_idle_and_open(self) -> bool: ...

    def arm(self, bound: float) -> bool: ...

    def disarm(self) -> None: ...

    def expire(self) -> None: ...

    def close(self) -> None: ...
