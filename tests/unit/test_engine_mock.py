"""The Engine over `httpx.MockTransport`: negotiation, error mapping and decoding without an engine."""

from __future__ import annotations

import httpx
import pytest

import rawengine
from rawengine._transport.httpx_transport import HttpxTransport

PING_HEADERS = {"Api-Version": "1.41", "Ostype": "linux", "Server": "Docker/20.10.24+dfsg1 (linux)"}


def make_engine(handler: httpx.MockTransport) -> rawengine.Engine:
    return rawengine.Engine(transport=HttpxTransport.for_mock(handler))


async def test_negotiates_from_unversioned_ping() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        if request.url.path == "/_ping":
            return httpx.Response(200, headers=PING_HEADERS, text="OK")
        return httpx.Response(200, json={"Version": "20.10.24", "ApiVersion": "1.41", "MinAPIVersion": "1.12"})

    async with make_engine(httpx.MockTransport(handler)) as engine:
        version = await engine.version()
    assert version.api_version == "1.41"
    assert version.min_api_version == "1.12"
    assert seen == ["/_ping", "/v1.41/version"]


async def test_pinned_version_skips_ping() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return httpx.Response(200, json=[])

    engine = rawengine.Engine(api_version="1.44", transport=HttpxTransport.for_mock(httpx.MockTransport(handler)))
    assert await engine.list_containers(all=True) == []
    await engine.aclose()
    assert seen == ["/v1.44/containers/json?all=1"]


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (404, {"message": "No such container: x"}, rawengine.NotFoundError),
        (409, {"message": "Conflict. The container name is already in use"}, rawengine.ConflictError),
        (400, {"message": "bad"}, rawengine.BadRequestError),
        (
            500,
            {"cause": "that name is already in use", "message": "x: that name is already in use"},
            rawengine.ConflictError,
        ),
        (500, {"message": "something broke"}, rawengine.ServerError),
    ],
)
async def test_status_maps_to_error_class(status: int, body: dict[str, str], cls: type[rawengine.APIError]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/_ping":
            return httpx.Response(200, headers=PING_HEADERS, text="OK")
        return httpx.Response(status, json=body)

    async with make_engine(httpx.MockTransport(handler)) as engine:
        with pytest.raises(cls) as info:
            await engine.inspect_container("x")
    assert type(info.value) is cls
    assert info.value.message == body["message"]
    assert info.value.path == "/containers/x/json"
    assert str(info.value) == f"{status} GET /containers/x/json: {body['message']}"


async def test_wrong_shape_is_protocol_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/_ping":
            return httpx.Response(200, headers=PING_HEADERS, text="OK")
        return httpx.Response(200, json={"Id": 5})

    async with make_engine(httpx.MockTransport(handler)) as engine:
        with pytest.raises(rawengine.ProtocolError, match=r"\$\.Id"):
            await engine.inspect_container("x")


async def test_connect_error_is_mapped() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    engine = make_engine(httpx.MockTransport(handler))
    with pytest.raises(rawengine.ConnectError):
        await engine.ping()
    await engine.aclose()
