"""Typed values from a JSON-lines body (pull, import, build, events)."""

from __future__ import annotations

from collections import deque
from typing import Generic, Self, TypeVar

import anyio

from .._protocol.jsonlines import JsonLinesDecoder
from .._transport import StreamingResponse

__all__ = ["JsonStream"]

T = TypeVar("T")


class JsonStream(Generic[T]):
    """Yields each value as soon as its line has arrived; in-band errors raise `StreamError`."""

    def __init__(self, response: StreamingResponse, decoder: JsonLinesDecoder[T]) -> None:
        self._response = response
        self._decoder = decoder
        self._pending: deque[T] = deque()
        self._ended = False

    async def receive(self) -> T:
        pending = self._pending
        while not pending:
            if self._ended:
                raise anyio.EndOfStream
            data = await self._response.receive()
            if data:
                pending.extend(self._decoder.decode(data))
            else:
                self._ended = True
                pending.extend(self._decoder.flush())
        return pending.popleft()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> T:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None
