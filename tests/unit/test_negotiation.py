"""API version negotiation: the pure choice, and the whole exchange against a fake engine.

rawengine speaks `min(engine's Api-Version, MAX_API_VERSION)` and refuses engines older than
`MIN_API_VERSION`; a missing or unreadable announcement is a clear `ProtocolError` (and
`Engine(api_version=...)` is the way out). Concurrent first calls share one ping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

import rawengine
from rawengine import MAX_API_VERSION, MIN_API_VERSION, ProtocolError
from rawengine._endpoints.system import choose_api_version
from tests.fake_engine import FakeConnection, FakeEngine, Recorded, http_response, reply

BOUND = 10

INSPECT = http_response(200, b'{"Id":"abc"}')


def test_supported_range() -> None:
    assert (MIN_API_VERSION, MAX_API_VERSION) == ("1.24", "1.55")


@pytest.mark.parametrize(
    ("announced", "chosen"),
    [
        ("1.24", "1.24"),  # the oldest rawengine speaks
        ("1.41", "1.41"),  # Docker 20.10, Podman 4.3
        ("1.44", "1.44"),  # current Docker's minimum
        ("1.55", "1.55"),  # rawengine's newest
        ("1.56", "1.55"),  # newer engines: rawengine's newest
        ("2.0", "1.55"),
        (" 1.41 ", "1.41"),
        ("1.041", "1.41"),
    ],
)
def test_choose(announced: str, chosen: str) -> None:
    assert choose_api_version(announced) == chosen


@pytest.mark.parametrize("announced", ["1.23", "1.12", "0.99"])
def test_too_old(announced: str) -> None:
    with pytest.raises(ProtocolError, match=f"speaks API {announced}, older than 1.24"):
        choose_api_version(announced)


@pytest.mark.parametrize(
    "announced", ["", "abc", "1", "1.41.0", "v1.41", "1.4x", "1.41; rm -rf /", "1.41\x00", "１.４１", "1." + "9" * 50]
)
def test_malformed(announced: str) -> None:
    with pytest.raises(ProtocolError, match="unreadable API version") as info:
        choose_api_version(announced)
    assert "Engine(api_version=" in str(info.value)
    assert len(str(info.value)) < 200  # a hostile announcement is cut short in the message


def test_missing() -> None:
    with pytest.raises(ProtocolError, match="no Api-Version header"):
        choose_api_version(None)


# ------------------------------------------------------------------ against the fake engine


@pytest.fixture
async def fake(tmp_socket_dir: str) -> AsyncIterator[FakeEngine]:
    async with FakeEngine(f"{tmp_socket_dir}/engine.sock") as fake:
        fake.route("/containers/abc/json", reply(INSPECT))
        yield fake


@pytest.mark.parametrize(
    ("announced", "chosen"), [("1.24", "1.24"), ("1.41", "1.41"), ("1.44", "1.44"), ("1.55", "1.55"), ("1.60", "1.55")]
)
async def test_negotiated_against_the_fake_engine(fake: FakeEngine, announced: str, chosen: str) -> None:
    fake.api_version = announced
    async with rawengine.Engine(fake.host) as engine:
        assert engine.api_version == chosen
        with anyio.fail_after(BOUND):
            assert (await engine.inspect_container("abc")).id == "abc"
    assert [r.request_line for r in fake.requests] == [
        b"GET /_ping HTTP/1.1",  # unversioned: every engine answers it
        f"GET /v{chosen}/containers/abc/json HTTP/1.1".encode(),
    ]


@pytest.mark.parametrize("announced", ["1.23", "garbage", "1.41.0", None])
async def test_refused_against_the_fake_engine(fake: FakeEngine, announced: str | None) -> None:
    fake.api_version = announced
    engine = rawengine.Engine(fake.host)
    try:
        with anyio.fail_after(BOUND), pytest.raises(ProtocolError, match="API version|Api-Version|older than"):
            await engine.inspect_container("abc")
        assert fake.calls == []  # nothing but the ping was sent
        assert engine.api_version is None
    finally:
        await engine.aclose()


async def test_pinned_version_skips_the_ping(fake: FakeEngine) -> None:
    fake.api_version = None
    async with rawengine.Engine(fake.host, api_version="1.30") as engine:
        with anyio.fail_after(BOUND):
            await engine.inspect_container("abc")
    assert [r.request_line for r in fake.requests] == [b"GET /v1.30/containers/abc/json HTTP/1.1"]


@pytest.mark.parametrize("pinned", ["", "latest", "1.41/../..", "1.41?x", "1.41\r\nX: y"])
def test_invalid_pinned_version(pinned: str) -> None:
    with pytest.raises(ValueError):
        rawengine.Engine("unix:///nonexistent.sock", api_version=pinned)


async def test_concurrent_first_calls_ping_once(fake: FakeEngine) -> None:
    fake.ping_delay = 0.3
    engine = rawengine.Engine(fake.host)
    try:
        with anyio.fail_after(BOUND):
            async with anyio.create_task_group() as tasks:
                for _ in range(50):
                    tasks.start_soon(engine.inspect_container, "abc")
        assert fake.pings == 1
        assert len(fake.calls) == 50
        assert all(r.target == "/v1.41/containers/abc/json" for r in fake.calls)
    finally:
        await engine.aclose()


def _version(engine: rawengine.Engine) -> str | None:
    return engine.api_version  # read afresh (a plain attribute read would stay narrowed for mypy)


async def test_failed_or_cancelled_ping_is_not_remembered(fake: FakeEngine) -> None:
    answers = [http_response(500, b'{"message":"starting up"}'), None]

    async def flaky_ping(request: Recorded, conn: FakeConnection) -> None:
        answer = answers.pop(0) if answers else b""
        if answer is None:
            await anyio.sleep(60)  # the second ping hangs until cancelled
        elif answer:
            await conn.send(answer)
        else:
            await conn.send(b"HTTP/1.1 200 OK\r\nApi-Version: 1.44\r\nContent-Length: 2\r\n\r\nOK")

    fake.route("/_ping", flaky_ping)
    engine = rawengine.Engine(fake.host)
    try:
        with anyio.fail_after(BOUND), pytest.raises(rawengine.ServerError, match="starting up"):
            await engine.inspect_container("abc")
        with anyio.move_on_after(0.3) as scope:
            await engine.inspect_container("abc")
        assert scope.cancelled_caught
        assert _version(engine) is None
        with anyio.fail_after(BOUND):
            assert (await engine.inspect_container("abc")).id == "abc"
        assert _version(engine) == "1.44"
        assert fake.calls[-1].target == "/v1.44/containers/abc/json"
    finally:
        await engine.aclose()
