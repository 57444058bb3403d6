"""Events, the pure parts: times, filters, the Podman query plan, kinds, decoding, and de-duplication.

The last section drives `EventStream` against the fake engine for what a real engine will not do
on demand: a body cut short, a stream ended without being asked to, a broken line, replays that
repeat events.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs

import anyio
import pytest

import rawengine
from rawengine._endpoints.events import (
    ClientFilter,
    check_filters,
    events,
    format_unix_nanos,
    plan_query,
    unix_nanos,
)
from rawengine._models.events import Event, decode_event, event_kind
from rawengine._streams.events import DeliveredEvents
from tests.fake_engine import FakeConnection, FakeEngine, Recorded, http_response

NOW = 1_795_908_133_328_922_829

DOCKER_LINE = (
    b'{"status":"start","id":"f04fa797","from":"rawengine/web:base","Type":"container","Action":"start",'
    b'"Actor":{"ID":"f04fa797","Attributes":{"image":"rawengine/web:base","name":"probe-web","probe":"1"}},'
    b'"scope":"local","time":1795908133,"timeNano":1795908133328922829}'
)
PODMAN_LINE = (
    b'{"status":"exec_died","id":"659f27d9","from":"localhost/rawengine/web:base","Type":"container",'
    b'"Action":"exec_died","Actor":{"ID":"659f27d9","Attributes":{"containerExitCode":"0",'
    b'"image":"localhost/rawengine/web:base","name":"probe-web","podId":"","probe":"1"}},"scope":"local",'
    b'"time":1795908152,"timeNano":1795908152848140612}'
)


# ---------------------------------------------------------------- times


def test_unix_nanos_from_each_kind_of_time() -> None:
    assert unix_nanos(1795908124, now_ns=NOW) == 1795908124_000000000
    assert unix_nanos(1795908124.5, now_ns=NOW) == 1795908124_500000000
    assert unix_nanos(0.1, now_ns=NOW) == 100000000  # from the float's shortest repr, not its binary value
    aware = datetime(2026, 11, 28, 23, 22, 13, 328922, tzinfo=UTC)
    assert unix_nanos(aware, now_ns=NOW) == int(aware.timestamp()) * 10**9 + 328922000
    plus_two = aware.astimezone(timezone(timedelta(hours=2)))
    assert unix_nanos(plus_two, now_ns=NOW) == unix_nanos(aware, now_ns=NOW)
    naive = datetime(2026, 11, 28, 23, 22, 13)
    assert unix_nanos(naive, now_ns=NOW) == int(naive.timestamp()) * 10**9  # local time, as Python reads it
    assert unix_nanos(timedelta(minutes=5, microseconds=1), now_ns=NOW) == NOW - 300_000_001_000
    assert unix_nanos(timedelta(seconds=-2), now_ns=NOW) == NOW + 2 * 10**9  # negative: in the future


@pytest.mark.parametrize("value", [True, "10m", None, b"1"])
def test_unix_nanos_refuses_other_types(value: object) -> None:
    with pytest.raises(TypeError):
        unix_nanos(value, now_ns=NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_unix_nanos_refuses_non_finite(value: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        unix_nanos(value, now_ns=NOW)


def test_format_unix_nanos() -> None:
    assert format_unix_nanos(NOW) == "1795908133.328922829"
    assert format_unix_nanos(5) == "0.000000005"
    assert format_unix_nanos(0) == "0.000000000"
    with pytest.raises(ValueError, match="1970"):
        format_unix_nanos(-1)


def test_events_request_query() -> None:
    request = events(since_ns=NOW, until_ns=NOW + 1, filters={"label": ["a=b"], "type": ["container"]})
    assert (request.method, request.path) == ("GET", "/events")
    query = parse_qs(request.query)
    assert query["since"] == ["1795908133.328922829"]
    assert query["until"] == ["1795908133.328922830"]
    assert json.loads(query["filters"][0]) == {"label": ["a=b"], "type": ["container"]}
    assert "stream" not in query
    assert events().query == ""
    assert parse_qs(events(stream=False).query) == {"stream": ["0"]}


# ---------------------------------------------------------------- filters


def test_check_filters() -> None:
    assert check_filters(None) == {}
    assert check_filters({"type": ("container",), "label": [], "event": ["die", "start"]}) == {
        "type": ["container"],
        "event": ["die", "start"],
    }
    with pytest.raises(TypeError, match=r"filters\['type'\] must be a list of strings, such as \['container'\]"):
        check_filters({"type": "container"})
    with pytest.raises(TypeError, match="strings only"):
        check_filters({"label": [1]})  # type: ignore[list-item]
    with pytest.raises(TypeError, match="dict of lists"):
        check_filters([("type", ["container"])])  # type: ignore[arg-type]


def test_docker_query_is_sent_as_given() -> None:
    filters = {"event": ["die"], "image": ["busybox"], "label": ["a", "b=c"]}
    query = plan_query("docker", NOW, NOW + 5, filters)
    assert query.native_until and query.client_filter is None
    assert query.server_filters == filters
    assert parse_qs(query.request(NOW).query)["until"] == [format_unix_nanos(NOW + 5)]


def test_podman_query_translates_and_filters_on_the_client() -> None:
    filters = {"event": ["die", "destroy", "start"], "image": ["rawengine/test:base"], "type": ["container"]}
    query = plan_query("podman", None, NOW, {**filters, "label": ["app=web"]})
    assert not query.native_until
    assert query.server_filters == {
        "event": ["destroy", "die", "died", "remove", "start"],
        "label": ["app=web"],  # a single key=value is safe to send
        "type": ["container"],
    }
    assert query.client_filter is not None
    final = parse_qs(query.request(NOW - 10, final=True).query)
    assert final["stream"] == ["0"] and "until" not in final
    assert "stream" not in parse_qs(query.request(NOW - 10).query)
    # Podman ORs labels and matches nothing for a bare key: those stay on the client.
    assert "label" not in plan_query("podman", None, None, {"label": ["a=1", "b=2"]}).server_filters
    assert "label" not in plan_query("podman", None, None, {"label": ["a"]}).server_filters
    assert plan_query("podman", None, None, {"type": ["image"]}).client_filter is None


def _event(type: str, action: str, id: str = "c1", **attributes: str) -> Event:
    return Event(type=type, action=action, actor=rawengine.Actor(id, attributes), time_nano=NOW)


def test_client_filter_event_names_mean_what_they_mean_on_docker() -> None:
    wanted = ClientFilter(events=frozenset({"die", "destroy", "exec_start", "delete"}))
    assert wanted.matches(_event("container", "die"))
    assert wanted.matches(_event("container", "remove"))  # Podman's destroy
    assert wanted.matches(_event("container", "exec"))  # Podman's exec start
    assert wanted.matches(_event("container", "exec_start: sh -c ls"))  # Docker's fuzzy match
    assert wanted.matches(_event("image", "delete"))
    assert not wanted.matches(_event("container", "start"))
    assert not wanted.matches(_event("container", "exec_died"))
    podman_names = ClientFilter(events=frozenset({"died"}))
    assert podman_names.matches(_event("container", "die"))  # Podman's compat API renames died to die
    exact = ClientFilter(events=frozenset({"health_status: healthy"}))
    assert exact.matches(_event("container", "health_status: healthy"))


def test_client_filter_images_as_docker_matches_them() -> None:
    plan = plan_query("podman", None, None, {"image": ["rawengine/test:base"]})
    assert plan.client_filter is not None and "image" not in plan.server_filters
    match = plan.client_filter.matches
    assert match(_event("container", "start", image="localhost/rawengine/test:base"))
    assert match(_event("container", "start", image="docker.io/rawengine/test:base"))
    assert match(_event("image", "tag", "a" * 64, name="localhost/rawengine/test:base"))
    assert not match(_event("container", "start", image="localhost/rawengine/test:other"))
    assert not match(_event("container", "start"))
    by_repo = plan_query("podman", None, None, {"image": ["busybox"]}).client_filter
    assert by_repo is not None
    assert by_repo.matches(_event("container", "start", image="docker.io/library/busybox:latest"))
    by_id = plan_query("podman", None, None, {"image": ["sha256:" + "b" * 64]}).client_filter
    assert by_id is not None
    assert by_id.matches(_event("image", "delete", "b" * 64))  # Podman leaves out sha256:
    assert not by_id.matches(_event("image", "delete", "c" * 64))


def test_client_filter_labels_are_anded_and_keys_alone_match() -> None:
    both = ClientFilter(labels=("app=web", "tier"))
    assert both.matches(_event("container", "start", app="web", tier="1"))
    assert not both.matches(_event("container", "start", app="web"))
    assert not both.matches(_event("container", "start", app="db", tier="1"))


# ---------------------------------------------------------------- kinds and decoding


@pytest.mark.parametrize(
    ("type", "action", "kind"),
    [
        ("container", "start", "start"),
        ("container", "die", "die"),
        ("container", "died", "die"),
        ("container", "destroy", "destroy"),
        ("container", "remove", "destroy"),
        ("container", "exec_create: sh -c echo a:b", "exec_create"),
        ("container", "exec_start: true ", "exec_start"),
        ("container", "exec", "exec_start"),
        ("container", "exec_die", "exec_die"),
        ("container", "exec_died", "exec_die"),
        ("container", "health_status: unhealthy", "health_status"),
        ("container", "init", "init"),
        ("image", "remove", "delete"),
        ("image", "untag", "untag"),
        ("volume", "remove", "destroy"),
        ("network", "remove", "destroy"),
        ("container", "something_new", "something_new"),
    ],
)
def test_event_kind(type: str, action: str, kind: str) -> None:
    assert event_kind(type, action) == kind


def test_decode_docker_and_podman_lines() -> None:
    docker = decode_event(DOCKER_LINE)
    assert (docker.type, docker.action, docker.kind, docker.scope) == ("container", "start", "start", "local")
    assert docker.actor.id == "f04fa797"
    assert docker.actor.attributes == {"image": "rawengine/web:base", "name": "probe-web", "probe": "1"}
    assert docker.actor.name == "probe-web"
    assert (docker.time, docker.time_nano) == (1795908133, 1795908133328922829)
    assert docker.json()["from"] == "rawengine/web:base"  # fields the model does not name are kept
    assert docker.raw == DOCKER_LINE
    assert "raw=" not in repr(docker) and "probe-web" in repr(docker)
    podman = decode_event(PODMAN_LINE)
    assert (podman.action, podman.kind) == ("exec_died", "exec_die")
    assert podman.actor.attributes["containerExitCode"] == "0"


def test_decode_tolerates_missing_and_null_fields() -> None:
    event = decode_event(
        b'{"status":"reload","id":"d1","Type":"daemon","Actor":{"ID":"d1","Attributes":null},"time":7}'
    )
    assert (event.type, event.action, event.actor.id, event.actor.attributes) == ("daemon", "reload", "d1", {})
    assert event.time_nano == 7_000_000_000
    legacy = decode_event(b'{"status":"die","id":"c9","from":"busybox","time":8}')
    assert (legacy.action, legacy.actor.id, legacy.type) == ("die", "c9", "")
    future = decode_event(b'{"Type":"container","Action":"levitate","Actor":{"ID":"x"},"New":{"a":[1]},"timeNano":9}')
    assert future.kind == "levitate" and future.json()["New"] == {"a": [1]}


# ---------------------------------------------------------------- de-duplication


def test_delivered_events_resume_point() -> None:
    delivered = DeliveredEvents(floor_ns=1_000)
    assert delivered.resume_since() == 1_000  # nothing delivered: where the caller started
    first = Event(type="container", action="start", actor=rawengine.Actor("a"), time_nano=NOW)
    delivered.add(first)
    assert delivered.resume_since() == NOW - DeliveredEvents.RESUME_WINDOW_NS
    assert not delivered.is_new(first)
    same_time_other = Event(type="container", action="start", actor=rawengine.Actor("b"), time_nano=NOW)
    assert delivered.is_new(same_time_other)  # another actor at the same nanosecond
    close_floor = DeliveredEvents(floor_ns=NOW - 5)
    close_floor.add(first)
    assert close_floor.resume_since() == NOW - 5  # never before what the caller asked for


def test_delivered_events_forget_only_outside_the_window() -> None:
    delivered = DeliveredEvents(floor_ns=0)
    window = DeliveredEvents.RESUME_WINDOW_NS
    old = [
        Event(type="container", action="start", actor=rawengine.Actor(f"old{i}"), time_nano=NOW + i) for i in range(600)
    ]
    new = [
        Event(type="container", action="start", actor=rawengine.Actor(f"new{i}"), time_nano=NOW + 2 * window + i)
        for i in range(600)
    ]
    for event in old + new:
        delivered.add(event)
    assert all(not delivered.is_new(event) for event in new)  # inside the window: remembered
    assert len(delivered._recent) < 1024  # the old ones were let go
    burst = [
        Event(type="container", action="die", actor=rawengine.Actor(f"b{i}"), time_nano=NOW + 3 * window + i)
        for i in range(3000)
    ]
    for event in burst:
        delivered.add(event)
    assert all(not delivered.is_new(event) for event in burst)  # a burst inside the window is all kept


# ---------------------------------------------------------------- the stream, against a fake engine


def _line(action: str, ts: int, actor: str = "c1") -> bytes:
    return b'{"Type":"container","Action":"%s","Actor":{"ID":"%s","Attributes":{}},"time":%d,"timeNano":%d}\n' % (
        action.encode(),
        actor.encode(),
        ts // 10**9,
        ts,
    )


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%b\r\n" % (len(data), data)


HEAD = http_response(200, b"", chunked=True).split(b"\r\n\r\n")[0] + b"\r\n\r\n"


class EventsRoute:
    """Answers `/events`: each request gets the next script of (bytes | seconds | "cut" | "end"),
    or `["no answer"]` (the headers never come)."""

    def __init__(self, *scripts: list[bytes | float | str]) -> None:
        self.scripts = list(scripts)
        self.queries: list[dict[str, list[str]]] = []

    async def __call__(self, request: Recorded, conn: FakeConnection) -> None:
        self.queries.append(parse_qs(request.query))
        script = self.scripts.pop(0) if self.scripts else ["cut"]
        if script == ["no answer"]:
            while await conn.receive():
                pass
            return
        await conn.send(HEAD)
        for step in script:
            if isinstance(step, bytes):
                await conn.send(_chunk(step))
            elif isinstance(step, float):
                await anyio.sleep(step)
            elif step == "end":
                await conn.send(b"0\r\n\r\n")
                return  # the connection may carry the next request
            else:
                await conn.close()
                return
        while await conn.receive():  # hold the connection until the client closes it
            pass


@asynccontextmanager
async def fake_engine(
    tmp_socket_dir: str, route: EventsRoute, *, podman: bool = False
) -> AsyncIterator[tuple[FakeEngine, rawengine.Engine]]:
    """A fake engine answering `/events` with `route`; on exit, waits until it saw every connection close."""
    headers = {"Libpod-Api-Version": "4.3.1"} if podman else {}
    async with FakeEngine(f"{tmp_socket_dir}/f.sock", ping_headers=headers) as fake:
        fake.route("/events", route)
        async with rawengine.Engine(fake.host) as engine:
            with anyio.fail_after(10):
                yield fake, engine
        with anyio.fail_after(5):
            while fake.open_connections:  # noqa: ASYNC110  (the fake engine's count: no event to wait on)
                await anyio.sleep(0.01)


async def test_each_event_is_yielded_as_soon_as_its_line_is_complete(tmp_socket_dir: str) -> None:
    line = _line("start", NOW)
    route = EventsRoute([line[:20], 0.05, line[20:] + _line("stop", NOW + 1)[:10]])
    async with fake_engine(tmp_socket_dir, route) as (_, engine), engine.event_stream() as stream:
        event = await stream.receive()  # the second line never completes: nothing waits for it
        assert (event.action, event.time_nano) == ("start", NOW)


async def test_a_cut_body_raises_transport_error_not_a_clean_end(tmp_socket_dir: str) -> None:
    route = EventsRoute([_line("start", NOW), "cut"])
    async with fake_engine(tmp_socket_dir, route) as (_, engine), engine.event_stream() as stream:
        assert (await stream.receive()).action == "start"
        with pytest.raises(rawengine.TransportError):
            await stream.receive()
        with pytest.raises(anyio.EndOfStream):
            await stream.receive()


async def test_an_end_nobody_asked_for_is_a_transport_error(tmp_socket_dir: str) -> None:
    route = EventsRoute([_line("start", NOW), "end"])
    async with fake_engine(tmp_socket_dir, route) as (_, engine), engine.event_stream() as stream:
        assert (await stream.receive()).action == "start"
        with pytest.raises(rawengine.TransportError, match="ended the event stream"):
            await stream.receive()


async def test_an_end_at_until_ends_the_iteration(tmp_socket_dir: str) -> None:
    route = EventsRoute([_line("start", NOW), _line("stop", NOW + 1), "end"])
    async with (
        fake_engine(tmp_socket_dir, route) as (_, engine),
        engine.event_stream(since=NOW / 1e9 - 60, until=timedelta(0)) as stream,
    ):
        assert [e.action async for e in stream] == ["start", "stop"]
    assert "until" in route.queries[0] and "since" in route.queries[0]


async def test_a_broken_line_is_a_protocol_error_even_with_resume(tmp_socket_dir: str) -> None:
    route = EventsRoute([b'{"Type": "container", "Actor": {"ID": 5}}\n'])
    async with fake_engine(tmp_socket_dir, route) as (_, engine), engine.event_stream(resume=True) as stream:
        with pytest.raises(rawengine.ProtocolError, match="unexpected shape"):
            await stream.receive()
    assert len(route.queries) == 1


async def test_resume_asks_since_the_last_event_and_drops_repeats(tmp_socket_dir: str) -> None:
    base = time.time_ns() + 2 * 10**9  # a window after the stream opens (no `since`: it starts now)
    a, b, c = _line("create", base), _line("start", base + 5), _line("die", base + 9)
    b_other_actor = _line("start", base + 5, actor="c2")
    route = EventsRoute([a + b, "cut"], ["end"], [a, b, b_other_actor, c])
    async with (
        fake_engine(tmp_socket_dir, route) as (_, engine),
        engine.event_stream(resume=True, resume_backoff=(0.01, 0.02)) as stream,
    ):
        seen = [(await stream.receive()) for _ in range(4)]
        assert [(e.action, e.actor.id) for e in seen] == [
            ("create", "c1"),
            ("start", "c1"),
            ("start", "c2"),
            ("die", "c1"),
        ]
        assert stream.reconnects == 2  # the cut, then the end nobody asked for
        assert isinstance(stream.last_drop, rawengine.TransportError)
        assert "ended the event stream" in str(stream.last_drop)
    assert "since" not in route.queries[0]
    since = base + 5 - DeliveredEvents.RESUME_WINDOW_NS
    assert route.queries[1]["since"] == [format_unix_nanos(since)]
    assert route.queries[2]["since"] == [format_unix_nanos(since)]


async def test_resume_never_asks_before_the_callers_since(tmp_socket_dir: str) -> None:
    route = EventsRoute([_line("create", NOW), "cut"], [_line("create", NOW), _line("start", NOW + 1)])
    async with (
        fake_engine(tmp_socket_dir, route) as (_, engine),
        engine.event_stream(since=NOW // 10**9, resume=True) as stream,
    ):
        assert [(await stream.receive()).action for _ in range(2)] == ["create", "start"]
    assert route.queries[0]["since"] == route.queries[1]["since"] == [format_unix_nanos(NOW // 10**9 * 10**9)]


async def test_resume_gives_up_after_max_wait(tmp_socket_dir: str) -> None:
    route = EventsRoute([_line("start", NOW), "cut"])  # every later connection is cut at once
    async with (
        fake_engine(tmp_socket_dir, route) as (_, engine),
        engine.event_stream(resume=True, resume_backoff=(0.01, 0.05), resume_max_wait=0.5) as stream,
    ):
        await stream.receive()
        started = anyio.current_time()
        with pytest.raises(rawengine.TransportError, match="within 0.5s"):
            await stream.receive()
        assert anyio.current_time() - started >= 0.5
    assert len(route.queries) > 3  # it did retry, with backoff


async def test_podman_until_is_emulated(tmp_socket_dir: str) -> None:
    second = 10**9
    route = EventsRoute([_line("create", NOW - 2 * second), _line("start", NOW), _line("die", NOW + second), "end"])
    since, until = (NOW - 20 * second) // second, (NOW + second // 2) / 1e9
    async with (
        fake_engine(tmp_socket_dir, route, podman=True) as (_, engine),
        engine.event_stream(since=since, until=until) as stream,
    ):
        assert [e.action async for e in stream] == ["create", "start"]  # `die` is after until
    assert route.queries[0]["stream"] == ["0"] and "until" not in route.queries[0]


async def test_podman_future_until_stops_at_until_then_reads_the_rest(tmp_socket_dir: str) -> None:
    route = EventsRoute([_line("create", NOW)], [_line("create", NOW), _line("start", NOW + 1), "end"])
    async with (
        fake_engine(tmp_socket_dir, route, podman=True) as (_, engine),
        engine.event_stream(since=NOW / 1e9, until=timedelta(seconds=-0.3)) as stream,
    ):
        assert [e.action async for e in stream] == ["create", "start"]
    assert "stream" not in route.queries[0] and route.queries[1]["stream"] == ["0"]


async def test_leaving_the_loop_closes_the_connection(tmp_socket_dir: str) -> None:
    route = EventsRoute([_line("start", NOW)])
    async with fake_engine(tmp_socket_dir, route) as (fake, engine):
        with anyio.move_on_after(0.2):
            async with engine.event_stream() as stream:
                async for _ in stream:
                    pass  # the engine sends nothing more: cancelled by move_on_after
        with anyio.fail_after(5):
            while fake.open_connections:  # noqa: ASYNC110  (the fake engine's count: no event to wait on)
                await anyio.sleep(0.01)


async def test_a_cancelled_reconnect_goes_on_at_the_next_receive(tmp_socket_dir: str) -> None:
    base = time.time_ns() + 2 * 10**9
    route = EventsRoute(
        [_line("create", base), "cut"], ["no answer"], [_line("create", base), _line("start", base + 1)]
    )
    async with (
        fake_engine(tmp_socket_dir, route) as (_, engine),
        engine.event_stream(resume=True, resume_backoff=(0.01, 0.02)) as stream,
    ):
        assert (await stream.receive()).action == "create"
        with anyio.move_on_after(0.5) as scope:
            await stream.receive()  # the cut, then a reconnect whose answer never comes
        assert scope.cancelled_caught
        assert (await stream.receive()).action == "start"
        assert stream.reconnects == 1
    assert len(route.queries) == 3


async def test_receive_outside_async_with_is_a_usage_error(tmp_socket_dir: str) -> None:
    async with fake_engine(tmp_socket_dir, EventsRoute()) as (_, engine):
        stream = engine.event_stream()
        with pytest.raises(RuntimeError, match="async with"):
            await stream.receive()
        async with stream:
            pass
        with pytest.raises(RuntimeError, match="entered once"):
            await stream.__aenter__()
    with pytest.raises(ValueError, match="resume_backoff"):
        engine.event_stream(resume_backoff=(1.0, 0.5))
