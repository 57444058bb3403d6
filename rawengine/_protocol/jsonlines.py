"""JSON lines (NDJSON, also JSON-seq and `\\r\\n` endings) into typed values, sans-IO.

Docker ends progress lines with `\\r\\n`, and a line may arrive in any number of pieces, so the
decoder splits only on `\\n` and strips `\\r` and the JSON-seq record separator. Some engines
write several objects on one line; those are split too. An in-band failure (`{"error": ...}`,
`{"errorDetail": {...}}`) raises `StreamError` when `in_band_errors` is set: build, pull and
import report failures that way after a `200`.
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

    def decode(self, data: bytes) -> list[T]:
        """Feed bytes; get the values of the lines they complete (possibly none)."""
        buffer = self._buffer
        buffer += data
        end = buffer.rfind(b"\n")
        if end < 0:
            if len(buffer) > self._max_line_size:
                raise ProtocolError(f"a JSON line exceeds the {self._max_line_size} byte limit")
            return []
        complete = bytes(buffer[:end])
        del buffer[: end + 1]
        if len(buffer) > self._max_line_size:
            raise ProtocolError(f"a JSON line exceeds the {self._max_line_size} byte limit")
        values: list[T] = []
        for line in complete.split(b"\n"):
            self._line(line, values)
        return values

    def flush(self) -> list[T]:
        """Say the stream ended; a last line without its newline is decoded, a partial one is an error."""
        rest = bytes(self._buffer)
        self._buffer.clear()
        values: list[T] = []
        self._line(rest, values)
        return values

    def _line(self, line: bytes, out: list[T]) -> None:
        line = line.strip(_STRIP)
        if not line:
            return
        try:
            out.append(self._value(line))
        except msgspec.DecodeError as exc:
            parts = split_values(line)
            if len(parts) < 2:
                raise self._decode_error(line, exc) from exc
            for part in parts:
                try:
                    out.append(self._value(part.strip(_STRIP)))
                except msgspec.DecodeError as exc2:
                    raise self._decode_error(part, exc2) from exc2

    def _value(self, line: bytes) -> T:
        if self._in_band_errors and (b'"error' in line):
            probe = _IN_BAND.decode(line)
            if probe.error is not None or probe.errorDetail is not None:
                raise _stream_error(probe)
        return self._decoder.decode(line)

    @staticmethod
    def _decode_error(line: bytes, exc: msgspec.DecodeError) -> ProtocolError:
        if isinstance(exc, msgspec.ValidationError):
            return ProtocolError(f"the engine sent a JSON value of an unexpected shape: {exc} (line {line[:200]!r})")
        return ProtocolError(f"the engine sent invalid JSON in a stream: {exc} (line {line[:200]!r})")


def _stream_error(probe: _InBand) -> StreamError:
    detail = probe.errorDetail if isinstance(probe.errorDetail, dict) else {}
    message = probe.error if isinstance(probe.error, str) and probe.error else detail.get("message")
    if not isinstance(message, str) or not message:
        message = "the engine reported an error in the stream"
    return StreamError(message.strip(), detail=detail)
