"""The sans-IO HTTP/1.1 client parser and request builder, byte by byte.

Every parse is run whole, one byte at a time, and split in two at every position: the events
must not depend on how the bytes arrived.
"""

from __future__ import annotations

import pytest

from rawengine import ProtocolError
from rawengine._protocol.http11 import (
    MAX_CHUNK_LINE,
    NEED_DATA,
    Data,
    EndOfMessage,
    Head,
    ResponseParser,
    build_request,
)


def _run(pieces: list[bytes], **options: bool) -> tuple[Head, bytes, bool, bytes]:
    """Feed the pieces, then EOF; return (head, body, keep_alive, trailing bytes after a 101)."""
    parser = ResponseParser(**options)
    head: Head | None = None
    body = bytearray()
    queue = [*pieces, b""]
    while True:
        event = parser.next_event()
        if event is NEED_DATA:
            parser.receive_data(queue.pop(0))
            continue
        if isinstance(event, Head):
            head = event
            if parser.switched:
                return head, b"", False, parser.trailing_data + b"".join(queue)
        elif isinstance(event, Data):
            body += event.data
        else:
            assert isinstance(event, EndOfMessage)
            assert head is not None
            for late in queue[:-1]:  # bytes that arrive after the reply (the transport notices them before reuse)
                parser.receive_data(late)
            return head, bytes(body), parser.keep_alive, b""


def parse(raw: bytes, **options: bool) -> tuple[Head, bytes, bool, bytes]:
    """Parse `raw` whole, byte by byte and at every two-way split; all must agree."""
    whole = _run([raw], **options)
    splits = [[raw[i : i + 1] for i in range(len(raw))]] + [[raw[:i], raw[i:]] for i in range(1, len(raw))]
    for pieces in splits:
        again = _run(pieces, **options)
        assert (again[0].status_code, again[0].headers, *again[1:]) == (
            whole[0].status_code,
            whole[0].headers,
            *whole[1:],
        )
    return whole


def refuse(raw: bytes, match: str, **options: bool) -> None:
    """`raw` is refused with a `ProtocolError` matching `match`, whole and split every way."""
    with pytest.raises(ProtocolError, match=match):
        _run([raw], **options)
    for i in range(1, len(raw)):
        with pytest.raises(ProtocolError, match=match):
            _run([raw[:i], raw[i:]], **options)
    with pytest.raises(ProtocolError, match=match):
        _run([raw[i : i + 1] for i in range(len(raw))], **options)


# ------------------------------------------------------------------ well-formed replies


def test_content_length() -> None:
    head, body, keep_alive, _ = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nApi-Version: 1.41\r\n\r\nhello")
    assert head.status_code == 200
    assert head.reason == b"OK"
    assert head.headers == {b"content-length": b"5", b"api-version": b"1.41"}
    assert head.header(b"api-version") == "1.41"
    assert (body, keep_alive) == (b"hello", True)


def test_header_names_lower_cased_values_stripped_repeats_joined() -> None:
    head, _, _, _ = parse(b"HTTP/1.1 200 OK\r\nX-A:  one \t\r\nx-a: two\r\nContent-Length: 0\r\n\r\n")
    assert head.headers[b"x-a"] == b"one, two"


def test_same_content_length_twice_is_accepted() -> None:
    _, body, _, _ = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok")
    assert body == b"ok"


def test_chunked_with_extensions_and_trailers() -> None:
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\nX-T: 1\r\n\r\n"
    _, body, keep_alive, _ = parse(raw)
    assert (body, keep_alive) == (b"hello!", True)


def test_chunked_wins_over_content_length() -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
    assert parse(raw)[1] == b"ok"


def test_body_until_close_is_not_reusable() -> None:
    _, body, keep_alive, _ = parse(b"HTTP/1.1 200 OK\r\n\r\nstreamed until EOF")
    assert (body, keep_alive) == (b"streamed until EOF", False)


