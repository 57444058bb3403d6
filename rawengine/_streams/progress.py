"""Typed progress messages of a pull or a build, and the image id a build reports at its end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Self

import anyio

from .._models.images import ProgressMessage, normalize_image_id
from .._protocol.jsonlines import JsonLinesDecoder
from .._transport import StreamingResponse
from .json import JsonStream

__all__ = ["ProgressStream"]


class ProgressStream:
    """The messages of one pull or build, each as soon as its line has arrived.

    Created and closed by `Engine.pull_stream()` / `Engine.build_stream()`:

    ```python
    async with engine.build_stream("./app", tag="web:v2") as build:
        async for message in build:
            print(message.stream or "", end="")
    print(build.image_id)
    ```

    A failure the engine reports in the stream raises `StreamError` with the engine's message,
    after every message that came before it.
    """

    def __init__(self, response: StreamingResponse, decoder: JsonLinesDecoder[ProgressMessage]) -> None:
        self._messages = JsonStream(response, decoder)
        self.image_id: str | None = None
        """The built image's id (`sha256:<hex>`) once the build reported it (`aux.ID`); else `None`."""

    async def receive(self) -> ProgressMessage:
        """The next message; `anyio.EndOfStream` when the engine has finished."""
        message = await self._messages.receive()
        if message.aux is not None:
            built = message.aux.get("ID")
            if isinstance(built, str) and built:
                self.image_id = normalize_image_id(built)
        return message

    async def drain(self, on_progress: Callable[[ProgressMessage], object] | None = None) -> None:
        """Read to the end, handing each message to `on_progress` (if given)."""
        while True:
            try:
                message = await self.receive()
            except anyio.EndOfStream:
                return
            if on_progress is not None:
                on_progress(message)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> ProgressMessage:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None
