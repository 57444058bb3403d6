"""HTTP/1.1 for the client side, sans-IO: request bytes out, response events in.

The transport writes what `build_request` returns and feeds what it reads into a
`ResponseParser`, then pulls events: a `Head`, any number of `Data`, an `EndOfMessage`.
`NEED_DATA` asks for more bytes; `receive_data(b"")` says the peer closed the connection (a
reply cut short by it raises `IncompleteResponse`, a `ProtocolError`).
After a `101 Switching Protocols` head the parser stops: `trailing_data` holds the bytes that
came after the head, which belong to the upgraded stream (Docker sends output in the same read).
A 101 is accepted only when the parser was told an upgrade was asked for (`expect_upgrade`).

Only what the Engine API needs is here: Content-Length, chunked, and read-until-close bodies;
no pipelining (one request at a time per connection). Every limit is checked, so hostile bytes
give a `ProtocolError`, never a hang or an unbounded buffer; limits apply to whole lines, so the
outcome never depends on how the bytes were split into reads (`tests/unit/test_fuzz.py`).
"""

from __future__ import annotations

from typing import Final

from .._exceptions import ProtocolError

__all__ = [
    "NEED_DATA",
    "Data",
    "EndOfMessage",
    "Event",
    "Head",
    "IncompleteResponse",
    "ResponseParser",
    "build_request",
]

MAX_HEAD_SIZE: Final = 64 * 1024
MAX_CHUNK_LINE: Final = 1024


class IncompleteResponse(ProtocolError):
    """The connection ended before the response was complete (every byte so far was valid).

    The transport reports it as a `TransportError`: the engine went away, the bytes were fine.
    """


class _NeedData:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA: Final = _NeedData()


class Head:
    """The status line and headers. Header names are lower-cased bytes; values are stripped bytes."""

    __slots__ = ("headers", "http10", "reason", "status_code")

    def __init__(self, status_code: int, reason: bytes, headers: dict[bytes, bytes], *, http10: bool = False) -> None:
        self.status_code = status_code
        self.reason = reason
        self.headers = headers
        self.http10 = http10

    def header(self, name: bytes) -> str | None:
        value = self.headers.get(name)
        return None if value is None else value.decode("latin-1")

    def __repr__(self) -> str:
        return f"Head({self.status_code}, {self.reason!r}, {self.headers!r})"


class Data:
    """A piece of the body, in the order it arrived; piece boundaries mean nothing."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __repr__(self) -> str:
        return f"Data({self.data!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Data) and other.data == self.data

    __hash__ = None  # type: ignore[assignment]


class EndOfMessage:
    """The body is complete."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "EndOfMessage()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EndOfMessage)

    __hash__ = None  # type: ignore[assignment]


Event = Head | Data | EndOfMessage | _NeedData

_HEAD_END = b"\r\n\r\n"
# RFC 9110 token characters: a header name made of anything else is refused.
_TOKEN = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_HEX = b"0123456789abcdefABCDEF"
_MAX_INTERIM = 16  # 1xx heads skipped before the real one (Docker sends none)


def _check_value(name: str, value: str) -> None:
    if "\r" in value or "\n" in value or "\x00" in value:
        raise ValueError(f"{name} must not contain CR, LF or NUL characters: {value!r}")


def _check_name(name: str) -> None:
    if not name or not name.isascii() or name.encode().translate(None, _TOKEN):
        raise ValueError(f"invalid HTTP header name {name!r}")


def build_request(
    method: str,
    target: str,
    headers: tuple[tuple[str, str], ...] = (),
    *,
    content_length: int | None = None,
    chunked: bool = False,
) -> bytes:
    """The request line and headers, ready to write. The body (if any) is written separately.

    Raises `ValueError` for a CR, LF or NUL in the target or a header, so that no argument can
    smuggle a header or a second request onto the connection.
    """
    _check_value("request target", target)
    if " " in target or "#" in target or not target.startswith("/"):
        raise ValueError(f"request target must be a percent-encoded absolute path: {target!r}")
    lines = [f"{method} {target} HTTP/1.1\r\nHost: docker\r\n"]
    for name, value in headers:
        _check_name(name)
        _check_value("header value", value)
        lines.append(f"{name}: {value}\r\n")
    if chunked:
        lines.append("Transfer-Encoding: chunked\r\n")
    elif content_length is not None:
        lines.append(f"Content-Length: {content_length}\r\n")
    lines.append("\r\n")
    try:
        return "".join(lines).encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(f"request target and headers must be Latin-1 (percent-encode the rest): {target!r}") from None


