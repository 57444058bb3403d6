"""Attach: a hijacked connection to a container's main process (its stdio), as `exec_stream` is to an exec."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from .._endpoints import attach as api
from .._endpoints import containers as containers_api
from .._protocol.frames import framing_from_content_type
from .._streams.output import AttachStream
from .base import EngineCore
from .exec import raw_stream_trusted

__all__ = ["AttachMixin"]


class AttachMixin(EngineCore):
    @asynccontextmanager
    async def attach_stream(
        self,
        container: str,
        *,
        stdin: bool = False,
        stdout: bool = True,
        stderr: bool = True,
        logs: bool = False,
        stream: bool = True,
        detach_keys: str | None = None,
        tty: bool | None = None,
    ) -> AsyncIterator[AttachStream]:
        """Attach to a container's main process: `async with engine.attach_stream(cid, stdin=True) as s:`.

        Calls `POST /containers/{id}/attach` and takes over the connection (`101 UPGRADED`),
        like `exec_stream`: the same `Frame`s (stdout and stderr apart, or raw with a TTY),
        `send()`, `send_eof()` (with a TTY it sends `\\x04`), and the `async with` owns the
        connection. Attach before `start_container` to see all output. `logs=True` replays
        earlier output first, `stream=False` stops after it. `stdin=True` needs a container
        created with `open_stdin=True` (and `attach_stdin=True`).

        stdin EOF (`send_eof()`) reaches the process only when the container was created with
        `stdin_once=True`: the process then reads end of file and the output ends when it
        exits. Without `stdin_once`, Docker ends the *attach* at once (the output stops, the
        process keeps running with stdin open); Podman 4.3 closes the process's stdin anyway.
        Podman: attaching to an exited container re-initialises it (`init` event), and its
        `logs=True` replay frames carry wrong lengths (use `logs_stream` for history). Never
        cancel an attach whose process does not end by itself on Podman (it can wedge the
        engine): bound the process instead.

        `tty` says whether the container has a TTY; left `None` it costs one `inspect_container`
        (except on Docker from API 1.42, whose Content-Type says).

        Raises:
            NotFoundError: no such container.
            ConflictError: the container cannot be attached to (paused, say).
        """
        request = api.attach(
            container, stdin=stdin, stdout=stdout, stderr=stderr, logs=logs, stream=stream, detach_keys=detach_keys
        )
        trusted = await raw_stream_trusted(self)
        if tty is None and not trusted:
            tty = (await self._json(containers_api.inspect(container), containers_api.INSPECT)).config.tty
        async with self._upgrade(request, b"") as connection:
            multiplexed = framing_from_content_type(connection.head.get(b"content-type"), raw_stream_trusted=trusted)
            if multiplexed is None:
                multiplexed = not tty
            yield AttachStream(connection, tty=not multiplexed, stdin=stdin, container=container)
