"""The public request hooks (`Engine(event_hooks=...)`) over `httpx.MockTransport`."""

from __future__ import annotations

import httpx
import pytest

import rawengine
from rawengine._hooks import EventHooks
from rawengine._httpx_transport import HttpxTransport
from tests.fake_engine import FakeEngine, http_response, reply

PULL_LINE = b'{"status": "Pulling from library/busybox", "id": "1.36"}\n'

PING_HEADERS = {"Api-Version": "1.41", "Ostype": "linux", "Server": "Docker/20.10.24+dfsg1 (linux)"}


def handler(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/_ping":
        return httpx.Response(200, headers=PING_HEADERS, text="OK")
    if request.url.path.endswith("/containers/missing/json"):
        return httpx.Response(404, json={"message": "No such container: missing"})
    return httpx.Response(200, json=[])


def engine_with(hooks: EventHooks) -> rawengine.Engine:
    transport = HttpxTransport.for_mock(httpx.MockTransport(handler))
    return rawengine.Engine(transport=transport, event_hooks=hooks)


async def test_plain_calls_report_request_then_response_with_status_and_time() -> None:
    seen: list[object] = []
    async with engine_with({"request": [seen.append], "response": [seen.append]}) as engine:
        assert await engine.list_containers() == []
        with pytest.raises(rawengine.NotFoundError):
            await engine.inspect_container("missing")
    ping, ping_reply, sent, reply, sent404, reply404 = seen
    assert ping == rawengine.RequestSent(1, "GET", "/_ping", "plain")
    assert isinstance(ping_reply, rawengine.ResponseReceived) and ping_reply.request is ping
    assert sent == rawengine.RequestSent(2, "GET", "/v1.41/containers/json", "plain")
    assert isinstance(reply, rawengine.ResponseReceived)
    assert reply.request is sent and reply.status_code == 200 and reply.elapsed >= 0
    assert sent404 == rawengine.RequestSent(3, "GET", "/v1.41/containers/missing/json", "plain")
    assert isinstance(reply404, rawengine.ResponseReceived) and reply404.status_code == 404


async def test_async_callbacks_are_awaited_and_streams_report_their_close(tmp_socket_dir: str) -> None:
    seen: list[object] = []

    async def record(event: object) -> None:
        seen.append(event)

    async with FakeEngine(f"{tmp_socket_dir}/fake.sock") as fake:
        fake.route("/images/create", reply(http_response(200, PULL_LINE)))
        async with rawengine.Engine(fake.host, event_hooks={"response": [record], "close": [record]}) as engine:
            await engine.pull_image("busybox", tag="1.36")
    stages = [type(event).__name__ for event in seen]
    assert stages == ["ResponseReceived", "ResponseReceived", "StreamClosed"]
    response, closed = seen[1], seen[2]
    assert isinstance(response, rawengine.ResponseReceived) and isinstance(closed, rawengine.StreamClosed)
    assert response.request.kind == "stream" and closed.request is response.request
    assert closed.elapsed >= response.elapsed


async def test_a_call_with_no_response_reports_an_error(tmp_socket_dir: str) -> None:
    failures: list[rawengine.CallFailed] = []
    engine = rawengine.Engine(f"unix://{tmp_socket_dir}/nobody.sock", event_hooks={"error": [failures.append]})
    with pytest.raises(rawengine.ConnectError):
        await engine.ping()
    await engine.aclose()
    (failure,) = failures
    assert failure.request.path == "/_ping" and isinstance(failure.error, rawengine.ConnectError)


async def test_credentials_never_reach_a_hook(tmp_socket_dir: str) -> None:
    events: list[object] = []
    secret = "hunter2-do-not-log"
    hooks = {stage: [events.append] for stage in ("request", "response", "error", "close")}
    async with FakeEngine(f"{tmp_socket_dir}/fake.sock") as fake:
        fake.route("/images/create", reply(http_response(200, PULL_LINE)))
        async with rawengine.Engine(fake.host, event_hooks=hooks) as engine:
            await engine.pull_image("busybox", tag="1.36", auth={"username": "u", "password": secret})
    assert fake.calls[-1].header("X-Registry-Auth")  # the engine got the credentials; the hooks did not
    assert len(events) == 5  # ping request/response, pull request/response/close
    text = " ".join(repr(event) for event in events)
    assert secret not in text and "X-Registry-Auth" not in text


async def test_an_exception_in_a_hook_reaches_the_caller() -> None:
    def refuse(event: object) -> None:
        raise RuntimeError("hook says no")

    engine = engine_with({"request": [refuse]})
    with pytest.raises(RuntimeError, match="hook says no"):
        await engine.ping()
    await engine.aclose()


def test_unknown_stages_and_non_callables_are_refused_at_once() -> None:
    with pytest.raises(ValueError, match="unknown event hook stage"):
        rawengine.Engine(event_hooks={"requests": [print]})
    with pytest.raises(TypeError, match="not callable"):
        rawengine.Engine(event_hooks={"request": ["print"]})  # type: ignore[list-item]