def test_no_body_for_head_204_304() -> None:
    assert parse(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", head_request=True)[1:3] == (b"", True)
    assert parse(b"HTTP/1.1 204 No Content\r\n\r\n")[1:3] == (b"", True)
    assert parse(b"HTTP/1.1 304 Not Modified\r\n\r\n")[1:3] == (b"", True)


def test_connection_close_and_http10() -> None:
    assert parse(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")[2] is False
    assert parse(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")[2] is False
    assert parse(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")[2] is True


def test_bytes_after_the_body_make_the_connection_unusable() -> None:
    assert parse(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxEXTRA")[1:3] == (b"x", False)


def test_status_line_without_reason() -> None:
    head, _, _, _ = parse(b"HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n")
    assert (head.status_code, head.reason) == (404, b"")


def test_interim_responses_are_skipped() -> None:
    head, body, _, _ = parse(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx")
    assert (head.status_code, body) == (201, b"x")


def test_too_many_interim_responses() -> None:
    raw = b"HTTP/1.1 100 Continue\r\n\r\n" * 17 + b"HTTP/1.1 200 OK\r\n\r\n"
    with pytest.raises(ProtocolError, match="interim"):
        _run([raw])
    with pytest.raises(ProtocolError, match="interim"):
        _run([raw[i : i + 5] for i in range(0, len(raw), 5)])


def test_upgrade_keeps_the_bytes_after_the_head() -> None:
    raw = b"HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n\x01\x00\x00\x00\x00\x00\x00\x02hi"
    head, _, keep_alive, trailing = parse(raw, expect_upgrade=True)
    assert head.status_code == 101
    assert trailing == b"\x01\x00\x00\x00\x00\x00\x00\x02hi"
    assert keep_alive is False


def test_upgrade_reply_to_a_plain_request_is_refused() -> None:
    refuse(b"HTTP/1.1 101 UPGRADED\r\n\r\n", "101")


# ------------------------------------------------------------------ hostile replies


@pytest.mark.parametrize(
    "raw",
    [
        b"garbage\r\n\r\n",
        b"HTTP/2 200 OK\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/1.1 20 OK\r\n\r\n",
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"HTTP/1.1 099 Low\r\n\r\n",
        b"HTTP/1.1 200OK\r\n\r\n",
        b"ICY 200 OK\r\n\r\n",
        b"\x00\x01\x02\x03\r\n\r\n",
    ],
)
def test_garbage_status_line(raw: bytes) -> None:
    refuse(raw, "invalid HTTP status line|NUL or a bare CR/LF")


@pytest.mark.parametrize(
    "line",
    [b"No-Colon", b": empty-name", b"Bad Name: x", b"Bad(Name): x", b" folded: x", b"X: a\x00b", b"X: a\nY: b"],
)
def test_invalid_header_line(line: bytes) -> None:
    refuse(b"HTTP/1.1 200 OK\r\n" + line + b"\r\nContent-Length: 0\r\n\r\n", "invalid HTTP header|bare CR/LF")


def test_headers_that_never_end() -> None:
    refuse(b"HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B: 2\r\n", "inside the response headers")


def test_no_answer_at_all() -> None:
    with pytest.raises(ProtocolError, match="without answering"):
        _run([])


def test_headers_over_the_size_limit() -> None:
    raw = b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 200 + b"\r\n\r\n"
    with pytest.raises(ProtocolError, match="exceed 100 bytes"):
        _run([raw], max_head_size=100)  # type: ignore[arg-type]
    with pytest.raises(ProtocolError, match="exceed 100 bytes"):
        _run([raw[:150]], max_head_size=100)  # type: ignore[arg-type]  # refused before the end arrives


def test_head_size_limit_is_exact_whatever_the_split() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX: " + b"a" * 30
    raw = head + b"\r\n\r\n"
    limit = len(head)
    for pieces in ([raw], [raw[:-1], raw[-1:]], [raw[:-2], raw[-2:]], [raw[i : i + 1] for i in range(len(raw))]):
        assert _run(pieces, max_head_size=limit)[0].status_code == 200  # type: ignore[arg-type]
        with pytest.raises(ProtocolError, match="exceed"):
            _run(pieces, max_head_size=limit - 1)  # type: ignore[arg-type]


def test_content_length_longer_than_the_body() -> None:
    refuse(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "5 body bytes still to come")


def test_content_length_shorter_than_the_body() -> None:
    # The extra bytes are not part of this reply: they are never returned, and the connection is dropped.
    assert parse(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}garbage")[1:3] == (b"{}", False)


@pytest.mark.parametrize("value", [b"-1", b"abc", b"1e3", b"+5", b"9" * 19, b"", b"5, 6"])
def test_invalid_content_length(value: bytes) -> None:
    refuse(b"HTTP/1.1 200 OK\r\nContent-Length: " + value + b"\r\n\r\n", "Content-Length")


def test_two_different_content_lengths() -> None:
    refuse(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", "two different Content-Length")


def test_unsupported_transfer_encoding() -> None:
    refuse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "Transfer-Encoding")


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"zz\r\nhello\r\n0\r\n\r\n", "invalid chunk size"),
        (b"\r\nhello\r\n0\r\n\r\n", "invalid chunk size"),
        (b"-5\r\nhello\r\n0\r\n\r\n", "invalid chunk size"),
        (b"1" * 16 + b"\r\n", "invalid chunk size"),
        (b"5\r\nhelloXX0\r\n\r\n", "not followed by CRLF"),
        (b"5\r\nhello\nX0\r\n\r\n", "not followed by CRLF"),
        (b"5\r\nhel", "inside a chunked body"),
        (b"5\r\nhello\r\n", "inside a chunked body"),
        (b"5\r\nhello\r\n0\r\nTrailer: x", "inside a chunked body"),
        (b"5" + b" " * (MAX_CHUNK_LINE + 4) + b"\r\nhello\r\n0\r\n\r\n", "too long"),
        (b"5;" + b"x" * (MAX_CHUNK_LINE + 4), "too long"),
    ],
)
def test_broken_chunked_encoding(body: bytes, match: str) -> None:
    refuse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body, match)


def test_chunk_line_limit_is_exact_whatever_the_split() -> None:
    line = b"2;" + b"x" * (MAX_CHUNK_LINE - 2)
    assert len(line) == MAX_CHUNK_LINE
    assert parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + line + b"\r\nok\r\n0\r\n\r\n")[1] == b"ok"
    refuse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + line + b"x\r\nok\r\n0\r\n\r\n", "too long")


