"""The bench's options, table, verdicts, JSON document and plot from synthetic results (no engine)."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path
from typing import Any

import pytest

from rawengine.bench.bars import judge
from rawengine.bench.options import ALL_OPS, Options, parse_args, parse_size
from rawengine.bench.render import Progress, format_ms, render_table
from rawengine.bench.report import SCHEMA, build_document, write_json
from rawengine.bench.results import BackendRun, Cell

SIZE = 1_000_000


def _cell(op: str, client: str, seconds: float, *, concurrency: int = 1, errors: int = 0, n: int = 12) -> Cell:
    rounds = [[seconds * (1 + 0.01 * i) for i in range(n // 3)] for _ in range(3)]
    wall = sum(map(sum, rounds)) / concurrency if concurrency > 1 else 0.0
    calls = sum(map(len, rounds)) + errors
    return Cell(
        "asyncio", op, concurrency, client, rounds=rounds, errors=errors, wall_time=wall,
        cpu_time=calls * seconds / 4, calls_timed=calls,
    )  # fmt: skip


def _run() -> BackendRun:
    run = BackendRun(
        "asyncio", engine={"host": "unix:///x", "kind": "docker", "version": "20.10", "api_version": "1.41"}
    )
    times = {"rawengine": 0.00025, "socket": 0.0002, "aiodocker": 0.0005, "docker-py": 0.0018}
    for op in ("ping", "inspect", "history", "changes", "exec"):
        run.cells.extend(_cell(op, client, seconds) for client, seconds in times.items())
    run.cells.extend(_cell("ping", client, seconds * 30, concurrency=64) for client, seconds in times.items())
    run.cells.append(_cell("exec-throughput", "rawengine", 0.5))  # 2 MB/s
    run.cells.append(_cell("exec-throughput", "socket", 0.45))
    run.cells.append(_cell("exec-throughput", "aiodocker", 0.8))
    run.cells.append(_cell("events", "rawengine", 0.0004))
    run.cells.append(Cell("asyncio", "events", 1, "aiodocker", status="skipped", note="not here"))
    run.cells.append(Cell("asyncio", "lifecycle", 1, "docker-py", errors=3, messages=["OSError: boom"], rounds=[[]]))
    return run


def test_options_defaults_and_parsing() -> None:
    default = parse_args([])
    assert default.ops == ALL_OPS
    assert default.concurrency == (1, 16, 64)
    assert default.backends == ("asyncio", "trio")
    assert default.duration is not None and default.iterations is None
    custom = parse_args(
        ["--ops", "ping,events,ping", "--clients", "rawengine,socket", "--concurrency", "64,1", "--iterations", "5",
         "--backend", "trio", "--throughput-size", "16M", "--json", "out.json"]
    )  # fmt: skip
    assert custom.ops == ("ping", "events")
    assert custom.clients == ("rawengine", "socket")
    assert custom.concurrency == (1, 64)
    assert (custom.duration, custom.iterations) == (None, 5)
    assert custom.backends == ("trio",)
    assert custom.throughput_bytes == 16 * 1024 * 1024
    assert custom.json_path == "out.json"
    assert custom.levels("ping") == (1, 64)
    assert custom.levels("events") == (1,)  # measured sequentially only


@pytest.mark.parametrize("argv", [["--ops", "pong"], ["--clients", "curl"], ["--concurrency", "0"],
                                  ["--duration", "1", "--iterations", "2"], ["--throughput-size", "lots"]])  # fmt: skip
def test_options_refuse_bad_values(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(argv)


def test_parse_size() -> None:
    assert parse_size("256M") == 256 * 1024 * 1024
    assert parse_size("1GiB") == 1024**3
    assert parse_size("64k") == 65536
    assert parse_size("1000") == 1000


def test_format_ms() -> None:
    assert format_ms(0.000231) == "0.231"
    assert format_ms(0.00231) == "2.31"
    assert format_ms(0.0231) == "23.1"
    assert format_ms(0.231) == "231"


def test_table_shows_figures_ratios_skips_and_failures() -> None:
    table = render_table(_run(), SIZE, ("rawengine", "socket", "aiodocker", "docker-py"))
    lines = table.splitlines()
    assert lines[0].split() == [
        "op", "conc", "client", "calls", "err", "median", "p90", "p99", "max", "rate", "cpu", "x", "rawengine", "spread"
    ]  # fmt: skip
    ping = next(line for line in lines if line.startswith("ping") and " 1 " in line)
    assert "rawengine" in ping and "1.00x" in ping
    assert any("socket" in line and "0.80x" in line for line in lines)
    assert any("aiodocker" in line and "2.00x" in line for line in lines)
    assert any("MB/s" in line for line in lines)
    assert any("skipped: not here" in line for line in lines)
    assert any("FAILED (3 errors): OSError: boom" in line for line in lines)


def test_verdicts_from_a_run() -> None:
    verdicts = {(v.bar, v.status) for v in judge(_run(), SIZE, (1, 16, 64))}
    assert ("ping: rawengine <= 1.3x socket", "PASS") in verdicts  # 0.25 / 0.2 = 1.25
    assert ("ping: rawengine <= 0.6x aiodocker", "PASS") in verdicts  # 0.5
    assert ("exec-throughput: rawengine >= 0.8x socket MB/s", "PASS") in verdicts
    assert ("exec-throughput: rawengine ahead of aiodocker", "PASS") in verdicts
    assert ("ping at concurrency 64: rawengine no errors, throughput >= aiodocker", "PASS") in verdicts
    assert ("events: action returned -> event yielded, median < 5 ms", "PASS") in verdicts
    slow = _run()
    slow.cells = [c for c in slow.cells if not (c.op == "ping" and c.client == "rawengine" and c.concurrency == 1)]
    slow.cells.append(_cell("ping", "rawengine", 0.0004))
    statuses = {v.bar: v.status for v in judge(slow, SIZE, (1,))}
    assert statuses["ping: rawengine <= 1.3x socket"] == "FAIL"
    assert statuses["ping: rawengine <= 0.6x aiodocker"] == "FAIL"
    assert "ping at concurrency 64: rawengine no errors, throughput >= aiodocker" not in statuses


def _check_schema(document: dict[str, Any]) -> None:
    """The `rawengine.bench/1` document, key by key and type by type."""
    assert document["schema"] == SCHEMA
    assert isinstance(document["command"], list) and isinstance(document["seconds"], float)
    assert {"python", "cpu_count", "libraries", "load_average"} <= set(document["environment"])
    assert isinstance(document["options"]["concurrency"], list)
    assert set(document["operations"]) == set(document["options"]["ops"])
    assert set(document["clients"]) == set(document["options"]["clients"])
    for run in document["runs"]:
        assert set(run) == {"backend", "engine", "seconds", "notes", "profiles", "cells"}
        assert set(run["engine"]) == {"host", "kind", "version", "api_version"}
        for cell in run["cells"]:
            assert set(cell) == {
                "op", "concurrency", "client", "status", "note", "errors", "error_messages", "calls",
                "wall_time_s", "cpu_per_call_s", "summary", "mb_per_s", "vs_rawengine", "samples_ms",
            }  # fmt: skip
            assert cell["status"] in ("ok", "skipped", "failed")
            assert (cell["summary"] is None) == (cell["status"] != "ok")
            if cell["summary"] is not None:
                summary = cell["summary"]
                assert summary["count"] == cell["calls"] == sum(map(len, cell["samples_ms"]))
                assert (
                    summary["min_s"] <= summary["median_s"] <= summary["p90_s"] <= summary["p99_s"] <= summary["max_s"]
                )
                assert (cell["mb_per_s"] is not None) == (cell["op"] == "exec-throughput")
    for verdict in document["verdicts"]:
        assert set(verdict) == {"backend", "bar", "status", "detail"}
        assert verdict["status"] in ("PASS", "FAIL", "N/A")


def test_json_document_round_trips_and_follows_the_schema(tmp_path: Path) -> None:
    run = _run()
    options = Options(throughput_bytes=SIZE)
    document = build_document(
        options, [run], judge(run, SIZE, options.concurrency), environment={"python": "3.11", "cpu_count": 2,
        "libraries": {}, "load_average": [1.0, 1.0, 1.0]}, command=["python", "-m", "rawengine.bench"],
        started_at="2026-01-01T00:00:00+00:00", seconds=1.5,
    )  # fmt: skip
    path = tmp_path / "bench.json"
    write_json(str(path), document)
    loaded = json.loads(path.read_text())
    assert loaded == json.loads(json.dumps(document))
    _check_schema(loaded)
    cells = {(c["op"], c["concurrency"], c["client"]): c for c in loaded["runs"][0]["cells"]}
    assert cells[("ping", 1, "socket")]["vs_rawengine"] == pytest.approx(0.8)
    assert cells[("exec-throughput", 1, "rawengine")]["mb_per_s"] == pytest.approx(SIZE / 0.5 / 1e6, rel=0.03)
    assert cells[("lifecycle", 1, "docker-py")]["status"] == "failed"
    assert cells[("ping", 1, "docker-py")]["cpu_per_call_s"] == pytest.approx(0.0018 / 4)
    assert cells[("lifecycle", 1, "docker-py")]["cpu_per_call_s"] is None


def test_progress_bar_draws_only_when_enabled() -> None:
    quiet, loud = io.StringIO(), io.StringIO()
    for stream, enabled in ((quiet, False), (loud, True)):
        progress = Progress(2, enabled=enabled, stream=stream)
        progress.cell("asyncio ping c=1", 4)
        progress.advance("socket")
        progress.advance("rawengine")
        assert progress.fraction() == pytest.approx(0.25)
        progress.cell_done()
        assert progress.fraction() == pytest.approx(0.5)
        progress.close()
    assert quiet.getvalue() == ""
    assert "asyncio ping c=1" in loud.getvalue() and "\r" in loud.getvalue()


def test_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the plot needs the bench extra")
    from rawengine.bench.plot import write_plot

    path = tmp_path / "bench.png"
    write_plot(str(path), [_run()], ("rawengine", "socket", "aiodocker", "docker-py"), SIZE, "synthetic")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 800 and height > 600


def test_compare_shows_the_range_across_runs(tmp_path: Path) -> None:
    from rawengine.bench.compare import compare, main

    documents = []
    for factor in (1.0, 1.5):
        run = _run()
        for cell in run.cells:
            if cell.client == "rawengine":
                cell.rounds = [[value * factor for value in batch] for batch in cell.rounds]
        options = Options(throughput_bytes=SIZE)
        documents.append(
            json.loads(
                json.dumps(
                    build_document(
                        options,
                        [run],
                        judge(run, SIZE, options.concurrency),
                        environment={},
                        command=[],
                        started_at="",
                        seconds=0.0,
                    )  # fmt: skip
                )
            )
        )
    text = compare(documents)
    ping = next(line for line in text.splitlines() if line.split()[1:4] == ["ping", "1", "socket"])
    assert ping.split()[-1] == "0.53-0.80"  # socket / rawengine, rawengine 1x then 1.5x slower
    assert "[asyncio] ping: rawengine <= 1.3x socket: 1/2" in text
    path = tmp_path / "a.json"
    path.write_text(json.dumps(documents[0]))
    assert main([str(path)]) == 0
    assert main([]) == 2
