"""`--profile`: the per-function table drawn from cProfile (pure, no engine)."""

from __future__ import annotations

import cProfile

from rawengine.bench.profiling import format_profile, top_functions


def _leaf(n: int) -> int:
    return sum(range(n))


def _operation() -> int:
    return _leaf(2000) + _leaf(10)


def test_top_functions_are_per_operation_and_sorted_by_own_time() -> None:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(100):
        _operation()
    profile.disable()
    rows = top_functions(profile, 100, limit=5)
    assert len(rows) <= 5
    assert [row[0] for row in rows] == sorted((row[0] for row in rows), reverse=True)
    leaf = next(row for row in rows if "_leaf" in row[2])
    assert leaf[1] == 2.0  # called twice per operation
    assert "test_bench_profiling.py" in leaf[2]
    assert all(own >= 0 for own, _, _ in rows)


def test_format_profile() -> None:
    text = format_profile("profile of x ping:", [(12.5, 1.0, "a.py:1(f)"), (0.25, 4.0, "send")], 20.0)
    lines = text.splitlines()
    assert lines[0] == "profile of x ping:"
    assert "total 20.0 µs per operation" in lines[1]
    assert lines[2].split() == ["12.50", "1.00", "a.py:1(f)"]
    assert lines[3].split() == ["0.25", "4.00", "send"]
