"""Fuzzing the three sans-IO parsers with hypothesis: HTTP/1.1 responses, multiplexed frames, JSON lines.

The property, for each: any bytes, cut into any pieces, give the same outcome as the same bytes
fed whole, and the only exceptions are rawengine's (`ProtocolError`, `StreamError`); never an
`IndexError`, a `RecursionError`, a hang or an unbounded buffer. Inputs are drawn three ways:
raw random bytes, well-formed messages built from the grammar, and those messages mutated
(bytes flipped, inserted, deleted, truncated), so that the deep states are reached too.

Examples per test: `RAWENGINE_FUZZ_EXAMPLES` (default 300, enough for every `make test`);
the README's figures come from `RAWENGINE_FUZZ_EXAMPLES=20000 pytest tests/unit/test_fuzz.py`.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rawengine import Frame, ProtocolError, StreamError, StreamKind
from rawengine._protocol.frames import FrameDecoder
from rawengine._protocol.http11 import (
    INCOMPLETE,
    NEED_DATA,
    Data,
    EndOfMessage,
    Head,
    ResponseParser,
    parse_complete,
)
from rawengine._protocol.jsonlines import JsonLinesDecoder

EXAMPLES = int(os.environ.get("RAWENGINE_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Outcome = tuple[Any, ...]


def pieces_of(data: bytes, cuts: Sequence[int]) -> list[bytes]:
    """`data` cut at the given offsets (taken modulo its length, sorted, deduplicated)."""
    if not data:
        return []
    points = sorted({c % len(data) for c in cuts} - {0})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def mutate(data: bytes, edits: Sequence[tuple[int, int, int]]) -> bytes:
    """Apply (kind, position, byte) edits: 0 flips a byte, 1 inserts one, 2 deletes one, 3 truncates."""
    buf = bytearray(data)
    for kind, position, value in edits:
        if not buf:
            buf.append(value)
            continue
        i = position % len(buf)
        if kind == 0:
            buf[i] = value
        elif kind == 1:
            buf.insert(i, value)
        elif kind == 2:
            del buf[i]
        else:
            del buf[i:]
    return bytes(buf)


EDITS = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1 << 16), st.integers(0, 255)), max_size=4)
CUTS = st.lists(st.integers(0, 1 << 16), max_size=12)


def check_same(run: Callable[[list[bytes]], Outcome], data: bytes, cuts: Sequence[int]) -> None:
    whole = run([data] if data else [])
    split = run(pieces_of(data, cuts))
    bytewise = run([data[i : i + 1] for i in range(len(data))]) if len(data) <= 512 else split
    assert split == whole
    assert bytewise == whole


# ------------------------------------------------------------------ HTTP/1.1 responses


def run_http(pieces: list[bytes], *, head_request: bool, expect_upgrade: bool, max_head_size: int) -> Outcome:
    parser = ResponseParser(head_request=head_request, expect_upgrade=expect_upgrade, max_head_size=max_head_size)
    queue = [*pieces, b""]
    head: tuple[Any, ...] | None = None
    body = bytearray()
    try:
        for _ in range(100_000):  # a parser that never ends would be a hang: bounded here
            event = parser.next_event()
            if event is NEED_DATA:
                assert queue, "the parser asked for data after EOF"
                parser.receive_data(queue.pop(0))
            elif isinstance(event, Head):
                assert head is None
                head = (event.status_code, event.reason, event.headers, event.http10)
                if parser.switched:
                    return head, bytes(body), "switched", parser.trailing_data + b"".join(queue)
            elif isinstance(event, Data):
                assert head is not None and event.data
                body += event.data
            else:
                assert isinstance(event, EndOfMessage)
                for late in queue[:-1]:
                    parser.receive_data(late)
                return head, bytes(body), "end", parser.keep_alive
        raise AssertionError("the parser made no progress")
    except ProtocolError as exc:
        return head, bytes(body), "error", str(exc)


STATUS_LINES = st.sampled_from(
    [
        b"HTTP/1.1 200 OK",
        b"HTTP/1.1 201 Created",
        b"HTTP/1.1 204 No Content",
        b"HTTP/1.1 304 Not Modified",
        b"HTTP/1.1 404 Not Found",
        b"HTTP/1.1 500 Internal Server Error",
        b"HTTP/1.1 101 UPGRADED",
        b"HTTP/1.1 100 Continue",
        b"HTTP/1.0 200 OK",
        b"HTTP/1.1 200",
        b"HTTP/1.1 99 Low",
        b"HTTP/1.1 2000 OK",
        b"HTTP/2 200 OK",
    ]
)
HEADER_NAMES = st.sampled_from(
    [b"Content-Type", b"Api-Version", b"Connection", b"Server", b"X-A", b"Upgrade", b"Bad Name", b""]
)
HEADER_VALUES = st.sampled_from([b"application/json", b"close", b"keep-alive", b"1.41", b"tcp", b" padded ", b""])


@st.composite
def http_responses(draw: st.DrawFn) -> bytes:
    status = draw(STATUS_LINES)
    headers = [draw(HEADER_NAMES) + b": " + draw(HEADER_VALUES) for _ in range(draw(st.integers(0, 4)))]
    body = draw(st.binary(max_size=64))
    framing = draw(st.sampled_from(["length", "chunked", "close", "wrong-length", "both"]))
    if framing in ("length", "both"):
        headers.append(b"Content-Length: %d" % len(body))
    if framing == "wrong-length":
        headers.append(b"Content-Length: %d" % (len(body) + draw(st.integers(-5, 5))))
    if framing in ("chunked", "both"):
        headers.append(b"Transfer-Encoding: chunked")
        sizes = draw(st.lists(st.integers(1, 16), max_size=6))
        chunks, rest = [], body
        for size in sizes:
            if rest:
                chunks.append(
                    b"%x;ext\r\n%b\r\n" % (len(rest[:size]), rest[:size])
                    if size % 3 == 0
                    else b"%x\r\n%b\r\n" % (len(rest[:size]), rest[:size])
                )
                rest = rest[size:]
        if rest:
            chunks.append(b"%x\r\n%b\r\n" % (len(rest), rest))
        trailer = b"X-Trailer: 1\r\n" if draw(st.booleans()) else b""
        body = b"".join(chunks) + b"0\r\n" + trailer + b"\r\n"
    interim = b"HTTP/1.1 100 Continue\r\n\r\n" * draw(st.integers(0, 2))
    message = interim + status + b"\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n" + body
    if draw(st.booleans()):
        message += draw(st.binary(max_size=16))  # whatever follows: a next reply, garbage, stream bytes
    return mutate(message, draw(EDITS))


HTTP_INPUTS = st.one_of(st.binary(max_size=300), http_responses())


@FUZZ
@given(
    data=HTTP_INPUTS,
    cuts=CUTS,
    head_request=st.booleans(),
    expect_upgrade=st.booleans(),
    max_head_size=st.sampled_from([16, 40, 64, 65536]),
)
def test_http_response_parser(
    data: bytes, cuts: list[int], head_request: bool, expect_upgrade: bool, max_head_size: int
) -> None:
    def run(pieces: list[bytes]) -> Outcome:
        return run_http(pieces, head_request=head_request, expect_upgrade=expect_upgrade, max_head_size=max_head_size)

    check_same(run, data, cuts)


@FUZZ
@given(data=HTTP_INPUTS, head_request=st.booleans())
def test_parse_complete_answers_as_the_parser_does(data: bytes, head_request: bool) -> None:
    """The one-shot fast path either declines (None) or gives exactly the incremental parser's answer."""
    try:
        complete = parse_complete(data, head_request=head_request)
    except ProtocolError as exc:
        parser = ResponseParser(head_request=head_request)
        parser.receive_data(data)
        with pytest.raises(ProtocolError) as info:
            parser.next_event()
        assert str(info.value) == str(exc)
        return
    if complete is None:
        return
    if complete is INCOMPLETE:  # the parser must still be waiting for more, with no complaint so far
        parser = ResponseParser(head_request=head_request)
        parser.receive_data(data)
        while (event := parser.next_event()) is not NEED_DATA:
            assert not isinstance(event, EndOfMessage), "parse_complete waits on a reply the parser ended"
        return
    assert isinstance(complete, tuple)
    head, body, keep_alive = complete
    parser = ResponseParser(head_request=head_request)
    parser.receive_data(data)
    event = parser.next_event()
    assert isinstance(event, Head)
    assert (event.status_code, event.reason, event.headers, event.http10) == (
        head.status_code,
        head.reason,
        head.headers,
        head.http10,
    )
    collected = bytearray()
    while not isinstance(event := parser.next_event(), EndOfMessage):
        assert isinstance(event, Data), "the fast path answered a reply the parser still waits on"
        collected += event.data
    assert bytes(collected) == body
    assert parser.keep_alive == keep_alive


