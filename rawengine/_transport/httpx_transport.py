"""The same `Transport` protocol over httpx: for TCP hosts and as the test seam.

`Engine("tcp://host:2375")` uses it; so does `Engine(transport=HttpxTransport(mock))` in tests
that fake the engine with `httpx.MockTransport`. The Unix-socket path does not go through here:
httpx's per-request overhead is several times a bare socket round trip (see `pool.py`).

The exec hijack uses httpcore's documented `network_stream` response extension, which hands
back the bytes already read past the 101 head first.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterable, AsyncIterator
from types import TracebackType
from typing import Any, Self

import anyio
import httpx

from .._exceptions import ConnectError, EngineError, ProtocolError, TransportError
from .._protocol.http11 import Head
from .errors import EngineTimeoutError
from .interface import Body, Headers, Response

__all__ = ["HttpxTransport"]


def _head(response: httpx.Response) -> Head:
    headers: dict[bytes, bytes] = {}
    for name, value in response.headers.raw:
        key = name.lower()
        headers[key] = headers[key] + b", " + value if key in headers else value
    return Head(response.status_code, response.reason_phrase.encode("latin-1", "replace"), headers)


def _path(target: str) -> str:
    """The target without its query: error messages name the method and path, never caller data."""
    return target.partition("?")[0]


def _mapped(exc: httpx.HTTPError, method: str, target: str) -> EngineError:
    target = _path(target)
    if isinstance(exc, httpx.ConnectError):
        return ConnectError(f"cannot connect to the engine for {method} {target}: {exc}")
    if isinstance(exc, httpx.TimeoutException):
        return EngineTimeoutError(f"{method} {target} timed out: {exc}")
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.LocalProtocolError, httpx.DecodingError)):
        return ProtocolError(f"{method} {target}: {exc}")
    return TransportError(f"{method} {target}: {exc!r}")


class HttpxTransport:
    """Send Engine API requests through an `httpx.AsyncClient`.

    Args:
        client: the client to use; its `base_url` is the engine's (for example `http://127.0.0.1:2375`).
        response_timeout: seconds from sending a plain request to its response headers.
    """

    def __init__(self, client: httpx.AsyncClient, *, response_timeout: float | None = 120.0) -> None:
        self._client = client
        self.response_timeout = response_timeout

    @classmethod
    def for_url(
        cls,
        url: str,
        *,
        max_connections: int = 64,
        connect_timeout: float = 5.0,
        response_timeout: float | None = 120.0,
    ) -> HttpxTransport:
        """`tcp://host:port` (plain HTTP, as the Docker CLI reads it), `http://` or `https://`."""
        base = "http://" + url[len("tcp://") :] if url.startswith("tcp://") else url
        client = httpx.AsyncClient(
            base_url=base,
            timeout=httpx.Timeout(None, connect=connect_timeout),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        )
        return cls(client, response_timeout=response_timeout)

    @classmethod
    def for_mock(cls, transport: httpx.AsyncBaseTransport) -> HttpxTransport:
        """Over any httpx transport, for example `httpx.MockTransport(handler)` in tests."""
        return cls(httpx.AsyncClient(base_url="http://docker", transport=transport))

    def _build(self, method: str, target: str, headers: Headers, body: Body) -> httpx.Request:
        content: bytes | AsyncIterable[bytes] | None = body
        if body is None and method in ("POST", "PUT"):
            content = b""
        return self._client.build_request(method, target, headers=list(headers), content=content)

    async def request(
        self, method: str, target: str, headers: Headers = (), body: Body = None, *, extra_time: float = 0.0
    ) -> Response:
        request = self._build(method, target, headers, body)
        try:
            bound = None if self.response_timeout is None else self.response_timeout + extra_time
            with anyio.fail_after(bound):
                response = await self._client.send(request, stream=True)
            try:
                content = await response.aread()
            finally:
                await response.aclose()
        except TimeoutError as exc:
            raise EngineTimeoutError(f"the engine did not answer {method} {_path(target)} in time") from exc
        except httpx.HTTPError as exc:
            raise _mapped(exc, method, target) from exc
        return Response(_head(response), content)

    def stream(self, method: str, target: str, headers: Headers = (), body: Body = None) -> _HttpxExchange:
        return _HttpxExchange(self._client, self._build(method, target, headers, body))

    def upgrade(self, method: str, target: str, headers: Headers = (), body: bytes = b"") -> _HttpxUpgrade:
        headers = (*headers, ("Connection", "Upgrade"), ("Upgrade", "tcp"))
        return _HttpxUpgrade(self._client, self._build(method, target, headers, body))

    async def aclose(self) -> None:
        await self._client.aclose()


class _HttpxExchange:
    def __init__(self, client: httpx.AsyncClient, request: httpx.Request) -> None:
        self._client = client
        self._request = request
        self._response: httpx.Response | None = None
        self._pieces: AsyncIterator[bytes] | None = None
        self.head: Head

    async def __aenter__(self) -> Self:
        try:
            self._response = await self._client.send(self._request, stream=True)
        except httpx.HTTPError as exc:
            raise _mapped(exc, self._request.method, self._request.url.raw_path.decode()) from exc
        self.head = _head(self._response)
        self._pieces = self._response.aiter_raw()
        return self

    async def receive(self) -> bytes:
        assert self._pieces is not None
        try:
            return await self._pieces.__anext__()
        except StopAsyncIteration:
            return b""
        except httpx.HTTPError as exc:
            raise _mapped(exc, self._request.method, self._request.url.raw_path.decode()) from exc

    async def read_all(self, limit: int = 1024 * 1024) -> bytes:
        pieces = []
        while piece := await self.receive():
            pieces.append(piece)
            if sum(map(len, pieces)) > limit:
                break
        return b"".join(pieces)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._response is not None:
            with anyio.CancelScope(shield=True):
                await self._response.aclose()


class _HttpxUpgrade:
    def __init__(self, client: httpx.AsyncClient, request: httpx.Request) -> None:
        self._client = client
        self._request = request
        self._response: httpx.Response | None = None
        self._stream: Any = None  # httpcore.AsyncNetworkStream
        self._pending = b""
        self.head: Head

    async def __aenter__(self) -> Self:
        try:
            self._response = response = await self._client.send(self._request, stream=True)
        except httpx.HTTPError as exc:
            raise _mapped(exc, self._request.method, self._request.url.raw_path.decode()) from exc
        self.head = _head(response)
        if response.status_code == 101:
            self._stream = response.extensions["network_stream"]
        else:
            self._pending = await response.aread()
        return self

    async def receive(self) -> bytes:
        if self._pending:
            pending, self._pending = self._pending, b""
            return pending
        if self._stream is None:
            return b""
        try:
            data: bytes = await self._stream.read(256 * 1024)
        except Exception as exc:  # httpcore's ReadError and friends
            raise TransportError(f"connection to the engine broke: {exc!r}") from exc
        return data

    async def send(self, data: bytes) -> None:
        if self._stream is None:
            raise RuntimeError("the stream is closed")
        try:
            await self._stream.write(data)
        except Exception as exc:
            raise TransportError(f"could not write to the engine: {exc!r}") from exc

    async def send_eof(self) -> None:
        if self._stream is None:
            raise RuntimeError("the stream is closed")
        sock = self._stream.get_extra_info("socket")
        if sock is None:
            raise TransportError("this connection cannot be half-closed (no socket)")
        sock.shutdown(socket.SHUT_WR)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with anyio.CancelScope(shield=True):
            if self._stream is not None:
                await self._stream.aclose()
                self._stream = None
            if self._response is not None:
                await self._response.aclose()
