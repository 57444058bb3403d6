"""A path copied out of a container: the tar's bytes as they arrive, and the path's stat."""

from __future__ import annotations

from typing import Self

import anyio

from .._models.archive import PathStat
from .._transport import StreamingResponse

__all__ = ["ArchiveStream"]


class ArchiveStream:
    """The tar of `GET /containers/{id}/archive`, piece by piece. Created by `Engine.get_archive()`.

    `stat` is the copied path's `PathStat`. Iterate with `async for chunk in stream` or call
    `await stream.receive()` (`anyio.EndOfStream` at the end). Nothing is read ahead: memory
    stays at one read (at most 256 KiB) however large the archive, and a consumer that stops
    reading stops the engine.

    Raises (from `receive()` and the loop):
        TransportError: the connection broke before the tar was complete.
        ProtocolError: the engine broke HTTP framing.
    """

    def __init__(self, response: StreamingResponse, stat: PathStat) -> None:
        self.stat = stat
        self._response = response
        self._ended = False

    async def receive(self) -> bytes:
        """The next piece of the tar (never empty); raises `anyio.EndOfStream` at the end."""
        if self._ended:
            raise anyio.EndOfStream
        data = await self._response.receive()
        if not data:
            self._ended = True
            raise anyio.EndOfStream
        return data

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> bytes:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None
