"""A Unix-socket relay between rawengine and an engine, that a test can take down and bring back.

```python
async with Relay("/var/run/docker.sock", f"{tmp_dir}/relay.sock") as relay:
    engine = rawengine.Engine(f"unix://{relay.path}")
    ...
    await relay.down()    # every relayed connection is closed (EOF) and the socket file removed
    ...                   # new connections fail: no socket there (ConnectError)
    await relay.up()      # listening again on the same path
```

The engine sees ordinary clients; rawengine sees an engine that vanished for a while, as it would
during a daemon restart, and a chunked body cut short without its final chunk.
"""

from __future__ import annotations

import contextlib
import os
import socket
from types import TracebackType
from typing import Self

import anyio
import anyio.abc


async def pump(source: anyio.abc.ByteStream, sink: anyio.abc.ByteStream) -> None:
    """Copy one direction until EOF, then half-close the other side (errors end it quietly)."""
    try:
        async for data in source:
            await sink.send(data)
        await sink.send_eof()
    except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
        pass


class Relay:
    """Forward each connection accepted on `path` to the engine socket `target`."""

    def __init__(self, target: str, path: str) -> None:
        self.target = target.removeprefix("unix://")
        self.path = path
        self.accepted = 0  # connections accepted since the relay started
        self._task_group: anyio.abc.TaskGroup | None = None
        self._listening: anyio.CancelScope | None = None
        self._connections: set[anyio.abc.SocketStream] = set()

    async def __aenter__(self) -> Self:
        self._task_group = await anyio.create_task_group().__aenter__()
        await self.up()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._task_group is not None
        await self.down()
        self._task_group.cancel_scope.cancel()
        await self._task_group.__aexit__(exc_type, exc, tb)

    async def up(self) -> None:
        """Listen (again) on `path`."""
        assert self._task_group is not None
        if self._listening is None:
            self._listening = await self._task_group.start(self._serve)

    async def down(self) -> None:
        """Close every relayed connection and stop listening: new connections find no socket."""
        if self._listening is not None:
            self._listening.cancel()
            self._listening = None
        # Shut the sockets down rather than cancel the tasks reading them: each side sees EOF, and
        # no pending read is cancelled (anyio's asyncio Unix sockets race on that: InvalidStateError).
        for sock in list(self._connections):
            with contextlib.suppress(OSError):
                sock.extra(anyio.abc.SocketAttribute.raw_socket).shutdown(socket.SHUT_RDWR)
        with anyio.fail_after(5):
            while self._connections:  # noqa: ASYNC110  (the relay tasks empty it as they finish)
                await anyio.sleep(0.01)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    async def _serve(self, *, task_status: anyio.abc.TaskStatus[anyio.CancelScope]) -> None:
        assert self._task_group is not None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        listener = await anyio.create_unix_listener(self.path)
        with anyio.CancelScope() as scope:
            task_status.started(scope)
            async with listener:
                while True:
                    client = await listener.accept()
                    self.accepted += 1
                    self._task_group.start_soon(self._relay, client)

    async def _relay(self, client: anyio.abc.SocketStream) -> None:
        async with client:
            try:
                upstream = await anyio.connect_unix(self.target)
            except OSError:
                return
            async with upstream:
                self._connections |= {client, upstream}
                try:
                    async with anyio.create_task_group() as tg:
                        tg.start_soon(pump, client, upstream)
                        tg.start_soon(pump, upstream, client)
                finally:
                    self._connections -= {client, upstream}
