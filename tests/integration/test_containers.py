"""Container lifecycle against the real engines (Docker and Podman, asyncio and trio)."""

from __future__ import annotations

import anyio
import pytest

import rawengine
import rawengine._transport
from tests.conftest import TEST_LABEL, Resources, unique


async def test_ping_and_version(engine: rawengine.Engine, engine_name: str) -> None:
    ping = await engine.ping()
    assert ping.engine == engine_name
    assert engine.api_version == "1.41"
    version = await engine.version()
    assert version.engine == engine_name
    assert version.api_version == "1.41"
    info = await engine.info()
    assert info.ncpu >= 1


async def test_lifecycle(engine: rawengine.Engine, resources: Resources) -> None:
    name = unique()
    cid = await resources.container(
        rawengine.ContainerConfig(cmd=["sleep", "60"], labels={"k": "v"}), name=name, start=False
    )
    assert await engine.start_container(cid) is True
    assert await engine.start_container(cid) is False  # 304: already started
    info = await engine.inspect_container(cid)
    assert info.state.running
    assert info.config.labels is not None and info.config.labels["k"] == "v"
    assert info.name.lstrip("/") == name
    listed = await engine.list_containers(filters={"label": [TEST_LABEL], "name": [name]})
    assert [c.id for c in listed] == [cid]
    assert listed[0].name == name
    assert await engine.stop_container(cid, timeout=1) is True
    assert await engine.stop_container(cid, timeout=1) is False  # 304: already stopped
    result = await engine.wait_container(cid)
    assert result.status_code == 137  # sleep ignores SIGTERM as PID 1
    assert not (await engine.inspect_container(cid)).state.running
    await engine.restart_container(cid, timeout=0)
    assert (await engine.inspect_container(cid)).state.running
    await engine.kill_container(cid)
    assert (await engine.wait_container(cid)).status_code == 137
    await engine.remove_container(cid)
    with pytest.raises(rawengine.NotFoundError):
        await engine.inspect_container(cid)


async def test_exit_code_and_wait(engine: rawengine.Engine, resources: Resources) -> None:
    cid = await resources.container(rawengine.ContainerConfig(cmd=["sh", "-c", "exit 7"]))
    assert (await engine.wait_container(cid)).status_code == 7


async def test_name_in_use_is_conflict(engine: rawengine.Engine, resources: Resources) -> None:
    name = unique()
    await resources.container(name=name, start=False)
    with pytest.raises(rawengine.ConflictError) as info:
        await resources.container(name=name, start=False)
    assert "in use" in info.value.message


async def test_missing_container_and_image(engine: rawengine.Engine) -> None:
    with pytest.raises(rawengine.NotFoundError) as info:
        await engine.inspect_container("rawengine-test-does-not-exist")
    assert info.value.status_code == 404
    assert info.value.method == "GET"
    assert info.value.path == "/containers/rawengine-test-does-not-exist/json"
    with pytest.raises(rawengine.NotFoundError):
        await engine.create_container(rawengine.ContainerConfig(image="rawengine/test:no-such-tag", cmd=["true"]))


async def test_invalid_config_is_bad_request(engine: rawengine.Engine, resources: Resources) -> None:
    policy = rawengine.RestartPolicy(name="bogus")
    with pytest.raises(rawengine.BadRequestError) as info:
        await resources.container(
            rawengine.ContainerConfig(cmd=["true"], host_config=rawengine.HostConfig(restart_policy=policy)),
            start=False,
        )
    assert "bogus" in info.value.message


async def test_kill_not_running_is_conflict(engine: rawengine.Engine, resources: Resources) -> None:
    cid = await resources.container(start=False)
    with pytest.raises(rawengine.ConflictError):
        await engine.kill_container(cid)


async def test_remove_running_without_force_is_conflict(engine: rawengine.Engine, resources: Resources) -> None:
    cid = await resources.container()
    with pytest.raises(rawengine.ConflictError):
        await engine.remove_container(cid)


async def test_missing_socket_is_connect_error(tmp_socket_dir: str) -> None:
    engine = rawengine.Engine(f"unix://{tmp_socket_dir}/nothing.sock")
    with pytest.raises(rawengine.ConnectError) as info:
        await engine.ping()
    assert "nothing.sock" in str(info.value)
    assert "no engine socket" in str(info.value)
    await engine.aclose()


async def test_many_tasks_share_a_bounded_pool(engine_host: str, resources: Resources) -> None:
    cid = await resources.container()
    peak = 0
    async with rawengine.Engine(engine_host, max_connections=4) as shared:
        transport = shared._transport
        assert isinstance(transport, rawengine._transport.UnixTransport)

        async def inspect() -> None:
            nonlocal peak
            for _ in range(10):
                info = await shared.inspect_container(cid)
                assert info.id == cid
                peak = max(peak, transport.connections_in_use)

        async with anyio.create_task_group() as tg:
            for _ in range(50):
                tg.start_soon(inspect)
        assert peak <= 4
        assert transport.connections_in_use == 0
        assert 1 <= transport.idle_connections <= 4


def test_an_engine_kept_across_asyncio_runs_reconnects(engine_host: str) -> None:
    """A pooled connection belongs to the loop that opened it: a later `asyncio.run` (a test
    harness with a loop per test, say) gets a fresh one instead of a future from a dead loop."""
    engine = rawengine.Engine(engine_host)

    async def use() -> int:
        assert (await engine.ping()).api_version
        await engine.list_containers()
        transport = engine._transport
        assert isinstance(transport, rawengine._transport.UnixTransport)
        return transport.idle_connections

    try:
        for _ in range(3):
            assert anyio.run(use, backend="asyncio") >= 1
    finally:
        anyio.run(engine.aclose, backend="asyncio")
