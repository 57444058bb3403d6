"""Entry point: parse options, run each backend in its own event loop, print, write JSON and plot."""

from __future__ import annotations

import datetime
import sys
from collections.abc import Sequence
from time import perf_counter

import anyio

import rawengine

from .bars import Verdict, judge
from .environment import describe, load_average
from .fixture import new_run_id, remove_leftovers
from .options import Options, parse_args
from .render import Progress, render_table
from .report import build_document, write_json
from .results import BackendRun
from .runner import CLIENT_TYPES, run_backend

__all__ = ["main"]


def _header(runs: Sequence[BackendRun], environment: dict[str, object], options: Options) -> list[str]:
    engine = runs[0].engine if runs else {}
    load = environment.get("load_average")
    kind, version, api = engine.get("kind", "?"), engine.get("version", "?"), engine.get("api_version", "?")
    lines = [
        f"rawengine.bench: {kind} {version} (API {api}) at {engine.get('host', '?')}; "
        f"Python {environment['python']}; {environment['cpu_count']} cores; "
        f"load {' '.join(map(str, load)) if isinstance(load, list) else '?'} at start",
        f"budget: {f'{options.duration:g} s' if options.duration else f'{options.iterations} calls'} per client, "
        f"op and concurrency, in up to {options.rounds} interleaved rounds; exec-throughput writes "
        f"{options.throughput_bytes:,} bytes",
        "times in ms; rate: ops/s (under load: completed calls / wall time) or MB/s (10^6 bytes/s); "
        "cpu: this process's CPU time per call (the client's own work, engine excluded); "
        "x rawengine: time per call relative to rawengine (under load: by throughput); "
        "spread: half the range of the per-round medians, relative to the median",
    ]
    lines.extend(f"  {name}: {kind.how}" for name, kind in CLIENT_TYPES.items() if name in options.clients)
    return lines


def _report(
    runs: Sequence[BackendRun], verdicts: Sequence[Verdict], options: Options, environment: dict[str, object]
) -> str:
    out = _header(runs, environment, options)
    for run in runs:
        out += [
            "",
            f"== {run.backend} ({run.seconds:.0f} s) ==",
            render_table(run, options.throughput_bytes, options.clients),
        ]
        out += [f"  note: {note}" for note in run.notes]
        for profile in run.profiles:
            out += ["", profile]
        for cell in run.cells:
            if cell.errors and cell.status == "ok":
                out.append(
                    f"  errors: {cell.op} c={cell.concurrency} {cell.client}: {cell.errors}, e.g. {cell.messages[:1]}"
                )
    if verdicts:
        out += ["", "Bars (informative, from this run):"]
        out += ["  " + verdict.line() for verdict in verdicts]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    run_id = new_run_id()
    environment = describe()
    started_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    cells = len(options.backends) * sum(len(options.levels(op)) for op in options.ops)
    progress = Progress(cells, enabled=sys.stderr.isatty() if options.progress is None else options.progress)
    runs: list[BackendRun] = []
    started = perf_counter()
    failed = False
    try:
        for backend in options.backends:
            try:
                runs.append(anyio.run(run_backend, options, backend, run_id, progress, backend=backend))
            except rawengine.EngineError as exc:  # report it, keep what the other backends measured
                progress.close()
                print(f"rawengine.bench [{backend}]: {type(exc).__name__}: {exc}", file=sys.stderr)
                failed = True
    except KeyboardInterrupt:
        progress.close()
        print("interrupted: removing the bench's containers and image", file=sys.stderr)
        return 130
    finally:
        progress.close()
        try:  # a no-op after a clean run; after Ctrl-C it removes what the interrupted loop could not
            for problem in anyio.run(remove_leftovers, options.host, run_id):
                print(f"cleanup: {problem}", file=sys.stderr)
        except (rawengine.EngineError, OSError) as exc:
            print(f"cleanup failed: {exc}; remove containers labelled rawengine.bench={run_id}", file=sys.stderr)
    if not runs:
        return 1
    environment["load_average_end"] = load_average()
    verdicts = [v for run in runs for v in judge(run, options.throughput_bytes, options.concurrency)]
    print(_report(runs, verdicts, options, environment))
    command = ["python", "-m", "rawengine.bench", *(sys.argv[1:] if argv is None else argv)]
    if options.json_path:
        document = build_document(
            options, runs, verdicts, environment=environment, command=command,
            started_at=started_at, seconds=perf_counter() - started,
        )  # fmt: skip
        write_json(options.json_path, document)
        print(f"wrote {options.json_path}")
    if options.plot_path:
        from .plot import write_plot

        engine = runs[0].engine if runs else {}
        title = (
            f"rawengine.bench on {engine.get('kind', '?')} {engine.get('version', '')}, "
            f"{environment['cpu_count']} cores, Python {environment['python']}"
        )
        write_plot(options.plot_path, runs, options.clients, options.throughput_bytes, title)
        print(f"wrote {options.plot_path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
