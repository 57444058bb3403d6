"""Hostile and broken bytes from a fake engine: each gives a clear rawengine error, never a hang,
a wrong result, or harm to another task sharing the Engine.

The fake engine (`tests/fake_engine.py`) answers with exactly the bytes a test gives it; these
are the failures a real engine will not produce on demand. Every call is bounded by
`anyio.fail_after`, so a hang fails the test instead of stalling it.
"""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator

import anyio
import msgspec
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
    json_reply,
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


def frame(kind: int, payload: bytes, length: int | None = None) -> bytes:
    return struct.pack(">BxxxL", kind, len(payload) if length is None else length) + payload


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


# ------------------------------------------------------------------ JSON streams (import progress, events)


async def test_json_stream_closed_mid_line(fake: FakeEngine, engine: rawengine.Engine) -> None:
    line = b'{"status":"Loading"}\n{"status":"sha256:'
    fake.route("/images/create", reply(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + line, close=True))
    with anyio.fail_after(BOUND), pytest.raises(ProtocolError, match="JSON"):
        await engine.import_image(b"tar")
    await_chunked = CHUNKED + b"%x\r\n%b\r\n" % (len(line), line)
    fake.route("/images/create", reply(await_chunked, close=True))
    with anyio.fail_after(BOUND), pytest.raises(TransportError, match="POST /v1.41/images/create.*chunked"):
        await engine.import_image(b"tar")


async def test_json_stream_with_invalid_json_or_wrong_type(fake: FakeEngine, engine: rawengine.Engine) -> None:
    for body, match in [
        (b'{"status":"a"}\n{not json}\n', "invalid JSON"),
        (b'{"status":"a"}\n{"status":42}\n', "unexpected shape"),
        (b'{"status":"\xff\xfe"}\n', "UTF-8|invalid JSON"),
    ]:
        fake.route("/images/create", reply(http_response(200, body, chunked=True)))
        with anyio.fail_after(BOUND), pytest.raises(ProtocolError, match=match):
            await engine.import_image(b"tar")


async def test_event_stream_closed_mid_line(fake: FakeEngine, engine: rawengine.Engine) -> None:
    event = b'{"Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{}},"time":1,"timeNano":1000}\n'
    fake.route("/events", reply(CHUNKED + b"%x\r\n%b\r\n" % (len(event) + 10, event + event[:10]), close=True))
    with anyio.fail_after(BOUND):
        async with engine.event_stream() as events:
            first = await events.receive()
            assert (first.type, first.action, first.actor.id) == ("container", "start", "abc")
            with pytest.raises((ProtocolError, TransportError)):
                await events.receive()


@pytest.mark.parametrize(
    "line",
    [
        b"[1,2,3]",
        b'{"Type":"container","Action":"st\xffart"}',
        b'{"Type":"container","X":' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"Type":"container","time":"yesterday"}',
    ],
    ids=["array", "invalid UTF-8", "nested too deeply", "wrong type"],
)
async def test_event_stream_with_garbage(fake: FakeEngine, engine: rawengine.Engine, line: bytes) -> None:
    fake.route("/events", reply(http_response(200, line + b"\n", chunked=True)))
    with anyio.fail_after(BOUND), pytest.raises(ProtocolError):
        async with engine.event_stream() as events:
            await events.receive()


# ------------------------------------------------------------------ exec over a hijacked connection

UPGRADED = (
    b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
    b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
)


@pytest.fixture
def exec_routes(fake: FakeEngine) -> FakeEngine:
    fake.route("/containers/c1/exec", json_reply({"Id": "e1"}, 201))
    fake.route("/exec/e1/json", json_reply({"ID": "e1", "Running": False, "ExitCode": 0}))
    return fake


EXEC_CASES = {
    "closed mid-frame": (UPGRADED + frame(1, b"hello\n") + frame(1, b"cut short")[:12], "ended inside a frame"),
    "closed mid-header": (UPGRADED + frame(1, b"hello\n") + b"\x01\x00\x00", "inside a frame header"),
    "unknown stream type": (UPGRADED + frame(1, b"hello\n") + frame(7, b"what"), "invalid frame header"),
    "absurd frame length": (UPGRADED + frame(1, b"x", length=0xFFFFFFF0), "exceeds"),
    "nonzero padding": (UPGRADED + b"\x01\x00\x01\x00\x00\x00\x00\x01x", "invalid frame header"),
}


@pytest.mark.parametrize("case", list(EXEC_CASES))
async def test_hostile_exec_stream(exec_routes: FakeEngine, engine: rawengine.Engine, case: str) -> None:
    raw, match = EXEC_CASES[case]
    exec_routes.route("/exec/e1/start", reply(raw, close=True))
    with anyio.fail_after(BOUND), pytest.raises(ProtocolError, match=match):
        await engine.run_exec("c1", ["echo", "hello"])
    # Frames before the damage are delivered first, byte-exact.
    exec_id = await engine.create_exec("c1", rawengine.ExecConfig(cmd=["echo"]))
    frames: list[rawengine.Frame] = []
    with anyio.fail_after(BOUND), pytest.raises(ProtocolError, match=match):
        async with engine.exec_stream(exec_id) as stream:
            while True:
                frames.append(await stream.receive())
    if case != "nonzero padding":
        assert b"".join(f.data for f in frames).startswith(b"hello\n" if case != "absurd frame length" else b"")
    await engine.ping()  # the Engine is fine


