"""The typed replies of networks, volumes, top and update, decoded from replies recorded on Docker 20.10
and Podman 4.3 (trimmed ids; every key as the engine sent it)."""

from __future__ import annotations

import pickle

import msgspec
import pytest

import rawengine
from rawengine._endpoints import container_ops, containers, networks, volumes
from rawengine._engine.release import parse_release

DOCKER_NETWORK = (
    b'{"Name":"rn-nv-p1","Id":"69fd550dfe0e","Created":"2026-12-07T15:36:43.910622276Z","Scope":"local",'
    b'"Driver":"bridge","EnableIPv6":false,"IPAM":{"Driver":"default","Options":null,"Config":[{"Subnet":'
    b'"10.233.0.0/24","Gateway":"10.233.0.1"}]},"Internal":false,"Attachable":false,"Ingress":false,'
    b'"ConfigFrom":{"Network":""},"ConfigOnly":false,"Containers":{"740841b1668c":{"Name":"rn-nv-c2",'
    b'"EndpointID":"54f552df8930","MacAddress":"02:42:0a:e9:00:4d","IPv4Address":"10.233.0.77/24",'
    b'"IPv6Address":""}},"Options":{},"Labels":{"rn-nv":"1"}}'
)
PODMAN_NETWORK = (
    b'{"Name":"rn-nv-p1","Id":"54367b52d05c","Created":"2026-12-07T15:36:44.533346583Z","Scope":"local",'
    b'"Driver":"bridge","EnableIPv6":false,"IPAM":{"Driver":"default","Options":{"driver":"host-local"},'
    b'"Config":[{"Subnet":"10.234.0.0/24","Gateway":"10.234.0.1"}]},"Internal":false,"Attachable":false,'
    b'"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,"Containers":{"0fe6e9a67c06":{"Name":'
    b'"rn-nv-c2","EndpointID":"","MacAddress":"6e:fc:4e:f5:fd:bd","IPv4Address":"10.234.0.77/24",'
    b'"IPv6Address":""}},"Options":{},"Labels":{"rn-nv":"1"}}'
)


@pytest.mark.parametrize(("body", "subnet", "cid", "endpoint"), [
    (DOCKER_NETWORK, "10.233.0.0/24", "740841b1668c", "54f552df8930"),
    (PODMAN_NETWORK, "10.234.0.0/24", "0fe6e9a67c06", ""),
])  # fmt: skip
def test_network_inspect(body: bytes, subnet: str, cid: str, endpoint: str) -> None:
    network = networks.INSPECT.decode(body)
    assert (network.name, network.driver, network.internal, network.labels) == (
        "rn-nv-p1",
        "bridge",
        False,
        {"rn-nv": "1"},
    )
    assert network.subnets == [subnet] and network.gateways == [subnet.replace("0/24", "1")]
    member = (network.containers or {})[cid]
    assert (member.name, member.endpoint_id) == ("rn-nv-c2", endpoint)
    assert member.ipv4_address == subnet.replace("0/24", "77/24")
    assert networks.LIST.decode(b"[" + body + b"]") == [network]
    assert networks.LIST.decode(b"null") is None


def test_network_create_and_prune_replies() -> None:
    created = networks.CREATED.decode(b'{"Id":"194f45ca7cb0","Warning":""}')
    assert (created.id, created.warnings) == ("194f45ca7cb0", [])
    assert networks.CREATED.decode(b'{"Id":"x","Warning":"w"}').warnings == ["w"]
    pruned = networks.PRUNED.decode(b'{"NetworksDeleted":["rn-nv-pr3","rn-nv-pr4"]}')
    assert pruned.networks_deleted == ["rn-nv-pr3", "rn-nv-pr4"]
    assert networks.PRUNED.decode(b'{"NetworksDeleted":null}').networks_deleted is None


DOCKER_VOLUMES = (
    b'{"Volumes":[{"CreatedAt":"2026-12-07T15:37:34Z","Driver":"local","Labels":{"rn-nv":"1"},"Mountpoint":'
    b'"/var/lib/docker/volumes/rn-nv-v1/_data","Name":"rn-nv-v1","Options":{},"Scope":"local"}],"Warnings":null}'
)
PODMAN_VOLUMES = (
    b'{"Volumes":[{"CreatedAt":"2026-12-07T15:37:34Z","Driver":"local","Labels":{"rn-nv":"1"},"Mountpoint":'
    b'"/var/lib/containers/storage/volumes/rn-nv-v1/_data","Name":"rn-nv-v1","Options":null,"Scope":"local"}],'
    b'"Warnings":[]}'
)


@pytest.mark.parametrize("body", [DOCKER_VOLUMES, PODMAN_VOLUMES])
def test_volume_replies(body: bytes) -> None:
    reply = volumes.LIST.decode(body)
    assert reply.volumes is not None
    (volume,) = reply.volumes
    assert (volume.name, volume.driver, volume.scope, volume.labels) == ("rn-nv-v1", "local", "local", {"rn-nv": "1"})
    assert volume.mountpoint.endswith("/volumes/rn-nv-v1/_data") and volume.created_at == "2026-12-07T15:37:34Z"
    assert reply.warnings in (None, [])
    inner = msgspec.json.encode(msgspec.json.decode(body)["Volumes"][0])
    assert volumes.INSPECT.decode(inner) == volume


