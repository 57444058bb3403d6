"""Volumes and typed mounts against the real engines: a named volume outlives its container, tmpfs and bind
mounts work, remove and prune touch only what they should."""

from __future__ import annotations

import os
import pathlib
import tempfile
from collections.abc import AsyncIterator, Iterator

import pytest

import rawengine
from tests.conftest import Resources, unique

PREFIX = "rn-nv"
LABEL = "rn-nv.test"


class Volumes:
    def __init__(self, engine: rawengine.Engine) -> None:
        self.engine = engine
        self.names: list[str] = []
        self.value = unique(PREFIX)
        self.label = f"{LABEL}={self.value}"

    async def create(self, name: str | None = None, **labels: str) -> str:
        volume = await self.engine.create_volume(name or unique(PREFIX), labels={LABEL: self.value, **labels})
        self.names.append(volume.name)
        return volume.name

    async def cleanup(self) -> None:
        for name in reversed(self.names):
            try:
                await self.engine.remove_volume(name, force=True)
            except rawengine.NotFoundError:
                pass


@pytest.fixture
async def volumes(engine: rawengine.Engine, resources: Resources) -> AsyncIterator[Volumes]:
    owned = Volumes(engine)
    try:
        yield owned
    finally:
        await resources.cleanup()  # containers first: a volume in use cannot be removed
        await owned.cleanup()


def _with_mounts(cmd: list[str], *mounts: rawengine.Mount) -> rawengine.ContainerConfig:
    return rawengine.ContainerConfig(cmd=cmd, host_config=rawengine.HostConfig(mounts=list(mounts)))


async def test_create_inspect_list_remove(engine: rawengine.Engine, volumes: Volumes) -> None:
    name = await volumes.create(extra="x")
    info = await engine.inspect_volume(name)
    assert info.name == name and info.driver == "local" and info.mountpoint
    assert info.labels == {LABEL: volumes.value, "extra": "x"}
    assert (await engine.create_volume(name)).name == name  # an existing name: that volume, unchanged
    listed = await engine.list_volumes(filters={"label": [volumes.label]})
    assert [v.name for v in listed.volumes] == [name]
    assert listed.warnings == []
    await engine.remove_volume(name)
    with pytest.raises(rawengine.NotFoundError):
        await engine.inspect_volume(name)
    with pytest.raises(rawengine.NotFoundError):
        await engine.remove_volume(name)
    await engine.remove_volume(name, force=True)  # force: a missing volume is no error, on both engines


async def test_named_volume_outlives_its_container(
    engine: rawengine.Engine, resources: Resources, volumes: Volumes
) -> None:
    name = await volumes.create()
    mount = rawengine.VolumeMount(source=name, target="/data")
    writer = await resources.container(_with_mounts(["sh", "-c", "echo kept > /data/file"], mount))
    assert (await engine.wait_container(writer)).status_code == 0
    info = await engine.inspect_container(writer)
    assert [(m.type, m.name, m.destination) for m in info.mounts or []] == [("volume", name, "/data")]
    with pytest.raises(rawengine.ConflictError):  # still used by the stopped container
        await engine.remove_volume(name)
    await engine.remove_container(writer)
    reader = await resources.container(_with_mounts(["sleep", "60"], rawengine.VolumeMount(source=name, target="/in")))
    result = await engine.run_exec(reader, ["cat", "/in/file"])
    assert result.stdout == b"kept\n"


@pytest.fixture
def host_dir() -> Iterator[str]:
    """A host folder to bind-mount, holding `hello`, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="rn-nv-") as path:
        pathlib.Path(path, "hello").write_text("from the host\n")
        os.chmod(path, 0o755)
        yield path


async def test_tmpfs_and_bind_mounts(engine: rawengine.Engine, resources: Resources, host_dir: str) -> None:
    config = _with_mounts(
        ["sleep", "60"],
        rawengine.BindMount(
            source=host_dir,
            target="/host",
            read_only=True,
            bind_options=rawengine.BindOptions(propagation="rprivate"),
        ),
        rawengine.TmpfsMount(
            target="/scratch", tmpfs_options=rawengine.TmpfsOptions(size_bytes=4 * 2**20, mode=0o1777)
        ),
    )
    cid = await resources.container(config)
    assert (await engine.run_exec(cid, ["cat", "/host/hello"])).stdout == b"from the host\n"
    refused = await engine.run_exec(cid, ["sh", "-c", "echo x > /host/new"])
    assert refused.exit_code != 0  # read-only bind
    mounts = (await engine.run_exec(cid, ["grep", " /scratch ", "/proc/mounts"])).stdout.decode()
    assert mounts.startswith("tmpfs /scratch tmpfs") and "size=4096k" in mounts, mounts
    mode = await engine.run_exec(cid, ["stat", "-c", "%a", "/scratch"])
    assert mode.stdout == b"1777\n"
    wrote = await engine.run_exec(cid, ["sh", "-c", "echo t > /scratch/f && cat /scratch/f"])
    assert wrote.stdout == b"t\n"


async def test_prune_removes_only_unused_labelled_volumes(
    engine: rawengine.Engine, resources: Resources, volumes: Volumes
) -> None:
    unused = await volumes.create()
    used = await volumes.create()
    await resources.container(_with_mounts(["sleep", "60"], rawengine.VolumeMount(source=used, target="/v")))
    outsider = await volumes.create()  # carries our prefix but another label value: must survive
    await engine.remove_volume(outsider)
    outsider = (await engine.create_volume(outsider, labels={LABEL: "other"})).name
    with pytest.raises(rawengine.UnsupportedError) as info:  # both engines here also prune named volumes
        await engine.prune_volumes(filters={"label": [volumes.label]})
    assert "all=True" in str(info.value) and info.value.api_version == "1.41"
    assert {v.name for v in (await engine.list_volumes(filters={"label": [volumes.label]})).volumes} == {unused, used}
    pruned = await engine.prune_volumes(filters={"label": [volumes.label]}, all=True)
    assert pruned.volumes_deleted == [unused] and pruned.space_reclaimed >= 0
    names = {v.name for v in (await engine.list_volumes(filters={"name": [PREFIX]})).volumes}
    assert used in names and outsider in names and unused not in names
