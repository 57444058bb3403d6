"""Docker's multiplexed stdout/stderr stream, sans-IO.

Each frame is an 8-byte header `[kind, 0, 0, 0, size (uint32 big-endian)]` and `size` bytes.
Kind 3 is the daemon reporting an error (moby `stdcopy.go`: it ends the stream), raised here
as `StreamError` after the frames that came before it. A stream that ends inside a frame
raises `ProtocolError` from `flush()`: truncated output never looks like a clean end.

Memory is bounded: a frame's payload is delivered in pieces of at most `max_piece` bytes, so a
huge frame never sits whole in a buffer.
"""

from __future__ import annotations

import struct

from .._exceptions import ProtocolError, StreamError
from .._models.streams import Frame, StreamKind

__all__ = ["FrameDecoder"]

_HEADER = struct.Struct(">BxxxL")
_KINDS = (StreamKind.STDIN, StreamKind.STDOUT, StreamKind.STDERR)


class FrameDecoder:
    """Split a multiplexed stream into `Frame`s. Does no I/O.

    Args:
        max_frame_size: a header announcing more than this many bytes is a `ProtocolError`
            (the stream lost sync, or the peer is hostile).
        max_piece: the most payload bytes held before they are delivered as a partial frame.
    """

    __slots__ = ("_buffer", "_error", "_kind", "_left", "_max_frame_size", "_max_piece")

    def __init__(self, *, max_frame_size: int = 64 * 1024 * 1024, max_piece: int = 256 * 1024) -> None:
        self._buffer = bytearray()
        self._max_frame_size = max_frame_size
        self._max_piece = max_piece
        self._kind: StreamKind | None = None  # the frame whose payload is being read
        self._left = 0
        self._error: StreamError | None = None

    def decode(self, data: bytes) -> list[Frame]:
        """Feed bytes; get the frames they complete (possibly none)."""
        if self._error is not None:
            raise self._error
        buffer = self._buffer
        buffer += data
        frames: list[Frame] = []
        pos = 0
        size = len(buffer)
        while True:
            kind = self._kind
            if kind is not None:
                left = self._left
                have = size - pos
                if have >= left:
                    if kind is StreamKind.SYSTEMERR:
                        message = bytes(buffer[pos : pos + left]).decode("utf-8", "replace").strip()
                        self._error = StreamError(message or "the engine reported an error in the stream")
                        del buffer[:]
                        if frames:
                            return frames  # the error surfaces on the next call
                        raise self._error
                    if left:
                        frames.append(Frame(kind, bytes(buffer[pos : pos + left])))
                    pos += left
                    self._kind = None
                elif have >= self._max_piece and kind is not StreamKind.SYSTEMERR:
                    frames.append(Frame(kind, bytes(buffer[pos:size])))
                    self._left = left - have
                    pos = size
                    break
                else:
                    break
            if size - pos < 8:
                break
            code, length = _HEADER.unpack_from(buffer, pos)
            if code > 3 or buffer[pos + 1] or buffer[pos + 2] or buffer[pos + 3]:
                raise ProtocolError(f"multiplexed stream: invalid frame header {bytes(buffer[pos : pos + 8]).hex()}")
            if length > self._max_frame_size:
                raise ProtocolError(
                    f"multiplexed stream: a frame of {length} bytes exceeds the {self._max_frame_size} byte limit"
                )
            pos += 8
            self._kind = StreamKind.SYSTEMERR if code == 3 else _KINDS[code]
            self._left = length
        if pos:
            del buffer[:pos]
        return frames

    def flush(self) -> list[Frame]:
        """Say the stream ended. Raises `ProtocolError` if it ended inside a frame."""
        if self._error is not None:
            raise self._error
        if self._kind is not None or self._buffer:
            missing = self._left - len(self._buffer) if self._kind is not None else 8 - len(self._buffer)
            raise ProtocolError(f"multiplexed stream ended inside a frame ({missing} bytes missing)")
        return []
