"""HTTP/1.1 for the client side, sans-IO: request bytes out, response events in.

The transport writes what `build_request` returns and feeds what it reads into a
`ResponseParser`, then pulls events: a `Head`, any number of `Data`, an `EndOfMessage`.
`NEED_DATA` asks for more bytes; `receive_data(b"")` says the peer closed the connection.
After a `101 Switching Protocols` head the parser stops: `trailing_data` holds the bytes that
came after the head, which belong to the upgraded stream (Docker sends output in the same read).

Only what the Engine API needs is here: Content-Length, chunked, and read-until-close bodies;
no pipelining (one request at a time per connection). Every limit is checked, so hostile bytes
give a `ProtocolError`, never a hang or an unbounded buffer.
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
    "ResponseParser",
    "build_request",
]

MAX_HEAD_SIZE: Final = 64 * 1024
MAX_CHUNK_LINE: Final = 1024


class _NeedData:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA: Final = _NeedData()


class Head:
    """The status line and headers. Header names are lower-cased bytes; values are stripped bytes."""

    __slots__ = ("headers", "reason", "status_code")

    def __init__(self, status_code: int, reason: bytes, headers: dict[bytes, bytes]) -> None:
        self.status_code = status_code
        self.reason = reason
        self.headers = headers

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
_TOKEN_BAD = frozenset(b' \t\r\n:()<>@,;\\"/[]?={}\x7f') | frozenset(range(0x20))


def _check_value(name: str, value: str) -> None:
    if "\r" in value or "\n" in value or "\x00" in value:
        raise ValueError(f"{name} must not contain CR, LF or NUL characters: {value!r}")


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
    if " " in target or "#" in target:
        raise ValueError(f"request target must be percent-encoded: {target!r}")
    lines = [f"{method} {target} HTTP/1.1\r\nHost: docker\r\n"]
    for name, value in headers:
        _check_value("header name", name)
        _check_value("header value", value)
        lines.append(f"{name}: {value}\r\n")
    if chunked:
        lines.append("Transfer-Encoding: chunked\r\n")
    elif content_length is not None:
        lines.append(f"Content-Length: {content_length}\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("latin-1")


def _parse_head(raw: bytes) -> Head:
    lines = raw.split(b"\r\n")
    status_line = lines[0]
    if not status_line.startswith((b"HTTP/1.1 ", b"HTTP/1.0 ")) or len(status_line) < 12:
        raise ProtocolError(f"the engine sent an invalid HTTP status line: {status_line[:80]!r}")
    code = status_line[9:12]
    if not code.isdigit() or (len(status_line) > 12 and status_line[12:13] != b" "):
        raise ProtocolError(f"the engine sent an invalid HTTP status line: {status_line[:80]!r}")
    headers: dict[bytes, bytes] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not name or any(c in _TOKEN_BAD for c in name):
            raise ProtocolError(f"the engine sent an invalid HTTP header line: {line[:80]!r}")
        key = name.lower()
        value = value.strip(b" \t")
        previous = headers.get(key)
        if previous is not None:
            if key == b"content-length" and previous != value:
                raise ProtocolError("the engine sent two different Content-Length headers")
            value = previous + b", " + value
        headers[key] = value
    return Head(int(code), status_line[13:], headers)


class ResponseParser:
    """Turn the bytes of one response into events. Does no I/O.

    Args:
        head_request: the request was `HEAD`, so the response has no body whatever it says.
        max_head_size: the largest status line plus headers accepted, in bytes.
    """

    __slots__ = (
        "_body",
        "_buffer",
        "_chunk_left",
        "_chunk_state",
        "_eof",
        "_head_request",
        "_max_head_size",
        "_remaining",
        "_state",
        "head",
        "received_any",
    )

    def __init__(self, *, head_request: bool = False, max_head_size: int = MAX_HEAD_SIZE) -> None:
        self._buffer = bytearray()
        self._eof = False
        self._head_request = head_request
        self._max_head_size = max_head_size
        self._state = "head"  # head, length, chunked, close, done, switched
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
        if self._state != "done" or self._buffer or self.head is None:
            return False
        return b"close" not in self.head.headers.get(b"connection", b"").lower()

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
        end = buffer.find(_HEAD_END)
        if end < 0:
            if len(buffer) > self._max_head_size:
                raise ProtocolError(f"the engine's response headers exceed {self._max_head_size} bytes")
            if self._eof:
                if buffer:
                    raise ProtocolError("the engine closed the connection inside the response headers")
                raise ProtocolError("the engine closed the connection without answering")
            return NEED_DATA
        if end > self._max_head_size:
            raise ProtocolError(f"the engine's response headers exceed {self._max_head_size} bytes")
        head = _parse_head(bytes(buffer[:end]))
        del buffer[: end + 4]
        code = head.status_code
        if code < 200 and code != 101:
            return self._next_head()  # 100 Continue and friends: the real head follows
        self.head = head
        self._select_framing(head)
        return head

    def _select_framing(self, head: Head) -> None:
        code = head.status_code
        headers = head.headers
        if code == 101:
            self._state = "switched"
        elif self._head_request or code in (204, 304):
            self._state = "length"
            self._remaining = 0
        elif b"transfer-encoding" in headers:
            if headers[b"transfer-encoding"].lower() != b"chunked":
                raise ProtocolError(f"unsupported Transfer-Encoding {headers[b'transfer-encoding']!r}")
            self._state = "chunked"
        elif b"content-length" in headers:
            value = headers[b"content-length"]
            if not value.isdigit() or len(value) > 18:
                raise ProtocolError(f"the engine sent an invalid Content-Length {value[:40]!r}")
            self._state = "length"
            self._remaining = int(value)
        else:
            self._state = "close"

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
            raise ProtocolError(f"the engine closed the connection with {remaining} body bytes still to come")
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
                    break
                if buffer[:2] != b"\r\n":
                    raise ProtocolError("broken chunked encoding: a chunk is not followed by CRLF")
                del buffer[:2]
                self._chunk_state = "size"
                continue
            end = buffer.find(b"\r\n")
            if end < 0:
                if len(buffer) > MAX_CHUNK_LINE:
                    raise ProtocolError("broken chunked encoding: a chunk-size line is too long")
                break
            line = bytes(buffer[:end])
            del buffer[: end + 2]
            if state == "trailer":
                if not line:
                    self._state = "done"
                    return EndOfMessage()
                continue
            size_text = line.split(b";", 1)[0].strip()
            if not size_text or len(size_text) > 15 or any(c not in b"0123456789abcdefABCDEF" for c in size_text):
                raise ProtocolError(f"broken chunked encoding: invalid chunk size {line[:40]!r}")
            size = int(size_text, 16)
            if size == 0:
                self._chunk_state = "trailer"
            else:
                self._chunk_left = size
                self._chunk_state = "data"
        if self._eof:
            raise ProtocolError("the engine closed the connection inside a chunked body")
        return NEED_DATA
