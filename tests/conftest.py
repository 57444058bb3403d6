"""Fixtures shared by every test.

Every async test runs on asyncio and trio (`anyio_backend`). Integration tests take the
`engine` fixture, parametrised over the real Docker and Podman engines that `scripts/engine-up`
starts; an engine that does not answer fails the run (it is never skipped silently).

Tests clean up only what they created: containers carry the `rawengine.test` label and are
removed through `resources`; images are removed only by the reference the test created.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import anyio
import pytest

import rawengine

ENGINES = {
    "docker": os.environ.get("RAWENGINE_DOCKER_HOST", "unix:///var/run/docker.sock"),
    "podman": os.environ.get("RAWENGINE_PODMAN_HOST", "unix:///run/podman/podman.sock"),
}
SELECTED = [name for name in os.environ.get("RAWENGINE_ENGINES", "docker podman").split() if name in ENGINES]
BASE_IMAGE = "rawengine/test:base"
TEST_LABEL = "rawengine.test"


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _answers(host: str) -> bool:
    path = host.removeprefix("unix://")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(5)
        try:
            sock.connect(path)
            sock.sendall(b"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
            return sock.recv(64).startswith(b"HTTP/1.1 200")
        except OSError:
            return False


async def _ensure_base_image(host: str) -> str:
    async with rawengine.Engine(host) as engine:
        try:
            return (await engine.inspect_image(BASE_IMAGE)).id
        except rawengine.NotFoundError:
            return await engine.import_image(
                rawengine.busybox_rootfs(), repo="rawengine/test", tag="base", changes=[rawengine.BUSYBOX_HTTPD_CMD]
            )


@pytest.fixture(scope="session", params=SELECTED)
def engine_name(request: pytest.FixtureRequest) -> str:
    """`docker` or `podman`; fails the run when that engine does not answer."""
    name = str(request.param)
    if not _answers(ENGINES[name]):
        pytest.fail(
            f"the {name} engine does not answer on {ENGINES[name]}: run `bash scripts/engine-up` (make test does)"
        )
    return name


@pytest.fixture(scope="session")
def engine_host(engine_name: str) -> str:
    return ENGINES[engine_name]


@pytest.fixture(scope="session")
def base_image(engine_host: str) -> str:
    """`rawengine/test:base`: busybox with httpd serving /www, imported once per engine if missing."""
    anyio.run(_ensure_base_image, engine_host)
    return BASE_IMAGE


@pytest.fixture
async def engine(engine_host: str, base_image: str) -> AsyncIterator[rawengine.Engine]:
    async with rawengine.Engine(engine_host) as engine:
        yield engine


def unique(prefix: str = "rawengine-test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Resources:
    """Creates labelled containers and remembers images, and removes exactly those afterwards."""

    engine: rawengine.Engine
    image: str
    containers: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)

    async def container(
        self, config: rawengine.ContainerConfig | None = None, *, name: str | None = None, start: bool = True
    ) -> str:
        config = config or rawengine.ContainerConfig(image=self.image, cmd=["sleep", "3600"])
        if config.image is rawengine.ContainerConfig().image:
            config.image = self.image
        labels = dict(config.labels) if isinstance(config.labels, dict) else {}
        labels[TEST_LABEL] = "1"
        config.labels = labels
        created = await self.engine.create_container(config, name=name or unique())
        self.containers.append(created.id)
        if start:
            await self.engine.start_container(created.id)
        return created.id

    def image_ref(self, repo: str = "rawengine/test-tmp") -> str:
        ref = f"{repo}:{uuid.uuid4().hex[:10]}"
        self.images.append(ref)
        return ref

    async def cleanup(self) -> None:
        with anyio.CancelScope(shield=True):
            for cid in reversed(self.containers):
                try:
                    await self.engine.remove_container(cid, force=True)
                except rawengine.NotFoundError:
                    pass
            for ref in reversed(self.images):
                try:
                    await self.engine.remove_image(ref, force=True)
                except rawengine.NotFoundError:
                    pass


@pytest.fixture
async def resources(engine: rawengine.Engine, base_image: str) -> AsyncIterator[Resources]:
    res = Resources(engine, base_image)
    try:
        yield res
    finally:
        await res.cleanup()


@pytest.fixture
def tmp_socket_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A short directory for test Unix sockets (paths are limited to about 100 bytes)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="re-") as path:
        yield path
