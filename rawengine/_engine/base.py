"""The Engine's core: host resolution, lifecycle, version negotiation, and the three ways to send.

Resource methods live in sibling modules (`containers.py`, `exec.py`, `images.py`, ...), each a
mixin over `EngineCore`, the way bollard spreads `impl Docker` over one module per resource.
Each method is a few lines: build a `Request` (sans-IO, `_endpoints`), send it here, decode.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import TracebackType
from typing import Protocol, Self, TypeVar

import anyio
import msgspec

from .._endpoints import Request
from .._endpoints import system as system_api
from .._exceptions import ProtocolError, error_from_response
from .._hooks import CallFailed, CallKind, EventHooks, Hooks, RequestSent, ResponseReceived, StreamClosed
from .._models.system import Ping
from .._protocol.http11 import Head
from .._slots import Slots
from .._transport import Response, StreamingResponse, Transport, UnixTransport, UpgradedStream

__all__ = ["DEFAULT_HOST", "EngineCore", "resolve_host"]

T = TypeVar("T")
S = TypeVar("S", bound="_HasHead")


class _HasHead(Protocol):
    @property
    def head(self) -> Head: ...


DEFAULT_HOST = "unix:///var/run/docker.sock"
_PING = system_api.ping()  # built once: a Request is immutable


def resolve_host(host: str | None) -> str:
    """`unix:///path`, a bare socket path, `tcp://`/`http://` URLs; `None` reads `DOCKER_HOST`."""
    if host is None:
        host = os.environ.get("DOCKER_HOST") or DEFAULT_HOST
    if host.startswith("/"):
        return "unix://" + host
    if host.startswith(("unix://", "tcp://", "http://", "https://")):
        return host
    raise ValueError(f"unsupported engine host {host!r}: use unix:///path/to/socket, a socket path, or tcp://host:port")


def _make_transport(
    host: str, max_connections: int, connect_timeout: float, response_timeout: float | None
) -> Transport:
    if host.startswith("unix://"):
        return UnixTransport(
            host[len("unix://") :],
            max_connections=max_connections,
            connect_timeout=connect_timeout,
            response_timeout=response_timeout,
        )
    from .._httpx_transport import HttpxTransport

    return HttpxTransport.for_url(
        host, max_connections=max_connections, connect_timeout=connect_timeout, response_timeout=response_timeout
    )


class EngineCore:
    """Configuration, connection pool and negotiated version shared by every resource method."""

    def __init__(
        self,
        host: str | None = None,
        *,
        api_version: str | None = None,
        max_connections: int = 64,
        connect_timeout: float = 5.0,
        response_timeout: float | None = 120.0,
        transport: Transport | None = None,
        event_hooks: EventHooks | None = None,
    ) -> None:
        self._hooks = Hooks(event_hooks) if event_hooks else None
        self.host = resolve_host(host) if transport is None else (host or "custom transport")
        self._transport = transport or _make_transport(self.host, max_connections, connect_timeout, response_timeout)
        self._prefix: str | None = None
        if api_version is not None:
            major, minor = system_api.parse_api_version(api_version)  # ValueError now rather than a 400 later
            self._prefix = f"/v{major}.{minor}"
        self._kind: str | None = None
        self._negotiation_lock = Slots(1)  # single-flight negotiation, on any backend
        self._closed = False

    # ------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        await self._api_prefix()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every pooled connection. The Engine cannot be used afterwards."""
        self._closed = True
        await self._transport.aclose()

    @property
    def api_version(self) -> str | None:
        """The API version in use, once negotiated (or as pinned)."""
        return None if self._prefix is None else self._prefix[2:]

    # ------------------------------------------------------------ negotiation

    async def _api_prefix(self) -> str:
        prefix = self._prefix
        if prefix is not None:
            return prefix
        async with self._negotiation_lock:  # single-flight: concurrent first calls ping once
            if self._prefix is None:
                ping = await self._ping()
                self._prefix = "/v" + system_api.choose_api_version(ping.api_version)
            return self._prefix

    async def _ping(self) -> Ping:
        request = _PING
        if self._hooks is None:
            response = await self._transport.request(request.method, request.path)
        else:
            response = await self._observed(self._hooks, request, request.path)
        self._check(request, response.head, response.content)
        head = response.head
        ping = system_api.ping_from_head(head.raw_lines, head)
        self._kind = ping.engine
        return ping

    async def _engine_kind(self) -> str:
        """`"docker"` or `"podman"` (from the ping headers), for the few places they must differ."""
        if self._kind is None:
            await self._ping()
        assert self._kind is not None
        return self._kind

    # ------------------------------------------------------------ sending

    def _target(self, prefix: str, request: Request) -> str:
        if request.query:
            return f"{prefix}{request.path}?{request.query}"
        return prefix + request.path

    @staticmethod
    def _check(request: Request, head: Head, content: bytes) -> None:
        code = head.status_code
        if code >= 300 and code != 304:
            raise error_from_response(code, content, method=request.method, path=request.path)

    async def _send(self, request: Request) -> Response:
        """Send a plain request; raise the matching `APIError` for an error status."""
        prefix = self._prefix or await self._api_prefix()
        if self._hooks is not None:
            response = await self._observed(self._hooks, request, self._target(prefix, request))
        else:
            response = await self._transport.request(
                request.method,
                self._target(prefix, request),
                request.all_headers,
                request.body,
                extra_time=request.extra_time,
            )
        self._check(request, response.head, response.content)
        return response

    async def _observed(self, hooks: Hooks, request: Request, target: str) -> Response:
        """`_transport.request` between the `request` and `response` (or `error`) hooks."""
        sent = await self._hooked_start(hooks, request.method, target, "plain")
        start = time.perf_counter()
        try:
            response = await self._transport.request(
                request.method, target, request.all_headers, request.body, extra_time=request.extra_time
            )
        except Exception as exc:
            await hooks.emit(hooks.error, CallFailed(sent, exc, time.perf_counter() - start))
            raise
        await hooks.emit(hooks.response, ResponseReceived(sent, response.head.status_code, time.perf_counter() - start))
        return response

    @staticmethod
    async def _hooked_start(hooks: Hooks, method: str, target: str, kind: CallKind) -> RequestSent:
        sent = hooks.sent(method, target, kind)
        await hooks.emit(hooks.request, sent)
        return sent

    @asynccontextmanager
    async def _observed_stream(
        self, hooks: Hooks, opener: AbstractAsyncContextManager[S], method: str, target: str, kind: CallKind
    ) -> AsyncIterator[S]:
        """Open `opener` between the hooks: `response` at its headers, `close` when it ends."""
        sent = await self._hooked_start(hooks, method, target, kind)
        start = time.perf_counter()
        try:
            opened = await opener.__aenter__()
        except Exception as exc:
            await hooks.emit(hooks.error, CallFailed(sent, exc, time.perf_counter() - start))
            raise
        try:
            await hooks.emit(
                hooks.response, ResponseReceived(sent, opened.head.status_code, time.perf_counter() - start)
            )
            yield opened
        except BaseException as exc:
            if not await opener.__aexit__(type(exc), exc, exc.__traceback__):
                raise
        else:
            await opener.__aexit__(None, None, None)
        finally:
            with anyio.CancelScope(shield=True):
                await hooks.emit(hooks.close, StreamClosed(sent, time.perf_counter() - start))

    async def _json(self, request: Request, decoder: msgspec.json.Decoder[T]) -> T:
        response = await self._send(request)
        return self._decode(request, decoder, response.content)

    @staticmethod
    def _decode(request: Request, decoder: msgspec.json.Decoder[T], content: bytes) -> T:
        try:
            return decoder.decode(content)
        except msgspec.ValidationError as exc:
            raise ProtocolError(
                f"{request.method} {request.path}: the engine's reply has an unexpected shape: {exc}"
            ) from exc
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise ProtocolError(
                f"{request.method} {request.path}: the engine's reply is not valid JSON: {exc}"
            ) from exc
        except RecursionError:  # msgspec's answer to deep nesting, even inside an ignored field
            raise ProtocolError(f"{request.method} {request.path}: the engine's reply is nested too deeply") from None

    @asynccontextmanager
    async def _stream(self, request: Request) -> AsyncIterator[StreamingResponse]:
        """Open a streamed reply; an error status is read and raised before anything is yielded."""
        prefix = self._prefix or await self._api_prefix()
        target = self._target(prefix, request)
        opener: AbstractAsyncContextManager[StreamingResponse] = self._transport.stream(
            request.method, target, request.all_headers, request.body
        )
        if self._hooks is not None:
            opener = self._observed_stream(self._hooks, opener, request.method, target, "stream")
        async with opener as response:
            code = response.head.status_code
            if code >= 300:
                raise error_from_response(code, await response.read_all(), method=request.method, path=request.path)
            yield response

    @asynccontextmanager
    async def _upgrade(self, request: Request, body: bytes) -> AsyncIterator[UpgradedStream]:
        """Open a hijacked connection; anything but `101` is an error (`APIError` or `ProtocolError`)."""
        prefix = self._prefix or await self._api_prefix()
        target = self._target(prefix, request)
        opener: AbstractAsyncContextManager[UpgradedStream] = self._transport.upgrade(
            request.method, target, request.all_headers, body
        )
        if self._hooks is not None:
            opener = self._observed_stream(self._hooks, opener, request.method, target, "upgrade")
        async with opener as stream:
            code = stream.head.status_code
            if code != 101:
                if code >= 300:
                    raise error_from_response(code, await stream.receive(), method=request.method, path=request.path)
                raise ProtocolError(
                    f"{request.method} {request.path}: the engine answered {code} where 101 Switching Protocols "
                    "was required to attach to the process"
                )
            yield stream
