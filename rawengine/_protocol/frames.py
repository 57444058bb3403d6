"""Docker's multiplexed stdout/stderr stream, sans-IO, and how to tell it from a raw (TTY) stream.

Each frame is an 8-byte header `[kind, 0, 0, 0, size (uint32 big-endian)]` and `size` bytes.
Kind 3 is the daemon reporting an error (moby `stdcopy.go`: it ends the stream), raised here
as `StreamError` after the frames that came before it. A stream that ends inside a frame
raises `ProtocolError` from `flush()`: truncated output never looks like a clean end.

Payload bytes are delivered as soon as they arrive, in pieces of at most `max_piece` bytes:
nothing waits for a frame (or a line) to complete, so a prompt with no newline shows at once
and memory stays bounded whatever the frame sizes. Only a partial 8-byte header (and the text
of an error frame) is ever buffered. Frame boundaries carry no meaning (the engine splits and
merges writes as it likes); kinds and byte order within each kind are exact.
"""

from __future__ import annotations

import struct

from .._exceptions import ProtocolError, StreamError
from .._models.streams import Frame, StreamKind

__all__ = ["FrameDecoder", "framing_from_content_type"]

_HEADER = struct.Struct(">BxxxL")
_WORDS = struct.Struct(">LL")  # a header as two words: kind and padding, then the size
_HEADER_SIZE = 8
_KINDS = (StreamKind.STDIN, StreamKind.STDOUT, StreamKind.STDERR, StreamKind.SYSTEMERR)
_MAX_ERROR_TEXT = 64 * 1024
_PLAIN_KINDS = {0x00000000: StreamKind.STDIN, 0x01000000: StreamKind.STDOUT, 0x02000000: StreamKind.STDERR}


