"""A tar coming from the engine (image save, container export), piece by piece."""

from __future__ import annotations

import os
from typing import Self

import anyio

from .._transport import StreamingResponse

__all__ = ["TarStream"]


class TarStream:
    """The bytes of a tar as the engine sends them: `async for chunk in tar:`.

    Created and closed by `Engine.save_images()` / `Engine.export_container()`. Nothing is read
    ahead: memory holds one read at a time, whatever the tar's size, and a consumer that stops
    reading stops the engine.
    """

    def __init__(self, response: StreamingResponse) -> None:
        self._response = response
        self._ended = False
        self.bytes_read = 0
        """How many bytes of the tar have been handed out so far."""

    async def receive(self) -> bytes:
        """The next piece of the tar (never empty); `anyio.EndOfStream` once it is complete.

        Raises:
            TransportError: the connection broke before the tar was complete.
            ProtocolError: the engine broke HTTP framing.
        """
        if self._ended:
            raise anyio.EndOfStream
        data = await self._response.receive()
        if not data:
            self._ended = True
            raise anyio.EndOfStream
        self.bytes_read += len(data)
        return data

    async def save(self, path: str | os.PathLike[str]) -> int:
        """Write the rest of the tar to `path` (created or truncated); returns the bytes written."""
        written = 0
        async with await anyio.open_file(path, "wb") as file:
            async for chunk in self:
                await file.write(chunk)
                written += len(chunk)
        return written

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> bytes:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None
