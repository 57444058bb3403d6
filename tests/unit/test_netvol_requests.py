"""Request builders of networks, volumes and the small container operations, byte by byte."""

from __future__ import annotations

import pytest

import rawengine
from rawengine._endpoints import container_ops, containers, networks, volumes
from rawengine._models.networks import NetworkCreate
from rawengine._models.volumes import VolumeCreate

LABEL_FILTER = "filters=%7B%22label%22%3A%5B%22k%3Dv%22%5D%7D"


def test_network_create_always_asks_for_duplicate_checks() -> None:
    ipam = rawengine.IPAMConfig(config=[rawengine.IPAMPool(subnet="10.9.0.0/24", gateway="10.9.0.1")])
    body = NetworkCreate(name="n", check_duplicate=True, internal=False, ipam=ipam, labels={"k": "v"})
    request = networks.create(body)
    assert (request.method, request.path, request.query, request.content_type) == (
        "POST",
        "/networks/create",
        "",
        "application/json",
    )
    assert request.body == (
        b'{"Name":"n","CheckDuplicate":true,"Internal":false,'
        b'"IPAM":{"Config":[{"Subnet":"10.9.0.0/24","Gateway":"10.9.0.1"}]},"Labels":{"k":"v"}}'
    )
    assert networks.create(NetworkCreate(name="m", check_duplicate=True)).body == b'{"Name":"m","CheckDuplicate":true}'
    with pytest.raises(ValueError):
        networks.create(NetworkCreate(name="", check_duplicate=True))


def test_network_requests() -> None:
    assert networks.list_().query == ""
    assert (networks.list_(filters={"label": ["k=v"]}).path, networks.list_(filters={"label": ["k=v"]}).query) == (
        "/networks",
        LABEL_FILTER,
    )
    assert networks.inspect("a b/c").path == "/networks/a%20b%2Fc"
    assert networks.inspect("n", verbose=True).query == "verbose=1"
    endpoint = rawengine.EndpointSettings(
        aliases=["db"], ipam_config=rawengine.EndpointIPAMConfig(ipv4_address="10.9.0.7")
    )
    connect = networks.connect("n", "c1", endpoint)
    assert (connect.method, connect.path) == ("POST", "/networks/n/connect")
    assert (
        connect.body
        == b'{"Container":"c1","EndpointConfig":{"Aliases":["db"],"IPAMConfig":{"IPv4Address":"10.9.0.7"}}}'
    )
    assert networks.connect("n", "c1").body == b'{"Container":"c1"}'
    disconnect = networks.disconnect("n", "c1", force=True)
    assert (disconnect.path, disconnect.body) == ("/networks/n/disconnect", b'{"Container":"c1","Force":true}')
    assert networks.disconnect("n", "c1").body == b'{"Container":"c1","Force":false}'
    remove = networks.remove("n?x")
    assert (remove.method, remove.path) == ("DELETE", "/networks/n%3Fx")
    prune = networks.prune(filters={"label": ["k=v"]})
    assert (prune.method, prune.path, prune.query) == ("POST", "/networks/prune", LABEL_FILTER)
    for bad in ("", "..", "../containers"):
        with pytest.raises(ValueError):
            networks.inspect(bad)
    with pytest.raises(ValueError):
        networks.connect("n", "")


def test_volume_requests() -> None:
    create = volumes.create(VolumeCreate(name="v", labels={"k": "v"}))
    assert (create.method, create.path, create.body) == ("POST", "/volumes/create", b'{"Name":"v","Labels":{"k":"v"}}')
    assert volumes.create(VolumeCreate()).body == b"{}"
    assert volumes.list_(filters={"label": ["k=v"]}).query == LABEL_FILTER
    assert volumes.inspect("v/1").path == "/volumes/v%2F1"
    assert (volumes.remove("v").method, volumes.remove("v").query) == ("DELETE", "")
    assert volumes.remove("v", force=True).query == "force=1"
    assert volumes.prune(filters={"label": ["k=v"]}).query == LABEL_FILTER
    assert volumes.prune(filters={"label": ["k=v"]}, all=True).query == (
        "filters=%7B%22label%22%3A%5B%22k%3Dv%22%5D%2C%22all%22%3A%5B%22true%22%5D%7D"
    )
    assert volumes.prune().query == ""
    assert volumes.prune(all=True).query == "filters=%7B%22all%22%3A%5B%22true%22%5D%7D"
    with pytest.raises(ValueError, match="all=True"):
        volumes.prune(filters={"all": ["true"]})


@pytest.mark.parametrize(
    ("kind", "release", "api", "knows"),
    [
        ("docker", (20, 10, 24), "1.41", False),
        ("docker", (23, 0, 0), "1.42", True),
        ("docker", (29, 0, 0), "1.52", True),
        ("podman", (4, 3, 1), "1.41", False),
        ("podman", (5, 8, 2), "1.44", False),
        ("podman", (6, 0, 0), "1.44", True),
    ],
)
def test_which_engines_prune_anonymous_volumes_only(
    kind: str, release: tuple[int, int, int], api: str, knows: bool
) -> None:
    assert volumes.prune_knows_all(kind, release, api) is knows


