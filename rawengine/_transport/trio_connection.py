"""One Unix-socket connection to the engine on trio: non-blocking socket I/O, waiting per read.

(On asyncio, `loop_connection.LoopConnection` keeps a reader callback registered instead: there
waiting per read costs two `epoll_ctl` calls that trio's own wait makes cheaply. Both offer the
same interface; `interface.Connection` names either.)

anyio connects (with its portable timeout and error handling); the bytes then go through the raw
socket, for two reasons:

- Cost. anyio's Unix stream yields to the event loop before every `send` and `receive` (two
  loop iterations per round trip that a request does not need) and a request is a few dozen
  microseconds of CPU in all: see the README's bare-socket comparison.
- Correctness (asyncio, `LoopConnection`). anyio's asyncio Unix stream resolves its wait with
  `add_reader(sock, f.set_result)` and drops the reader only from a done-callback; when a read is
  cancelled in the loop iteration its socket turns readable, asyncio reports
  `InvalidStateError` ("Exception in callback Future.set_result").

Reads return `b""` at end of stream; socket errors are `OSError` (the transport maps them).
A plain request waits for its reply, which is its checkpoint (the transport adds one in the rare
case it never had to wait, counted by `waits`); streams, which may find data waiting read after
read, yield to the loop after every read (`receive_checkpointed`) and every write, so a fast
producer or consumer cannot starve the other tasks.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Awaitable, Callable

import anyio

from .sockets import READ_SIZE, gather_reply, running_asyncio_loop, shut_down
from .timerfd import SocketTimer
from .timerfd import available as timerfd_available

__all__ = ["SocketConnection"]


class SocketConnection:
    """A connected, non-blocking Unix socket, used by one task at a time (trio)."""

    __slots__ = (
        "deadline",
        "expired",
        "poller",
        "reused",
        "sock",
        "trio_timer",
        "wait_readable",
        "wait_writable",
        "waits",
    )

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        self.sock = sock
        import trio  # this is trio, so it is imported already

        self.wait_readable: Callable[[socket.socket], Awaitable[None]] = trio.lowlevel.wait_readable
        self.wait_writable: Callable[[socket.socket], Awaitable[None]] = trio.lowlevel.wait_writable
        self.poller = select.poll()  # holds no descriptor of its own; poll(0) is one cheap syscall
        self.poller.register(sock, select.POLLIN)
        self.reused = False
        self.expired = False
        self.waits = 0  # how many times a read or write had to wait: each wait is a checkpoint
        self.deadline: float | None = None  # monotonic time by which the pending reply's head is due
        self.trio_timer: SocketTimer | None = None

    async def send(self, data: bytes) -> None:
        """Write all of `data`, waiting only while the socket buffer is full."""
        sock = self.sock
        view = memoryview(data)
        woken = False
        while view:
            try:
                view = view[sock.send(view) :]
            except BlockingIOError:
                self.waits += 1
                if self.deadline is not None and self.trio_timer is not None:
                    await self._wait_timed(select.EPOLLOUT, woken)
                    woken = True
                else:
                    await self.wait_writable(sock)

    async def receive(self, *, wait_first: bool = False) -> bytes:
        """The next bytes (`b""` at end of stream), waiting only when none are there yet.

        A reset reads as the end of the stream. On a Unix socket it only says that the engine
        closed the connection while input we sent was still unread (an exec whose process
        exited without reading all of its stdin): everything the engine sent arrives before it,
        and a reply cut short is caught by the parsers (HTTP framing, frame headers, JSON lines).

        `wait_first`: wait for the socket before the first read, for a reply just asked for (it is
        never there the instant its request is written: trying first costs a failed system call).
        """
        sock = self.sock
        woken = False
        if wait_first:
            self.waits += 1
            if self.deadline is not None and self.trio_timer is not None:
                await self._wait_timed(select.EPOLLIN, False)
                woken = True
            else:
                await self.wait_readable(sock)
        while True:
            try:
                return sock.recv(READ_SIZE)
            except BlockingIOError:
                self.waits += 1
                if self.deadline is not None and self.trio_timer is not None:
                    await self._wait_timed(select.EPOLLIN, woken)
                    woken = True
                else:
                    await self.wait_readable(sock)
            except ConnectionResetError:
                return b""

    async def receive_reply(
        self, parse: Callable[[bytes], object], incomplete: object, limit: int
    ) -> tuple[bytes, object]:
        """A reply just asked for, gathered whole: `(data, parse(data))`; `(b"", None)` at end of stream.

        Gathering goes on while `parse` answers `incomplete` and fewer than `limit` bytes came.
        """
        data = await self.receive(wait_first=True)
        if not data:
            return data, None
        return await gather_reply(self.receive, data, parse(data), parse, incomplete, limit)

    async def receive_checkpointed(self) -> bytes:
        """As `receive`, but always a checkpoint: for streams, whose reads may find data waiting."""
        sock = self.sock
        try:
            data = sock.recv(READ_SIZE)
        except BlockingIOError:
            return await self.receive()
        except ConnectionResetError:
            data = b""
        await anyio.lowlevel.checkpoint()
        return data

    @property
    def descriptors(self) -> int:
        """File descriptors this connection holds: its socket, plus the epoll and timerfd of a trio timer."""
        return 1 if self.trio_timer is None else 3

    async def send_eof(self) -> None:
        self.sock.shutdown(socket.SHUT_WR)

    def is_idle_and_open(self) -> bool:
        """False when the engine closed the idle connection or sent something unasked (or this is
        asyncio now: an Engine kept across runs; trio's waits serve any trio run)."""
        if running_asyncio_loop() is not None:
            return False
        try:
            return not self.poller.poll(0)  # readable while idle: EOF, reset, or unasked bytes
        except OSError:
            return False

    def arm(self, bound: float) -> bool:
        """Bound the pending reply's head to `bound` seconds from now (trio, Linux: see `timerfd.py`).

        Returns `False` where no timerfd is available (the caller then uses a cancel scope).
        """
        timer = self.trio_timer
        if timer is None:
            if not timerfd_available():
                return False
            timer = self.trio_timer = SocketTimer(self.sock.fileno())
        deadline = time.monotonic() + bound
        self.deadline = deadline
        armed_for = timer.armed_for
        if armed_for is None or armed_for > deadline:
            timer.arm(deadline)
        return True

    async def _wait_timed(self, events: int, woken: bool) -> None:
        """Wait for the socket (`events`) or the deadline, whichever comes first (trio).

        `woken`: an earlier wait returned yet the socket is still not ready, so the timer may
        have fired (only then is it read: a read costs a system call).
        """
        timer = self.trio_timer
        assert timer is not None
        if woken and timer.fired():
            deadline = self.deadline
            if deadline is not None:
                if time.monotonic() >= deadline:
                    self.expire()  # the socket is shut down: the caller's next attempt ends at once
                    return
                timer.arm(deadline)
        if events != select.EPOLLIN:
            timer.watch(events)
        try:
            await self.wait_readable(timer)  # type: ignore[arg-type]  # trio takes any object with fileno()
        finally:
            if events != select.EPOLLIN:
                timer.watch(select.EPOLLIN)

    def disarm(self) -> None:
        self.deadline = None

    def expire(self) -> None:
        """The response bound passed: wake the pending read or write with EOF."""
        self.expired = True
        shut_down(self.sock)

    def close(self) -> None:
        """Close now. Nothing waits on the socket (one task owns it), so no loop state is left behind."""
        if self.trio_timer is not None:
            self.trio_timer.close()
            self.trio_timer = None
        self.sock.close()
