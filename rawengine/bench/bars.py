"""The bars rawengine must clear on this machine, judged from one run. Informative, never a test."""

from __future__ import annotations

from dataclasses import dataclass

from .render import MB
from .results import BackendRun
from .stats import Summary, round_ratios

__all__ = ["Verdict", "judge"]


@dataclass(frozen=True)
class Verdict:
    backend: str
    bar: str
    status: str  # PASS, FAIL or N/A
    detail: str

    def line(self) -> str:
        return f"{self.status:4}  [{self.backend}] {self.bar}: {self.detail}"

    def as_dict(self) -> dict[str, str]:
        return {"backend": self.backend, "bar": self.bar, "status": self.status, "detail": self.detail}


def _summary(run: BackendRun, op: str, client: str, concurrency: int = 1) -> Summary | None:
    cell = run.find(op, concurrency, client)
    return None if cell is None else cell.summary()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def _paired(mine: Summary, other: Summary) -> str:
    ratios = round_ratios(mine.round_medians, other.round_medians)
    return f" (rounds {min(ratios):.2f}-{max(ratios):.2f})" if ratios else ""


def _time_bar(run: BackendRun, op: str, other: str, limit: float) -> Verdict:
    bar = f"{op}: rawengine <= {limit}x {other}"
    mine, theirs = _summary(run, op, "rawengine"), _summary(run, op, other)
    if mine is None or theirs is None:
        return Verdict(run.backend, bar, "N/A", f"no figures for {'rawengine' if mine is None else other}")
    value = mine.median / theirs.median
    detail = f"{value:.2f}x{_paired(mine, theirs)}: {_ms(mine.median)} vs {_ms(theirs.median)} median"
    floor = _summary(run, op, "socket") if other != "socket" else None
    if floor is not None:  # what the bare socket itself achieves against the same client
        detail += f"; the bare socket is {floor.median / theirs.median:.2f}x {other}"
    return Verdict(run.backend, bar, "PASS" if value <= limit else "FAIL", detail)


def _throughput_bars(run: BackendRun, throughput_bytes: int) -> list[Verdict]:
    mine = _summary(run, "exec-throughput", "rawengine")
    verdicts = []
    for other, limit, bar in (
        ("socket", 0.8, "exec-throughput: rawengine >= 0.8x socket MB/s"),
        ("aiodocker", 1.0, "exec-throughput: rawengine ahead of aiodocker"),
    ):
        theirs = _summary(run, "exec-throughput", other)
        if mine is None or theirs is None:
            missing = "rawengine" if mine is None else other
            verdicts.append(Verdict(run.backend, bar, "N/A", f"no figures for {missing}"))
            continue
        mine_rate, their_rate = throughput_bytes / mine.median / MB, throughput_bytes / theirs.median / MB
        value = mine_rate / their_rate
        passed = value >= limit if other == "socket" else value > limit
        detail = f"{value:.2f}x: {mine_rate:,.0f} vs {their_rate:,.0f} MB/s"
        verdicts.append(Verdict(run.backend, bar, "PASS" if passed else "FAIL", detail))
    return verdicts


def _load_bars(run: BackendRun, level: int) -> list[Verdict]:
    verdicts = []
    for op in ("ping", "inspect", "list", "exec", "changes", "history"):
        cell = run.find(op, level, "rawengine")
        if cell is None:
            continue
        bar = f"{op} at concurrency {level}: rawengine no errors, throughput >= aiodocker"
        mine, theirs = cell.summary(), _summary(run, op, "aiodocker", level)
        if mine is None:
            verdicts.append(Verdict(run.backend, bar, "FAIL", f"rawengine failed: {cell.messages[:1]}"))
            continue
        if theirs is None:
            status = "PASS" if cell.errors == 0 else "FAIL"
            detail = f"{cell.errors} errors, {mine.ops_per_s:,.0f} ops/s; no aiodocker figures to compare"
            verdicts.append(Verdict(run.backend, bar, status, detail))
            continue
        passed = cell.errors == 0 and mine.ops_per_s >= theirs.ops_per_s
        detail = f"{cell.errors} errors; {mine.ops_per_s:,.0f} vs {theirs.ops_per_s:,.0f} ops/s"
        verdicts.append(Verdict(run.backend, bar, "PASS" if passed else "FAIL", detail))
    return verdicts


def _floor_bars(run: BackendRun, levels: tuple[int, ...]) -> list[Verdict]:
    """Issue 15's floors: under load, rawengine's throughput at least the bare socket's (the same loop)."""
    verdicts = []
    for level in (lvl for lvl in levels if lvl > 1):
        for op in ("ping", "inspect", "list"):
            mine, theirs = _summary(run, op, "rawengine", level), _summary(run, op, "socket", level)
            if mine is None or theirs is None:
                continue
            value = mine.ops_per_s / theirs.ops_per_s
            bar = f"{op} at concurrency {level}: rawengine throughput >= 1.0x socket"
            detail = f"{value:.2f}x: {mine.ops_per_s:,.0f} vs {theirs.ops_per_s:,.0f} ops/s"
            verdicts.append(Verdict(run.backend, bar, "PASS" if value >= 1.0 else "FAIL", detail))
    return verdicts


def _events_bar(run: BackendRun) -> Verdict:
    bar = "events: action returned -> event yielded, median < 5 ms"
    mine = _summary(run, "events", "rawengine")
    if mine is None:
        return Verdict(run.backend, bar, "N/A", "no rawengine figures")
    detail = f"median {_ms(mine.median)}, p90 {_ms(mine.p90)}, max {_ms(mine.max)}"
    return Verdict(run.backend, bar, "PASS" if mine.median < 0.005 else "FAIL", detail)


def judge(run: BackendRun, throughput_bytes: int, concurrency: tuple[int, ...]) -> list[Verdict]:
    """A verdict for every bar whose operation was measured in this run."""
    measured = {cell.op for cell in run.cells}
    verdicts: list[Verdict] = []
    for op in ("ping", "inspect"):
        if op in measured:
            verdicts.append(_time_bar(run, op, "socket", 1.3))
            verdicts.append(_time_bar(run, op, "aiodocker", 0.6))
            verdicts.append(_time_bar(run, op, "blocking", 1.3))
    if "exec" in measured:
        verdicts.append(_time_bar(run, "exec", "socket", 1.3))
    if "exec-throughput" in measured:
        verdicts.extend(_throughput_bars(run, throughput_bytes))
    if 64 in concurrency:
        verdicts.extend(_load_bars(run, 64))
    verdicts.extend(_floor_bars(run, concurrency))
    verdicts.extend(_time_bar(run, op, "socket", 1.3) for op in ("changes", "history") if op in measured)
    if "events" in measured:
        verdicts.append(_events_bar(run))
    return verdicts
