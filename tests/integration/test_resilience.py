"""Connections, cancellation and load against the real engines (Docker and Podman, asyncio and trio).

- The engine goes away mid-request and comes back: a relay socket the test controls
  (`tests/relay.py`) stands in front of the real engine (the daemons themselves are never
  stopped). Requests in flight fail with `TransportError`; the next ones reconnect without the
  caller doing anything.
- 10,000 requests and streams cancelled at random points on one Engine: afterwards no connection
  is in use, no pooled connection holds a half-read reply, no file descriptor leaked, and every
  answer is right.
- A short load test: the soak script (`scripts/soak.py`, `make soak`) for a few seconds.
"""

from __future__ import annotations

import importlib.util
import os
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import pytest

import rawengine
from rawengine._transport import UnixTransport
from tests.conftest import Resources
from tests.relay import Relay

BOUND = 60
CANCELLATIONS = int(os.environ.get("RAWENGINE_CANCEL_COUNT", "10000"))


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _transport(engine: rawengine.Engine) -> UnixTransport:
    transport = engine._transport
    assert isinstance(transport, UnixTransport)
    return transport


async def _until(predicate: Any, what: str) -> None:
    with anyio.fail_after(BOUND):
        while not predicate():  # noqa: ASYNC110  (polling an outside condition)
            await anyio.sleep(0.01)


async def test_engine_goes_away_mid_request_and_comes_back(
    engine_host: str, resources: Resources, tmp_socket_dir: str
) -> None:
    cid = await resources.container()
    relay = Relay(engine_host, f"{tmp_socket_dir}/relay.sock")
    async with relay, rawengine.Engine(f"unix://{relay.path}") as engine:
        async with anyio.create_task_group() as warm:  # several pooled keep-alive connections
            for _ in range(8):
                warm.start_soon(engine.inspect_container, cid)
        transport = _transport(engine)
        assert transport.idle_connections >= 2
        outcomes: dict[str, object] = {}

        async def in_flight(name: str, call: Any) -> None:
            try:
                outcomes[name] = await call
            except rawengine.EngineError as exc:
                outcomes[name] = exc

        async def event_in_flight() -> None:
            try:
                async with engine.event_stream(filters={"container": [cid], "event": ["destroy"]}) as events:
                    outcomes["events"] = await events.receive()
            except rawengine.EngineError as exc:
                outcomes["events"] = exc

        with anyio.fail_after(BOUND):
            async with anyio.create_task_group() as group:
                group.start_soon(in_flight, "wait", engine.wait_container(cid))  # a plain request, mid-body
                group.start_soon(in_flight, "exec", engine.run_exec(cid, ["sleep", "30"]))  # a hijacked stream
                group.start_soon(event_in_flight)  # a chunked stream
                await _until(lambda: transport.connections_in_use == 3, "in flight")
                await anyio.sleep(0.5)  # let the requests reach the engine and the exec start
                await relay.down()
        assert set(outcomes) == {"wait", "exec", "events"}
        for name, outcome in outcomes.items():
            assert isinstance(outcome, rawengine.TransportError), (name, outcome)
        assert transport.connections_in_use == 0

        # While it is away: a clear ConnectError, at once.
        with anyio.fail_after(BOUND), pytest.raises(rawengine.ConnectError, match="connection refused|no engine"):
            await engine.inspect_container(cid)

        await relay.up()
        # Back: the caller does nothing; GETs and POSTs alike work on fresh connections.
        with anyio.fail_after(BOUND):
            assert await engine.start_container(cid) is False  # a POST: already running
            info = await engine.inspect_container(cid)
            assert info.id == cid and info.state.running
            result = await engine.run_exec(cid, ["echo", "back"])
            assert (result.exit_code, result.stdout) == (0, b"back\n")
        assert transport.connections_in_use == 0


async def test_idle_pool_after_the_engine_came_back(
    engine_host: str, resources: Resources, tmp_socket_dir: str
) -> None:
    """Every pooled connection died while idle: the next POST must not be sent on one of them."""
    cid = await resources.container()
    relay = Relay(engine_host, f"{tmp_socket_dir}/relay.sock")
    async with relay, rawengine.Engine(f"unix://{relay.path}") as engine:
        async with anyio.create_task_group() as warm:
            for _ in range(8):
                warm.start_soon(engine.inspect_container, cid)
        pooled = _transport(engine).idle_connections
        assert pooled >= 2
        await relay.down()
        await relay.up()
        before = relay.accepted
        with anyio.fail_after(BOUND):
            for _ in range(pooled + 2):
                assert await engine.start_container(cid) is False
        assert relay.accepted == before + 1  # dead ones were noticed and dropped; one fresh, reused


