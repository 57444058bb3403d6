"""Logs: a container's output, streamed (optionally following it live) or collected."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from .._endpoints import containers as containers_api
from .._endpoints import logs as api
from .._endpoints.logs import Since
from .._models.streams import Frame
from .._protocol.frames import framing_from_content_type
from .._streams.output import LogStream
from .base import EngineCore
from .exec import raw_stream_trusted

__all__ = ["LogsMixin"]


class LogsMixin(EngineCore):
    @asynccontextmanager
    async def logs_stream(
        self,
        container: str,
        *,
        follow: bool = False,
        stdout: bool = True,
        stderr: bool = True,
        since: Since | None = None,
        until: Since | None = None,
        tail: int | str | None = None,
        timestamps: bool = False,
        tty: bool | None = None,
    ) -> AsyncIterator[LogStream]:
        """A container's output: `async with engine.logs_stream(cid, follow=True) as logs:`.

        Calls `GET /containers/{id}/logs`; yields `Frame`s with stdout and stderr kept apart
        (a TTY container's output is raw, all `STDOUT`). `follow` keeps the stream open for new
        output until the container stops; there is no read timeout, so bound it with
        `anyio.move_on_after`. `since` / `until` are Unix seconds or aware datetimes, `tail` a
        line count or `"all"`, and `timestamps` puts the engine's timestamp (RFC 3339, whole
        seconds on Podman) before each line.

        `tty` says whether the container has a TTY. Left `None`, the reply's Content-Type
        tells (Podman, Docker from API 1.42); on older Docker it costs one `inspect_container`.

        Raises:
            NotFoundError: no such container.
        """
        request = api.logs(
            container,
            follow=follow,
            stdout=stdout,
            stderr=stderr,
            since=since,
            until=until,
            tail=tail,
            timestamps=timestamps,
        )
        trusted = await raw_stream_trusted(self)
        if tty is None and not (trusted or await self._engine_kind() == "podman"):
            tty = await self._container_tty(container)  # before the stream: one connection at a time
        while True:
            async with self._stream(request) as response:
                content_type = response.head.get(b"content-type")
                multiplexed = framing_from_content_type(content_type, raw_stream_trusted=trusted)
                if multiplexed is None and tty is not None:
                    multiplexed = not tty
                if multiplexed is not None:
                    yield LogStream(response, tty=not multiplexed)
                    return
            # The engine was expected to say and did not: ask, then read the logs again.
            tty = await self._container_tty(container)

    async def container_logs(
        self,
        container: str,
        *,
        stdout: bool = True,
        stderr: bool = True,
        since: Since | None = None,
        until: Since | None = None,
        tail: int | str | None = None,
        timestamps: bool = False,
        follow: bool = False,
        tty: bool | None = None,
    ) -> list[Frame]:
        """A container's output so far, collected (`docker logs`); `follow` waits for it to stop.

        Calls `GET /containers/{id}/logs`; arguments as `logs_stream`. Joining the data of
        the `STDOUT` frames gives the container's stdout, byte-exact.

        Raises:
            NotFoundError: no such container.
        """
        async with self.logs_stream(
            container,
            follow=follow,
            stdout=stdout,
            stderr=stderr,
            since=since,
            until=until,
            tail=tail,
            timestamps=timestamps,
            tty=tty,
        ) as stream:
            return [frame async for frame in stream]

    async def _container_tty(self, container: str) -> bool:
        info = await self._json(containers_api.inspect(container), containers_api.INSPECT)
        return info.config.tty
