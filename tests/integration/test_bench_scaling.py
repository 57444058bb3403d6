"""The scaling bench at small sizes: every client counts every item, and nothing is left behind."""

from __future__ import annotations

import uuid
from pathlib import Path

import rawengine
from rawengine.bench.fixture import LABEL
from rawengine.bench.scaling import CLIENTS, measure, render, write_plot


async def test_scaling_points_count_every_item_on_every_client(
    engine: rawengine.Engine, engine_host: str, base_image: str, anyio_backend: str, tmp_path: Path
) -> None:
    run_id = uuid.uuid4().hex[:10]
    clients = [name for name in CLIENTS if not (name == "aiodocker" and anyio_backend != "asyncio")]
    points = await measure(
        engine_host,
        list_sizes=(3, 7),
        layers=(2,),
        events=(5, 40),
        rounds=2,
        clients=clients,
        base_image=base_image,
        run_id=run_id,
        log=lambda line: None,
    )
    assert {(p.op, p.size) for p in points} == {("list", 3), ("list", 7), ("history", 4), ("events", 5), ("events", 40)}
    for op, size in {(p.op, p.size) for p in points}:
        group = [p for p in points if (p.op, p.size) == (op, size)]
        assert sorted(p.client for p in group) == sorted(clients)
        assert all(p.median_s > 0 and p.peak_mib > 0 for p in group)
        for p in group:
            assert p.items == size, p  # live storms: no client may lose or repeat an event

    assert not await engine.list_containers(all=True, filters={"label": [f"{LABEL}={run_id}"]})
    table = render(points)
    assert table.count("\n") == len(points) and "x rawengine" in table
    write_plot(points, str(tmp_path / "scale.png"))
    assert (tmp_path / "scale.png").stat().st_size > 1000
