"""The bench's statistics: percentiles, summaries, ratios (pure, no engine)."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rawengine.bench.stats import percentile, ratio, round_ratios, summarize


def test_percentile_matches_inclusive_quantiles() -> None:
    values = [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
    assert percentile(values, 0) == 0.5
    assert percentile(values, 100) == 32.0
    assert percentile(values, 50) == 4.0
    cuts = statistics.quantiles(values, n=10, method="inclusive")
    assert percentile(values, 90) == pytest.approx(cuts[-1])
    assert percentile(values, 10) == pytest.approx(cuts[0])


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([1.0, 2.0], 50) == 1.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 90) == pytest.approx(3.7)
    assert percentile([7.0], 99) == 7.0


def test_percentile_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)
    with pytest.raises(ValueError, match="0-100"):
        percentile([1.0], 101)


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=200), st.floats(0, 100))
def test_percentile_stays_within_the_values(values: list[float], q: float) -> None:
    ordered = sorted(values)
    result = percentile(ordered, q)
    assert ordered[0] <= result <= ordered[-1] or math.isclose(result, ordered[0]) or math.isclose(result, ordered[-1])


def test_summary_sequential() -> None:
    rounds = [[0.001, 0.002], [0.003, 0.004], [0.010]]
    summary = summarize(rounds, errors=2)
    assert summary is not None
    assert summary.count == 5
    assert summary.errors == 2
    assert summary.min == 0.001 and summary.max == 0.010
    assert summary.median == 0.003
    assert summary.mean == pytest.approx(0.004)
    # sequential: ops/s is calls over the time they took
    assert summary.ops_per_s == pytest.approx(5 / 0.020)
    assert summary.round_medians == pytest.approx((0.0015, 0.0035, 0.010))
    assert summary.spread == pytest.approx((0.010 - 0.0015) / 0.003)


def test_summary_under_load_uses_wall_time() -> None:
    summary = summarize([[0.01] * 64, [0.01] * 64], wall_time=0.04)
    assert summary is not None
    assert summary.ops_per_s == pytest.approx(128 / 0.04)


def test_summary_of_nothing_is_none() -> None:
    assert summarize([]) is None
    assert summarize([[], []], errors=3) is None


def test_summary_as_dict_has_every_figure() -> None:
    summary = summarize([[0.001, 0.003]])
    assert summary is not None
    assert set(summary.as_dict()) == {
        "count", "errors", "min_s", "median_s", "p90_s", "p99_s", "max_s", "mean_s", "ops_per_s", "spread",
        "round_medians_s",
    }  # fmt: skip


def test_ratios() -> None:
    assert ratio(2.0, 1.0) == 2.0
    assert ratio(None, 1.0) is None
    assert ratio(1.0, None) is None
    assert ratio(1.0, 0.0) is None
    assert round_ratios([2.0, 3.0, 4.0], [1.0, 0.0, 2.0]) == (2.0, 2.0)
