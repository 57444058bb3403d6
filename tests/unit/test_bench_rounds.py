"""Interleaving and batch planning, and the batch runner over fake calls (no engine)."""

from __future__ import annotations

import threading

import anyio
import anyio.lowlevel
import pytest

from rawengine.bench.clients import Probe, elapsed
from rawengine.bench.ops import CheckError
from rawengine.bench.rounds import BatchResult, plan_cell, rotation, run_batch, split_evenly


def test_rotation_gives_every_client_the_lead() -> None:
    clients = ["rawengine", "socket", "aiodocker", "docker-py"]
    leads = [rotation(clients, index)[0] for index in range(8)]
    assert leads == clients + clients
    for index in range(8):
        assert sorted(rotation(clients, index)) == sorted(clients)
    assert rotation([], 3) == []


def test_split_evenly() -> None:
    assert split_evenly(10, 4) == [3, 3, 2, 2]
    assert split_evenly(3, 3) == [1, 1, 1]
    assert split_evenly(0, 2) == [0, 0]
    assert sum(split_evenly(1001, 7)) == 1001
    with pytest.raises(ValueError):
        split_evenly(1, 0)


def test_plan_with_iterations_gives_everyone_the_same_calls() -> None:
    plan = plan_cell({"a": 0.001, "b": 0.5}, concurrency=1, rounds=8, iterations=20)
    assert plan.rounds == 8
    assert sum(plan.calls["a"]) == sum(plan.calls["b"]) == 20
    assert all(len(batches) == 8 for batches in plan.calls.values())


def test_plan_with_iterations_under_load_splits_over_tasks() -> None:
    plan = plan_cell({"a": 0.01}, concurrency=16, rounds=8, iterations=100)
    assert plan.rounds == 7  # ceil(100 / 16) calls per task: no more rounds than that
    assert plan.total_calls("a", 16) == 7 * 16


def test_plan_with_duration_spends_equal_time_per_client() -> None:
    plan = plan_cell({"fast": 0.0002, "slow": 0.002}, concurrency=1, rounds=8, duration=1.0, min_calls=20)
    assert plan.rounds == 8
    assert sum(plan.calls["fast"]) == 5000
    assert sum(plan.calls["slow"]) == 500


def test_plan_with_duration_keeps_a_minimum_and_fewer_rounds_for_slow_ops() -> None:
    plan = plan_cell({"a": 0.4, "b": 0.5}, concurrency=1, rounds=8, duration=1.0, min_calls=4)
    assert plan.rounds == 4  # every client is in every round
    assert plan.calls == {"a": (1, 1, 1, 1), "b": (1, 1, 1, 1)}


def test_plan_under_load_counts_waves() -> None:
    plan = plan_cell({"a": 0.05, "b": 0.4}, concurrency=64, rounds=8, duration=1.0)
    assert plan.rounds == 2  # the slow client manages 2 waves (the minimum)
    assert sum(plan.calls["a"]) == 20 and sum(plan.calls["b"]) == 2


def test_plan_needs_exactly_one_budget() -> None:
    with pytest.raises(ValueError):
        plan_cell({"a": 1.0}, concurrency=1, rounds=1)
    with pytest.raises(ValueError):
        plan_cell({"a": 1.0}, concurrency=1, rounds=1, duration=1.0, iterations=3)


def _counting_probe(fail_every: int = 0) -> tuple[Probe, list[int]]:
    calls: list[int] = []

    async def call() -> int:
        calls.append(1)
        await anyio.lowlevel.checkpoint()
        if fail_every and len(calls) % fail_every == 0:
            raise OSError("boom")
        return len(calls)

    def check(value: int) -> None:
        if value == 3:
            raise CheckError("three is wrong")

    return Probe(call, elapsed(check)), calls


async def test_sequential_batch_counts_errors_and_failed_checks() -> None:
    probe, calls = _counting_probe(fail_every=5)
    result = await run_batch(probe, 10)
    assert len(calls) == 10
    assert result.errors == 3  # calls 5 and 10 raised, call 3 failed its check
    assert len(result.samples) == 7
    assert all(sample >= 0 for sample in result.samples)
    assert result.messages == ["CheckError: three is wrong", "OSError: boom"]
    assert result.wall >= sum(result.samples) * 0.5


async def test_concurrent_batch_runs_tasks_at_once() -> None:
    running = 0
    peak = 0

    async def call() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await anyio.sleep(0.01)
        running -= 1

    result = await run_batch(Probe(call, elapsed(lambda _: None)), 3, concurrency=8)
    assert len(result.samples) == 24
    assert peak == 8


async def test_threaded_batch_runs_in_worker_threads() -> None:
    threads: set[int] = set()
    lock = threading.Lock()

    def call() -> None:
        with lock:
            threads.add(threading.get_ident())

    sequential = await run_batch(Probe(call, elapsed(lambda _: None)), 5, threaded=True)
    assert len(sequential.samples) == 5
    assert threading.get_ident() not in threads
    assert len(threads) == 1  # a sequential batch runs whole in one thread

    def slow() -> None:
        with lock:
            threads.add(threading.get_ident())
        threading.Event().wait(0.02)

    threads.clear()
    loaded = await run_batch(Probe(slow, elapsed(lambda _: None)), 2, concurrency=4, threaded=True)
    assert len(loaded.samples) == 8
    assert len(threads) == 4


def test_batch_result_keeps_a_few_distinct_messages() -> None:
    result = BatchResult()
    for index in range(10):
        result.error(ValueError(f"bad {index % 5}"))
    assert result.errors == 10
    assert result.messages == ["ValueError: bad 0", "ValueError: bad 1", "ValueError: bad 2"]
