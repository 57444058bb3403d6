"""One short benchmark run against the real engines: every operation, every available client.

It checks that the figures are sane (every call succeeded and was checked, non-zero times,
finite rates) and that the run removed what it created. Never a timed assertion: how fast
anything is does not decide a test.
"""

from __future__ import annotations

import json
import math

import pytest

import rawengine
from rawengine.bench.bars import judge
from rawengine.bench.blocking_client import BLOCKING_OPS
from rawengine.bench.fixture import LABEL, new_run_id
from rawengine.bench.options import ALL_CLIENTS, ALL_OPS, Options
from rawengine.bench.render import Progress, render_table
from rawengine.bench.report import build_document
from rawengine.bench.runner import CLIENT_TYPES, run_backend


async def test_short_run_gives_sane_figures_for_every_op_and_client(engine_host: str, anyio_backend: str) -> None:
    options = Options(
        host=engine_host,
        profile="inspect",
        concurrency=(1, 2),
        duration=None,
        iterations=2,
        rounds=2,
        warmup=1,
        backends=(anyio_backend,),
        throughput_bytes=1024 * 1024,
        progress=False,
    )
    run_id = new_run_id()
    run = await run_backend(options, anyio_backend, run_id, Progress(1, enabled=False))

    # Every available client: aiodocker and docker-py come with the bench extra (`make test` installs
    # it); a client that is not installed is skipped with a note, and so is aiodocker on trio.
    expected = [
        name
        for name, kind in CLIENT_TYPES.items()
        if kind.missing() is None and not (kind.asyncio_only and anyio_backend != "asyncio")
    ]
    assert {"rawengine", "socket"} <= set(expected)
    for name in set(ALL_CLIENTS) - set(expected):
        assert any(note.startswith(f"{name} skipped: ") for note in run.notes), (name, run.notes)
    for op in ALL_OPS:
        for level in options.levels(op):
            for client in expected:
                cell = run.find(op, level, client)
                assert cell is not None, (op, level, client)
                if client == "blocking" and op not in BLOCKING_OPS:  # plain round trips only, said so
                    assert cell.status == "skipped" and "plain round trips only" in cell.note
                    continue
                assert cell.status == "ok" and cell.errors == 0, (op, level, client, cell.note, cell.messages)
                summary = cell.summary()
                assert summary is not None
                assert summary.count == 2, (op, level, client)  # 2 calls, or 1 call in each of 2 tasks
                assert 0 < summary.min <= summary.median <= summary.max < 120, (op, level, client)
                assert 0 < summary.ops_per_s < math.inf
    assert run.engine["api_version"] and run.engine["kind"] in ("docker", "podman")
    assert [profile.split(" (")[0] for profile in run.profiles] == [
        "profile of rawengine inspect",
        "profile of socket inspect",
    ]
    assert all("2 calls, 0 errors" in profile and len(profile.splitlines()) > 5 for profile in run.profiles)

    table = render_table(run, options.throughput_bytes, ALL_CLIENTS)
    assert "exec-throughput" in table and "MB/s" in table
    verdicts = judge(run, options.throughput_bytes, options.concurrency)
    assert {v.status for v in verdicts} <= {"PASS", "FAIL", "N/A"}
    document = build_document(
        options, [run], verdicts, environment={}, command=["test"], started_at="now", seconds=run.seconds
    )
    assert json.loads(json.dumps(document))["runs"][0]["engine"] == run.engine

    async with rawengine.Engine(engine_host) as engine:  # the run removed what it made
        left = await engine.list_containers(all=True, filters={"label": [f"{LABEL}={run_id}"]})
        assert left == []
        with pytest.raises(rawengine.NotFoundError):
            await engine.inspect_image(f"rawengine/bench:{run_id}")