def test_small_container_requests() -> None:
    assert (container_ops.top("c").method, container_ops.top("c").path, container_ops.top("c").query) == (
        "GET",
        "/containers/c/top",
        "",
    )
    assert container_ops.top("c", ps_args="-o pid,args").query == "ps_args=-o%20pid%2Cargs"
    assert (container_ops.pause("c").method, container_ops.pause("c").path) == ("POST", "/containers/c/pause")
    assert container_ops.unpause("c#1").path == "/containers/c%231/unpause"
    rename = container_ops.rename("c", "new name&x")
    assert (rename.path, rename.query) == ("/containers/c/rename", "name=new%20name%26x")
    resize = container_ops.resize("c", height=30, width=100)
    assert (resize.method, resize.path, resize.query) == ("POST", "/containers/c/resize", "h=30&w=100")
    for bad in ((0, 10), (10, -1)):
        with pytest.raises(ValueError):
            container_ops.resize("c", height=bad[0], width=bad[1])
    with pytest.raises(ValueError):
        container_ops.rename("c", " ")


def test_update_sends_zero_and_leaves_out_what_is_unset() -> None:
    request = container_ops.update("c", rawengine.ContainerUpdate(pids_limit=0, cpu_shares=0, memory=64))
    assert (request.method, request.path, request.content_type) == ("POST", "/containers/c/update", "application/json")
    assert request.body == b'{"CpuShares":0,"Memory":64,"PidsLimit":0}'
    assert container_ops.update("c", rawengine.ContainerUpdate()).body == b"{}"
    full = rawengine.ContainerUpdate(
        nano_cpus=5, cpu_period=1, cpu_quota=2, cpuset_cpus="0", cpuset_mems="0", memory_swap=-1,
        memory_reservation=3, blkio_weight=10, restart_policy=rawengine.RestartPolicy(name="no"),
    )  # fmt: skip
    assert container_ops.update("c", full).body == (
        b'{"NanoCpus":5,"CpuPeriod":1,"CpuQuota":2,"CpusetCpus":"0","CpusetMems":"0","MemorySwap":-1,'
        b'"MemoryReservation":3,"BlkioWeight":10,"RestartPolicy":{"Name":"no"}}'
    )
    kept = container_ops.with_restart_policy(
        rawengine.ContainerUpdate(memory=1), rawengine.RestartPolicy(name="always")
    )
    assert container_ops.update("c", kept).body == b'{"Memory":1,"RestartPolicy":{"Name":"always"}}'
    assert container_ops.with_restart_policy(kept, None).restart_policy == rawengine.RestartPolicy(name="no")


@pytest.mark.parametrize(
    ("kind", "release", "routed"),
    [
        ("docker", (20, 10, 24), True),
        ("podman", (4, 3, 1), False),
        ("podman", (5, 0, 3), False),
        ("podman", (5, 1, 0), True),
    ],
)
def test_which_engines_route_update(kind: str, release: tuple[int, int, int], routed: bool) -> None:
    assert container_ops.update_routed(kind, release) is routed


def test_create_body_with_mounts_and_networks() -> None:
    config = rawengine.ContainerConfig(
        image="i",
        host_config=rawengine.HostConfig(
            binds=["/a:/b"],
            mounts=[
                rawengine.BindMount(
                    source="/h", target="/c", read_only=True, bind_options=rawengine.BindOptions(propagation="rshared")
                ),
                rawengine.VolumeMount(
                    source="v", target="/v", volume_options=rawengine.VolumeOptions(no_copy=True, labels={"k": "v"})
                ),
                rawengine.VolumeMount(target="/anon"),
                rawengine.TmpfsMount(target="/t", tmpfs_options=rawengine.TmpfsOptions(size_bytes=1024, mode=0o1777)),
            ],
        ),
        networking_config=rawengine.NetworkingConfig(
            endpoints_config={"net": rawengine.EndpointSettings(aliases=["web"])}
        ),
    )
    assert containers.create(config).body == (
        b'{"Image":"i","HostConfig":{"Binds":["/a:/b"],"Mounts":['
        b'{"Type":"bind","Source":"/h","Target":"/c","ReadOnly":true,"BindOptions":{"Propagation":"rshared"}},'
        b'{"Type":"volume","Target":"/v","Source":"v","VolumeOptions":{"NoCopy":true,"Labels":{"k":"v"}}},'
        b'{"Type":"volume","Target":"/anon"},'
        b'{"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":1024,"Mode":1023}}]},'
        b'"NetworkingConfig":{"EndpointsConfig":{"net":{"Aliases":["web"]}}}}'
    )


@pytest.mark.parametrize(
    ("port", "protocol", "key"), [(80, "tcp", "80/tcp"), ("53", "udp", "53/udp"), ("1/sctp", "tcp", "1/sctp")]
)
def test_port_keys(port: int | str, protocol: str, key: str) -> None:
    assert container_ops.port_key(port, protocol) == key


def test_port_key_refuses_names() -> None:
    with pytest.raises(ValueError):
        container_ops.port_key("http")
