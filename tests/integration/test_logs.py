"""Container logs against the real engines (Docker and Podman, asyncio and trio)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import anyio
import pytest

import rawengine
from rawengine import ContainerConfig, Frame, StreamKind
from tests.conftest import Resources
from tests.integration.test_exec import fake_engine, transport_of, wire

OUT, ERR = StreamKind.STDOUT, StreamKind.STDERR


def joined(frames: list[Frame], kind: StreamKind) -> bytes:
    return b"".join(frame.data for frame in frames if frame.kind is kind)


async def finished(engine: rawengine.Engine, resources: Resources, script: str, *, tty: bool = False) -> str:
    cid = await resources.container(ContainerConfig(cmd=["sh", "-c", script], tty=tty))
    with anyio.fail_after(60):
        assert (await engine.wait_container(cid)).status_code == 0
    return cid


async def no_inspect(container: str) -> bool:
    raise AssertionError("the framing was known: no inspect may be made")


async def test_logs_keep_stdout_and_stderr_apart(engine: rawengine.Engine, resources: Resources) -> None:
    lines = 2000
    script = f'i=0; while [ $i -lt {lines} ]; do echo "out line $i"; echo "err line $i" >&2; i=$((i+1)); done'
    cid = await finished(engine, resources, script)
    frames = await engine.container_logs(cid)
    assert joined(frames, OUT) == b"".join(b"out line %d\n" % i for i in range(lines))
    assert joined(frames, ERR) == b"".join(b"err line %d\n" % i for i in range(lines))
    only_err = await engine.container_logs(cid, stdout=False)
    assert {frame.kind for frame in only_err} == {ERR}
    assert joined(only_err, ERR) == joined(frames, ERR)
    assert await engine.container_logs(cid, tail=0) == []


async def test_logs_tail(engine: rawengine.Engine, resources: Resources) -> None:
    # One stream only: with both, Docker counts the last lines across the two before filtering,
    # and Podman 4.3 picks lines of its own (tail=3 gave three stderr lines, none of stdout).
    cid = await finished(engine, resources, "seq 1 50")
    assert await engine.container_logs(cid, tail=3) == [Frame(OUT, b"48\n"), Frame(OUT, b"49\n"), Frame(OUT, b"50\n")]
    assert joined(await engine.container_logs(cid, tail="all"), OUT) == b"".join(b"%d\n" % i for i in range(1, 51))


async def test_logs_timestamps_since_until(engine: rawengine.Engine, resources: Resources) -> None:
    cid = await finished(engine, resources, "echo one; echo two >&2")
    stamped = await engine.container_logs(cid, timestamps=True)
    pattern = re.compile(rb"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z (one|two)\n$")
    assert len(stamped) == 2 and all(pattern.match(frame.data) for frame in stamped), stamped
    now = time.time()
    assert await engine.container_logs(cid, since=int(now) + 100) == []
    assert await engine.container_logs(cid, until=int(now) - 100) == []
    recent = await engine.container_logs(cid, since=now - 300, until=datetime.fromtimestamp(now + 300, UTC))
    assert (joined(recent, OUT), joined(recent, ERR)) == (b"one\n", b"two\n")


async def test_tty_container_logs_are_raw(
    engine: rawengine.Engine, resources: Resources, engine_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Printable and control bytes, and UTF-8: Docker's json-file log replaces invalid UTF-8.
    cid = await finished(engine, resources, r"printf 'out\n\001\303\251'; echo err >&2", tty=True)
    # tty=None: Podman says it in the Content-Type; Docker 20.10 (API 1.41) costs one inspect.
    inspected: list[str] = []
    real = engine._container_tty

    async def counting(container: str) -> bool:
        inspected.append(container)
        return await real(container)

    monkeypatch.setattr(engine, "_container_tty", counting)
    async with engine.logs_stream(cid) as stream:
        assert stream.tty
        frames = [frame async for frame in stream]
    assert {frame.kind for frame in frames} == {OUT}
    assert joined(frames, OUT) == b"out\r\n\x01\xc3\xa9err\r\n"
    assert inspected == ({"docker": [cid], "podman": []}[engine_name])
    # The caller says: no inspect on any engine.
    monkeypatch.setattr(engine, "_container_tty", no_inspect)
    assert joined(await engine.container_logs(cid, tty=True), OUT) == b"out\r\n\x01\xc3\xa9err\r\n"


async def test_caller_tty_flag_costs_no_inspect(
    engine: rawengine.Engine, resources: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = await finished(engine, resources, "echo out; echo err >&2")
    monkeypatch.setattr(engine, "_container_tty", no_inspect)
    frames = await engine.container_logs(cid, tty=False)
    assert (joined(frames, OUT), joined(frames, ERR)) == (b"out\n", b"err\n")


async def test_follow_streams_new_output_until_the_container_stops(
    engine: rawengine.Engine, resources: Resources
) -> None:
    script = "echo first; sleep 1; echo second >&2; sleep 0.5; echo third"
    cid = await resources.container(ContainerConfig(cmd=["sh", "-c", script]))
    with anyio.fail_after(60):
        async with engine.logs_stream(cid, follow=True) as stream:
            seen = [frame async for frame in stream]
    assert (joined(seen, OUT), joined(seen, ERR)) == (b"first\nthird\n", b"second\n")
    assert transport_of(engine).connections_in_use == 0


async def test_cancelling_a_followed_log_leaves_no_connection(engine: rawengine.Engine, resources: Resources) -> None:
    cid = await resources.container(ContainerConfig(cmd=["sh", "-c", "while true; do echo tick; sleep 0.02; done"]))
    transport = transport_of(engine)
    received = 0
    with anyio.move_on_after(0.7) as scope:
        async with engine.logs_stream(cid, follow=True, tty=False) as stream:
            async for _frame in stream:
                received += 1
    assert scope.cancelled_caught
    assert received > 0
    assert transport.connections_in_use == 0
    async with engine.logs_stream(cid, follow=True, tty=False) as stream:
        async for _frame in stream:
            break
    assert transport.connections_in_use == 0
    assert (await engine.inspect_container(cid)).state.running


async def test_logs_errors(engine: rawengine.Engine) -> None:
    with pytest.raises(rawengine.NotFoundError):
        await engine.container_logs("rawengine-test-no-such-container", tty=False)
    with pytest.raises(rawengine.NotFoundError):
        await engine.container_logs("rawengine-test-no-such-container")
    with pytest.raises(ValueError, match="stdout, stderr or both"):
        await engine.container_logs("any", stdout=False, stderr=False)
    with pytest.raises(ValueError, match="aware"):
        await engine.container_logs("any", since=datetime(2020, 1, 1))  # naive, on purpose


# ---------------------------------------------------------------- a fake engine


LOGS = b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s"


async def test_logs_content_type_decides_without_inspect(tmp_socket_dir: str, monkeypatch: pytest.MonkeyPatch) -> None:
    muxed = wire(1, b"out\n") + wire(2, b"err\n")
    replies = {
        "/muxed/logs": LOGS % (b"application/vnd.docker.multiplexed-stream", len(muxed), muxed),
        "/raw/logs": LOGS % (b"application/vnd.docker.raw-stream", 9, b"\x01raw\r\nok!"),
    }
    async with fake_engine(tmp_socket_dir, replies, api_version="1.44") as engine:
        monkeypatch.setattr(engine, "_container_tty", no_inspect)
        assert await engine.container_logs("muxed") == [Frame(OUT, b"out\n"), Frame(ERR, b"err\n")]
        assert await engine.container_logs("raw") == [Frame(OUT, b"\x01raw\r\nok!")]


async def test_logs_without_a_content_type_fall_back_to_inspect(tmp_socket_dir: str) -> None:
    # An engine expected to say (here "Docker" at API 1.44) and did not: one inspect decides.
    muxed = wire(2, b"err\n")
    inspect = b'{"Id":"c","Config":{"Tty":false}}'
    replies = {
        "/c/logs": b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(muxed), muxed),
        "/c/json": LOGS % (b"application/json", len(inspect), inspect),
    }
    async with fake_engine(tmp_socket_dir, replies, api_version="1.44") as engine:
        assert await engine.container_logs("c") == [Frame(ERR, b"err\n")]