def test_events_after_the_end_are_a_usage_error() -> None:
    parser = ResponseParser()
    parser.receive_data(b"HTTP/1.1 204 No Content\r\n\r\n")
    assert isinstance(parser.next_event(), Head)
    assert isinstance(parser.next_event(), EndOfMessage)
    with pytest.raises(RuntimeError):
        parser.next_event()


# ------------------------------------------------------------------ requests


def test_build_request() -> None:
    assert build_request("GET", "/v1.41/_ping") == b"GET /v1.41/_ping HTTP/1.1\r\nHost: docker\r\n\r\n"
    raw = build_request("POST", "/x", (("Content-Type", "application/json"),), content_length=2)
    assert raw == b"POST /x HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n"
    assert build_request("POST", "/x", chunked=True).endswith(b"Transfer-Encoding: chunked\r\n\r\n")


@pytest.mark.parametrize(
    "target",
    ["/a\r\nX-Evil: 1", "/a\nb", "/a\rb", "/a\x00", "/a b", "/a#frag", "relative", "http://evil/x", "/caf\u00e9\u4e2d"],
)
def test_build_request_refuses_an_unsafe_target(target: str) -> None:
    with pytest.raises(ValueError):
        build_request("GET", target)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X-Registry-Auth", "abc\r\nX-Evil: 1"),
        ("X-Registry-Auth", "abc\nX-Evil: 1"),
        ("X-Registry-Auth", "abc\rdef"),
        ("X-Registry-Auth", "a\x00b"),
        ("X-Evil\r\nX", "v"),
        ("Host: evil", "v"),
        ("", "v"),
        ("X(bad)", "v"),
        ("X-Registry-Auth", "\u4e2d"),
    ],
)
def test_build_request_refuses_header_injection(name: str, value: str) -> None:
    with pytest.raises(ValueError):
        build_request("GET", "/x", ((name, value),))


# ------------------------------------------------------------------ the one-shot fast path