def _invalid_status(line: bytes) -> ProtocolError:
    return ProtocolError(f"the engine sent an invalid HTTP status line: {line[:80]!r}")


def _parse_head(raw: bytes) -> Head:
    if b"\x00" in raw or raw.count(b"\n") != raw.count(b"\r\n") or raw.count(b"\r") != raw.count(b"\r\n"):
        raise ProtocolError("the engine sent a response head with a NUL or a bare CR/LF")
    status_line, _, rest = raw.partition(b"\r\n")
    if status_line[:9] not in (b"HTTP/1.1 ", b"HTTP/1.0 ") or len(status_line) < 12:
        raise _invalid_status(status_line)
    code = status_line[9:12]
    if not code.isdigit() or code[0] == 0x30 or (len(status_line) > 12 and status_line[12] != 0x20):
        raise _invalid_status(status_line)
    headers: dict[bytes, bytes] = {}
    if rest:
        for line in rest.split(b"\r\n"):
            name, sep, value = line.partition(b":")
            if not sep or not name:
                raise ProtocolError(f"the engine sent an invalid HTTP header line: {line[:80]!r}")
            key = name.lower()
            value = value.strip(b" \t")
            previous = headers.get(key)
            if previous is not None:
                if key == b"content-length":
                    if previous != value:
                        raise ProtocolError("the engine sent two different Content-Length headers")
                    continue
                value = previous + b", " + value
            headers[key] = value
        if b"".join(headers).translate(None, _TOKEN):  # every name at once: one pass in C
            bad = next(name for name in headers if name.translate(None, _TOKEN))
            raise ProtocolError(f"the engine sent an invalid HTTP header name: {bad[:80]!r}")
    return Head(int(code), status_line[13:], headers, http10=status_line[7] == 0x30)