def test_volume_prune_reply() -> None:
    reply = volumes.PRUNED.decode(b'{"VolumesDeleted":["rn-nv-v1","a30eee874626"],"SpaceReclaimed":0}')
    assert (reply.volumes_deleted, reply.space_reclaimed) == (["rn-nv-v1", "a30eee874626"], 0)
    assert volumes.PRUNED.decode(b'{"VolumesDeleted":null,"SpaceReclaimed":0}').volumes_deleted is None


@pytest.mark.parametrize(("body", "titles", "first"), [
    (b'{"Processes":[["root","19835","19814","3","15:38","?","00:00:00","sleep 300"]],'
     b'"Titles":["UID","PID","PPID","C","STIME","TTY","TIME","CMD"]}', 8, {"PID": "19835", "CMD": "sleep 300"}),
    (b'{"Processes":[["1","sleep 300"]],"Titles":["PID","COMMAND"]}', 2, {"PID": "1", "COMMAND": "sleep 300"}),
])  # fmt: skip
def test_top_replies(body: bytes, titles: int, first: dict[str, str]) -> None:
    reply = container_ops.TOP.decode(body)
    top = rawengine.ContainerTop(titles=reply.titles or [], processes=reply.processes or [])
    assert len(top.titles) == titles
    assert first.items() <= top.rows[0].items()
    assert top.column("PID") == [first["PID"]]


def test_update_reply() -> None:
    assert container_ops.UPDATED.decode(b'{"Warnings":null}').warnings is None
    assert container_ops.UPDATED.decode(b'{"Warnings":["w"]}').warnings == ["w"]


def test_inspect_reads_mounts_endpoints_and_resources() -> None:
    body = (
        b'{"Id":"c","HostConfig":{"Memory":67108864,"MemorySwap":134217728,"CpuShares":512,"PidsLimit":100,'
        b'"NanoCpus":500000000,"CpuQuota":0,"CpuPeriod":0,"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3}},'
        b'"Mounts":[{"Type":"volume","Name":"rn-nv-v2","Source":"/var/lib/docker/volumes/rn-nv-v2/_data",'
        b'"Destination":"/data","Driver":"local","Mode":"z","RW":true,"Propagation":""},{"Type":"bind","Source":'
        b'"/tmp","Destination":"/hosttmp","Mode":"","RW":false,"Propagation":"rprivate"}],'
        b'"NetworkSettings":{"Ports":{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"49153"},{"HostIp":"::","HostPort":'
        b'"49154"}],"81/udp":null},"Networks":{"rn-nv-p1":{"IPAMConfig":{"IPv4Address":"10.233.0.77"},"Aliases":'
        b'["beta","740841b1668c"],"NetworkID":"69fd","IPAddress":"10.233.0.77","IPPrefixLen":24}}}}'
    )
    info = containers.INSPECT.decode(body)
    host = info.host_config
    assert (host.memory, host.memory_swap, host.cpu_shares, host.pids_limit, host.nano_cpus) == (
        64 * 2**20, 128 * 2**20, 512, 100, 500_000_000,
    )  # fmt: skip
    assert host.restart_policy == rawengine.RestartPolicy(name="on-failure", maximum_retry_count=3)
    assert [(m.type, m.name or m.source, m.destination, m.rw) for m in info.mounts or []] == [
        ("volume", "rn-nv-v2", "/data", True),
        ("bind", "/tmp", "/hosttmp", False),
    ]
    endpoint = (info.network_settings.networks or {})["rn-nv-p1"]
    assert (endpoint.ip_address, endpoint.ip_prefix_len, endpoint.aliases) == (
        "10.233.0.77",
        24,
        ["beta", "740841b1668c"],
    )
    # IPv4 and IPv6 may get different host ports: both are returned
    assert container_ops.port_bindings(info, 80) == [
        rawengine.PortBinding(host_ip="0.0.0.0", host_port="49153"),
        rawengine.PortBinding(host_ip="::", host_port="49154"),
    ]
    assert container_ops.port_bindings(info, 81, "udp") == []
    assert container_ops.port_bindings(info, 82) == []
    podman = containers.INSPECT.decode(
        b'{"Id":"p","HostConfig":{"PidsLimit":2048,"RestartPolicy":{"Name":"","MaximumRetryCount":0}}}'
    )
    assert (podman.host_config.pids_limit, podman.mounts) == (2048, None)


def test_unsupported_error_is_an_engine_error_and_pickles() -> None:
    error = rawengine.UnsupportedError("update_container", engine="Podman 4.3.1", api_version="1.41", hint="from 5.1")
    assert isinstance(error, rawengine.EngineError) and not isinstance(error, rawengine.APIError)
    assert str(error) == "update_container is not supported by Podman 4.3.1 (API 1.41): from 5.1"
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.feature, copy.engine, copy.api_version, copy.hint) == (
        rawengine.UnsupportedError, str(error), "update_container", "Podman 4.3.1", "1.41", "from 5.1",
    )  # fmt: skip
    assert (
        str(rawengine.UnsupportedError("x", engine="Docker", api_version=None))
        == "x is not supported by Docker (API unknown)"
    )


@pytest.mark.parametrize(("text", "parsed"), [
    ("4.3.1", (4, 3, 1)), ("20.10.24+dfsg1", (20, 10, 24)), ("5.1.0-rc1", (5, 1, 0)),
    ("6", (6, 0, 0)), ("", (0, 0, 0)), ("dev", (0, 0, 0)),
])  # fmt: skip
def test_release_numbers(text: str, parsed: tuple[int, int, int]) -> None:
    assert parse_release(text) == parsed
