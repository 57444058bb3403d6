"""A TCP listener on 127.0.0.1 that relays each connection to a Unix socket (tests of TCP hosts)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.abc

from tests.relay import pump


@asynccontextmanager
async def tcp_to_unix(path: str) -> AsyncIterator[int]:
    """Listen on a free 127.0.0.1 port for as long as the context lasts; yields the port."""

    async def handle(client: anyio.abc.SocketStream) -> None:
        async with client, await anyio.connect_unix(path) as upstream, anyio.create_task_group() as tg:
            tg.start_soon(pump, client, upstream)
            tg.start_soon(pump, upstream, client)

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, handle)
        yield int(listener.extra(anyio.abc.SocketAttribute.local_port))
        tg.cancel_scope.cancel()
