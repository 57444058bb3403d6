"""The two socket connections, held to one contract over a socketpair (no engine).

asyncio runs `LoopConnection` (a reader callback registered once), trio `SocketConnection`
(a wait per read): the transport treats them alike, so the same tests hold for both.
"""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable, Iterator

import anyio
import pytest

from rawengine._transport.interface import Connection
from rawengine._transport.loop_connection import LoopConnection
from rawengine._transport.sockets import READ_SIZE, running_asyncio_loop
from rawengine._transport.trio_connection import SocketConnection


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, peer = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    peer.setblocking(False)
    yield ours, peer
    peer.close()
    ours.close()


def _connection(sock: socket.socket) -> Connection:
    loop = running_asyncio_loop()
    return SocketConnection(sock) if loop is None else LoopConnection(sock, loop)


async def _drain(peer: socket.socket, size: int) -> bytes:
    got = bytearray()
    while len(got) < size:
        try:
            got += peer.recv(size - len(got))
        except BlockingIOError:
            await anyio.sleep(0.001)
    return bytes(got)


async def test_round_trip_then_end_of_stream(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = pair
    conn = _connection(ours)
    try:
        await conn.send(b"GET / HTTP/1.1\r\n\r\n")
        assert await _drain(peer, 18) == b"GET / HTTP/1.1\r\n\r\n"
        assert conn.is_idle_and_open()
        peer.send(b"reply")
        with anyio.fail_after(5):
            assert await conn.receive(wait_first=True) == b"reply"
        peer.shutdown(socket.SHUT_WR)
        with anyio.fail_after(5):
            assert await conn.receive() == b""
            assert await conn.receive() == b""  # the end stays the end
        await anyio.sleep(0.01)
        assert not conn.is_idle_and_open()
    finally:
        conn.close()


async def test_unasked_bytes_make_an_idle_connection_unusable(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = pair
    conn = _connection(ours)
    try:
        peer.send(b"HTTP/1.1 200 OK\r\n")
        await anyio.sleep(0.01)  # the loop's reader (asyncio) sees them as they come
        assert not conn.is_idle_and_open()
    finally:
        conn.close()


async def test_a_big_reply_comes_whole_and_in_order_with_bounded_buffering(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    ours, peer = pair
    conn = _connection(ours)
    payload = bytes(range(256)) * (16 * 1024)  # 4 MiB, more than the socket buffers hold
    received = bytearray()
    paused = 0
    try:

        async def write() -> None:
            view = memoryview(payload)
            while view:
                try:
                    view = view[peer.send(view) :]
                except BlockingIOError:
                    await anyio.sleep(0.0005)
            peer.shutdown(socket.SHUT_WR)

        with anyio.fail_after(30):
            async with anyio.create_task_group() as group:
                group.start_soon(write)
                while data := await conn.receive_checkpointed():
                    assert len(data) <= READ_SIZE
                    if isinstance(conn, LoopConnection):
                        assert conn.buffered <= 2 * READ_SIZE  # reading pauses past one read's worth
                    received += data
                    if len(received) % (1024 * 1024) < READ_SIZE:
                        await anyio.sleep(0.002)  # a slow consumer now and then: the reader must pause
                        if isinstance(conn, LoopConnection) and not conn.reading:
                            paused += 1
        assert bytes(received) == payload
        assert paused or not isinstance(conn, LoopConnection)
    finally:
        conn.close()


async def test_a_big_request_waits_for_room_and_arrives_whole(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = pair
    conn = _connection(ours)
    payload = b"x" * (3 * 1024 * 1024)
    try:
        with anyio.fail_after(30):
            async with anyio.create_task_group() as group:
                group.start_soon(conn.send, payload)
                assert await _drain(peer, len(payload)) == payload
        assert conn.waits > 0  # the socket buffer filled: the write waited
    finally:
        conn.close()


async def _while_reading(conn: Connection, act: Callable[[], Awaitable[None]], *, wait_first: bool = False) -> bytes:
    """Start a read in another task, let it wait, run `act` beside it; what the read got."""
    got: list[bytes] = []

    async def read() -> None:
        got.append(await conn.receive(wait_first=wait_first))

    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(read)
            await anyio.sleep(0.01)
            await act()
    assert len(got) == 1
    return got[0]


async def test_a_write_beside_a_waiting_read(pair: tuple[socket.socket, socket.socket]) -> None:
    """An exec stream: one task waits for output while another writes stdin."""
    ours, peer = pair
    conn = _connection(ours)

    async def write_then_answer() -> None:
        await conn.send(b"stdin")
        assert await _drain(peer, 5) == b"stdin"
        peer.send(b"stdout")

    try:
        assert await _while_reading(conn, write_then_answer) == b"stdout"
    finally:
        conn.close()


async def test_expiry_ends_a_waiting_read(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = pair
    conn = _connection(ours)

    async def expire() -> None:
        conn.expire()

    try:
        assert await _while_reading(conn, expire, wait_first=True) == b""
        assert conn.expired and not conn.is_idle_and_open()
        with pytest.raises(OSError):
            await conn.send(b"more")
    finally:
        conn.close()


async def test_cancelled_read_leaves_the_connection_closable(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = pair
    conn = _connection(ours)
    with anyio.move_on_after(0.02):
        await conn.receive()
    peer.send(b"late")  # arrives after the cancellation: nobody is woken, nothing raises
    await anyio.sleep(0.01)
    conn.close()
    await anyio.sleep(0.01)  # the loop holds no reader for the closed descriptor


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # LoopConnection's own promise (trio's wait raises itself)
async def test_closing_wakes_a_read_waiting_in_another_task(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, _ = pair
    conn = _connection(ours)
    assert isinstance(conn, LoopConnection)
    errors: list[BaseException] = []

    async def read() -> None:
        try:
            await conn.receive()
        except OSError as exc:
            errors.append(exc)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            group.start_soon(read)
            await anyio.sleep(0.01)
            conn.close()
    assert len(errors) == 1  # a TransportError to the caller, never a read that waits forever
