"""Every Engine API call the demo makes, with its status and round-trip time.

`RecordingTransport` wraps the transport an `Engine` sends through (rawengine's own Unix-socket
transport, or the httpx one for `tcp://` hosts) and reports each exchange to a callback as it
completes, so each step can name the calls it made. The Engine is unchanged: it is constructed
with `transport=`, the seam rawengine keeps for exactly this kind of wrapping.

Timing: a plain call is timed from writing the request to the end of the response body; a
streamed or hijacked call (pull, build, exec start) reports the time to its response headers when
they arrive, and its total duration when it is closed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

from .._engine.base import _make_transport, resolve_host
from .._protocol.http11 import Head
from .._transport import Body, Response, StreamingResponse, Transport, UpgradedStream
from .render import readable_target

__all__ = ["ApiCall", "RecordingTransport", "recording_transport"]

Headers = tuple[tuple[str, str], ...]


@dataclass
class ApiCall:
    """One exchange with the engine."""

    method: str
    target: str  # as sent: `/v1.41/containers/create?name=webserver`
    status: int | None = None  # None: no response (connection failed)
    seconds: float = 0.0  # plain call: the whole exchange; stream: to the response headers
    kind: str = "plain"  # "plain", "stream" or "upgrade"
    total_seconds: float | None = None  # streams: until closed
    error: str | None = None

    @property
    def readable(self) -> str:
        return readable_target(self.target)

    @property
    def path(self) -> str:
        return readable_target(self.target).partition("?")[0]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "target": readable_target(self.target),
            "status": self.status,
            "ms": round(self.seconds * 1000, 3),
            "kind": self.kind,
        }
        if self.total_seconds is not None:
            out["total_ms"] = round(self.total_seconds * 1000, 3)
        if self.error is not None:
            out["error"] = self.error
        return out


OnCall = Callable[[ApiCall], None]


class _HasHead(Protocol):
    head: Head


T = TypeVar("T", bound=_HasHead)
T_co = TypeVar("T_co", covariant=True)


class _AsyncContext(Protocol[T_co]):
    async def __aenter__(self) -> T_co: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class _RecordedStream(Generic[T]):
    """`async with` wrapper that times a streamed or hijacked exchange."""

    def __init__(self, recorder: RecordingTransport, call: ApiCall, inner: _AsyncContext[T]) -> None:
        self._recorder = recorder
        self._call = call
        self._inner = inner
        self._start = 0.0

    async def __aenter__(self) -> T:
        self._start = time.perf_counter()
        try:
            response = await self._inner.__aenter__()
        except BaseException as exc:
            self._call.seconds = time.perf_counter() - self._start
            self._call.error = type(exc).__name__
            self._recorder._report(self._call)
            raise
        self._call.seconds = time.perf_counter() - self._start
        self._call.status = response.head.status_code
        self._recorder._report(self._call)
        return response

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            await self._inner.__aexit__(exc_type, exc, tb)
        finally:
            self._call.total_seconds = time.perf_counter() - self._start


class RecordingTransport:
    """A `Transport` that passes everything to `inner` and reports each call to `on_call`."""

    def __init__(self, inner: Transport, on_call: OnCall | None = None) -> None:
        self.inner = inner
        self.on_call = on_call
        self.calls: list[ApiCall] = []

    def _report(self, call: ApiCall) -> None:
        self.calls.append(call)
        if self.on_call is not None:
            self.on_call(call)

    async def request(
        self, method: str, target: str, headers: Headers = (), body: Body = None, *, extra_time: float = 0.0
    ) -> Response:
        call = ApiCall(method, target)
        start = time.perf_counter()
        try:
            response = await self.inner.request(method, target, headers, body, extra_time=extra_time)
        except BaseException as exc:
            call.seconds = time.perf_counter() - start
            call.error = type(exc).__name__
            self._report(call)
            raise
        call.seconds = time.perf_counter() - start
        call.status = response.head.status_code
        self._report(call)
        return response

    def stream(
        self, method: str, target: str, headers: Headers = (), body: Body = None
    ) -> _RecordedStream[StreamingResponse]:
        inner = self.inner.stream(method, target, headers, body)
        return _RecordedStream(self, ApiCall(method, target, kind="stream"), inner)

    def upgrade(
        self, method: str, target: str, headers: Headers = (), body: bytes = b""
    ) -> _RecordedStream[UpgradedStream]:
        return _RecordedStream(
            self, ApiCall(method, target, kind="upgrade"), self.inner.upgrade(method, target, headers, body)
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


def recording_transport(host: str | None, on_call: OnCall | None = None) -> tuple[str, RecordingTransport]:
    """The resolved host (`DOCKER_HOST` or the default when `host` is None) and a recording transport to it.

    Raises:
        ValueError: `host` is not a form rawengine understands.
    """
    resolved = resolve_host(host)
    inner = _make_transport(resolved, max_connections=16, connect_timeout=5.0, response_timeout=120.0)
    return resolved.host, RecordingTransport(inner, on_call)