DOCKER_PING = (
    b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nCache-Control: no-cache, no-store, must-revalidate\r\n"
    b"Content-Length: 2\r\nContent-Type: text/plain; charset=utf-8\r\nDocker-Experimental: false\r\n"
    b"Ostype: linux\r\nPragma: no-cache\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\n"
    b"Date: Sun, 29 Nov 2026 01:14:24 GMT\r\n\r\nOK"
)


def test_parse_complete_answers_a_whole_reply() -> None:
    from rawengine._protocol.http11 import parse_complete

    complete = parse_complete(DOCKER_PING)
    assert isinstance(complete, tuple)
    head, body, keep_alive = complete
    assert (head.status_code, head.reason, body, keep_alive) == (200, b"OK", b"OK", True)
    assert head.headers[b"api-version"] == b"1.41"
    assert head.headers[b"server"] == b"Docker/20.10.24+dfsg1 (linux)"
    assert parse_complete(DOCKER_PING.replace(b"Ostype", b"Connection: close\r\nOstype"))[2] is False  # type: ignore[index]


def test_parse_complete_answers_a_plain_chunked_reply() -> None:
    from rawengine._protocol.http11 import parse_complete

    reply = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"a\r\n0123456789\r\n3\r\nabc\r\n0\r\n\r\n"
    )
    complete = parse_complete(reply)
    assert isinstance(complete, tuple)
    head, body, keep_alive = complete
    assert (head.status_code, body, keep_alive) == (200, b"0123456789abc", True)
    assert head.headers[b"transfer-encoding"] == b"chunked"
    single = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked \r\n\r\n2\r\n[]\r\n0\r\n\r\n"
    assert parse_complete(single)[1] == b"[]"  # type: ignore[index]


def test_parse_complete_declines_what_it_does_not_answer() -> None:
    from rawengine._protocol.http11 import INCOMPLETE, parse_complete

    assert parse_complete(DOCKER_PING[:-1]) is INCOMPLETE  # body incomplete: call again with more
    assert parse_complete(DOCKER_PING + b"X") is None  # bytes beyond the reply
    assert parse_complete(DOCKER_PING[:40]) is None  # head incomplete
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nOK\r\n0\r\n\r\n"
    end = chunked.index(b"\r\n\r\n") + 4
    for cut in range(end, len(chunked)):  # every cut after the head: a valid start, to be continued
        assert parse_complete(chunked[:cut]) is INCOMPLETE, cut
    assert parse_complete(chunked + b"X") is None
    assert parse_complete(chunked.replace(b"2\r\nOK", b"2;x=1\r\nOK")) is None  # an extension
    assert parse_complete(chunked.replace(b"0\r\n\r\n", b"0\r\nX-T: 1\r\n\r\n")) is None  # a trailer
    assert parse_complete(chunked.replace(b"\r\n\r\n2", b"\r\nContent-Length: 2\r\n\r\n2")) is None  # both
    assert parse_complete(chunked.replace(b"2\r\nOK\r\n", b"2\r\nOKX\r\n")) is None  # data longer than its size
    assert parse_complete(b"HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\n\r\n") is None
    # Duplicated framing headers and malformed heads go to the parser, which judges them.
    for data in (
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nOK",
        b"HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 2\r\n\r\nOK",
    ):
        assert parse_complete(data) is None
        parser = ResponseParser()
        parser.receive_data(data)
        with pytest.raises(ProtocolError):
            parser.next_event()


def test_head_get_matches_the_header_dict() -> None:
    from rawengine._protocol.http11 import parse_complete

    complete = parse_complete(DOCKER_PING.replace(b"Pragma: no-cache", b"Pragma: a\r\nPRAGMA:  b "))
    assert isinstance(complete, tuple)
    head = complete[0]
    for name in (b"api-version", b"server", b"pragma", b"missing", b"content-length"):
        fresh = parse_complete(DOCKER_PING.replace(b"Pragma: no-cache", b"Pragma: a\r\nPRAGMA:  b "))
        assert isinstance(fresh, tuple)
        assert fresh[0].get(name) == head.headers.get(name)
    assert head.get(b"pragma") == b"a, b"
