"""`docker stats`' figures against samples recorded from both engines (tests/data/stats/README.md)."""

from __future__ import annotations

import pathlib

import msgspec
import pytest

from rawengine import ContainerStats, PodmanContainerStats
from rawengine._endpoints.stats import decoder
from rawengine._models.stats import rfc3339_nanos

DATA = pathlib.Path(__file__).parent.parent / "data" / "stats"


def samples(name: str, engine: str) -> list[ContainerStats]:
    parse = decoder(engine)
    return parse.decode((DATA / name).read_bytes()) + parse.flush()


def test_docker_stream_sample_cgroup_v1() -> None:
    first, second = samples("docker-stream.jsonl", "docker")
    assert type(second) is ContainerStats
    assert not first.has_previous and first.cpu_percent == 0.0
    assert second.has_previous
    # 128199517 ns of CPU over 2030000000 ns of host time on 2 CPUs
    assert second.cpu_percent == pytest.approx(128199517 / 2030000000 * 2 * 100)
    assert second.cpu_stats.cpus == 2
    # v1: usage minus total_inactive_file (the 20 MB dd wrote sits in the page cache)
    assert second.memory_usage == 22011904 - 20971520
    assert second.memory_percent == pytest.approx((22011904 - 20971520) / 25276182528 * 100)
    assert (second.network_rx_bytes, second.network_tx_bytes) == (586, 0)
    assert (second.block_read_bytes, second.block_write_bytes) == (0, 0)
    assert second.pids == 2 and second.name.startswith("/rn-ar-rec")
    assert second.container_id == second.id and len(second.id) == 64


def test_docker_nostream_and_oneshot() -> None:
    (nostream,) = samples("docker-nostream.json", "docker")
    assert nostream.cpu_percent == pytest.approx(116006935 / 2130000000 * 2 * 100)
    (oneshot,) = samples("docker-oneshot.json", "docker")
    assert not oneshot.has_previous and oneshot.cpu_percent == 0.0
    assert oneshot.precpu_stats.system_cpu_usage == 0 and oneshot.preread == "0001-01-01T00:00:00Z"
    # Two samples give a CPU % between them.
    expected = (
        (nostream.cpu_stats.cpu_usage.total_usage - oneshot.cpu_stats.cpu_usage.total_usage)
        / (nostream.cpu_stats.system_cpu_usage - oneshot.cpu_stats.system_cpu_usage)
        * 2
        * 100
    )
    assert nostream.cpu_percent_since(oneshot) == pytest.approx(expected)
    assert 0 < expected < 200


def test_podman_samples_use_the_wall_clock() -> None:
    first, second, third = samples("podman-stream.jsonl", "podman")
    assert type(second) is PodmanContainerStats
    assert second.container_id == second.podman_id and len(second.podman_id) == 64 and second.id == ""
    assert not second.name.startswith("/")
    wall = rfc3339_nanos(second.read) - rfc3339_nanos(second.preread)  # type: ignore[operator]
    assert wall == 5_005_059_899  # 15:42:19.071235670 - 15:42:14.066175771
    assert second.cpu_percent == pytest.approx(749195831 / wall * 100)
    docker_formula = 749195831 / 9834933468 * 2 * 100  # what the Docker formula gives from Podman's fields
    assert abs(second.cpu_percent - docker_formula) < 1  # this host was busy: busy time ~ host time
    # Podman 4.3 sends no memory_stats.stats: the figure is usage, page cache included
    assert second.memory_stats.stats is None and second.memory_usage == second.memory_stats.usage == 21929984
    assert (third.network_rx_bytes, third.network_tx_bytes) == (656, 656)
    assert list(third.networks or {}) == ["network"]  # 4.3's one fake network entry


@pytest.mark.parametrize("name", ["podman-oneshot.json", "podman-nostream.json"])
def test_podman_single_samples_have_no_previous(name: str) -> None:
    (sample,) = samples(name, "podman")
    assert sample.precpu_stats.cpu_usage.total_usage == 0 and not sample.has_previous
    assert sample.cpu_percent == 0.0


def test_cgroup_v2_keys() -> None:
    (sample,) = samples("synthetic-cgroup2.json", "docker")
    assert sample.cpu_stats.cpu_usage.percpu_usage is None and sample.cpu_stats.cpus == 2
    assert sample.cpu_percent == pytest.approx(116006935 / 2130000000 * 2 * 100)
    assert sample.memory_usage == 22011904 - 20905984  # usage - inactive_file
    assert (sample.block_read_bytes, sample.block_write_bytes) == (4096 + 8192, 20971520)


def _with(base: ContainerStats, **memory: object) -> ContainerStats:
    raw = msgspec.json.decode(msgspec.json.encode(base))
    raw["memory_stats"] = memory
    return msgspec.json.decode(msgspec.json.encode(raw), type=ContainerStats)


def test_memory_rules_in_docker_cli_order() -> None:
    (base,) = samples("docker-nostream.json", "docker")
    # v1 key not below usage: falls through to the v2 key, then to usage
    assert _with(base, usage=100, limit=0, stats={"total_inactive_file": 100, "inactive_file": 30}).memory_usage == 70
    assert _with(base, usage=100, limit=0, stats={"total_inactive_file": 150}).memory_usage == 100
    assert _with(base, usage=100, limit=0, stats={"inactive_file": 100}).memory_usage == 100
    assert _with(base, usage=100, limit=0).memory_percent == 0.0
    assert _with(base, usage=100, limit=400).memory_percent == 25.0


def test_cpu_zero_unless_both_deltas_positive_and_percpu_fallback() -> None:
    (base,) = samples("docker-nostream.json", "docker")
    raw = msgspec.json.decode(msgspec.json.encode(base))
    raw["cpu_stats"]["online_cpus"] = 0  # docker/cli counts percpu_usage then
    assert msgspec.json.decode(msgspec.json.encode(raw), type=ContainerStats).cpu_percent == base.cpu_percent
    raw["cpu_stats"]["system_cpu_usage"] = raw["precpu_stats"]["system_cpu_usage"]
    assert msgspec.json.decode(msgspec.json.encode(raw), type=ContainerStats).cpu_percent == 0.0


@pytest.mark.parametrize(
    ("text", "nanos"),
    [
        ("1970-01-01T00:00:01Z", 1_000_000_000),
        ("1970-01-01T00:00:01.5Z", 1_500_000_000),
        ("1970-01-01T01:00:00.000000001+01:00", 1),
        ("0001-01-01T00:00:00Z", None),
        ("garbage", None),
    ],
)
def test_rfc3339_nanos(text: str, nanos: int | None) -> None:
    assert rfc3339_nanos(text) == nanos
