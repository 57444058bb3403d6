"""Interleaving: every client runs small batches in turn, round after round, so drift hits all alike.

`plan_cell` sizes the batches (pure); `run_batch` runs one batch of one client, sequentially or
with N tasks (threads for a blocking client) sharing it, and times every call.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from time import perf_counter, process_time
from typing import TypeVar

import anyio
import anyio.to_thread

from .clients import Probe

__all__ = ["BatchResult", "CellPlan", "plan_cell", "rotation", "run_batch", "split_evenly"]

T = TypeVar("T")

MAX_MESSAGES = 3
MIN_WAVES = 2  # batches of N concurrent tasks: at least this many per client and cell


def rotation(items: Sequence[T], round_index: int) -> list[T]:
    """`items` rotated by `round_index`: each client leads a round in turn (no fixed order bias)."""
    if not items:
        return []
    shift = round_index % len(items)
    return [*items[shift:], *items[:shift]]


def split_evenly(total: int, parts: int) -> list[int]:
    """`total` in `parts` near-equal non-negative integers, larger ones first."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    base, extra = divmod(total, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


@dataclass(frozen=True)
class CellPlan:
    """How many rounds, and for each client how many calls each task makes in each round."""

    rounds: int
    calls: Mapping[str, tuple[int, ...]]

    def total_calls(self, client: str, concurrency: int) -> int:
        return sum(self.calls[client]) * concurrency


def plan_cell(
    estimates: Mapping[str, float],
    *,
    concurrency: int,
    rounds: int,
    duration: float | None = None,
    iterations: int | None = None,
    min_calls: int = 1,
    max_calls: int = 100_000,
) -> CellPlan:
    """Size a cell's batches.

    `estimates` is, per client, the seconds one unit took in warm-up: a call when sequential, a
    wave of `concurrency` concurrent calls otherwise (`math.inf`: unknown, no warm-up: the minimum).
    With `iterations`, every client makes that
    many calls (split over the tasks); with `duration`, every client spends about that long, with
    at least `min_calls` calls (sequential) or `MIN_WAVES` waves (concurrent). The rounds are
    never more than the fewest units any client makes, so that every client is in every round.
    """
    if (duration is None) == (iterations is None):
        raise ValueError("give exactly one of duration and iterations")
    if iterations is not None:
        per_task = max(1, math.ceil(iterations / concurrency))
        units = dict.fromkeys(estimates, per_task)
    else:
        assert duration is not None
        low = min_calls if concurrency == 1 else MIN_WAVES
        high = max(low, max_calls // concurrency)
        units = {
            name: min(high, max(low, round(duration / seconds) if 0 < seconds < math.inf else low))
            for name, seconds in estimates.items()
        }
    count = max(1, min([rounds, *units.values()]))
    return CellPlan(count, {name: tuple(split_evenly(total, count)) for name, total in units.items()})


@dataclass
class BatchResult:
    """What one batch measured; `wall` is its elapsed time (the basis of throughput under load)."""

    samples: list[float] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)  # each successful call's own time (sizes batches)
    errors: int = 0
    wall: float = 0.0
    cpu: float = 0.0  # CPU time of this process during the batch: the client's own cost, engine excluded
    messages: list[str] = field(default_factory=list)

    def error(self, exc: BaseException) -> None:
        self.errors += 1
        text = f"{type(exc).__name__}: {exc}"[:300]
        if len(self.messages) < MAX_MESSAGES and text not in self.messages:
            self.messages.append(text)

    def merge(self, other: BatchResult) -> None:
        self.samples.extend(other.samples)
        self.durations.extend(other.durations)
        self.errors += other.errors
        for text in other.messages:
            if len(self.messages) < MAX_MESSAGES and text not in self.messages:
                self.messages.append(text)


async def _task(probe: Probe, calls: int, result: BatchResult) -> None:
    call, accept, samples, durations = probe.call, probe.accept, result.samples, result.durations
    for _ in range(calls):
        try:
            started = perf_counter()
            value = await call()
            seconds = perf_counter() - started
            samples.append(accept(value, seconds))
            durations.append(seconds)
        except Exception as exc:
            result.error(exc)


def _thread_task(probe: Probe, calls: int) -> BatchResult:
    result = BatchResult()
    call, accept, samples, durations = probe.call, probe.accept, result.samples, result.durations
    for _ in range(calls):
        try:
            started = perf_counter()
            value = call()
            seconds = perf_counter() - started
            samples.append(accept(value, seconds))
            durations.append(seconds)
        except Exception as exc:
            result.error(exc)
    return result


async def run_batch(probe: Probe, calls: int, concurrency: int = 1, *, threaded: bool = False) -> BatchResult:
    """`concurrency` tasks (threads if `threaded`) each make `calls` timed calls through `probe`.

    Errors and failed checks are counted, never raised. Sequential threaded batches run whole in
    one worker thread, timed inside it. `cpu` is the process's CPU time over the batch (all threads).
    """
    result = BatchResult()
    started, cpu_started = perf_counter(), process_time()
    if threaded:
        limiter = anyio.CapacityLimiter(concurrency)

        async def worker() -> None:
            result.merge(await anyio.to_thread.run_sync(_thread_task, probe, calls, limiter=limiter))

        if concurrency == 1:
            await worker()
        else:
            async with anyio.create_task_group() as tasks:
                for _ in range(concurrency):
                    tasks.start_soon(worker)
    elif concurrency == 1:
        await _task(probe, calls, result)
    else:
        async with anyio.create_task_group() as tasks:
            for _ in range(concurrency):
                tasks.start_soon(_task, probe, calls, result)
    result.wall = perf_counter() - started
    result.cpu = process_time() - cpu_started
    return result
