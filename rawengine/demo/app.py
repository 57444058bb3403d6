"""The demo's main coroutine: connect, walk through the steps, clean up whatever happens.

`run_demo(options)` returns the exit status and the transcript; `python -m rawengine.demo` is a
thin shell around it. Ctrl-C (or SIGTERM) cancels the walkthrough, then the clean-up runs shielded
from that cancellation; a second Ctrl-C abandons the clean-up and says what was left behind.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import signal
import statistics
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any, TextIO

import anyio
import anyio.abc

from .. import Engine, __version__
from .._exceptions import ConnectError, EngineError
from .._transport import EngineTimeoutError
from .cleanup import Tracker
from .failure import DemoFailure
from .http_fetch import FetchError
from .lessons import run_lessons
from .options import DemoOptions, wants_color
from .recording import CallRecorder
from .render import human_ms
from .report import Report
from .steps import Walkthrough

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_NO_ENGINE",
    "EXIT_OK",
    "EXIT_USAGE",
    "DemoResult",
    "run_demo",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NO_ENGINE = 3
EXIT_INTERRUPTED = 130

PODMAN_SOCKET = "/run/podman/podman.sock"
CLEANUP_LIMIT = 120.0  # seconds the clean-up may take before it gives up and reports what is left


@dataclass
class DemoResult:
    exit_code: int
    transcript: dict[str, Any]


@dataclass
class _State:
    phase: str = "walkthrough"  # then "cleanup", "done"
    warned: bool = False  # told that another Ctrl-C abandons the clean-up
    work: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    cleanup: anyio.CancelScope = field(default_factory=lambda: anyio.CancelScope(shield=True))


async def _watch_signals(
    state: _State, report: Report, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
) -> None:
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        task_status.started()
        async for _ in signals:
            if state.phase == "walkthrough":
                report.alert("Interrupted: stopping, then removing what this run created (Ctrl-C again to skip that)")
                state.phase = "cleanup"
                state.warned = True
                state.work.cancel()
            elif state.phase == "cleanup" and state.warned:
                report.alert("Clean-up abandoned")
                state.cleanup.cancel()
            elif state.phase == "cleanup":
                report.alert("Still cleaning up (Ctrl-C again to leave the rest behind)")
                state.warned = True


def _no_engine_message(exc: EngineError, options: DemoOptions) -> str:
    text = f"rawengine demo: {exc}"
    if options.host is None and not os.environ.get("DOCKER_HOST") and os.path.exists(PODMAN_SOCKET):
        text += f" (Podman listens at unix://{PODMAN_SOCKET}: pass --host unix://{PODMAN_SOCKET})"
    return text


async def _connect(engine: Engine, report: Report, host: str, backend: str) -> None:
    report.hold_calls()
    try:
        version = await engine.version()
    except BaseException:
        report.release_calls(show=False)
        raise
    report.title("Understand image layers with commit: the tutorial, through the Engine API with rawengine")
    report.release_calls(show=True)
    kind = version.engine
    report.engine = {
        "kind": kind,
        "version": version.version,
        "api_version": engine.api_version,
        "host": host,
        "os": version.os,
        "arch": version.arch,
        "kernel": version.kernel_version,
        "backend": backend,
    }
    report.good(f"{_engine_name(report.engine)} (API {engine.api_version}) at {host}, on {backend}")


async def _walk(engine: Engine, options: DemoOptions, report: Report, tracker: Tracker, host: str, run_id: str) -> None:
    walkthrough = Walkthrough(engine, options, report, tracker, report.engine["kind"], host, run_id)
    await walkthrough.get_image()
    await walkthrough.run_server()
    await walkthrough.change_page()
    await walkthrough.diff()
    await walkthrough.commit()
    await walkthrough.list_images()
    await walkthrough.show_history()
    await walkthrough.run_new_image()
    if options.lessons:
        await run_lessons(walkthrough)


async def _clean_up(engine: Engine, options: DemoOptions, report: Report, tracker: Tracker) -> dict[str, Any]:
    if options.keep:
        with report.step(None, "cleanup", "Kept for inspection (--keep)"):
            kept = [item.to_json() for item in tracker.items]
            for item in kept:
                report.line(Tracker.describe(item))
            commands = tracker.removal_commands()
            for command in commands:
                report.line(report.style.dim("remove with: " + command))
            report.data(kept=kept, removed=[], left=[], commands=commands)
        return {"kept": kept, "removed": [], "left": []}
    if not tracker.items:
        return {"kept": [], "removed": [], "left": []}
    with report.step(None, "cleanup", "Clean up: remove what this run created, and only that"):
        outcome = await tracker.remove_all(engine)
        for item in outcome["removed"]:
            report.good("removed " + Tracker.describe(item) + (f" ({item['note']})" if "note" in item else ""))
        for item in outcome["left"]:
            report.bad(f"left {Tracker.describe(item)}: {item['reason']}")
        report.data(kept=[], **outcome)
    return {"kept": [], **outcome}


async def _run(
    engine: Engine,
    options: DemoOptions,
    report: Report,
    tracker: Tracker,
    state: _State,
    host: str,
    run_id: str,
    err: TextIO,
) -> tuple[int, str | None]:
    failure: str | None = None
    exit_code = EXIT_OK
    with state.work:
        try:
            await _connect(engine, report, host, options.backend)
            await _walk(engine, options, report, tracker, host, run_id)
        except (ConnectError, EngineTimeoutError) as exc:
            if report.engine:
                failure, exit_code = str(exc), EXIT_FAILED
            else:
                failure, exit_code = _no_engine_message(exc, options), EXIT_NO_ENGINE
        except (EngineError, DemoFailure, FetchError) as exc:
            failure, exit_code = str(exc), EXIT_FAILED
        except Exception as exc:  # a bug in the demo: say so, with the traceback, after cleaning up
            failure, exit_code = f"internal error: {exc!r}", EXIT_FAILED
            traceback.print_exc(file=err)
    if state.work.cancelled_caught:
        failure, exit_code = "interrupted", EXIT_INTERRUPTED
    if failure is not None and exit_code == EXIT_NO_ENGINE:
        print(failure, file=err, flush=True)
    elif failure is not None and exit_code == EXIT_FAILED:
        step = report.failed_step()
        where = f"step {step.number} ({step.title})" if step is not None and step.number is not None else "the demo"
        report.alert(f"✗ {where} failed: {failure}")
    state.phase = "cleanup"
    with state.cleanup:
        state.cleanup.deadline = anyio.current_time() + CLEANUP_LIMIT
        report.summary["cleanup"] = await _clean_up(engine, options, report, tracker)
    if state.cleanup.cancelled_caught:
        left = [item.to_json() for item in tracker.items]
        report.summary["cleanup"] = {"kept": [], "removed": [], "left": left, "abandoned": True}
        for command in tracker.removal_commands():
            report.alert("left behind; remove with: " + command)
    state.phase = "done"
    return exit_code, failure


def _engine_name(engine: dict[str, Any]) -> str:
    return f"{'Podman' if engine.get('kind') == 'podman' else 'Docker'} {engine.get('version', '')}".rstrip()


def _finish(report: Report, exit_code: int, failure: str | None, options: DemoOptions, run_id: str) -> dict[str, Any]:
    calls = report.all_calls()
    times = [call.seconds for call in calls if call.kind == "plain" and call.status is not None]
    report.summary.update(
        exit_code=exit_code,
        ok=exit_code == EXIT_OK,
        interrupted=exit_code == EXIT_INTERRUPTED,
        error=failure,
        seconds=round(report.elapsed(), 3),
        run_id=run_id,
        rawengine=__version__,
        options=dataclasses.asdict(options),
    )
    if exit_code != EXIT_OK and report.engine:
        cleanup = report.summary.get("cleanup", {})
        if cleanup.get("left"):
            after = f"{len(cleanup['left'])} thing(s) left behind (listed above)"
        elif cleanup.get("kept"):
            after = "what it created is kept (--keep)"
        else:
            after = "everything this run created is removed"
        how = "Interrupted" if exit_code == EXIT_INTERRUPTED else "Failed"
        report.line("", indent=False)
        report.line(report.style.bold(f"{how} after {report.elapsed():.1f} s") + f": {after}", indent=False)
    if exit_code == EXIT_OK and report.engine:
        median = human_ms(statistics.median(times)) if times else "n/a"
        slowest = max(calls, key=lambda call: call.seconds, default=None)
        report.line("", indent=False)
        report.line(
            report.style.bold(f"Done in {report.elapsed():.1f} s on {_engine_name(report.engine)}")
            + f": {len(calls)} Engine API calls, median {median}"
            + (f", slowest {slowest.method} {slowest.path} {human_ms(slowest.seconds)}" if slowest else ""),
            indent=False,
        )
    return report.transcript()


async def run_demo(
    options: DemoOptions,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    handle_signals: bool = True,
) -> DemoResult:
    """Run the whole walkthrough against one engine; never raises for engine trouble.

    `out` gets the prose (or, with `options.json`, the JSON transcript at the end); `err` the
    one-line errors. `handle_signals` installs the Ctrl-C/SIGTERM handling (main thread only).
    """
    out = out or sys.stdout
    err = err or sys.stderr
    report = Report(out, human=not options.json, color=not options.json and wants_color(options.color, out), err=err)
    run_id = secrets.token_hex(6)
    try:
        engine = Engine(options.host, max_connections=16, event_hooks=CallRecorder(report.on_call).event_hooks)
    except ValueError as exc:
        print(f"rawengine demo: {exc}", file=err)
        return DemoResult(EXIT_USAGE, {"summary": {"exit_code": EXIT_USAGE, "ok": False, "error": str(exc)}})
    host = engine.host
    tracker = Tracker()
    state = _State()
    async with anyio.create_task_group() as tasks:
        if handle_signals:
            await tasks.start(_watch_signals, state, report)
        try:
            exit_code, failure = await _run(engine, options, report, tracker, state, host, run_id, err)
        finally:
            with anyio.CancelScope(shield=True):
                await engine.aclose()
            tasks.cancel_scope.cancel()
    transcript = _finish(report, exit_code, failure, options, run_id)
    if options.json:
        print(json.dumps(transcript, ensure_ascii=False, indent=2), file=out, flush=True)
    return DemoResult(exit_code, transcript)
