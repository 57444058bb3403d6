"""One Unix-socket connection to the engine on asyncio: a reader callback that is always registered.

Why not wait for readability per read (`add_reader` / `remove_reader` around each `recv`, as
anyio's Unix stream and `loop.sock_recv` do): that is two `epoll_ctl` system calls and a handle
per read, and a round trip to the engine is only a few dozen microseconds of CPU in all. Here the
descriptor is registered once, when the connection opens, and the callback reads what arrives
into a small buffer and wakes the task waiting for it, as asyncio's own socket transports do. A
plain request is then one `send`, the loop's `epoll_wait` and one `recv`: the floor of the
README's benchmark comparison. Why not `loop.create_unix_connection` and a `Protocol`: a failed
write there is reported on a later loop iteration, and the pool must know at once whether a
request can have reached the engine (`Stale(unsent=True)`, the one safe replay).

The callback also tells the pool, for free, when an idle connection was closed by the engine or
received bytes it never asked for: `is_idle_and_open` needs no system call.

Memory is bounded: reading pauses (the descriptor is unregistered) while more than one read's
worth (`READ_SIZE`) waits unconsumed, so at most two reads are ever buffered, and a consumer
that stops reading stops the engine through the socket buffers, as before.

The interface is `SocketConnection`'s (`trio_connection.py`, used on trio), so `exchange.py` treats
both alike. Reads return `b""` at end of stream (a reset reads as the end: see
`SocketConnection.receive`); other socket errors are `OSError`, raised once the bytes that came
before them are consumed.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from collections import deque
from collections.abc import Callable

import anyio

from .sockets import READ_SIZE, gather_reply, running_asyncio_loop, shut_down

__all__ = ["LoopConnection"]

MAX_BUFFERED = READ_SIZE  # reading pauses while more than this waits unconsumed (never below a reply's limit)

Parse = Callable[[bytes], object]


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class LoopConnection:
    """A connected, non-blocking Unix socket read by a loop callback, used by one task at a time."""

    __slots__ = (
        "buffered",
        "chunks",
        "closed",
        "deadline",
        "eof",
        "error",
        "expired",
        "fd",
        "loop",
        "parsed",
        "reading",
        "reused",
        "sock",
        "timer",
        "until",
        "waiter",
        "waits",
        "write_waiter",
    )

    def __init__(self, sock: socket.socket, loop: asyncio.AbstractEventLoop) -> None:
        sock.setblocking(False)
        self.sock = sock
        self.fd = sock.fileno()  # by number: the selector formats repr(sock) for unseen objects
        self.loop = loop
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.eof = False
        self.error: OSError | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.write_waiter: asyncio.Future[None] | None = None
        self.closed = False
        self.until: tuple[Parse, object, int] | None = None  # a reply being gathered (receive_reply)
        self.parsed: tuple[bytes, object] | None = None  # the gathered reply and what `parse` said of it
        self.reused = False
        self.expired = False
        self.waits = 0  # how many times a read or write had to wait: each wait is a checkpoint
        self.deadline: float | None = None  # loop time by which the pending reply's head is due
        self.timer: asyncio.TimerHandle | None = None
        loop.add_reader(self.fd, self._on_readable)
        self.reading = True

    # ------------------------------------------------------------------ the loop's side

    def _on_readable(self) -> None:
        try:
            data = self.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except ConnectionResetError:
            data = b""
        except OSError as exc:
            self.error = exc
            data = b""
        if data:
            self.chunks.append(data)
            self.buffered += len(data)
            if self.buffered > MAX_BUFFERED:
                self._pause()
        else:
            self.eof = True
            self._pause()
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            until = self.until
            if until is not None and data:
                chunks = self.chunks
                whole = chunks[0]
                if len(chunks) > 1:
                    whole = b"".join(chunks)
                    chunks.clear()
                    chunks.append(whole)
                parse, incomplete, limit = until
                try:
                    verdict = parse(whole)
                except Exception:  # the task parses again and raises: a callback must not
                    verdict = None
                if verdict is incomplete and len(whole) < limit:
                    return  # the rest of the reply is still to come: no need to wake the task yet
                self.parsed = (whole, verdict)
            waiter.set_result(None)

    def _pause(self) -> None:
        if self.reading:
            self.reading = False
            self.loop.remove_reader(self.fd)

    def _resume(self) -> None:
        if not self.reading and not self.eof:
            self.reading = True
            self.loop.add_reader(self.fd, self._on_readable)

    # ------------------------------------------------------------------ the task's side

    async def _wait(self) -> None:
        self.waits += 1
        waiter = self.waiter = self.loop.create_future()
        try:
            await waiter
        finally:
            self.waiter = None

    async def send(self, data: bytes) -> None:
        """Write all of `data`, waiting only while the socket buffer is full."""
        sock = self.sock
        try:
            sent = sock.send(data)
        except BlockingIOError:
            sent = 0
        if sent == len(data):
            return
        view = memoryview(data)[sent:]
        while view:
            await self._wait_writable()
            try:
                view = view[sock.send(view) :]  # after `expire()` or `close()` this raises
            except BlockingIOError:
                pass

    async def _wait_writable(self) -> None:
        # Its own future: one task may write (stdin) while another waits for output.
        self.waits += 1
        loop = self.loop
        future = self.write_waiter = loop.create_future()
        loop.add_writer(self.fd, _wake, future)
        try:
            await future
        finally:
            self.write_waiter = None
            if not self.closed:
                loop.remove_writer(self.fd)

    async def receive(self, *, wait_first: bool = False) -> bytes:
        """The next bytes (`b""` at end of stream), waiting only when none have arrived yet.

        `wait_first` is `SocketConnection`'s hint; here nothing is ever tried before waiting.
        """
        chunks = self.chunks
        while not chunks:
            if self.eof:
                error, self.error = self.error, None
                if error is not None:
                    raise error
                return b""
            await self._wait()
        data = chunks.popleft()
        self.buffered -= len(data)
        if not self.reading and self.buffered <= MAX_BUFFERED:
            self._resume()
        return data

    async def receive_reply(self, parse: Parse, incomplete: object, limit: int) -> tuple[bytes, object]:
        """A reply just asked for, gathered whole: `(data, parse(data))`; `(b"", None)` at end of stream.

        Gathering goes on while `parse` answers `incomplete` and fewer than `limit` bytes came
        (Docker writes a reply of over 4 KiB in two writes). Here the loop's reader callback does
        the gathering, so the task wakes once per reply, not once per read.
        """
        chunks = self.chunks
        if not chunks and not self.eof:
            self.until = (parse, incomplete, limit)
            try:
                await self._wait()
            finally:
                self.until = None
        parsed, self.parsed = self.parsed, None
        if not chunks:
            return await self.receive(), None  # the end of the stream (or its error)
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        chunks.clear()
        self.buffered = 0
        self._resume()
        if parsed is not None and parsed[0] is data:
            return data, parsed[1]
        # Bytes that were there before asking (or a wake-up by expiry): gathered by the task.
        return await gather_reply(self.receive, data, parse(data), parse, incomplete, limit)

    async def receive_checkpointed(self) -> bytes:
        """As `receive`, but always a checkpoint: for streams, whose reads may find data waiting."""
        if not self.chunks and not self.eof:
            return await self.receive()
        data = await self.receive()
        await anyio.lowlevel.checkpoint()
        return data

    @property
    def descriptors(self) -> int:
        """File descriptors this connection holds: its socket."""
        return 1

    async def send_eof(self) -> None:
        self.sock.shutdown(socket.SHUT_WR)

    def is_idle_and_open(self) -> bool:
        """False when the engine closed the idle connection, sent something unasked, or this is
        another event loop than the one the connection belongs to (an Engine kept across runs)."""
        return not self.chunks and not self.eof and not self.expired and self.loop is running_asyncio_loop()

    def arm(self, bound: float) -> bool:
        """Bound the pending reply's head to `bound` seconds from now (always possible: `True`).

        One timer per connection, not one per request: a request only moves the deadline, and
        the timer, when it fires, re-arms itself for the deadline in force (or lapses while the
        connection is idle). A request thus costs two attribute writes instead of a timer.
        """
        loop = self.loop
        deadline = loop.time() + bound
        self.deadline = deadline
        if self.timer is None:
            self.timer = loop.call_at(deadline, self._on_timer, loop)
        return True

    def disarm(self) -> None:
        self.deadline = None

    def _on_timer(self, loop: asyncio.AbstractEventLoop) -> None:
        deadline = self.deadline
        if deadline is None:
            self.timer = None  # idle: the next request arms a new timer
        elif loop.time() >= deadline:
            self.timer = None
            self.expire()
        else:
            self.timer = loop.call_at(deadline, self._on_timer, loop)

    def expire(self) -> None:
        """The response bound passed: the pending read or write ends now (EOF), and so does the connection."""
        self.expired = True
        shut_down(self.sock)
        self._end(None)

    def _end(self, error: OSError | None) -> None:
        """No more reading: wake whoever waits (a read sees `error`, or EOF, once the buffer is consumed)."""
        self.eof = True
        if error is not None and self.error is None:
            self.error = error
        self._pause()
        for waiter in (self.waiter, self.write_waiter):
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    def close(self) -> None:
        """Close now. A task still waiting on it (a reader beside the owner) gets `OSError(EBADF)`."""
        if self.closed:
            return
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self._end(OSError(errno.EBADF, "the connection was closed while a read was waiting"))
        if self.write_waiter is not None:
            self.loop.remove_writer(self.fd)
        self.closed = True
        self.sock.close()
