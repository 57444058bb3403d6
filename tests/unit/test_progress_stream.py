"""Pull and build progress through the Engine, replaying recorded engine replies.

No registry is reachable here, so a successful pull can only be replayed: a fake transport
answers `POST /images/create` with the lines a real Docker 20.10 pull sent (engine-api-notes.md),
cut at awkward points. Failures are tested against the real engines in tests/integration.
"""

from __future__ import annotations

import base64
import json
from collections import deque
from types import TracebackType
from typing import NoReturn, Self

import pytest

import rawengine
from rawengine._protocol.http11 import Head
from rawengine._transport import Body, Response
from tests.unit.test_jsonlines import DOCKER_BUILD_FAILURE, DOCKER_PULL, DOCKER_PULL_MESSAGES, PODMAN_PULL_FAILURE

Headers = tuple[tuple[str, str], ...]

DOCKER_BUILD = (
    b'{"stream":"Step 1/2 : FROM rawengine/test:base"}\r\n{"stream":"\\n"}\r\n'
    b'{"stream":" ---\\u003e 916395588fea\\n"}\r\n{"stream":"Step 2/2 : CMD [\\"sh\\"]"}\r\n'
    b'{"aux":{"ID":"sha256:93b1ce63322c793a8c6aead1af14fcca828c3a9148bd39d04a1ae36b835b08f0"}}\r\n'
    b'{"stream":"Successfully built 93b1ce63322c\\n"}\r\n'
)


class FakeExchange:
    def __init__(self, status: int, chunks: list[bytes]) -> None:
        self.head = Head(status, b"", {})
        self._chunks = deque(chunks)
        self.closed = False

    async def receive(self) -> bytes:
        return self._chunks.popleft() if self._chunks else b""

    async def read_all(self, limit: int = 1024 * 1024) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.closed = True


class FakeTransport:
    """Answers the ping, and every streamed request with one canned reply."""

    def __init__(self, status: int, chunks: list[bytes]) -> None:
        self.reply = FakeExchange(status, chunks)
        self.sent: list[tuple[str, str, Headers]] = []

    async def request(
        self, method: str, target: str, headers: Headers = (), body: Body = None, *, extra_time: float = 0.0
    ) -> Response:
        assert target == "/_ping"
        return Response(Head(200, b"OK", {b"api-version": b"1.41"}), b"OK")

    def stream(self, method: str, target: str, headers: Headers = (), body: Body = None) -> FakeExchange:
        self.sent.append((method, target, headers))
        return self.reply

    def upgrade(self, method: str, target: str, headers: Headers = (), body: bytes = b"") -> NoReturn:
        raise AssertionError("no upgrade expected")

    async def aclose(self) -> None:
        pass


def cut(data: bytes, *sizes: int) -> list[bytes]:
    pieces, start = [], 0
    for size in sizes:
        pieces.append(data[start : start + size])
        start += size
    return [*pieces, data[start:]]


async def test_pull_image_hands_every_message_to_the_hook() -> None:
    transport = FakeTransport(200, cut(DOCKER_PULL, 1, 47, 3, 200, 2))
    seen: list[rawengine.ProgressMessage] = []
    async with rawengine.Engine(transport=transport) as engine:
        await engine.pull_image("localhost:5999/probe-pull:v2", on_progress=seen.append)
    assert seen == DOCKER_PULL_MESSAGES
    assert transport.reply.closed
    assert transport.sent == [("POST", "/v1.41/images/create?fromImage=localhost%3A5999%2Fprobe-pull%3Av2", ())]


async def test_pull_stream_feeds_a_progress_bar() -> None:
    transport = FakeTransport(200, [DOCKER_PULL[i : i + 7] for i in range(0, len(DOCKER_PULL), 7)])
    layers: dict[str, tuple[int, int]] = {}
    async with (
        rawengine.Engine(transport=transport) as engine,
        engine.pull_stream("localhost:5999/probe-pull:v2") as pull,
    ):
        async for message in pull:
            detail = message.progress_detail
            if message.id and detail is not None and detail.total:
                layers[message.id] = (detail.current or 0, detail.total)
    assert layers == {"fe7c357144ba": (1031771, 1031771)}
    assert pull.image_id is None  # a pull reports no image id


