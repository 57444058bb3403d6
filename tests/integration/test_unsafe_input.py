"""Unsafe ids, names, references, labels and credentials: against a fake engine that records the
request line, and against the real engines (Docker and Podman, asyncio and trio).

Each value must reach the route it was meant for, which answers 404 or 400 for it; never another
endpoint, never a success. The proof against the real engines: the error is `NotFoundError` /
`BadRequestError` from the route itself (a wrong route answers `page not found` / `Not Found`),
and a real container whose id is the prefix of the hostile value is untouched afterwards. The
fake engine shows the bytes: one request line, the value in its own path segment or query value,
no header it did not ask for, and nothing of a secret in errors or logs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import msgspec
import pytest

import rawengine
from tests.conftest import Resources
from tests.fake_engine import FakeEngine, close_now, http_response, json_reply, reply

BOUND = 30

HOSTILE_SUFFIXES = [
    "?force=1",
    "#fragment",
    "%2F..%2F..%2Fversion",
    "/../../version",
    "/json",
    "\nX-Injected: 1",
    "\r\nGET /version HTTP/1.1",
    " space",
    "&signal=KILL",
    ";v=1",
]
ROUTE_NOT_FOUND = ("page not found", "not found\n")


def _assert_intended_route(error: rawengine.APIError, value: str) -> None:
    assert isinstance(error, rawengine.NotFoundError | rawengine.BadRequestError), error
    if "\n" in value or "\r" in value:
        # Docker's router matches no route for a segment with a control character: a 404 before
        # any handler runs. That is still no endpoint at all, which is what matters here.
        return
    assert error.message.lower() not in ROUTE_NOT_FOUND, f"reached no route at all: {error}"


@pytest.mark.parametrize("suffix", HOSTILE_SUFFIXES)
async def test_hostile_container_ids_hit_only_their_route(
    engine: rawengine.Engine, resources: Resources, suffix: str
) -> None:
    cid = await resources.container()
    value = cid + suffix
    calls = [
        engine.inspect_container(value),
        engine.kill_container(value),
        engine.stop_container(value, timeout=0),
        engine.restart_container(value, timeout=0),
        engine.remove_container(value, force=True),
        engine.container_changes(value),
        engine.create_exec(value, rawengine.ExecConfig(cmd=["true"])),
        engine.inspect_exec(value),
    ]
    for call in calls:
        try:
            with anyio.fail_after(BOUND):
                await call
        except ValueError:
            assert "/.." in suffix  # refused before anything was sent
        except rawengine.APIError as exc:
            _assert_intended_route(exc, value)
        else:
            raise AssertionError(f"a hostile id succeeded: {value!r}")
    info = await engine.inspect_container(cid)  # the real container was never touched
    assert info.state.running
    assert info.restart_count == 0


@pytest.mark.parametrize("suffix", HOSTILE_SUFFIXES)
async def test_hostile_image_references_hit_only_their_route(
    engine: rawengine.Engine, base_image: str, suffix: str
) -> None:
    value = base_image + suffix
    calls = [
        engine.inspect_image(value),
        engine.image_history(value),
        engine.remove_image(value, force=True),
        engine.tag_image(value, "rawengine/test-hostile", "never"),
    ]
    for call in calls:
        try:
            with anyio.fail_after(BOUND):
                await call
        except ValueError:
            assert "/.." in suffix
        except rawengine.APIError as exc:
            _assert_intended_route(exc, value)
        else:
            raise AssertionError(f"a hostile reference succeeded: {value!r}")
    assert (await engine.inspect_image(base_image)).id  # still there, untouched
    with pytest.raises(rawengine.NotFoundError):
        await engine.inspect_image("rawengine/test-hostile:never")


@pytest.mark.parametrize("value", ["..", ".", "../../version", "abc/../../version"])
async def test_dot_segments_are_refused_before_sending(engine: rawengine.Engine, value: str) -> None:
    for call in (engine.inspect_container(value), engine.kill_container(value), engine.inspect_image(value)):
        with pytest.raises(ValueError):
            await call


async def test_hostile_values_in_labels_env_and_filters(engine: rawengine.Engine, resources: Resources) -> None:
    nasty = "a\r\nX-Injected: 1&b=c?d#e\x00f"
    label = "rawengine.test.nasty"
    cid = await resources.container(
        rawengine.ContainerConfig(cmd=["sleep", "3600"], env=[f"NASTY={nasty}"], labels={label: nasty}),
        start=False,
    )
    info = await engine.inspect_container(cid)
    assert info.config.labels is not None and info.config.labels[label] == nasty
    assert info.config.env is not None and f"NASTY={nasty}" in info.config.env
    listed = await engine.list_containers(all=True, filters={"label": [f"{label}={nasty}"]})
    assert [c.id for c in listed] == [cid]
    assert await engine.list_containers(all=True, filters={"label": [f"{label}={nasty}x"]}) == []


# ------------------------------------------------------------------ against the fake engine

CHUNKED = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"


@pytest.fixture
async def fake(tmp_socket_dir: str) -> AsyncIterator[FakeEngine]:
    async with FakeEngine(f"{tmp_socket_dir}/engine.sock") as fake:
        yield fake


@pytest.fixture
async def faked(fake: FakeEngine) -> AsyncIterator[rawengine.Engine]:
    """An Engine talking to the fake engine (`engine` is the real one)."""
    async with rawengine.Engine(fake.host) as engine:
        yield engine


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
async def test_hostile_ids_reach_only_their_route(fake: FakeEngine, faked: rawengine.Engine, value: str) -> None:
    from urllib.parse import unquote

    calls = _calls(faked, value)
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
async def test_hostile_values_in_queries_and_bodies(fake: FakeEngine, faked: rawengine.Engine, value: str) -> None:
    from urllib.parse import parse_qs

    fake.route("/containers/create", json_reply({"Id": "abc", "Warnings": []}, 201))
    fake.route("/containers/json", json_reply([]))
    config = rawengine.ContainerConfig(image="img", env=[f"SECRET={value}"], labels={value: value}, cmd=[value])
    with anyio.fail_after(BOUND):
        await faked.create_container(config, name=value)
        await faked.list_containers(filters={"label": [value], "name": [value]})
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
async def test_dot_segments_never_leave_the_client(fake: FakeEngine, faked: rawengine.Engine, value: str) -> None:
    for _, call in _calls(faked, value):
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
    fake: FakeEngine, faked: rawengine.Engine, answer: object, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    fake.route("/images/create", answer)  # type: ignore[arg-type]
    fake.route("/containers/create", answer)  # type: ignore[arg-type]
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    with anyio.fail_after(BOUND):
        for call in (
            faked.pull_image("busybox", auth={"username": "me", "password": SECRET}),
            faked.create_container(rawengine.ContainerConfig(image="x", env=[f"TOKEN={SECRET}"]), name=SECRET),
            faked.import_image(SECRET.encode(), message=SECRET, changes=[f"ENV TOKEN={SECRET}"]),
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
