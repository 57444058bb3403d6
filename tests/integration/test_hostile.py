"""Hostile and broken bytes from a fake engine: each gives a clear rawengine error, never a hang,
a wrong result, or harm to another task sharing the Engine.

The fake engine (`tests/fake_engine.py`) answers with exactly the bytes a test gives it; these
are the failures a real engine will not produce on demand. Every call is bounded by
`anyio.fail_after`, so a hang fails the test instead of stalling it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

import rawengine
from rawengine import EngineTimeoutError, ProtocolError, TransportError
from tests.fake_engine import (
    FakeConnection,
    FakeEngine,
    Recorded,
    close_now,
    hang,
    http_response,
    reply,
    sequence,
)

BOUND = 10  # seconds: generous; a test that needs it has hung

INSPECT = b'{"Id":"abc","Name":"/web","State":{"Status":"running","Running":true}}'


@pytest.fixture
async def fake(tmp_socket_dir: str) -> AsyncIterator[FakeEngine]:
    async with FakeEngine(f"{tmp_socket_dir}/engine.sock") as fake:
        yield fake


@pytest.fixture
async def engine(fake: FakeEngine) -> AsyncIterator[rawengine.Engine]:
    async with rawengine.Engine(fake.host) as engine:
        yield engine


async def inspect_ok(engine: rawengine.Engine) -> None:
    """The Engine still answers correctly (on a fresh connection if the last one was poisoned)."""
    with anyio.fail_after(BOUND):
        info = await engine.inspect_container("good")
    assert (info.id, info.name, info.state.running) == ("abc", "/web", True)


# ------------------------------------------------------------------ plain (typed) replies


CHUNKED = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"

PLAIN_CASES = {
    "garbage status line": (reply(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"), ProtocolError, "invalid HTTP status line"),
    "binary garbage": (
        reply(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" * 20, close=True),
        TransportError,
        "inside the response headers",
    ),
    "headers that never end, then close": (
        reply(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", close=True),
        TransportError,
        "inside the response headers",
    ),
    "headers over the size limit": (
        reply(b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"a" * 70_000 + b"\r\n\r\n"),
        ProtocolError,
        "exceed 65536 bytes",
    ),
    "endless headers": (sequence(b"HTTP/1.1 200 OK\r\n", *[b"X-A: b\r\n" * 1000] * 20), ProtocolError, "exceed"),
    "Content-Length longer than the body": (
        reply(http_response(200, INSPECT)[:-10], close=True),
        TransportError,
        "10 body bytes still to come",
    ),
    "invalid Content-Length": (
        reply(b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n{}"),
        ProtocolError,
        "invalid Content-Length",
    ),
    "conflicting Content-Lengths": (
        reply(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"),
        ProtocolError,
        "two different Content-Length",
    ),
    "broken chunk size": (reply(CHUNKED + b"zz\r\n{}\r\n0\r\n\r\n"), ProtocolError, "invalid chunk size"),
    "chunk without CRLF": (reply(CHUNKED + b"2\r\n{}XX0\r\n\r\n"), ProtocolError, "not followed by CRLF"),
    "closed mid-chunk": (reply(CHUNKED + b'40\r\n{"Id":', close=True), TransportError, "inside a chunked body"),
    "closed without a byte": (close_now, TransportError, "closed the connection before answering"),
    "unexpected 101": (reply(b"HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\n\r\nxx"), ProtocolError, "101"),
    "invalid UTF-8 in a typed reply": (
        reply(http_response(200, b'{"Id":"ab\xff\xfe"}')),
        ProtocolError,
        "not valid JSON|UTF-8",
    ),
    "invalid JSON": (reply(http_response(200, b'{"Id":"abc",')), ProtocolError, "not valid JSON"),
    "not JSON at all": (reply(http_response(200, b"<html>proxy error</html>")), ProtocolError, "not valid JSON"),
    "wrong type for a typed field": (reply(http_response(200, b'{"Id": 42}')), ProtocolError, "unexpected shape"),
    "wrong type deeper down": (
        reply(http_response(200, b'{"Id":"abc","State":{"Running":"yes"}}')),
        ProtocolError,
        r"unexpected shape.*State",
    ),
    "required field missing": (reply(http_response(200, b'{"Name":"/web"}')), ProtocolError, "unexpected shape"),
    "JSON nested too deeply": (
        reply(http_response(200, b'{"Id":"abc","X":' + b"[" * 5000 + b"]" * 5000 + b"}")),
        ProtocolError,
        "nested too deeply",
    ),
}


@pytest.mark.parametrize("case", list(PLAIN_CASES))
async def test_hostile_plain_reply(fake: FakeEngine, engine: rawengine.Engine, case: str) -> None:
    handler, error, match = PLAIN_CASES[case]
    fake.route("/containers/bad/json", handler)
    fake.route("/containers/good/json", reply(http_response(200, INSPECT)))
    with anyio.fail_after(BOUND), pytest.raises(error, match=match) as info:
        await engine.inspect_container("bad")
    message = str(info.value)
    assert "GET /" in message and "/containers/bad/json" in message  # the request it answered, no query
    await inspect_ok(engine)  # the poisoned connection was dropped; the next call works


async def test_error_reply_with_a_broken_body_keeps_the_status(fake: FakeEngine, engine: rawengine.Engine) -> None:
    fake.route("/containers/bad/json", reply(http_response(404, b"\xff\xfe not json", content_type="text/plain")))
    with anyio.fail_after(BOUND), pytest.raises(rawengine.NotFoundError) as info:
        await engine.inspect_container("bad")
    assert info.value.status_code == 404
    assert "not json" in info.value.message
    fake.route("/containers/deep/json", reply(http_response(500, b'{"x":' + b"[" * 5000 + b"]" * 5000 + b"}")))
    with anyio.fail_after(BOUND), pytest.raises(rawengine.ServerError):
        await engine.inspect_container("deep")
    fake.route("/containers/utf/json", reply(http_response(404, b'{"message":"no such \xff container"}')))
    with anyio.fail_after(BOUND), pytest.raises(rawengine.NotFoundError, match="no such"):
        await engine.inspect_container("utf")


async def test_body_longer_than_content_length_is_never_read_into_the_next_reply(
    fake: FakeEngine, engine: rawengine.Engine
) -> None:
    # A reply followed by bytes that look like the next reply: they must not answer the next call.
    smuggled = http_response(200, b'{"Id":"smuggled","Name":"/evil"}')
    fake.route("/containers/good/json", reply(http_response(200, INSPECT) + smuggled))
    with anyio.fail_after(BOUND):
        first = await engine.inspect_container("good")
        fake.route("/containers/good/json", reply(http_response(200, INSPECT)))
        second = await engine.inspect_container("good")
    assert first.id == second.id == "abc"
    assert fake.connections == 2  # the first connection was not reused


async def test_unasked_bytes_on_an_idle_connection_are_never_read_as_a_reply(
    fake: FakeEngine, engine: rawengine.Engine
) -> None:
    async def reply_then_more(request: Recorded, conn: FakeConnection) -> None:
        await conn.send(http_response(200, INSPECT))
        await anyio.sleep(0.2)
        await conn.send(http_response(200, b'{"Id":"late"}'))  # after the reply was complete

    fake.route("/containers/good/json", reply_then_more)
    with anyio.fail_after(BOUND):
        assert (await engine.inspect_container("good")).id == "abc"
        await anyio.sleep(0.5)
        fake.route("/containers/good/json", reply(http_response(200, INSPECT)))
        assert (await engine.inspect_container("good")).id == "abc"
    assert fake.connections == 2


async def test_hostile_reply_never_disturbs_other_tasks(fake: FakeEngine, engine: rawengine.Engine) -> None:
    fake.route("/containers/good/json", sequence(0.01, http_response(200, INSPECT)))
    fake.route("/containers/bad/json", reply(CHUNKED + b'4\r\n{"Id', close=True))
    results: list[str] = []
    errors: list[BaseException] = []

    async def good() -> None:
        for _ in range(10):
            info = await engine.inspect_container("good")
            results.append(info.id)

    async def bad() -> None:
        for _ in range(10):
            try:
                await engine.inspect_container("bad")
            except TransportError as exc:  # the engine closed the connection mid-reply
                errors.append(exc)

    with anyio.fail_after(BOUND * 3):
        async with anyio.create_task_group() as tasks:
            for _ in range(8):
                tasks.start_soon(good)
                tasks.start_soon(bad)
    assert results == ["abc"] * 80
    assert len(errors) == 80


# ------------------------------------------------------------------ timeouts


async def test_plain_request_that_is_never_answered_times_out(fake: FakeEngine) -> None:
    fake.route("/containers/slow/json", hang)
    async with rawengine.Engine(fake.host, response_timeout=0.5) as engine:
        start = anyio.current_time()
        with anyio.fail_after(BOUND), pytest.raises(EngineTimeoutError, match="did not answer GET") as info:
            await engine.inspect_container("slow")
        assert 0.45 <= anyio.current_time() - start < BOUND
        assert isinstance(info.value, TimeoutError) and isinstance(info.value, TransportError)
        assert "/containers/slow/json" in str(info.value)
        fake.route("/containers/good/json", reply(http_response(200, INSPECT)))
        await inspect_ok(engine)


async def test_headers_that_never_end_time_out(fake: FakeEngine) -> None:
    fake.route("/containers/slow/json", sequence(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", 60.0))
    async with rawengine.Engine(fake.host, response_timeout=0.5) as engine:
        with anyio.fail_after(BOUND), pytest.raises(EngineTimeoutError):
            await engine.inspect_container("slow")


async def test_default_bound_exists_and_can_be_disabled(fake: FakeEngine) -> None:
    async with rawengine.Engine(fake.host) as engine:
        transport = engine._transport
        assert isinstance(transport, rawengine._transport.UnixTransport)
        assert transport.response_timeout == 120.0
        assert transport.connect_timeout == 5.0
    fake.route("/containers/slow/json", sequence(1.0, http_response(200, INSPECT)))
    async with rawengine.Engine(fake.host, response_timeout=None) as engine:
        with anyio.fail_after(BOUND):
            assert (await engine.inspect_container("slow")).id == "abc"


async def test_extra_time_extends_the_bound_for_slow_calls(fake: FakeEngine) -> None:
    # stop_container gets its grace period on top of the bound: a 1 s stop with a 0.5 s bound succeeds.
    fake.route("/containers/web/stop", sequence(1.0, http_response(204)))
    async with rawengine.Engine(fake.host, response_timeout=0.5) as engine:
        with anyio.fail_after(BOUND):
            assert await engine.stop_container("web", timeout=1) is True


async def test_streams_have_no_response_bound(fake: FakeEngine) -> None:
    # The import's reply comes after 1.2 s and its progress is silent for another 1.2 s: with a
    # 0.5 s bound for plain requests, the stream must keep going.
    progress = b'{"status":"sha256:' + b"ab" * 32 + b'"}\n'
    fake.route(
        "/images/create",
        sequence(1.2, CHUNKED, b"%x\r\n%b\r\n" % (len(progress), progress), 1.2, b"0\r\n\r\n"),
    )
    async with rawengine.Engine(fake.host, response_timeout=0.5) as engine:
        with anyio.fail_after(BOUND):
            image_id = await engine.import_image(b"tar bytes")
    assert image_id == "sha256:" + "ab" * 32
    assert fake.calls[0].body == b"tar bytes"


async def test_connect_timeout(fake: FakeEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    # A Unix-socket connect that hangs cannot be produced portably (a full backlog gives EAGAIN,
    # which trio and asyncio handle differently), so the connect itself is made to hang.
    async def connect_forever(path: str) -> anyio.abc.SocketStream:
        await anyio.sleep_forever()
        raise AssertionError

    async with rawengine.Engine(fake.host, connect_timeout=0.5, api_version="1.41") as engine:
        monkeypatch.setattr(anyio, "connect_unix", connect_forever)
        start = anyio.current_time()
        with anyio.fail_after(BOUND), pytest.raises(EngineTimeoutError, match="connecting to the engine .* 0.5s"):
            await engine.inspect_container("x")
        assert anyio.current_time() - start >= 0.45
        monkeypatch.undo()
        fake.route("/containers/good/json", reply(http_response(200, INSPECT)))
        await inspect_ok(engine)


def test_timeouts_must_be_positive() -> None:
    with pytest.raises(ValueError):
        rawengine.Engine("unix:///nonexistent.sock", response_timeout=0)
    with pytest.raises(ValueError):
        rawengine.Engine("unix:///nonexistent.sock", connect_timeout=-1)


# ------------------------------------------------------------------ cancellation at the bytes' pace


async def test_cancel_while_waiting_for_a_reply_closes_the_connection(
    fake: FakeEngine, engine: rawengine.Engine
) -> None:
    fake.route("/containers/slow/json", hang)
    fake.route("/containers/good/json", reply(http_response(200, INSPECT)))
    await inspect_ok(engine)
    with anyio.move_on_after(0.2) as scope:
        await engine.inspect_container("slow")
    assert scope.cancelled_caught
    transport = engine._transport
    assert isinstance(transport, rawengine._transport.UnixTransport)
    assert transport.connections_in_use == 0
    with anyio.fail_after(BOUND):
        while fake.open_connections > 1:  # noqa: ASYNC110  (the cancelled request's connection was closed)
            await anyio.sleep(0.01)
    await inspect_ok(engine)
