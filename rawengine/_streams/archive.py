"""A path copied out of a container: the tar's bytes as they arrive, and the path's stat."""

from __future__ import annotations

from .._models.archive import PathStat
from .._transport import StreamingResponse
from .tar import TarStream

__all__ = ["ArchiveStream"]


class ArchiveStream(TarStream):
    """The tar of `GET /containers/{id}/archive`, piece by piece. Created by `Engine.get_archive()`.

    `stat` is the copied path's `PathStat`. Iterate with `async for chunk in stream`, call
    `await stream.receive()` (`anyio.EndOfStream` at the end) or `await stream.save(path)`.
    Nothing is read ahead: memory stays at one read (at most 256 KiB) however large the archive,
    and a consumer that stops reading stops the engine.
    """

    def __init__(self, response: StreamingResponse, stat: PathStat) -> None:
        super().__init__(response)
        self.stat = stat