# ------------------------------------------------------------------ multiplexed frames


def merged(frames: list[Frame]) -> list[tuple[StreamKind, bytes]]:
    """Adjacent frames of one kind joined: frame boundaries carry no meaning, kinds and order do."""
    runs: list[tuple[StreamKind, bytearray]] = []
    for frame in frames:
        assert frame.data, "an empty frame was delivered"
        assert frame.kind is not StreamKind.SYSTEMERR
        if runs and runs[-1][0] is frame.kind:
            runs[-1][1].extend(frame.data)
        else:
            runs.append((frame.kind, bytearray(frame.data)))
    return [(kind, bytes(data)) for kind, data in runs]


def run_frames(pieces: list[bytes], *, max_frame_size: int, max_piece: int) -> Outcome:
    decoder = FrameDecoder(max_frame_size=max_frame_size, max_piece=max_piece)
    frames: list[Frame] = []
    try:
        for piece in pieces:
            out = decoder.decode(piece)
            assert all(len(f.data) <= max_piece for f in out)
            frames += out
        frames += decoder.flush()
        return merged(frames), "end"
    except (ProtocolError, StreamError) as exc:
        return merged(frames), type(exc).__name__, str(exc)


@st.composite
def frame_streams(draw: st.DrawFn) -> bytes:
    parts = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from([0, 1, 1, 2, 2, 3, 4, 255]))
        payload = draw(st.binary(max_size=40))
        length = len(payload) if draw(st.integers(0, 9)) else draw(st.sampled_from([0, 1, 41, 1 << 20, 0xFFFFFFFF]))
        parts.append(struct.pack(">BxxxL", kind, length) + payload)
    return mutate(b"".join(parts), draw(EDITS))


