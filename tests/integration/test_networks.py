"""Networks against the real engines: create, connect by alias and static address, disconnect, remove, prune."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest

import rawengine
from tests.conftest import Resources, unique

PREFIX = "rn-nv"
LABEL = "rn-nv.test"


class Networks:
    """Creates labelled networks with the rn-nv prefix and removes exactly those afterwards."""

    def __init__(self, engine: rawengine.Engine) -> None:
        self.engine = engine
        self.names: list[str] = []
        self.run_label = f"{LABEL}={unique(PREFIX)}"  # one value per test: prune filters see only these

    async def create(self, *, subnet: bool = False, **kwargs: object) -> tuple[str, str]:
        name = unique(PREFIX)
        self.names.append(name)
        ipam = None
        prefix = ""
        if subnet:  # Docker and Podman share this host's address space: a random /24 each time
            prefix = f"10.{random.randint(160, 250)}.{random.randint(0, 255)}"
            ipam = rawengine.IPAMConfig(config=[rawengine.IPAMPool(subnet=f"{prefix}.0/24", gateway=f"{prefix}.1")])
        key, _, value = self.run_label.partition("=")
        labels = {key: value}
        created = await self.engine.create_network(name, ipam=ipam, labels=labels, **kwargs)  # type: ignore[arg-type]
        assert len(created.id) == 64 and created.warnings == []
        return name, prefix

    async def cleanup(self) -> None:
        for name in reversed(self.names):
            try:
                await self.engine.remove_network(name)
            except rawengine.NotFoundError:
                pass


@pytest.fixture
async def networks(engine: rawengine.Engine, resources: Resources) -> AsyncIterator[Networks]:
    owned = Networks(engine)
    try:
        yield owned
    finally:
        await resources.cleanup()  # containers first: a network in use cannot be removed
        await owned.cleanup()


async def test_create_inspect_list_and_duplicate(
    engine: rawengine.Engine, networks: Networks, engine_name: str
) -> None:
    mtu = {"com.docker.network.driver.mtu": "1400"} if engine_name == "docker" else {"mtu": "1400"}
    name, prefix = await networks.create(subnet=True, internal=True, driver="bridge", options=mtu)
    info = await engine.inspect_network(name)
    assert info.options == mtu
    assert info.name == name and info.internal and info.driver == "bridge"
    assert info.subnets == [f"{prefix}.0/24"] and info.gateways == [f"{prefix}.1"]
    assert info.labels == {LABEL: networks.run_label.partition("=")[2]}
    assert info.containers == {}
    listed = await engine.list_networks(filters={"label": [networks.run_label]})
    assert [n.name for n in listed] == [name]
    with pytest.raises(rawengine.ConflictError):  # Docker needs CheckDuplicate; Podman 4.3 says 500
        await engine.create_network(name)
    with pytest.raises(rawengine.NotFoundError):
        await engine.inspect_network(unique(PREFIX))


async def test_two_containers_reach_each_other_by_alias(
    engine: rawengine.Engine, resources: Resources, networks: Networks
) -> None:
    name, _ = await networks.create()
    endpoints = {name: rawengine.EndpointSettings(aliases=["alpha"])}
    server = await resources.container(  # the image's own CMD: busybox httpd on port 80
        rawengine.ContainerConfig(networking_config=rawengine.NetworkingConfig(endpoints_config=endpoints))
    )
    client = await resources.container(rawengine.ContainerConfig())  # httpd as well, joined after start
    await engine.connect_network(name, client, aliases=["beta"])
    attached = (await engine.inspect_network(name)).containers or {}
    assert set(attached) == {server, client}
    request = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 {} 80"
    for source, alias in ((client, "alpha"), (server, "beta")):
        result = await engine.run_exec(source, ["sh", "-c", request.format(alias)])
        assert result.stdout.startswith(b"HTTP/1."), (alias, result)
    unknown = await engine.run_exec(client, ["sh", "-c", request.format("gamma")])
    assert not unknown.stdout.startswith(b"HTTP/1.")  # the check can fail: a name nobody has


async def test_static_address_and_disconnect(
    engine: rawengine.Engine, resources: Resources, networks: Networks, engine_name: str
) -> None:
    name, prefix = await networks.create(subnet=True)
    cid = await resources.container()
    await engine.connect_network(name, cid, ipv4_address=f"{prefix}.77", aliases=["db"])
    endpoint = ((await engine.inspect_container(cid)).network_settings.networks or {})[name]
    assert endpoint.ip_address == f"{prefix}.77"
    assert endpoint.aliases is not None and "db" in endpoint.aliases
    attached = (await engine.inspect_network(name)).containers or {}
    assert attached[cid].ipv4_address == f"{prefix}.77/24"
    with pytest.raises(rawengine.ConflictError):  # attached already: Docker's 403, Podman's 500
        await engine.connect_network(name, cid)
    if engine_name == "docker":  # Podman 4.3 refuses it too, but then fails to inspect the network (500)
        other = await resources.container()
        with pytest.raises(rawengine.ConflictError):  # the address is taken
            await engine.connect_network(name, other, ipv4_address=f"{prefix}.77")
    with pytest.raises(rawengine.ConflictError):  # in use: Docker's 403, Podman's 500
        await engine.remove_network(name)
    await engine.disconnect_network(name, cid)
    assert name not in ((await engine.inspect_container(cid)).network_settings.networks or {})
    with pytest.raises(rawengine.ConflictError):  # not connected: 500 on both engines
        await engine.disconnect_network(name, cid)
    await engine.connect_network(name, cid)  # an address from the pool this time
    endpoint = ((await engine.inspect_container(cid)).network_settings.networks or {})[name]
    assert endpoint.ip_address.startswith(prefix + ".") and endpoint.ip_prefix_len == 24
    await engine.disconnect_network(name, cid, force=True)
    assert (await engine.inspect_network(name)).containers == {}


async def test_remove_by_id_refuses_a_network_in_use(
    engine: rawengine.Engine, resources: Resources, networks: Networks
) -> None:
    name, _ = await networks.create()
    cid = await resources.container()
    await engine.connect_network(name, cid)
    network_id = (await engine.inspect_network(name)).id
    with pytest.raises(rawengine.ConflictError):  # Podman 4.3 would remove it, by id, if asked so
        await engine.remove_network(network_id)
    assert (await engine.inspect_network(name)).id == network_id
    await engine.disconnect_network(name, cid)
    await engine.remove_network(network_id)
    with pytest.raises(rawengine.NotFoundError):
        await engine.inspect_network(network_id)


async def test_prune_removes_only_unused_labelled_networks(
    engine: rawengine.Engine, resources: Resources, networks: Networks
) -> None:
    unused, _ = await networks.create()
    used, _ = await networks.create()
    cid = await resources.container()
    await engine.connect_network(used, cid)
    outsider = unique(PREFIX)  # same prefix, not our label: must survive
    networks.names.append(outsider)
    await engine.create_network(outsider, labels={LABEL: "other"})
    removed = await engine.prune_networks(filters={"label": [networks.run_label]})
    assert removed == [unused]
    remaining = {n.name for n in await engine.list_networks(filters={"name": [PREFIX]})}
    assert used in remaining and outsider in remaining and unused not in remaining
