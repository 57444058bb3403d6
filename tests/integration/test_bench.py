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
from rawengine.bench.fixture import LABEL, new_run_id
from rawengine.bench.options import ALL_CLIENTS, ALL_OPS, Options
from rawengine.bench.render import Progress, render_table
from rawengine.bench.report import build_document
from rawengine.bench.runner import CLIENT_TYPES, run_backend

pytest.importorskip("aiodocker", reason="the bench extra is part of the test set-up (pip install -e '.[test,bench]')")
pytest.importorskip("docker", reason="the bench extra is part of the test set-up (pip install -e '.[test,bench]')")


# docker-py leaves the socket of every attached exec to the garbage collector: `exec_start` keeps
# no handle a caller could close, and `CancellableStream.close()` does nothing once the output has
# ended. The ResourceWarnings that follow are docker-py's, not the bench's or rawengine's (whose
# own tests check that they close every connection).
@pytest.mark.filterwarnings("ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning")
async def test_short_run_gives_sane_figures_for_every_op_and_client(engine_host: str, anyio_backend: str) -> None:
    options = Options(
        host=engine_host,
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

    expected = [name for name in ALL_CLIENTS if not (CLIENT_TYPES[name].asyncio_only and anyio_backend != "asyncio")]
    if anyio_backend != "asyncio":
        assert "aiodocker skipped: aiodocker runs on asyncio only" in run.notes
    for op in ALL_OPS:
        for level in options.levels(op):
            for client in expected:
                cell = run.find(op, level, client)
                assert cell is not None, (op, level, client)
                assert cell.status == "ok" and cell.errors == 0, (op, level, client, cell.note, cell.messages)
                summary = cell.summary()
                assert summary is not None
                assert summary.count == 2, (op, level, client)  # 2 calls, or 1 call in each of 2 tasks
                assert 0 < summary.min <= summary.median <= summary.max < 120, (op, level, client)
                assert 0 < summary.ops_per_s < math.inf
    assert run.engine["api_version"] and run.engine["kind"] in ("docker", "podman")

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
