"""Hostile bytes inside streams from a fake engine: JSON lines (import progress, events),
multiplexed frames (exec over a hijacked connection, logs) and the upgrade itself.

Each damage gives `ProtocolError` or `TransportError` after exactly the data that came before it,
never a clean-looking end, a hang, or a wrong result; see `test_hostile.py` for plain replies.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

import rawengine
from rawengine import ProtocolError, TransportError
from tests.fake_engine import FakeConnection, FakeEngine, Recorded, frame, http_response, json_reply, reply, sequence

BOUND = 10  # seconds: generous; a test that needs it has hung

CHUNKED = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"


@pytest.fixture
async def fake(tmp_socket_dir: str) -> AsyncIterator[FakeEngine]:
    async with FakeEngine(f"{tmp_socket_dir}/engine.sock") as fake:
        yield fake


@pytest.fixture
async def engine(fake: FakeEngine) -> AsyncIterator[rawengine.Engine]:
    async with rawengine.Engine(fake.host) as engine:
        yield engine


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


@pytest.mark.parametrize("case", ["unknown stream type", "absurd frame length", "closed mid-frame"])
async def test_hostile_log_stream(fake: FakeEngine, engine: rawengine.Engine, case: str) -> None:
    body = {
        "unknown stream type": frame(1, b"line\n") + frame(9, b"?"),
        "absurd frame length": frame(1, b"line\n") + frame(2, b"x", length=0xFFFFFFFF),
        "closed mid-frame": frame(1, b"line\n") + frame(2, b"cut short")[:11],
    }[case]
    fake.route("/containers/c1/json", json_reply({"Id": "c1", "Config": {"Tty": False}}))
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n" + body
    fake.route("/containers/c1/logs", reply(raw, close=True))  # a multiplexed body read until close
    frames: list[rawengine.Frame] = []
    with anyio.fail_after(BOUND), pytest.raises(ProtocolError, match="frame"):
        async with engine.logs_stream("c1") as logs:
            while True:
                frames.append(await logs.receive())
    expected = [rawengine.Frame(rawengine.StreamKind.STDOUT, b"line\n")]  # what came before, exactly
    if case == "closed mid-frame":  # payload is delivered as it arrives; the cut is then an error, not an end
        expected.append(rawengine.Frame(rawengine.StreamKind.STDERR, b"cut"))
    assert frames == expected


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
