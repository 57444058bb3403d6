"""Event streams against the real engines (Docker and Podman, asyncio and trio).

Every stream filters on a label unique to the test, so other tests' events never count. The
resume tests put `tests/relay.py` between rawengine and the engine and take it down for a while;
one test restarts the Docker daemon itself, only when the suite started that daemon.

Behaviour recorded per engine (engine-api-notes.md, section 5, re-checked here):

| | Docker 20.10 | Podman 4.3 |
| --- | --- | --- |
| `since` + past `until` on the wire | replays, then ends | nothing at all, then ends (rawengine emulates `until`) |
| `since` after `until` | 400 `` `since` time (...) cannot be after `until` time (...) `` | nothing, ends |
| a filter value that is not a list | 500 `json: cannot unmarshal string ...` | 400 with an empty body |
"""

from __future__ import annotations

import os
import pathlib
import signal
import time
from collections.abc import Callable, Sequence
from datetime import timedelta

import anyio
import anyio.abc
import pytest

import rawengine
from rawengine import ContainerConfig, Event
from rawengine._endpoints import Request, encode_query
from tests.conftest import BASE_IMAGE, ENGINES, Resources, _ensure_base_image, unique
from tests.relay import Relay

LABEL = "rawengine.events"
Key = tuple[int, str, str, str]


def key(event: Event) -> Key:
    return (event.time_nano, event.type, event.action, event.actor.id)


def labelled(value: str, cmd: Sequence[str] = ("sleep", "3600")) -> ContainerConfig:
    return ContainerConfig(cmd=list(cmd), labels={LABEL: value})


async def read_until(
    stream: rawengine.EventStream, done: Callable[[Event], bool], *, seconds: float = 30
) -> list[Event]:
    """Events until (and with) the first one `done` accepts."""
    events: list[Event] = []
    with anyio.fail_after(seconds):
        async for event in stream:
            events.append(event)
            if done(event):
                return events
    raise AssertionError(f"the stream ended before the awaited event; got {[(e.kind, e.actor.id) for e in events]}")


def destroyed(container: str) -> Callable[[Event], bool]:
    return lambda event: event.kind == "destroy" and event.actor.id == container


def kinds_of(events: Sequence[Event], actor: str) -> list[str]:
    return [event.kind for event in events if event.actor.id == actor]


def assert_in_order(kinds: Sequence[str], expected: Sequence[str]) -> None:
    """`expected` appears in `kinds` in that order (other kinds may come in between)."""
    position = 0
    for kind in kinds:
        if position < len(expected) and kind == expected[position]:
            position += 1
    assert position == len(expected), f"{list(expected)} not in order in {list(kinds)}"


# ---------------------------------------------------------------- live events


async def test_lifecycle_events_arrive_in_order(
    engine: rawengine.Engine, resources: Resources, engine_name: str
) -> None:
    value, other_value, name = unique("ev"), unique("ev-other"), unique()
    repo, tag = resources.image_ref("rawengine/test-events").rsplit(":", 1)
    async with engine.event_stream(filters={"label": [f"{LABEL}={value}"]}) as events:
        cid = await resources.container(labelled(value), name=name, start=False)
        other = await resources.container(labelled(other_value))  # created and started: never seen
        await engine.start_container(cid)
        assert (await engine.run_exec(cid, ["true"])).exit_code == 0
        await engine.stop_container(cid, timeout=0)
        image_id = await engine.commit_container(cid, repo=repo, tag=tag)
        await engine.remove_container(cid)
        await engine.remove_container(other, force=True)
        seen = await read_until(events, destroyed(cid))
    container_events = [e for e in seen if e.type == "container"]
    assert_in_order(
        [e.kind for e in container_events], ["create", "start", "exec_start", "exec_die", "die", "commit", "destroy"]
    )
    for event in container_events:
        assert event.actor.id == cid, event
        assert event.actor.attributes["name"] == name
        assert event.actor.attributes[LABEL] == value
        assert event.actor.attributes["image"].endswith(BASE_IMAGE)
        assert event.scope == "local"
        assert event.time == event.time_nano // 10**9
    # Docker also reports the committed image (it inherits the label); nothing about `other`.
    assert {e.actor.id for e in seen} <= {cid, image_id}
    raw_actions = {e.action for e in container_events}
    if engine_name == "docker":
        assert {"destroy", "die", "exec_die", "stop", "kill"} <= raw_actions
        assert any(a.startswith("exec_start: ") for a in raw_actions)
    else:
        # Podman's names, kept as sent. (Its `stop` event is not reliable: none for a plain stop here.)
        assert {"remove", "die", "exec", "exec_died", "init", "cleanup"} <= raw_actions


