"""`Engine("tcp://...")` goes through the httpx transport: the same calls work against the real engines."""

from __future__ import annotations

import rawengine
from tests.conftest import Resources
from tests.tcp_relay import tcp_to_unix


async def test_tcp_host_lifecycle(engine_host: str, resources: Resources) -> None:
    cid = await resources.container()
    async with (
        tcp_to_unix(engine_host.removeprefix("unix://")) as port,
        rawengine.Engine(f"tcp://127.0.0.1:{port}") as engine,
    ):
        assert (await engine.ping()).api_version == "1.41"
        info = await engine.inspect_container(cid)
        assert info.state.running
        assert cid in [c.id for c in await engine.list_containers(filters={"id": [cid]})]
        assert await engine.stop_container(cid, timeout=0) is True