async def test_exec_start_answered_200_instead_of_101(exec_routes: FakeEngine, engine: rawengine.Engine) -> None:
    # A 200 with a body that never ends: rawengine must not read it, nor hang.
    exec_routes.route("/exec/e1/start", sequence(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npartial", 60.0))
    with anyio.fail_after(BOUND), pytest.raises(ProtocolError, match="200 where 101"):
        await engine.run_exec("c1", ["true"])
    exec_routes.route("/exec/e1/start", reply(http_response(200, b"")))
    with anyio.fail_after(BOUND), pytest.raises(ProtocolError, match="where 101"):
        await engine.run_exec("c1", ["true"])


async def test_exec_start_error_status_carries_the_message(exec_routes: FakeEngine, engine: rawengine.Engine) -> None:
    exec_routes.route("/exec/e1/start", reply(http_response(409, b'{"message":"Container c1 is paused"}')))
    with anyio.fail_after(BOUND), pytest.raises(rawengine.ConflictError, match="is paused") as info:
        await engine.run_exec("c1", ["true"])
    assert (info.value.method, info.value.path) == ("POST", "/exec/e1/start")


async def test_exec_stream_silent_longer_than_the_bound(exec_routes: FakeEngine) -> None:
    exec_routes.route("/exec/e1/start", sequence(UPGRADED, 1.2, frame(1, b"late\n"), close=True))
    async with rawengine.Engine(exec_routes.host, response_timeout=0.5) as engine:
        with anyio.fail_after(BOUND):
            result = await engine.run_exec("c1", ["sleep"])
    assert (result.exit_code, result.stdout) == (0, b"late\n")


async def test_upgrade_path_of_the_transport(fake: FakeEngine) -> None:
    """`Transport.upgrade()` directly: bytes after the 101 head come first, stdin flows, EOF ends."""

    async def echo(request: Recorded, conn: FakeConnection) -> None:
        await conn.send(UPGRADED + b"first")
        while data := await conn.receive():
            await conn.send(data.upper())
        await conn.close()

    fake.route("/exec/e1/start", echo)
    transport = rawengine._transport.UnixTransport(fake.path)
    try:
        with anyio.fail_after(BOUND):
            async with transport.upgrade("POST", "/v1.41/exec/e1/start", body=b"{}") as stream:
                assert stream.head.status_code == 101
                assert await stream.receive() == b"first"
                await stream.send(b"abc")
                assert await stream.receive() == b"ABC"
                await stream.send_eof()
                assert await stream.receive() == b""
        assert transport.connections_in_use == 0
        request = fake.calls[0]
        assert (request.header("Connection"), request.header("Upgrade")) == (b"Upgrade", b"tcp")
        fake.route("/exec/e1/start", reply(b"HTTP/1.1 200 OK\r\n\r\n"))
        with anyio.fail_after(BOUND):
            async with transport.upgrade("POST", "/v1.41/exec/e1/start") as stream:
                assert stream.head.status_code == 200
                assert await stream.receive() == b""  # a non-101 2xx body is not read
    finally:
        await transport.aclose()


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


# ------------------------------------------------------------------ unsafe input, as the engine receives it

HOSTILE_IDS = [
    "abc?force=1",
    "abc#fragment",
    "abc%2F..%2Fversion",
    "abc/def",
    "abc\nX-Injected: 1",
    "abc\r\nGET /version HTTP/1.1",
    "abc def",
    "abc&all=1",
    "caf\u00e9",
]
ALLOWED_HEADERS = {b"host", b"content-type", b"content-length", b"transfer-encoding", b"connection", b"upgrade"}


def _calls(engine: rawengine.Engine, value: str) -> list[tuple[str, object]]:
    """(the route the value must land in, the call); each call meets the fake's 404."""
    config = rawengine.ExecConfig(cmd=["true"])
    return [
        ("/containers/{}/json", engine.inspect_container(value)),
        ("/containers/{}/start", engine.start_container(value)),
        ("/containers/{}/kill", engine.kill_container(value)),
        ("/containers/{}", engine.remove_container(value, force=True)),
        ("/containers/{}/changes", engine.container_changes(value)),
        ("/containers/{}/exec", engine.create_exec(value, config)),
        ("/exec/{}/json", engine.inspect_exec(value)),
        ("/images/{}/json", engine.inspect_image(value)),
        ("/images/{}", engine.remove_image(value)),
        ("/images/{}/history", engine.image_history(value)),
        ("/images/{}/tag", engine.tag_image(value, "repo", "tag")),
    ]


@pytest.mark.parametrize("value", HOSTILE_IDS)
async def test_hostile_ids_reach_only_their_route(fake: FakeEngine, engine: rawengine.Engine, value: str) -> None:
    from urllib.parse import unquote

    calls = _calls(engine, value)
    for _, call in calls:
        with anyio.fail_after(BOUND), pytest.raises(rawengine.NotFoundError, match="page not found"):
            await call  # type: ignore[misc]
    assert len(fake.calls) == len(calls)
    for (route, _), recorded in zip(calls, fake.calls, strict=True):
        method, target, version = recorded.request_line.split(b" ")  # exactly three parts: nothing injected
        assert version == b"HTTP/1.1"
        path = target.decode().partition("?")[0].removeprefix("/v1.41")
        prefix, _, suffix = route.partition("{}")
        assert path.startswith(prefix) and path.endswith(suffix)
        assert unquote(path[len(prefix) : len(path) - len(suffix)]) == value
        assert {name.lower() for name, _ in recorded.headers} <= ALLOWED_HEADERS


@pytest.mark.parametrize("value", HOSTILE_IDS)
async def test_hostile_values_in_queries_and_bodies(fake: FakeEngine, engine: rawengine.Engine, value: str) -> None:
    from urllib.parse import parse_qs

    fake.route("/containers/create", json_reply({"Id": "abc", "Warnings": []}, 201))
    fake.route("/containers/json", json_reply([]))
    config = rawengine.ContainerConfig(image="img", env=[f"SECRET={value}"], labels={value: value}, cmd=[value])
    with anyio.fail_after(BOUND):
        await engine.create_container(config, name=value)
        await engine.list_containers(filters={"label": [value], "name": [value]})
    create, listing = fake.calls
    assert create.path == "/containers/create"
    assert parse_qs(create.query) == {"name": [value]}
    body = msgspec.json.decode(create.body)
    assert (body["Env"], body["Labels"], body["Cmd"]) == ([f"SECRET={value}"], {value: value}, [value])
    assert listing.path == "/containers/json"
    assert msgspec.json.decode(parse_qs(listing.query)["filters"][0]) == {"label": [value], "name": [value]}
    for recorded in (create, listing):
        assert len(recorded.request_line.split(b" ")) == 3
        assert {name.lower() for name, _ in recorded.headers} <= ALLOWED_HEADERS


@pytest.mark.parametrize("value", ["../../images/x/json", "..", ".", "a/../b"])
async def test_dot_segments_never_leave_the_client(fake: FakeEngine, engine: rawengine.Engine, value: str) -> None:
    for _, call in _calls(engine, value):
        with pytest.raises(ValueError, match="'\\.' and '\\.\\.'"):
            await call  # type: ignore[misc]
    assert fake.calls == []


async def test_header_injection_through_pinned_version_or_headers_is_refused(fake: FakeEngine) -> None:
    with pytest.raises(ValueError):
        rawengine.Engine(fake.host, api_version="1.41\r\nX-Evil: 1")
    transport = rawengine._transport.UnixTransport(fake.path)
    try:
        for headers in [(("X-Registry-Auth", "a\r\nX-Evil: 1"),), (("X-Evil\r\nA", "b"),), (("X", "a\nb"),)]:
            with pytest.raises(ValueError):
                await transport.request("GET", "/v1.41/_ping", headers)
        with pytest.raises(ValueError):
            await transport.request("GET", "/v1.41/containers/a\r\nb/json")
    finally:
        await transport.aclose()
    assert fake.requests == []
    assert transport.connections_in_use == 0


SECRET = "s3cr3t-Pa55w0rd"


@pytest.mark.parametrize(
    "answer",
    [
        reply(http_response(500, b'{"message":"registry unreachable"}')),
        reply(b"garbage\r\n\r\n"),
        close_now,
        reply(CHUNKED + b"ff\r\n{", close=True),
    ],
    ids=["error status", "garbage", "closed", "cut short"],
)
async def test_nothing_logs_or_echoes_credentials_bodies_or_queries(
    fake: FakeEngine, engine: rawengine.Engine, answer: object, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    fake.route("/images/create", answer)  # type: ignore[arg-type]
    fake.route("/containers/create", answer)  # type: ignore[arg-type]
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    with anyio.fail_after(BOUND):
        for call in (
            engine.pull_image("busybox", auth={"username": "me", "password": SECRET}),
            engine.create_container(rawengine.ContainerConfig(image="x", env=[f"TOKEN={SECRET}"]), name=SECRET),
            engine.import_image(SECRET.encode(), message=SECRET, changes=[f"ENV TOKEN={SECRET}"]),
        ):
            with pytest.raises(rawengine.EngineError) as info:
                await call
            errors.append(info.value)
    assert fake.calls[0].header("X-Registry-Auth") is not None  # the secret did go to the engine, encoded
    for error in errors:
        text = f"{error!s} {error!r}"
        assert SECRET not in text
        assert "?" not in str(error)  # the path without its query
        assert "POST /" in str(error) or isinstance(error, rawengine.StreamError)  # (pull reports in-band)
    assert not [r for r in caplog.records if r.name.startswith("rawengine")]
    assert SECRET not in caplog.text