async def test_filters_mean_the_same_on_both_engines(
    engine: rawengine.Engine, resources: Resources, base_image: str
) -> None:
    value = unique("ev")
    since = time.time()
    cid = await resources.container(labelled(value, ["true"]), start=False)
    await engine.start_container(cid)
    await engine.wait_container(cid)
    await engine.remove_container(cid)
    until = time.time()

    async def replay(filters: dict[str, list[str]]) -> list[str]:
        async with engine.event_stream(since=since, until=until, filters=filters) as events:
            return [event.kind async for event in events if event.type == "container"]

    label = [f"{LABEL}={value}"]
    assert await replay({"label": label, "event": ["die", "destroy"]}) == ["die", "destroy"]
    assert await replay({"label": label, "event": ["create"], "type": ["container"]}) == ["create"]
    assert_in_order(await replay({"label": [LABEL, *label], "image": [base_image]}), ["create", "start", "destroy"])
    assert await replay({"label": label, "image": ["rawengine/test:no-such-tag"]}) == []
    assert await replay({"label": [*label, "rawengine.events.missing"]}) == []  # labels are ANDed


# ---------------------------------------------------------------- since and until


async def test_since_and_until_replay_and_then_end(engine: rawengine.Engine, resources: Resources) -> None:
    value = unique("ev")
    t0 = time.time()
    first = await resources.container(labelled(value), start=False)
    t_mid = time.time()
    second = await resources.container(labelled(value), start=False)
    t1 = time.time()
    label = {"label": [f"{LABEL}={value}"]}
    with anyio.fail_after(30):
        async with engine.event_stream(since=t0, until=t1, filters=label) as events:
            assert [(e.kind, e.actor.id) async for e in events] == [("create", first), ("create", second)]
        async with engine.event_stream(since=t0, until=t_mid, filters=label) as events:
            assert [(e.kind, e.actor.id) async for e in events] == [("create", first)]
        ago = timedelta(seconds=time.time() - t0 + 0.5)
        async with engine.event_stream(since=ago, until=timedelta(0), filters=label) as events:
            assert [e.actor.id async for e in events] == [first, second]


async def test_until_in_the_future_streams_then_ends(engine: rawengine.Engine, resources: Resources) -> None:
    value = unique("ev")
    with anyio.fail_after(30):
        async with engine.event_stream(until=timedelta(seconds=-2), filters={"label": [f"{LABEL}={value}"]}) as events:
            cid = await resources.container(labelled(value), start=False)
            assert [(e.kind, e.actor.id) async for e in events] == [("create", cid)]


async def test_engine_native_until(engine: rawengine.Engine, resources: Resources, engine_name: str) -> None:
    """What each engine does with `since` + a past `until` on the wire (why rawengine emulates it on Podman)."""
    value = unique("ev")
    t0 = time.time()
    await resources.container(labelled(value), start=False)
    t1 = time.time() + 0.1
    await anyio.sleep(0.2)
    query = encode_query({"since": f"{t0:.9f}", "until": f"{t1:.9f}", "filters": {"label": [f"{LABEL}={value}"]}})
    request = Request("GET", "/events", query)
    with anyio.fail_after(30):
        async with engine._stream(request) as response:
            body = await response.read_all()
    if engine_name == "docker":
        assert body.count(b'"Action":"create"') == 1
    else:
        assert body == b""  # Podman 4.3: a past `until` returns nothing at all