# ------------------------------------------------------------------ cancellation at random points


async def _op(engine: rawengine.Engine, cid: str, kind: str, rng: random.Random) -> None:
    """One request or stream, checked; the caller cancels it at a random point."""
    if kind == "inspect":
        assert (await engine.inspect_container(cid)).id == cid
    elif kind == "list":
        assert cid in [c.id for c in await engine.list_containers(filters={"id": [cid]})]
    elif kind == "start":
        assert await engine.start_container(cid) is False
    elif kind == "changes":
        await engine.container_changes(cid)
    elif kind == "exec":
        token = f"{rng.getrandbits(32):08x}"
        result = await engine.run_exec(cid, ["echo", token])
        assert (result.exit_code, result.stdout) == (0, f"{token}\n".encode())
    elif kind == "logs":
        async with engine.logs_stream(cid, follow=True, tail=1) as logs:
            async for _ in logs:
                pass
    else:
        async with engine.event_stream(filters={"container": [cid]}) as events:
            await events.receive()


OPS = (
    ["inspect"] * 40 + ["list"] * 15 + ["start"] * 15 + ["changes"] * 10 + ["exec"] * 5 + ["logs"] * 8 + ["events"] * 7
)


DELAY_BANDS = (0.001, 0.01, 0.05, 0.25)  # seconds: the upper bound of a cancellation point, drawn per operation


async def test_cancel_10000_requests_and_streams_at_random_points(
    engine_host: str, engine_name: str, resources: Resources, anyio_backend: str
) -> None:
    cid = await resources.container()
    rng = random.Random(f"{engine_name}-{anyio_backend}")
    counts: Counter[str] = Counter()
    next_index = 0
    fds_before = _fds()

    async def worker(engine: rawengine.Engine) -> None:
        nonlocal next_index
        while next_index < CANCELLATIONS:
            next_index += 1
            kind = rng.choice(OPS)
            delay = rng.uniform(0, rng.choice(DELAY_BANDS))  # before connecting, mid-request, mid-stream
            with anyio.move_on_after(delay) as scope:
                await _op(engine, cid, kind, rng)
            counts["cancelled" if scope.cancelled_caught else "completed"] += 1
            counts[kind] += 1

    async with rawengine.Engine(engine_host, max_connections=16) as engine:
        transport = _transport(engine)
        with anyio.fail_after(600):
            async with anyio.create_task_group() as group:
                for _ in range(32):
                    group.start_soon(worker, engine)
        assert counts["cancelled"] + counts["completed"] == CANCELLATIONS
        print(f"{CANCELLATIONS} operations: {dict(counts)}")
        assert CANCELLATIONS // 4 < counts["cancelled"] < CANCELLATIONS, counts  # the points really were spread out
        assert transport.connections_in_use == 0
        assert transport.idle_connections <= 16
        for conn in transport._idle:  # no half-read reply (nor unasked bytes) waiting in any pooled socket
            assert conn.is_idle_and_open()
        assert _fds() <= fds_before + sum(conn.descriptors for conn in transport._idle)

        # Every later request returns correct data.
        with anyio.fail_after(BOUND):
            async with anyio.create_task_group() as group:
                for _ in range(50):
                    group.start_soon(_op, engine, cid, "inspect", rng)
                    group.start_soon(_op, engine, cid, "list", rng)
            for _ in range(3):
                await _op(engine, cid, "exec", rng)
            assert (await engine.inspect_container(cid)).state.running
    assert _fds() == fds_before  # closing the Engine released every descriptor it opened


# ------------------------------------------------------------------ short load


def _load_soak_module() -> Any:
    path = Path(__file__).resolve().parents[2] / "scripts" / "soak.py"
    spec = importlib.util.spec_from_file_location("rawengine_soak", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("rawengine_soak", module)
    spec.loader.exec_module(module)
    return module


async def test_short_load(engine_host: str, engine_name: str, base_image: str, anyio_backend: str) -> None:
    soak = _load_soak_module()
    report = await soak.soak(
        engine_host, engine_name=engine_name, backend=anyio_backend, tasks=100, seconds=4.0, max_connections=16
    )
    print(report.summary())
    assert not report.errors, report.summary()
    assert not report.wrong, report.summary()
    assert sum(report.ops.values()) >= 100
    assert all(report.ops[op] > 0 for op in ("inspect", "list", "changes", "exec")), report.summary()
    assert report.most_in_use <= 16
    assert report.fds_after == report.fds_before
