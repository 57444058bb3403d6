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

import re
from typing import Final

from .._exceptions import ProtocolError

__all__ = [
    "NEED_DATA",
    "Data",
    "EndOfMessage",
    "Event",
    "Head",
    "INCOMPLETE",
    "IncompleteResponse",
    "ResponseParser",
    "build_request",
    "parse_complete",
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
    """The status line and headers. Header names are lower-cased bytes; values are stripped bytes.

    `headers` is built on first use: a plain request's reply is framed from three headers found
    directly in the raw head (`framing`), and most callers never look at the others.
    """

    __slots__ = ("_headers", "_lower", "_raw", "http10", "reason", "status_code")

    def __init__(
        self,
        status_code: int,
        reason: bytes,
        headers: dict[bytes, bytes] | None = None,
        *,
        http10: bool = False,
        raw: bytes = b"",
    ) -> None:
        self.status_code = status_code
        self.reason = reason
        self._headers = headers
        self._raw = raw  # the header lines, each after its CRLF, when `headers` is still to build
        self._lower: bytes | None = None
        self.http10 = http10

    @property
    def headers(self) -> dict[bytes, bytes]:
        headers = self._headers
        if headers is None:
            headers = self._headers = _header_dict(self._raw)
        return headers

    @property
    def raw_lines(self) -> bytes | None:
        """The header lines as received (each after its CRLF), when this head was read in one pass."""
        return self._raw or None

    def get(self, name: bytes) -> bytes | None:
        """One header's value (`name` lower-case), without building `headers` when it can."""
        headers = self._headers
        if headers is None:
            raw = self._raw
            lower = self._lower
            if lower is None:
                lower = self._lower = raw.lower()
            key = b"\r\n" + name + b":"
            start = lower.find(key)
            if start < 0:
                return None
            start += len(key)
            if lower.find(key, start) < 0:
                end = raw.find(b"\r\n", start)
                return (raw[start:] if end < 0 else raw[start:end]).strip(b" \t")
            headers = self.headers  # repeated: joined as the dict does it
        return headers.get(name)

    def header(self, name: bytes) -> str | None:
        value = self.get(name)
        return None if value is None else value.decode("latin-1")

    def framing(self) -> tuple[bytes | None, bytes | None, bytes]:
        """`(transfer-encoding, content-length, connection)`, the first two lower-cased or `None`."""
        if self._headers is None:
            lower = self._raw.lower()
            if (
                lower.count(b"\r\ntransfer-encoding:") < 2
                and lower.count(b"\r\ncontent-length:") < 2
                and lower.count(b"\r\nconnection:") < 2
            ):
                return (
                    _field(lower, b"\r\ntransfer-encoding:"),
                    _field(lower, b"\r\ncontent-length:"),
                    (_field(lower, b"\r\nconnection:") or b""),
                )
        headers = self.headers
        te = headers.get(b"transfer-encoding")
        return (
            (None if te is None else te.lower()),
            headers.get(b"content-length"),
            headers.get(b"connection", b"").lower(),
        )

    def __repr__(self) -> str:
        return f"Head({self.status_code}, {self.reason!r}, {self.headers!r})"


def _field(lower: bytes, key: bytes) -> bytes | None:
    start = lower.find(key)
    if start < 0:
        return None
    start += len(key)
    end = lower.find(b"\r\n", start)
    return (lower[start:] if end < 0 else lower[start:end]).strip(b" \t")


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


# Requests repeat (the same inspect, ping or list, again and again): what `build_request` made
# for the same arguments, by those arguments. Bounded, emptied when full; never an error, never a
# request with headers beyond Content-Type.
_REQUEST_MEMO: dict[tuple[str, str, tuple[tuple[str, str], ...], int | None, bool], bytes] = {}
_REQUEST_MEMO_SIZE: Final = 512


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
    key = (method, target, headers, content_length, chunked)
    try:
        return _REQUEST_MEMO[key]
    except KeyError:
        pass
    data = _build_request(method, target, headers, content_length, chunked)
    # Never remembered: other headers (X-Registry-Auth carries credentials, which stay only as long
    # as their request).
    if len(data) <= 4096 and (not headers or (len(headers) == 1 and headers[0][0] == "Content-Type")):
        if len(_REQUEST_MEMO) >= _REQUEST_MEMO_SIZE:
            _REQUEST_MEMO.clear()
        _REQUEST_MEMO[key] = data
    return data


def _build_request(
    method: str, target: str, headers: tuple[tuple[str, str], ...], content_length: int | None, chunked: bool
) -> bytes:
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


# A well-formed head in one C pass: status line, then header lines of a token name and a value
# with no CR, LF or NUL. Anything else goes through `_parse_head_strictly` for a precise error.
_HEAD_RE = re.compile(
    rb"HTTP/1\.([01]) ([1-9][0-9][0-9])(?: ([^\r\n\x00]*))?"
    rb"((?:\r\n[!#$%&'*+.^_`|~0-9A-Za-z-]+:[^\r\n\x00]*)*)"
)


def _parse_head(raw: bytes) -> Head:
    match = _HEAD_RE.fullmatch(raw)
    if match is None:
        return _parse_head_strictly(raw)
    lines = match.group(4)
    if lines.lower().count(b"\r\ncontent-length:") > 1:
        return _parse_head_strictly(raw)  # duplicates: checked by building the dict now
    return Head(int(match.group(2)), match.group(3) or b"", None, http10=match.group(1) == b"0", raw=lines)


def _header_dict(lines: bytes) -> dict[bytes, bytes]:
    headers: dict[bytes, bytes] = {}
    if not lines:
        return headers
    for line in lines[2:].split(b"\r\n"):
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
    return headers


def _parse_head_strictly(raw: bytes) -> Head:
    if b"\x00" in raw or raw.count(b"\n") != raw.count(b"\r\n") or raw.count(b"\r") != raw.count(b"\r\n"):
        raise ProtocolError("the engine sent a response head with a NUL or a bare CR/LF")
    status_line, crlf, rest = raw.partition(b"\r\n")
    if status_line[:9] not in (b"HTTP/1.1 ", b"HTTP/1.0 ") or len(status_line) < 12:
        raise _invalid_status(status_line)
    code = status_line[9:12]
    if not code.isdigit() or code[0] == 0x30 or (len(status_line) > 12 and status_line[12] != 0x20):
        raise _invalid_status(status_line)
    headers = _header_dict(crlf + rest)
    return Head(int(code), status_line[13:], headers, http10=status_line[7] == 0x30)


def _keep_alive(head: Head, connection: bytes) -> bool:
    if head.http10:
        return b"keep-alive" in connection
    return b"close" not in connection


# What `_read_head` concluded about a head (the bytes before its blank line), by those bytes: a
# pure function of them, so remembering it changes no answer. An engine's heads repeat byte for
# byte within a second (only `Date` and `Content-Length` vary), so a busy client skips the regex
# and the framing logic below (about half of a plain request's CPU on a small machine) on almost
# every reply. Bounded: emptied when full.
_HEAD_MEMO: dict[bytes, tuple[int, bytes, bool, bytes, int | None, bool] | None] = {}
_HEAD_MEMO_SIZE: Final = 512
_HEAD_MEMO_MAX_HEAD: Final = 2048  # bigger heads are not remembered: the memo stays under 1 MiB
_CHUNKED: Final = -1  # `_read_head`'s length for a chunked body


def _read_head(raw: bytes) -> tuple[int, bytes, bool, bytes, int | None, bool] | None:
    """`(code, reason, http10, header lines, content length or None, keep_alive)`, or `None` to decline."""
    match = _HEAD_RE.fullmatch(raw)
    if match is None:
        return None
    version, code_text, reason, lines = match.groups()
    code = int(code_text)
    lower = lines.lower()
    if code < 200 or lower.count(b"\r\ncontent-length:") > 1:
        return None
    length: int | None = None
    at = lower.find(b"\r\ntransfer-encoding:")
    if at >= 0:
        # Chunked alone (Docker's reply to inspect, list, history...): answered only when it is the
        # one framing header, as the parser would frame it; anything else is the parser's to judge.
        if lower.find(b"\r\ntransfer-encoding:", at + 20) >= 0 or b"\r\ncontent-length:" in lower:
            return None
        line_end = lower.find(b"\r\n", at + 20)
        if (lower[at + 20 :] if line_end < 0 else lower[at + 20 : line_end]).strip(b" \t") != b"chunked":
            return None
        length = _CHUNKED
    at = lower.find(b"\r\ncontent-length:")
    if at >= 0:
        line_end = lower.find(b"\r\n", at + 17)
        value = (lower[at + 17 :] if line_end < 0 else lower[at + 17 : line_end]).strip(b" \t")
        if value.isdigit() and len(value) <= 18:
            length = int(value)
        elif code != 204 and code != 304:
            return None  # declined, HEAD replies included (those may carry any value): the parser judges
        else:
            length = 0
    connection = b""
    at = lower.find(b"\r\nconnection:")
    if at >= 0:
        if lower.find(b"\r\nconnection:", at + 13) >= 0:
            return None
        line_end = lower.find(b"\r\n", at + 13)
        connection = lower[at + 13 :] if line_end < 0 else lower[at + 13 : line_end]
    http10 = version == b"0"
    keep_alive = b"keep-alive" in connection if http10 else b"close" not in connection
    return code, reason or b"", http10, lines, length, keep_alive


class _Incomplete:
    __slots__ = ()

    def __repr__(self) -> str:
        return "INCOMPLETE"


INCOMPLETE: Final = _Incomplete()
"""`parse_complete`'s answer for a valid start of a reply it would answer once the rest arrives."""


def parse_complete(data: bytes, *, head_request: bool = False) -> tuple[Head, bytes, bool] | _Incomplete | None:
    """`(head, body, keep_alive)` when `data` is exactly one whole response framed by its length.

    The common case of a plain request: the engine's whole reply arrives in the first read or
    two (Docker flushes a reply of over 4 KiB in two writes). This answers it with a handful of
    C-level calls, Content-Length and plain chunked bodies alike; `INCOMPLETE` means "a valid
    start of such a reply: call again with more bytes"; `None` means "use a `ResponseParser`"
    (head incomplete, chunk extensions or trailers, framed by close, 1xx/101, trailing bytes,
    duplicated framing headers, or anything malformed, which the parser then reports
    precisely). When it answers, it answers exactly what a `ResponseParser` fed the same bytes
    would, and `INCOMPLETE` only where that parser would still wait: a fuzz test holds it to that.
    """
    end = data.find(_HEAD_END)
    if end < 0 or end > MAX_HEAD_SIZE:
        return None
    raw = data[:end]
    memo = _HEAD_MEMO
    try:
        read = memo[raw]
    except KeyError:
        read = _read_head(raw)
        if end <= _HEAD_MEMO_MAX_HEAD:
            if len(memo) >= _HEAD_MEMO_SIZE:
                memo.clear()
            memo[raw] = read
    if read is None:
        return None
    code, reason, http10, lines, length, keep_alive = read
    if head_request or code == 204 or code == 304:
        length = 0
    elif length is None:
        return None
    start = end + 4
    if length == _CHUNKED:
        body = _dechunk_whole(data, start)
        if body is None or body is INCOMPLETE:
            return body
    elif len(data) == start + length:
        body = data[start:]
    else:
        return INCOMPLETE if len(data) < start + length else None
    assert isinstance(body, bytes)
    return Head(code, reason, None, http10=http10, raw=lines), body, keep_alive


def _dechunk_whole(data: bytes, pos: int) -> bytes | _Incomplete | None:
    """The body of a chunked reply that ends exactly with `data`, in its plainest form, or `None`.

    Plainest form: sizes of bare hex digits (no extensions, no padding) and no trailers. Any other
    form, or anything after the final empty line, is declined: the parser then judges it. A
    plain start that stops short is `INCOMPLETE`.
    """
    pieces: list[bytes] = []
    size_of = len(data)
    while True:
        line_end = data.find(b"\r\n", pos, pos + 17)
        if line_end < 0:
            rest = data[pos : pos + 17]
            if len(rest) < 17 and not rest.rstrip(b"\r").translate(None, _HEX) and rest.count(b"\r") <= 1:
                return INCOMPLETE  # a size line still arriving
            return None
        size_text = data[pos:line_end]
        if not size_text or size_text.translate(None, _HEX):
            return None
        size = int(size_text, 16)
        pos = line_end + 2
        if size == 0:
            break
        end = pos + size
        tail = data[end : end + 2]
        if tail != b"\r\n":
            return INCOMPLETE if size_of < end + 2 and b"\r\n".startswith(tail) else None
        pieces.append(data[pos:end])
        pos = end + 2
    tail = data[pos:]
    if tail != b"\r\n":
        return INCOMPLETE if len(tail) < 2 and b"\r\n".startswith(tail) else None
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


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
        return _keep_alive(head, head.framing()[2])

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
        transfer_encoding, length, _ = head.framing()
        if code == 101:
            if not self._expect_upgrade:
                raise ProtocolError("the engine switched protocols (101) on a request that asked for no upgrade")
            self._state = "switched"
        elif self._head_request or code in (204, 304):
            self._state = "length"
            self._remaining = 0
        elif transfer_encoding is not None:
            if transfer_encoding != b"chunked":
                raise ProtocolError(f"unsupported Transfer-Encoding {transfer_encoding[:40]!r}")
            self._state = "chunked"
        elif length is not None:
            if not length.isdigit() or len(length) > 18:
                raise ProtocolError(f"the engine sent an invalid Content-Length {length[:40]!r}")
            self._state = "length"
            self._remaining = int(length)
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