@FUZZ
@given(
    data=st.one_of(st.binary(max_size=300), frame_streams()),
    cuts=CUTS,
    max_frame_size=st.sampled_from([8, 64, 1 << 26]),
    max_piece=st.sampled_from([1, 3, 16, 1 << 18]),
)
def test_frame_decoder(data: bytes, cuts: list[int], max_frame_size: int, max_piece: int) -> None:
    def run(pieces: list[bytes]) -> Outcome:
        return run_frames(pieces, max_frame_size=max_frame_size, max_piece=max_piece)

    check_same(run, data, cuts)


# ------------------------------------------------------------------ JSON lines


class Progress(msgspec.Struct, frozen=True):
    id: str = ""
    status: str = ""
    progress_detail: dict[str, int] = msgspec.field(name="progressDetail", default_factory=dict)


def run_json(pieces: list[bytes], *, in_band_errors: bool, max_line_size: int) -> Outcome:
    decoder = JsonLinesDecoder(Progress, in_band_errors=in_band_errors, max_line_size=max_line_size)
    values: list[Progress] = []
    try:
        for piece in pieces:
            values += decoder.decode(piece)
        values += decoder.flush()
        return values, "end"
    except (ProtocolError, StreamError) as exc:
        return values, type(exc).__name__, str(exc)


JSON_LINES = st.sampled_from(
    [
        b'{"status":"Loading layer","progressDetail":{"current":1,"total":2},"id":"abc"}',
        b'{"status":"sha256:1234"}',
        b'{"error":"boom","errorDetail":{"message":"boom"}}',
        b'{"errorDetail":{"message":"only detail"}}',
        b'{"error":""}',
        b'{"status":"a"}{"status":"b"}',
        b'{"status":"a"} {"status":"b"}',
        b'{"id":1}',
        b'{"status":"\\u00e9\\u003c"}',
        b'{"status":"caf\xc3\xa9"}',
        b'{"status":"\xff\xfe"}',
        b"[1,2,3]",
        b"null",
        b"{",
        b"}{",
        b'"error"',
        b"not json",
        b"[" * 2000 + b"]" * 2000,
        b'{"status":"x","extra":' + b"[" * 3000 + b"]" * 3000 + b"}",
        b'{"error":' + b"[" * 3000 + b"]" * 3000 + b"}",
        b"\x1e" + b'{"status":"seq"}',
        b"",
        b"   ",
    ]
)


@st.composite
def json_streams(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(JSON_LINES, max_size=6))
    endings = [draw(st.sampled_from([b"\n", b"\r\n", b"\n\n"])) for _ in lines]
    stream = b"".join(line + end for line, end in zip(lines, endings, strict=True))
    if draw(st.booleans()):
        stream = stream.rstrip(b"\r\n")  # the last line without its newline
    return mutate(stream, draw(EDITS))


@FUZZ
@given(
    data=st.one_of(st.binary(max_size=300), json_streams()),
    cuts=CUTS,
    in_band_errors=st.booleans(),
    max_line_size=st.sampled_from([8, 64, 1 << 24]),
)
def test_json_lines_decoder(data: bytes, cuts: list[int], in_band_errors: bool, max_line_size: int) -> None:
    def run(pieces: list[bytes]) -> Outcome:
        return run_json(pieces, in_band_errors=in_band_errors, max_line_size=max_line_size)

    check_same(run, data, cuts)


def test_deeply_nested_json_is_a_protocol_error() -> None:
    """msgspec raises `RecursionError` for deep nesting, even in a skipped field: it must not escape."""
    deep = b'{"status":"x","extra":' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"
    outcome = run_json([deep], in_band_errors=True, max_line_size=1 << 24)
    assert outcome[:2] == ([], "ProtocolError")
