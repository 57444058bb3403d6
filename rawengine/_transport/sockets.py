"""What both socket connections share (`loop_connection.py` on asyncio, `trio_connection.py` on trio)."""

from __future__ import annotations

import asyncio
import socket
from asyncio.events import _get_running_loop
from collections.abc import Awaitable, Callable

__all__ = ["READ_SIZE", "gather_reply", "running_asyncio_loop", "shut_down"]

READ_SIZE = 256 * 1024


def running_asyncio_loop() -> asyncio.AbstractEventLoop | None:
    """The running asyncio loop, or `None` (anyio runs on asyncio or trio: this is trio).

    asyncio's own C fast path: no exception raised and caught, so it is cheap enough per request.
    """
    return _get_running_loop()


def shut_down(sock: socket.socket) -> None:
    """Shut both directions: a pending read sees EOF and a write fails (the response bound passed)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


async def gather_reply(
    receive: Callable[[], Awaitable[bytes]],
    data: bytes,
    verdict: object,
    parse: Callable[[bytes], object],
    incomplete: object,
    limit: int,
) -> tuple[bytes, object]:
    """Read on while `parse` says `incomplete` and fewer than `limit` bytes came (or the stream ends)."""
    while verdict is incomplete and len(data) < limit:
        more = await receive()
        if not more:
            break
        data += more
        verdict = parse(data)
    return data, verdict