class FrameDecoder:
    """Split a multiplexed stream into `Frame`s. Does no I/O.

    Feed bytes to `decode()` as they arrive and call `flush()` at end of stream.

    Args:
        max_frame_size: a header announcing more than this many bytes is a `ProtocolError`
            (the stream lost sync, or the peer is hostile). Payloads are never buffered whole,
            so this is a sanity bound, not a memory bound.
        max_piece: the largest `Frame.data` delivered; bigger payloads come in several pieces.
    """

    __slots__ = ("_error", "_error_text", "_head", "_kind", "_left", "_max_frame_size", "_max_piece")

    def __init__(self, *, max_frame_size: int = 64 * 1024 * 1024, max_piece: int = 256 * 1024) -> None:
        if max_piece < 1:
            raise ValueError("max_piece must be at least 1")
        self._max_frame_size = max_frame_size
        self._max_piece = max_piece
        self._head = b""  # the start of a header split across reads (fewer than 8 bytes)
        self._kind = StreamKind.STDOUT  # the kind of the payload being read, while _left > 0
        self._left = 0  # payload bytes of the current frame still to come
        self._error_text: bytearray | None = None  # the payload of a type-3 frame, as it arrives
        self._error: StreamError | ProtocolError | None = None

    def decode(self, data: bytes) -> list[Frame]:
        """Feed bytes; get the pieces of payload they carry (possibly none).

        Raises:
            StreamError: the engine sent a type-3 (error) frame. Frames that came before it in
                the same call are returned first; the error is raised by the next call.
            ProtocolError: a header that cannot be a frame header (unknown kind, lost sync);
                like `StreamError`, raised by the next call when frames came before it.
        """
        if self._error is not None:
            raise self._error
        frames: list[Frame] = []
        if self._head:  # complete a header split across reads: at most 7 bytes are copied
            pos = _HEADER_SIZE - len(self._head)
            header = self._head + data[:pos]
            if len(header) < _HEADER_SIZE:
                self._head = header
                return frames
            self._head = b""
            self._start_frame(header, 0)
            if self._left == 0 and self._error_text is not None:
                return self._fail(frames)
        else:
            pos = 0
        if self._error_text is None:
            pos = self._decode_plain(data, pos, frames)
            if pos < 0:
                return frames
        return self._decode_general(data, pos, frames)

    def _decode_plain(self, data: bytes, pos: int, frames: list[Frame]) -> int:
        """The fast loop: output frames (stdin, stdout, stderr) with valid headers, state in locals.

        Returns -1 when `data` is used up, else the position of a header it leaves to
        `_decode_general` (an error frame, an invalid header, an oversized frame), with the
        decoder's state written back as that loop expects it.
        """
        end = len(data)
        left = self._left
        kind = self._kind
        max_piece = self._max_piece
        max_frame = self._max_frame_size
        unpack = _WORDS.unpack_from
        append = frames.append
        while True:
            if left:
                take = end - pos
                if take > left:
                    take = left
                if take > max_piece:
                    take = max_piece
                if not take:
                    break
                append(Frame(kind, data if take == end else data[pos : pos + take]))
                pos += take
                left -= take
                continue
            if end - pos < _HEADER_SIZE:
                if pos < end:
                    self._head = data[pos:end]
                break
            word, length = unpack(data, pos)
            plain = _PLAIN_KINDS.get(word)
            if plain is None or length > max_frame:
                self._left = 0
                self._kind = kind
                return pos  # not a plain output header: judged (and reported) by the general loop
            kind = plain
            left = length
            pos += _HEADER_SIZE
        self._left = left
        self._kind = kind
        return -1

    def _decode_general(self, data: bytes, pos: int, frames: list[Frame]) -> list[Frame]:
        end = len(data)
        view = memoryview(data)
        max_piece = self._max_piece
        while True:
            left = self._left
            if left:
                take = min(end - pos, left, max_piece)  # the slow path: the fast loop spells this out
                if not take:
                    break
                if self._error_text is not None:
                    self._error_text += view[pos : pos + take][: _MAX_ERROR_TEXT - len(self._error_text)]
                elif take == end:  # the whole read is one piece of payload: no copy
                    frames.append(Frame(self._kind, data))
                else:
                    frames.append(Frame(self._kind, bytes(view[pos : pos + take])))
                pos += take
                self._left = left - take
                if self._left == 0 and self._error_text is not None:
                    return self._fail(frames)
                continue
            if end - pos >= _HEADER_SIZE:
                try:
                    self._start_frame(data, pos)
                except ProtocolError as exc:
                    if not frames:
                        raise
                    self._error = exc  # deliver the output that came before the bad header first
                    return frames
                pos += _HEADER_SIZE
                if self._left == 0 and self._error_text is not None:
                    return self._fail(frames)
            else:
                self._head = bytes(view[pos:end])
                break
        return frames

    def flush(self) -> list[Frame]:
        """Say the stream ended. Raises `ProtocolError` if it ended inside a frame."""
        if self._error is not None:
            raise self._error
        if self._head:
            raise ProtocolError(
                f"multiplexed stream ended inside a frame header ({_HEADER_SIZE - len(self._head)} bytes missing)"
            )
        if self._left:
            raise ProtocolError(f"multiplexed stream ended inside a frame ({self._left} bytes missing)")
        return []

    def _start_frame(self, buffer: bytes, pos: int) -> None:
        code, length = _HEADER.unpack_from(buffer, pos)
        if code > 3 or buffer[pos + 1] or buffer[pos + 2] or buffer[pos + 3]:
            raise ProtocolError(
                f"multiplexed stream: invalid frame header {bytes(buffer[pos : pos + _HEADER_SIZE]).hex()} "
                "(is the stream really multiplexed? a TTY stream is raw)"
            )
        if length > self._max_frame_size:
            raise ProtocolError(
                f"multiplexed stream: a frame of {length} bytes exceeds the {self._max_frame_size} byte limit"
            )
        self._kind = _KINDS[code]
        self._left = length
        if code == 3:
            self._error_text = bytearray()

    def _fail(self, frames: list[Frame]) -> list[Frame]:
        text = bytes(self._error_text or b"").decode("utf-8", "replace").strip()
        self._error_text = None
        self._error = StreamError(text or "the engine reported an error in the stream")
        if frames:
            return frames  # the error surfaces on the next call
        raise self._error


_MULTIPLEXED = (b"application/vnd.docker.multiplexed-stream", b"application/octet-stream")
_RAW = (b"text/plain",)


def framing_from_content_type(content_type: bytes | None, *, raw_stream_trusted: bool) -> bool | None:
    """Whether a reply's body is multiplexed, as far as its `Content-Type` says.

    Returns `True` (multiplexed), `False` (raw TTY bytes) or `None` (the header does not say).

    - `application/vnd.docker.multiplexed-stream`: Docker from API 1.42; never sent falsely.
    - `application/vnd.docker.raw-stream`: raw only when `raw_stream_trusted` (Docker at API
      1.42 or later). Older Docker sends it for every hijacked reply, multiplexed or not, and
      Podman's compat API does so at every version, so there it means nothing.
    - `application/octet-stream` / `text/plain`: Podman's `/containers/{id}/logs` (tty=false / true).
    """
    if content_type is None:
        return None
    media = content_type.split(b";", 1)[0].strip().lower()
    if media in _MULTIPLEXED:
        return True
    if media in _RAW:
        return False
    if media == b"application/vnd.docker.raw-stream" and raw_stream_trusted:
        return False
    return None
