"""JSON lines (NDJSON, also JSON-seq and `\\r\\n` endings) into typed values, sans-IO.

Docker ends progress lines with `\\r\\n`, and a line may arrive in any number of pieces, so the
decoder splits only on `\\n` and strips `\\r` and the JSON-seq record separator. Some engines
write several objects on one line; those are split too. An in-band failure (`{"error": ...}`,
`{"errorDetail": {...}}`) raises `StreamError` when `in_band_errors` is set: build, pull and
import report failures that way after a `200`.

A failure never swallows what came before it: values decoded ahead of a failing line are
returned first, and the failure is raised by the next call (and by every call after it).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import msgspec

from .._exceptions import ProtocolError, StreamError

__all__ = ["JsonLinesDecoder", "split_values"]

T = TypeVar("T")

_STRIP = b" \t\r\x1e"


class _InBand(msgspec.Struct):
    error: Any = None
    errorDetail: Any = None


_IN_BAND = msgspec.json.Decoder(_InBand)


def split_values(line: bytes) -> list[bytes]:
    """Split `{...}{...}` (objects written back to back) into one buffer per value."""
    values: list[bytes] = []
    depth = 0
    in_string = escaped = False
    start = None
    for i, c in enumerate(line):
        if in_string:
            if escaped:
                escaped = False
            elif c == 0x5C:  # backslash
                escaped = True
            elif c == 0x22:  # quote
                in_string = False
            continue
        if c == 0x22:
            in_string = True
            if start is None:
                start = i
        elif c in (0x7B, 0x5B):  # { [
            if start is None:
                start = i
            depth += 1
        elif c in (0x7D, 0x5D):  # } ]
            depth -= 1
            if depth == 0 and start is not None:
                values.append(line[start : i + 1])
                start = None
        elif c not in b" \t\r\n\x1e" and start is None:
            start = i
    if start is not None:
        values.append(line[start:])
    return values


class JsonLinesDecoder(Generic[T]):
    """Decode a stream of JSON values, one per line, into `type`. Does no I/O.

    Args:
        type: what each line decodes to (a msgspec Struct, usually).
        in_band_errors: raise `StreamError` for a line carrying `error` or `errorDetail`.
        max_line_size: a line longer than this (without its newline yet) is a `ProtocolError`.
    """

    def __init__(self, type: type[T], *, in_band_errors: bool = False, max_line_size: int = 16 * 1024 * 1024) -> None:
        self._decoder: msgspec.json.Decoder[T] = msgspec.json.Decoder(type)
        self._buffer = bytearray()
        self._in_band_errors = in_band_errors
        self._max_line_size = max_line_size
        self._failure: StreamError | ProtocolError | None = None

    def decode(self, data: bytes) -> list[T]:
        """Feed bytes; get the values of the lines they complete (possibly none).

        Raises:
            StreamError: the engine reported a failure in the stream (with `in_band_errors`).
            ProtocolError: a line is not JSON, not UTF-8, not of the expected shape, or too long.
        """
        if self._failure is not None:
            raise self._failure
        buffer = self._buffer
        buffer += data
        end = buffer.rfind(b"\n")
        if end < 0:
            try:
                self._check_size(buffer)
            except ProtocolError as exc:
                return self._fail(exc, [])
            return []
        complete = bytes(buffer[:end])
        del buffer[: end + 1]
        values: list[T] = []
        try:
            for line in complete.split(b"\n"):
                self._check_size(line)  # whole lines too: the limit must not depend on how bytes arrive
                self._line(line, values, last=False)
            self._check_size(buffer)
        except (StreamError, ProtocolError) as exc:
            return self._fail(exc, values)
        return values

    def flush(self) -> list[T]:
        """Say the stream ended; a last line without its newline is decoded, a cut-off one is an error."""
        if self._failure is not None:
            raise self._failure
        rest = bytes(self._buffer)
        self._buffer.clear()
        values: list[T] = []
        try:
            self._line(rest, values, last=True)
        except (StreamError, ProtocolError) as exc:
            return self._fail(exc, values)
        return values

    def _fail(self, exc: StreamError | ProtocolError, values: list[T]) -> list[T]:
        self._failure = exc
        self._buffer.clear()
        if values:
            return values  # deliver what came before; the next call raises
        raise exc

    def _check_size(self, line: bytes | bytearray) -> None:
        if len(line) > self._max_line_size:
            raise ProtocolError(f"a JSON line exceeds the {self._max_line_size} byte limit")

    def _line(self, line: bytes, out: list[T], *, last: bool) -> None:
        line = line.strip(_STRIP)
        if not line:
            return
        try:
            out.append(self._value(line))
            return
        except msgspec.ValidationError as exc:
            raise self._decode_error(line, exc, last=last) from exc
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            parts = split_values(line)
            if len(parts) < 2:
                raise self._decode_error(line, exc, last=last) from exc
        for part in parts:
            try:
                out.append(self._value(part.strip(_STRIP)))
            except (msgspec.DecodeError, UnicodeDecodeError) as exc:
                raise self._decode_error(part, exc, last=last) from exc

    def _value(self, line: bytes) -> T:
        try:
            if self._in_band_errors and b'"error' in line:
                probe = _IN_BAND.decode(line)
                if probe.error is not None or probe.errorDetail is not None:
                    raise _stream_error(probe)
            return self._decoder.decode(line)
        except RecursionError:  # msgspec's answer to deep nesting, even inside an ignored field
            raise ProtocolError(f"the engine sent a JSON value nested too deeply (line {line[:200]!r})") from None

    @staticmethod
    def _decode_error(line: bytes, exc: Exception, *, last: bool) -> ProtocolError:
        shown = line[:200]
        if isinstance(exc, msgspec.ValidationError):
            return ProtocolError(f"the engine sent a JSON value of an unexpected shape: {exc} (line {shown!r})")
        if isinstance(exc, UnicodeDecodeError):
            return ProtocolError(f"the engine sent a JSON line that is not valid UTF-8: {exc} (line {shown!r})")
        if last and "truncated" in str(exc):
            return ProtocolError(f"the stream ended in the middle of a JSON line: {exc} (line {shown!r})")
        return ProtocolError(f"the engine sent invalid JSON in a stream: {exc} (line {shown!r})")


def _stream_error(probe: _InBand) -> StreamError:
    detail = probe.errorDetail if isinstance(probe.errorDetail, dict) else {}
    message = probe.error if isinstance(probe.error, str) and probe.error else detail.get("message")
    if not isinstance(message, str) or not message.strip():
        message = "the engine reported an error in the stream"
    return StreamError(message.strip(), detail=detail)
