"""Stats on the real engines: a busy container's CPU %, one-shot samples, errors."""

from __future__ import annotations

import anyio
import pytest

import rawengine
from tests.conftest import Resources, unique

BUSY = ["timeout", "20", "sh", "-c", "while :; do :; done"]


async def _busy(resources: Resources) -> str:
    return await resources.container(rawengine.ContainerConfig(cmd=BUSY), name=unique("rn-ar"))


async def test_stream_of_a_busy_container(engine: rawengine.Engine, engine_name: str, resources: Resources) -> None:
    cid = await _busy(resources)
    seen: list[rawengine.ContainerStats] = []
    with anyio.fail_after(30):  # Docker samples every second, Podman every 5 s
        async with engine.stats_stream(cid) as stream:
            async for sample in stream:
                seen.append(sample)
                if sum(s.has_previous for s in seen) == 2:
                    break
    last = seen[-1]
    assert isinstance(last, rawengine.PodmanContainerStats) == (engine_name == "podman")
    assert last.container_id == cid
    # one busy thread: at most one CPU (100 %), and clearly above idle even on a loaded machine
    assert 0.5 < last.cpu_percent <= 105, last.cpu_percent
    assert 0 < last.memory_usage <= last.memory_stats.usage
    assert 0 < last.memory_percent < 100
    assert last.pids >= 1
    assert last.network_rx_bytes >= 0 and last.block_read_bytes >= 0


async def test_one_shot_sample_and_cpu_between_two(engine: rawengine.Engine, resources: Resources) -> None:
    cid = await _busy(resources)
    first = await engine.container_stats(cid)
    # one-shot: the engine did not take a previous sample
    assert not first.has_previous and first.cpu_percent == 0.0
    assert first.precpu_stats.cpu_usage.total_usage == 0
    assert first.preread == "0001-01-01T00:00:00Z"
    assert first.cpu_stats.cpu_usage.total_usage > 0 and first.memory_stats.usage > 0
    await anyio.sleep(1)
    second = await engine.container_stats(cid)
    assert 0.5 < second.cpu_percent_since(first) <= 105


async def test_missing_container(engine: rawengine.Engine) -> None:
    with pytest.raises(rawengine.NotFoundError):
        await engine.container_stats(unique("rn-ar-missing"))
    with pytest.raises(rawengine.NotFoundError):
        async with engine.stats_stream(unique("rn-ar-missing")):
            pass
