"""top, pause/unpause, rename, update, resize and port lookup against the real engines."""

from __future__ import annotations

import anyio
import pytest

import rawengine
from tests.conftest import TEST_LABEL, Resources, unique

PREFIX = "rn-nv"


async def test_top(engine: rawengine.Engine, resources: Resources, engine_name: str) -> None:
    cid = await resources.container(rawengine.ContainerConfig(cmd=["sleep", "61"]))
    # Docker hands ps_args to the host's ps, Podman to psgo: each its own spelling of "pid and command"
    ps_args = "-o pid,args" if engine_name == "docker" else "pid,args"
    # Right after start, PID 1 may still be the runtime's init, before it execs `sleep`: ask until it has
    with anyio.fail_after(20):
        while True:
            top = await engine.top_container(cid, ps_args=ps_args)
            if len(top.titles) == 2 and "sleep 61" in top.column(top.titles[1]):
                break
            await anyio.sleep(0.05)
    assert top.titles[0] == "PID" and len(top.titles) == 2
    assert "sleep 61" in top.column(top.titles[1])
    assert all(pid.isdigit() for pid in top.column("PID"))
    assert {"PID", top.titles[1]} == set(top.rows[0])
    with pytest.raises(KeyError, match="no column"):
        top.column("NOPE")
    if engine_name == "docker":
        default = await engine.top_container(cid)
        assert default.titles[:2] == ["UID", "PID"]
    stopped = await resources.container(start=False)
    with pytest.raises(rawengine.ConflictError):
        await engine.top_container(stopped, ps_args=ps_args)


async def test_pause_unpause(engine: rawengine.Engine, resources: Resources) -> None:
    cid = await resources.container()
    await engine.pause_container(cid)
    state = (await engine.inspect_container(cid)).state
    assert state.paused and state.status == "paused"
    with pytest.raises(rawengine.ConflictError):
        await engine.pause_container(cid)
    await engine.unpause_container(cid)
    state = (await engine.inspect_container(cid)).state
    assert not state.paused and state.running
    with pytest.raises(rawengine.ConflictError):  # Docker 20.10 answers 500 "is not paused"
        await engine.unpause_container(cid)
    created = await resources.container(start=False)
    with pytest.raises(rawengine.ConflictError):
        await engine.pause_container(created)


async def test_rename(engine: rawengine.Engine, resources: Resources) -> None:
    cid = await resources.container(start=False)
    other = unique(PREFIX)
    await resources.container(name=other, start=False)
    new = unique(PREFIX)
    await engine.rename_container(cid, new)
    assert (await engine.inspect_container(new)).id == cid
    with pytest.raises(rawengine.ConflictError):
        await engine.rename_container(cid, other)
    with pytest.raises(rawengine.NotFoundError):
        await engine.rename_container(unique(PREFIX), unique(PREFIX))
    with pytest.raises(ValueError):
        await engine.rename_container(cid, "")


async def test_update_changes_what_inspect_reports(
    engine: rawengine.Engine, resources: Resources, engine_name: str
) -> None:
    cid = await resources.container()
    changes = rawengine.ContainerUpdate(
        memory=64 * 2**20,
        memory_swap=128 * 2**20,
        nano_cpus=500_000_000,
        cpu_shares=512,
        pids_limit=100,
        restart_policy=rawengine.RestartPolicy(name="on-failure", maximum_retry_count=3),
    )
    if engine_name == "podman":  # Podman 4.3's compat API has no update route
        with pytest.raises(rawengine.UnsupportedError) as info:
            await engine.update_container(cid, changes)
        assert info.value.engine.startswith("Podman 4.") and "5.1" in str(info.value)
        assert info.value.feature == "update_container" and info.value.api_version == "1.41"
        return
    assert await engine.update_container(cid, changes) == []
    host = (await engine.inspect_container(cid)).host_config
    assert (host.memory, host.memory_swap, host.nano_cpus, host.cpu_shares, host.pids_limit) == (
        64 * 2**20,
        128 * 2**20,
        500_000_000,
        512,
        100,
    )
    assert host.restart_policy == rawengine.RestartPolicy(name="on-failure", maximum_retry_count=3)
    # 0 is sent, not dropped: the pids limit goes back to "none" and the retry count to 0
    policy = rawengine.RestartPolicy(name="always", maximum_retry_count=0)
    await engine.update_container(cid, rawengine.ContainerUpdate(pids_limit=0, restart_policy=policy))
    host = (await engine.inspect_container(cid)).host_config
    assert host.pids_limit in (0, None) and host.memory == 64 * 2**20  # unset fields stay as they were
    assert host.restart_policy == rawengine.RestartPolicy(name="always")
    with pytest.raises(rawengine.NotFoundError):
        await engine.update_container(unique(PREFIX), rawengine.ContainerUpdate(pids_limit=10))


async def test_resize(engine: rawengine.Engine, resources: Resources) -> None:
    cid = await resources.container(rawengine.ContainerConfig(cmd=["sleep", "60"], tty=True, open_stdin=True))
    await engine.resize_container(cid, height=33, width=101)
    size = await engine.run_exec(cid, ["stty", "-F", "/dev/console", "size"])
    assert size.stdout.strip() == b"33 101", size
    created = await resources.container(rawengine.ContainerConfig(cmd=["true"], tty=True), start=False)
    with pytest.raises(rawengine.ConflictError):
        await engine.resize_container(created, height=10, width=10)
    with pytest.raises(ValueError):
        await engine.resize_container(cid, height=0, width=10)


async def test_container_port(engine: rawengine.Engine, resources: Resources) -> None:
    host_config = rawengine.HostConfig(
        port_bindings={"80/tcp": [rawengine.PortBinding(host_ip="127.0.0.1")]}  # an ephemeral host port
    )
    config = rawengine.ContainerConfig(exposed_ports={"80/tcp": {}, "81/udp": {}}, host_config=host_config)
    cid = await resources.container(config)
    by_id = await engine.container_port(cid, 80)
    assert len(by_id) == 1 and by_id[0].host_ip == "127.0.0.1" and int(by_id[0].host_port) > 0
    summary = (await engine.list_containers(filters={"id": [cid], "label": [TEST_LABEL]}))[0]
    assert await engine.container_port(summary, "80/tcp") == by_id
    inspected = await engine.inspect_container(cid)
    assert await engine.container_port(inspected, 80, "tcp") == by_id
    assert await engine.container_port(cid, 81, "udp") == []
    assert await engine.container_port(cid, 8080) == []
    with pytest.raises(ValueError):
        await engine.container_port(cid, "http")