@pytest.mark.parametrize(
    ("image", "tag", "query"),
    [
        ("busybox", None, "fromImage=busybox&tag=latest"),
        ("busybox:1.36", None, "fromImage=busybox%3A1.36"),
        ("busybox:1.36", "1.35", "fromImage=busybox&tag=1.35"),
        ("localhost:5000/web", None, "fromImage=localhost%3A5000%2Fweb&tag=latest"),
        ("web@sha256:" + "a" * 64, None, "fromImage=web%40sha256%3A" + "a" * 64),
    ],
)
async def test_pull_asks_for_latest_not_every_tag(image: str, tag: str | None, query: str) -> None:
    transport = FakeTransport(200, [])
    async with rawengine.Engine(transport=transport) as engine:
        await engine.pull_image(image, tag=tag)
    assert transport.sent[0][1] == "/v1.41/images/create?" + query


async def test_pull_sends_registry_auth() -> None:
    transport = FakeTransport(200, [])
    auth = {"username": "jane", "password": "s3cret/+", "serveraddress": "registry.example.com"}
    async with rawengine.Engine(transport=transport) as engine:
        await engine.pull_image("registry.example.com/web:v1", auth=auth)
    (name, value), *_ = transport.sent[0][2]
    assert name == "X-Registry-Auth"
    assert json.loads(base64.urlsafe_b64decode(value)) == auth


@pytest.mark.parametrize("status", [404, 500])
async def test_pull_error_by_status_is_stream_error(status: int) -> None:
    body = b'{"message":"Get \\"http://localhost:1/v2/\\": connection refused"}'
    async with rawengine.Engine(transport=FakeTransport(status, [body])) as engine:
        with pytest.raises(rawengine.StreamError) as info:
            await engine.pull_image("localhost:1/nope")
    assert info.value.message == 'Get "http://localhost:1/v2/": connection refused'
    assert isinstance(info.value.__cause__, rawengine.APIError)
    assert info.value.__cause__.status_code == status


async def test_pull_error_in_band_is_stream_error() -> None:
    async with rawengine.Engine(transport=FakeTransport(200, cut(PODMAN_PULL_FAILURE, 30))) as engine:
        with pytest.raises(rawengine.StreamError, match="^initializing source"):
            await engine.pull_image("localhost:1/nope")


async def test_pull_bad_reference_stays_bad_request() -> None:
    reply = FakeTransport(400, [b'{"message":"invalid reference format"}'])
    async with rawengine.Engine(transport=reply) as engine:
        with pytest.raises(rawengine.BadRequestError, match="invalid reference format"):
            await engine.pull_image("BAD//ref")


async def test_build_image_returns_the_aux_id() -> None:
    seen: list[str] = []
    transport = FakeTransport(200, cut(DOCKER_BUILD, 5, 100))
    async with rawengine.Engine(transport=transport) as engine:
        image_id = await engine.build_image(
            b"tar", tag=["web:v1", "web:latest"], on_progress=lambda m: seen.append(m.stream or "")
        )
    assert image_id == "sha256:93b1ce63322c793a8c6aead1af14fcca828c3a9148bd39d04a1ae36b835b08f0"
    assert "Successfully built 93b1ce63322c\n" in seen
    assert transport.sent[0][1] == "/v1.41/build?t=web%3Av1&t=web%3Alatest&rm=1"
    assert transport.sent[0][2] == (("Content-Type", "application/x-tar"),)


async def test_build_without_an_id_is_protocol_error() -> None:
    async with rawengine.Engine(transport=FakeTransport(200, [b'{"stream":"Step 1/1 : FROM x\\n"}\n'])) as engine:
        with pytest.raises(rawengine.ProtocolError, match=r"aux\.ID"):
            await engine.build_image(b"tar")


async def test_build_stream_failure_after_the_step_output() -> None:
    streams: list[str] = []
    async with rawengine.Engine(transport=FakeTransport(200, [DOCKER_BUILD_FAILURE])) as engine:
        with pytest.raises(rawengine.StreamError) as info:
            async with engine.build_stream(b"tar", nocache=True, forcerm=True) as build:
                async for message in build:
                    streams.append(message.stream or "")  # noqa: PERF401 - keep what came before the error
    assert streams == ["Step 2/2 : RUN exit 7", "\n", " ---> Running in 7c21f2248220\n"]
    assert info.value.detail["code"] == 7
