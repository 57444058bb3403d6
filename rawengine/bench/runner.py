"""One backend's run: prepare the target, open the clients, measure every cell, clean up."""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from time import perf_counter

import anyio

import rawengine

from . import fixture
from .aiodocker_client import AiodockerClient
from .blocking_client import BlockingSocketClient
from .clients import BenchClient
from .dockerpy_client import DockerPyClient
from .ops import OPS, Target
from .options import Options
from .profiling import PROFILED_CALLS, profile_client
from .rawengine_client import RawengineClient
from .render import Progress
from .results import BackendRun, Cell
from .rounds import BatchResult, plan_cell, rotation, run_batch
from .socket_client import SocketClient
from .stats import percentile

__all__ = ["CLIENT_TYPES", "run_backend"]

CLIENT_TYPES: dict[str, type[BenchClient]] = {
    "rawengine": RawengineClient,
    "socket": SocketClient,
    "aiodocker": AiodockerClient,
    "docker-py": DockerPyClient,
    "blocking": BlockingSocketClient,
}


async def _open_clients(options: Options, target: Target, backend: str, run: BackendRun) -> list[BenchClient]:
    clients: list[BenchClient] = []
    for name in options.clients:
        kind = CLIENT_TYPES[name]
        reason = kind.missing()
        if reason is None and kind.asyncio_only and backend != "asyncio":
            reason = f"{name} runs on asyncio only"
        if reason is not None:
            run.notes.append(f"{name} skipped: {reason}")
            continue
        client = (
            DockerPyClient(target, max_pool_size=max(options.concurrency)) if kind is DockerPyClient else kind(target)
        )
        try:
            await client.open()
        except Exception as exc:
            run.notes.append(f"{name} skipped: it could not connect: {type(exc).__name__}: {exc}")
            await client.aclose()
            continue
        clients.append(client)
        run.notes.extend(f"{name} {op}: {text}" for op, text in client.notes().items() if op in options.ops)
    return clients


async def _batch(client: BenchClient, op: str, calls: int, concurrency: int) -> BatchResult:
    try:
        async with client.probe(op, concurrency) as probe:
            return await run_batch(probe, calls, concurrency, threaded=client.threaded)
    except Exception as exc:  # the probe could not open (an event stream refused, ...)
        failed = BatchResult()
        failed.error(exc)
        return failed


async def run_cell(
    options: Options, backend: str, op: str, concurrency: int, clients: Sequence[BenchClient], progress: Progress
) -> list[Cell]:
    """Warm every client up, size the batches, then run the rounds, rotating who goes first."""
    info = OPS[op]
    warmup = info.warmup if options.warmup is None else options.warmup
    cells = {client.name: Cell(backend, op, concurrency, client.name) for client in clients}
    active: list[BenchClient] = []
    estimates: dict[str, float] = {}
    label = f"{backend} {op} c={concurrency}"
    progress.cell(label, 1)
    for client in clients:
        cell = cells[client.name]
        reason = client.unsupported(op)
        if reason is not None:
            cell.status, cell.note = "skipped", reason
            continue
        if warmup == 0:
            estimates[client.name] = math.inf
            active.append(client)
            continue
        progress.note(f"warming up {client.name}")
        warm = await _batch(client, op, warmup if concurrency == 1 else 1, concurrency)
        if not warm.samples:
            cell.status, cell.errors, cell.messages = "failed", warm.errors, warm.messages
            continue
        # The median call: one slow warm-up call (a first connection, a hiccup) must not shrink the batches.
        estimates[client.name] = percentile(sorted(warm.durations), 50) if concurrency == 1 else warm.wall
        active.append(client)
    if active:
        plan = plan_cell(
            estimates,
            concurrency=concurrency,
            rounds=options.rounds,
            duration=options.duration,
            iterations=options.iterations,
            min_calls=info.min_calls,
        )
        progress.cell(label, plan.rounds * len(active))
        for index in range(plan.rounds):
            for client in rotation(active, index):
                cell = cells[client.name]
                batch = await _batch(client, op, plan.calls[client.name][index], concurrency)
                cell.rounds.append(batch.samples)
                cell.errors += batch.errors
                cell.wall_time += batch.wall
                cell.cpu_time += batch.cpu
                cell.calls_timed += len(batch.samples) + batch.errors
                cell.messages.extend(m for m in batch.messages if m not in cell.messages)
                progress.advance(client.name, f"round {index + 1}/{plan.rounds}")
        for client in active:
            cell = cells[client.name]
            if not cell.samples:
                cell.status = "failed"
    progress.cell_done()
    return [cells[client.name] for client in clients]


async def run_backend(options: Options, backend: str, run_id: str, progress: Progress) -> BackendRun:
    run = BackendRun(backend)
    started = perf_counter()
    async with rawengine.Engine(options.host) as engine:
        version = await engine.version()
        run.engine = {
            "host": engine.host,
            "kind": (await engine.ping()).engine,
            "version": version.version,
            "api_version": engine.api_version or "",
        }
        progress.note(f"{backend}: importing the bench image, starting its container")
        name = f"rawengine-bench-{run_id}-{backend}"
        target = await fixture.prepare(engine, run_id, throughput_bytes=options.throughput_bytes, name=name)
        clients: list[BenchClient] = []
        try:
            clients = await _open_clients(options, target, backend, run)
            for op in options.ops:
                for level in options.levels(op):
                    run.cells.extend(await run_cell(options, backend, op, level, clients, progress))
            if options.profile:
                for client in clients:
                    if client.name in ("rawengine", "socket") and client.unsupported(options.profile) is None:
                        progress.note(f"profiling {client.name} {options.profile}")
                        calls = options.iterations or PROFILED_CALLS
                        run.profiles.append(await profile_client(client, options.profile, backend, calls))
        finally:
            with anyio.CancelScope(shield=True):
                for client in clients:
                    try:
                        await client.aclose()
                    except Exception as exc:
                        print(f"closing {client.name}: {exc}", file=sys.stderr)
                problems = await fixture.cleanup(engine, run_id)
                run.notes.extend(problems)
    run.seconds = perf_counter() - started
    return run