async def test_since_after_until(engine: rawengine.Engine, engine_name: str) -> None:
    now = time.time()
    stream = engine.event_stream(since=now, until=now - 5)
    if engine_name == "docker":
        with pytest.raises(rawengine.BadRequestError) as info:
            async with stream:
                pass
        assert "cannot be after" in info.value.message
        assert info.value.status_code == 400
    else:
        with anyio.fail_after(30):
            async with stream as events:
                assert [e async for e in events] == []  # as Podman answers: an empty interval


async def test_a_filter_the_engine_rejects(engine: rawengine.Engine, engine_name: str) -> None:
    """rawengine sends only lists (a bare string is a TypeError before anything is sent); the engines
    themselves reject a string where a list belongs, each in its own way."""
    with pytest.raises(TypeError):
        engine.event_stream(filters={"type": "container"})
    request = Request("GET", "/events", encode_query({"filters": {"type": "container"}}))
    with pytest.raises(rawengine.APIError) as info, anyio.fail_after(30):
        async with engine._stream(request):
            pass
    if engine_name == "docker":
        assert info.value.status_code == 500
        assert "cannot unmarshal" in info.value.message
    else:
        assert isinstance(info.value, rawengine.BadRequestError)
        assert info.value.message == "HTTP 400 with no message"  # Podman sends no body


# ---------------------------------------------------------------- dropped connections


async def test_a_dropped_connection_raises_without_resume(engine_host: str, tmp_socket_dir: str) -> None:
    async with (
        Relay(engine_host, f"{tmp_socket_dir}/relay.sock") as relay,
        rawengine.Engine(f"unix://{relay.path}") as relayed,
        relayed.event_stream(filters={"label": [f"{LABEL}={unique('ev')}"]}) as events,
    ):
        await relay.down()
        with pytest.raises(rawengine.TransportError), anyio.fail_after(30):
            await events.receive()


async def consume(stream: rawengine.EventStream, into: list[Event], done: Callable[[Event], bool]) -> None:
    async for event in stream:
        into.append(event)
        if done(event):
            return


async def wait_for(events: list[Event], wanted: Callable[[Event], bool]) -> None:
    with anyio.fail_after(30):
        while not any(wanted(event) for event in events):  # noqa: ASYNC110  (filled by another task)
            await anyio.sleep(0.01)


async def test_resume_through_an_outage_exactly_once(
    engine: rawengine.Engine, engine_host: str, resources: Resources, tmp_socket_dir: str
) -> None:
    value = unique("ev")
    filters = {"label": [f"{LABEL}={value}"]}
    resumed: list[Event] = []
    async with (
        Relay(engine_host, f"{tmp_socket_dir}/relay.sock") as relay,
        rawengine.Engine(f"unix://{relay.path}") as relayed,
        relayed.event_stream(filters=filters, resume=True, resume_backoff=(0.05, 0.5)) as stream,
        engine.event_stream(since=timedelta(seconds=1), filters=filters) as reference,
    ):
        before = await resources.container(labelled(value), start=False)
        async with anyio.create_task_group() as tasks:
            # `after` does not exist yet: the consumer stops at the second destroy
            tasks.start_soon(consume, stream, resumed, lambda e: sum(x.kind == "destroy" for x in resumed) == 2)
            await engine.start_container(before)
            await wait_for(resumed, lambda e: e.kind == "start")
            await relay.down()  # every connection cut; the socket gone for a few seconds
            await engine.stop_container(before, timeout=0)
            after = await resources.container(labelled(value), start=False)
            await engine.start_container(after)
            await anyio.sleep(2.5)
            assert stream.reconnects == 0  # still trying
            await relay.up()
            await engine.remove_container(before)
            await engine.remove_container(after, force=True)
        expected = await read_until(reference, destroyed(after))
    assert len(set(map(key, resumed))) == len(resumed), "an event was delivered twice"
    assert [key(e) for e in resumed] == [key(e) for e in expected]
    assert stream.reconnects == 1
    assert relay.accepted >= 2
    for container in (before, after):
        assert_in_order(kinds_of(resumed, container), ["create", "start", "die", "destroy"])