class ResponseParser:
    """Turn the bytes of one response into events. Does no I/O.

    Args:
        head_request: the request was `HEAD`, so the response has no body whatever it says.
        expect_upgrade: the request asked for `Upgrade`, so a `101` is allowed (anywhere else
            it is a `ProtocolError`: the connection would stop speaking HTTP).
        max_head_size: the largest status line plus headers accepted, in bytes.
    """

    __slots__ = (
        "_buffer",
        "_chunk_left",
        "_chunk_state",
        "_close_framed",
        "_eof",
        "_expect_upgrade",
        "_head_request",
        "_interim",
        "_max_head_size",
        "_remaining",
        "_state",
        "head",
        "received_any",
    )

    def __init__(
        self, *, head_request: bool = False, expect_upgrade: bool = False, max_head_size: int = MAX_HEAD_SIZE
    ) -> None:
        self._buffer = bytearray()
        self._eof = False
        self._head_request = head_request
        self._expect_upgrade = expect_upgrade
        self._max_head_size = max_head_size
        self._state = "head"  # head, length, chunked, close, done, switched
        self._close_framed = False
        self._interim = 0
        self._remaining = 0
        self._chunk_state = "size"  # size, data, data-end, trailer
        self._chunk_left = 0
        self.head: Head | None = None
        self.received_any = False

    def receive_data(self, data: bytes) -> None:
        """Add bytes read from the connection; `b""` means the engine closed it."""
        if data:
            self.received_any = True
            self._buffer += data
        else:
            self._eof = True

    @property
    def keep_alive(self) -> bool:
        """Whether the connection can carry another request after this complete response."""
        head = self.head
        if self._state != "done" or self._buffer or head is None or self._close_framed or self._eof:
            return False
        connection = head.headers.get(b"connection", b"").lower()
        if head.http10:
            return b"keep-alive" in connection
        return b"close" not in connection

    @property
    def switched(self) -> bool:
        return self._state == "switched"

    @property
    def trailing_data(self) -> bytes:
        """Bytes that followed a 101 head: the first bytes of the upgraded stream."""
        data = bytes(self._buffer)
        self._buffer.clear()
        return data

    def next_event(self) -> Event:
        state = self._state
        if state == "head":
            return self._next_head()
        if state == "length":
            return self._next_length()
        if state == "chunked":
            return self._next_chunked()
        if state == "close":
            if self._buffer:
                data = bytes(self._buffer)
                self._buffer.clear()
                return Data(data)
            if self._eof:
                self._state = "done"
                return EndOfMessage()
            return NEED_DATA
        raise RuntimeError(f"next_event() called after the response ended (state {state})")

    def _next_head(self) -> Event:
        buffer = self._buffer
        limit = self._max_head_size
        while True:
            end = buffer.find(_HEAD_END)
            if end < 0:
                # The terminator may still arrive; refuse only once it could not end within the limit,
                # so that the answer does not depend on how the bytes were split.
                if len(buffer) > limit + 3:
                    raise ProtocolError(f"the engine's response headers exceed {limit} bytes")
                if self._eof:
                    if buffer:
                        raise IncompleteResponse("the engine closed the connection inside the response headers")
                    raise IncompleteResponse("the engine closed the connection without answering")
                return NEED_DATA
            if end > limit:
                raise ProtocolError(f"the engine's response headers exceed {limit} bytes")
            head = _parse_head(bytes(buffer[:end]))
            del buffer[: end + 4]
            code = head.status_code
            if code >= 200 or code == 101:
                self.head = head
                self._select_framing(head)
                return head
            # 100 Continue and friends: the real head follows.
            self._interim += 1
            if self._interim > _MAX_INTERIM:
                raise ProtocolError(f"the engine sent more than {_MAX_INTERIM} interim (1xx) responses")

    def _select_framing(self, head: Head) -> None:
        code = head.status_code
        headers = head.headers
        if code == 101:
            if not self._expect_upgrade:
                raise ProtocolError("the engine switched protocols (101) on a request that asked for no upgrade")
            self._state = "switched"
        elif self._head_request or code in (204, 304):
            self._state = "length"
            self._remaining = 0
        elif b"transfer-encoding" in headers:
            if headers[b"transfer-encoding"].lower() != b"chunked":
                raise ProtocolError(f"unsupported Transfer-Encoding {headers[b'transfer-encoding'][:40]!r}")
            self._state = "chunked"
        elif b"content-length" in headers:
            value = headers[b"content-length"]
            if not value.isdigit() or len(value) > 18:
                raise ProtocolError(f"the engine sent an invalid Content-Length {value[:40]!r}")
            self._state = "length"
            self._remaining = int(value)
        else:
            self._state = "close"
            self._close_framed = True

    def _next_length(self) -> Event:
        remaining = self._remaining
        if remaining == 0:
            self._state = "done"
            return EndOfMessage()
        buffer = self._buffer
        if buffer:
            if len(buffer) <= remaining:
                data = bytes(buffer)
                buffer.clear()
            else:
                data = bytes(buffer[:remaining])
                del buffer[:remaining]
            self._remaining = remaining - len(data)
            return Data(data)
        if self._eof:
            raise IncompleteResponse(f"the engine closed the connection with {remaining} body bytes still to come")
        return NEED_DATA

    def _next_chunked(self) -> Event:
        buffer = self._buffer
        while True:
            state = self._chunk_state
            if state == "data":
                if not buffer:
                    break
                take = min(self._chunk_left, len(buffer))
                data = bytes(buffer[:take])
                del buffer[:take]
                self._chunk_left -= take
                if self._chunk_left == 0:
                    self._chunk_state = "data-end"
                return Data(data)
            if state == "data-end":
                if len(buffer) < 2:
                    if buffer and buffer[0] != 0x0D:
                        raise ProtocolError("broken chunked encoding: a chunk is not followed by CRLF")
                    break
                if buffer[:2] != b"\r\n":
                    raise ProtocolError("broken chunked encoding: a chunk is not followed by CRLF")
                del buffer[:2]
                self._chunk_state = "size"
                continue
            end = buffer.find(b"\r\n")
            if end < 0:
                if len(buffer) > MAX_CHUNK_LINE + 1:
                    raise ProtocolError("broken chunked encoding: a chunk-size or trailer line is too long")
                break
            if end > MAX_CHUNK_LINE:
                raise ProtocolError("broken chunked encoding: a chunk-size or trailer line is too long")
            line = bytes(buffer[:end])
            del buffer[: end + 2]
            if state == "trailer":
                if not line:
                    self._state = "done"
                    return EndOfMessage()
                continue
            size_text = line.split(b";", 1)[0].strip(b" \t")
            if not size_text or len(size_text) > 15 or size_text.translate(None, _HEX):
                raise ProtocolError(f"broken chunked encoding: invalid chunk size {line[:40]!r}")
            size = int(size_text, 16)
            if size == 0:
                self._chunk_state = "trailer"
            else:
                self._chunk_left = size
                self._chunk_state = "data"
        if self._eof:
            raise IncompleteResponse("the engine closed the connection inside a chunked body")
        return NEED_DATA
