"""`--profile OP`: where a client's time goes on one operation, under cProfile, function by function.

Run after the measurements (the profiler slows every call several-fold, so its figures are for
finding the costly functions, not for the table). Shown for rawengine and the bare socket client
side by side: the difference between the two is what rawengine adds.
"""

from __future__ import annotations

import cProfile
import os
import pstats
from collections.abc import Sequence

from .clients import BenchClient
from .rounds import run_batch

__all__ = ["PROFILED_CALLS", "format_profile", "profile_client", "top_functions"]

PROFILED_CALLS = 2000
WARMUP_CALLS = 50


def _short(path: str) -> str:
    for marker in (f"{os.sep}rawengine{os.sep}", f"{os.sep}site-packages{os.sep}", f"{os.sep}lib{os.sep}python"):
        at = path.rfind(marker)
        if at >= 0:
            return (
                path[at + 1 :]
                if marker != f"{os.sep}lib{os.sep}python"
                else "stdlib" + path[path.find(os.sep, at + 4) :]
            )
    return path


def top_functions(profile: cProfile.Profile, calls: int, limit: int = 20) -> list[tuple[float, float, str]]:
    """`(own µs per operation, calls per operation, where)` of the costliest functions, by own time."""
    stats = pstats.Stats(profile)
    rows = []
    for (path, line, name), (_, total_calls, own, _cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{name}" if path == "~" else f"{_short(path)}:{line}({name})"
        rows.append((own / calls * 1e6, total_calls / calls, where))
    rows.sort(reverse=True)
    return rows[:limit]


def format_profile(title: str, rows: Sequence[tuple[float, float, str]], total: float) -> str:
    lines = [title, f"  {'own µs':>8}  {'calls':>6}  function   (total {total:.1f} µs per operation)"]
    lines += [f"  {own:8.2f}  {calls:6.2f}  {where}" for own, calls, where in rows]
    return "\n".join(lines)


async def profile_client(client: BenchClient, op: str, backend: str, calls: int = PROFILED_CALLS) -> str:
    """Profile `calls` sequential calls of `op` by `client` (in-thread clients are not supported)."""
    if client.threaded:
        return f"profile of {client.name} {op}: not available for threaded clients"
    async with client.probe(op, 1) as probe:
        await run_batch(probe, WARMUP_CALLS)
        profile = cProfile.Profile()
        profile.enable()
        try:
            result = await run_batch(probe, calls)
        finally:
            profile.disable()
    rows = top_functions(profile, calls)
    total = sum(row[0] for row in top_functions(profile, calls, limit=10_000))
    title = (
        f"profile of {client.name} {op} ({backend}, {calls} calls, {result.errors} errors; cProfile, "
        "per operation, inflated by the profiler):"
    )
    return format_profile(title, rows, total)