# ---------------------------------------------------------------- a real daemon restart

STATE_DIR = pathlib.Path(os.environ.get("RAWENGINE_STATE_DIR", "/var/lib/rawengine"))
REPO = pathlib.Path(__file__).resolve().parents[2]


def suite_dockerd() -> int | None:
    """The pid of the dockerd that scripts/engine-up started (and recorded), if it is alive."""
    try:
        pid = int((STATE_DIR / "dockerd.pid").read_text().strip())
        cmdline = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    socket_path = ENGINES["docker"].removeprefix("unix://").encode()
    return pid if cmdline.split(b"\0", 1)[0].endswith(b"dockerd") and socket_path in cmdline else None


def running(pid: int) -> bool:
    """Alive and not a zombie (a daemon started with setsid may be left unreaped)."""
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def restart_dockerd(pid: int) -> None:
    os.kill(pid, signal.SIGTERM)
    with anyio.fail_after(120):
        while running(pid):  # noqa: ASYNC110  (another process: nothing to wait on but /proc)
            await anyio.sleep(0.1)
    await ensure_dockerd_answers()


async def ensure_dockerd_answers() -> None:
    env = {**os.environ, "ENGINES": "docker"}
    with anyio.fail_after(150):
        result = await anyio.run_process(["bash", "scripts/engine-up"], cwd=REPO, env=env, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")


@pytest.mark.slow
@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # one restart per run: it disturbs every Docker test
async def test_resume_across_a_docker_daemon_restart(anyio_backend: str) -> None:
    pid = suite_dockerd()
    if pid is None:
        pytest.skip(
            "the Docker daemon was not started by the suite (no live dockerd recorded in "
            f"{STATE_DIR}/dockerd.pid by scripts/engine-up): "
            "rawengine's tests never restart a daemon they did not start"
        )
    host = ENGINES["docker"]
    await _ensure_base_image(host)
    value = unique("ev")
    filters = {"label": [f"{LABEL}={value}"]}
    resumed: list[Event] = []
    try:
        async with rawengine.Engine(host) as engine:
            resources = Resources(engine, BASE_IMAGE)
            try:
                async with engine.event_stream(filters=filters, resume=True, resume_max_wait=180) as stream:
                    async with anyio.create_task_group() as tasks:
                        cid = await resources.container(labelled(value), start=False)
                        tasks.start_soon(consume, stream, resumed, destroyed(cid))
                        await wait_for(resumed, lambda e: e.kind == "create")
                        restarted_at = time.time()
                        await restart_dockerd(pid)
                        await engine.start_container(cid)
                        await engine.stop_container(cid, timeout=0)
                        await engine.remove_container(cid)
                    assert stream.reconnects >= 1
                    print(f"dockerd restart: the event stream dropped with {stream.last_drop!r}")
                async with engine.event_stream(since=restarted_at, until=time.time(), filters=filters) as replay:
                    after_restart = [e async for e in replay]
            finally:
                await resources.cleanup()
    finally:
        await ensure_dockerd_answers()
    assert len(set(map(key, resumed))) == len(resumed), "an event was delivered twice"
    assert [key(e) for e in resumed] == [key(resumed[0]), *map(key, after_restart)]
    assert_in_order([e.kind for e in resumed], ["create", "start", "die", "destroy"])
