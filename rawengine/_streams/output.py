"""A process's output as `Frame`s: exec sessions (hijacked, two-way) and container logs.

The adapters read bytes from the connection and, for a multiplexed stream, feed them to the
sans-IO `FrameDecoder`; a raw (TTY) stream's reads become `STDOUT` frames as they are. Whether
the stream is multiplexed is decided before the adapter is built (from the TTY flag the caller
gave, the container's config, or a Content-Type the engine can be trusted on), never from the
bytes themselves.

Memory is bounded by construction: one read (256 KiB) at a time, and the frames it carries
are handed out before the next read. Nothing reads ahead: a consumer that stops reading stops
the engine (TCP-style backpressure through the socket buffers).
"""

from __future__ import annotations

import re
from collections import deque
from typing import Protocol, Self

import anyio

from .._exceptions import ConflictError
from .._models.streams import Frame, StreamKind
from .._protocol.frames import FrameDecoder

__all__ = ["AttachStream", "ExecStream", "InteractiveStream", "LogStream", "OutputStream"]

TTY_EOF = b"\x04"
"""The terminal's end-of-file character (VEOF, Ctrl-D): what ends input to a TTY process."""


class _ByteSource(Protocol):
    async def receive(self) -> bytes: ...


class _DuplexSource(_ByteSource, Protocol):
    async def send(self, data: bytes) -> None: ...

    async def send_eof(self) -> None: ...


class OutputStream:
    """Frames of output: `Frame(kind=StreamKind.STDOUT | STDERR, data=...)`.

    Iterate with `async for frame in stream`, or call `await stream.receive()` (which raises
    `anyio.EndOfStream` once the output is complete). `tty` is true when the stream is raw
    TTY output: every frame is then `STDOUT`, with stderr merged into it.

    Raises (from `receive()` and the loop):
        StreamError: the engine reported an error inside the stream (a type-3 frame).
        ProtocolError: the stream ended inside a frame, or a frame header is invalid.
        TransportError: the connection broke.
    """

    def __init__(self, source: _ByteSource, *, tty: bool) -> None:
        self.tty = tty
        self._source = source
        self._decoder = None if tty else FrameDecoder()
        self._pending: deque[Frame] = deque()
        self._ended = False
        self._refusal: re.Pattern[bytes] | None = None  # ExecStream's first-frame check, while pending

    async def receive(self) -> Frame:
        """The next piece of output; raises `anyio.EndOfStream` once there is no more."""
        pending = self._pending
        while not pending:
            if self._ended:
                raise anyio.EndOfStream
            data = await self._source.receive()
            decoder = self._decoder
            if not data:
                self._ended = True
                if decoder is not None:
                    pending.extend(decoder.flush())
            elif decoder is None:
                return Frame(StreamKind.STDOUT, data)
            else:
                pending.extend(decoder.decode(data))
        return pending.popleft()

    async def collect(self) -> tuple[bytes, bytes]:
        """Read to the end; return `(stdout, stderr)`, each byte-exact (all in stdout with a TTY)."""
        out: list[bytes] = []
        err: list[bytes] = []
        async for frame in self:
            if frame.kind is StreamKind.STDERR:
                err.append(frame.data)
            elif frame.kind is StreamKind.STDOUT:
                out.append(frame.data)
        return b"".join(out), b"".join(err)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Frame:
        pending = self._pending
        if pending and self._refusal is None:  # decoded: no call chain per frame (a read carries several)
            return pending.popleft()
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None


class LogStream(OutputStream):
    """A container's logs (`GET /containers/{id}/logs`). Created and closed by `Engine.logs_stream()`."""


class InteractiveStream(OutputStream):
    """A hijacked session, output frames in and stdin bytes out: `ExecStream` and `AttachStream`.

    Writing is raw bytes (stdin is never framed). For large input, write from one task while
    another reads the output: a process whose output nobody reads stops reading its input.
    """

    _NO_STDIN = "this stream has no stdin"

    def __init__(self, source: _DuplexSource, *, tty: bool, stdin: bool) -> None:
        super().__init__(source, tty=tty)
        self.stdin = stdin
        self._duplex = source
        self._input_closed = False
        self._line_started = False  # the last byte sent to a TTY did not end a line

    async def send(self, data: bytes) -> None:
        """Write `data` to the process's stdin (the stream must be opened with `stdin=True`)."""
        if not self.stdin:
            raise RuntimeError(self._NO_STDIN)
        if self._input_closed:
            raise RuntimeError("stdin is already closed (send_eof() was called)")
        if data:
            await self._duplex.send(data)
            self._line_started = data[-1:] not in (b"\n", b"\r", TTY_EOF)

    async def send_eof(self, *, tty_eof: bool | None = None) -> None:
        """End the process's input; its remaining output keeps arriving.

        Without a TTY this half-closes the connection (`shutdown(SHUT_WR)`): the process reads
        end of file. With a TTY (`tty_eof`, the default when the stream is a TTY) it writes
        the terminal's EOF character `\\x04` (Ctrl-D) instead, twice if a line is unfinished,
        because Docker ends a TTY session's *output* as soon as its stdin is half-closed.
        `\\x04` means end of file only to a terminal in canonical mode (the default; not after
        `stty raw`). Pass `tty_eof=False` to half-close a TTY session anyway.
        """
        if not self.stdin:
            raise RuntimeError(self._NO_STDIN)
        if self._input_closed:
            return
        if self.tty if tty_eof is None else tty_eof:
            await self._duplex.send(TTY_EOF * 2 if self._line_started else TTY_EOF)
            self._line_started = False
            return
        self._input_closed = True
        await self._duplex.send_eof()


class ExecStream(InteractiveStream):
    """An attached exec session.

    Created and closed by `Engine.exec_stream()`, whose `async with` owns the connection.
    """

    _NO_STDIN = (
        "this exec stream has no stdin: create the exec with ExecConfig(attach_stdin=True) "
        "and open it with engine.exec_stream(exec_id, stdin=True)"
    )

    def __init__(
        self,
        source: _DuplexSource,
        *,
        tty: bool,
        stdin: bool,
        exec_id: str,
        refusal: re.Pattern[bytes] | None = None,
        refusal_path: str = "",
    ) -> None:
        super().__init__(source, tty=tty, stdin=stdin)
        self.exec_id = exec_id
        self._refusal = refusal
        self._refusal_path = refusal_path

    async def receive(self) -> Frame:
        frame = await super().receive()
        if self._refusal is not None:
            # Docker refuses to start an exec twice only after the 101, by printing its error
            # as the session's first output (moby `postContainerExecStart`): raise it as the
            # 409 Docker answers a detached start. The line names the exec's 64-hex id, so no
            # process output is taken for it.
            refusal, self._refusal = self._refusal, None
            if refusal.fullmatch(frame.data):
                message = frame.data.decode("utf-8", "replace").strip()
                raise ConflictError(message, status_code=409, method="POST", path=self._refusal_path)
        return frame


class AttachStream(InteractiveStream):
    """A session attached to a container's main process. Created and closed by `Engine.attach_stream()`.

    `send_eof()` reaches the process only if the container was created with `stdin_once=True`
    on Docker (see `Engine.attach_stream`).
    """

    _NO_STDIN = "this attach stream has no stdin: open it with engine.attach_stream(container, stdin=True)"

    def __init__(self, source: _DuplexSource, *, tty: bool, stdin: bool, container: str) -> None:
        super().__init__(source, tty=tty, stdin=stdin)
        self.container = container
