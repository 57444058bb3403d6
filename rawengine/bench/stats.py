"""Statistics of one benchmark cell: percentiles, throughput, per-round spread and ratios. Pure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Summary", "percentile", "ratio", "round_ratios", "summarize"]


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0-100) of already sorted values, linearly interpolated between ranks.

    The same definition as `numpy.percentile`'s default and `statistics.quantiles(method="inclusive")`.
    """
    if not sorted_values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0-100, not {q}")
    position = (len(sorted_values) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    fraction = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction


@dataclass(frozen=True)
class Summary:
    """Figures of one client on one operation at one concurrency level (times in seconds).

    `ops_per_s` is completed calls over the time they took: the sum of latencies when calls ran
    one at a time, the wall time of the batches when several tasks shared the client.
    `spread` is (max - min) / median of the per-round medians: how much the machine drifted.
    """

    count: int
    errors: int
    min: float
    median: float
    p90: float
    p99: float
    max: float
    mean: float
    ops_per_s: float
    spread: float
    round_medians: tuple[float, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "count": self.count,
            "errors": self.errors,
            "min_s": self.min,
            "median_s": self.median,
            "p90_s": self.p90,
            "p99_s": self.p99,
            "max_s": self.max,
            "mean_s": self.mean,
            "ops_per_s": self.ops_per_s,
            "spread": self.spread,
            "round_medians_s": list(self.round_medians),
        }


def summarize(rounds: Sequence[Sequence[float]], *, errors: int = 0, wall_time: float | None = None) -> Summary | None:
    """Summarise latencies grouped by round; `wall_time` (concurrent batches) sets `ops_per_s`.

    Returns `None` when no call succeeded.
    """
    values = sorted(value for batch in rounds for value in batch)
    if not values:
        return None
    total = math.fsum(values)
    elapsed = wall_time if wall_time is not None else total
    medians = tuple(percentile(sorted(batch), 50) for batch in rounds if batch)
    median = percentile(values, 50)
    spread = (max(medians) - min(medians)) / median if median > 0 else 0.0
    return Summary(
        count=len(values),
        errors=errors,
        min=values[0],
        median=median,
        p90=percentile(values, 90),
        p99=percentile(values, 99),
        max=values[-1],
        mean=total / len(values),
        ops_per_s=len(values) / elapsed if elapsed > 0 else math.inf,
        spread=spread,
        round_medians=medians,
    )


def ratio(value: float | None, reference: float | None) -> float | None:
    """`value / reference`, or `None` when either is missing or the reference is zero."""
    if value is None or reference is None or reference <= 0:
        return None
    return value / reference


def round_ratios(values: Sequence[float], references: Sequence[float]) -> tuple[float, ...]:
    """Per-round ratios of two clients measured in the same rounds (paired: drift cancels out)."""
    return tuple(v / r for v, r in zip(values, references, strict=False) if r > 0)
