"""What the terminal shows: a progress bar on stderr while running, then the table and verdicts."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from time import perf_counter
from typing import TextIO

from .ops import OPS
from .results import BackendRun, Cell
from .stats import Summary, ratio

__all__ = ["Progress", "format_ms", "rate", "render_table", "vs_rawengine"]

MB = 1_000_000


class Progress:
    """A one-line progress bar, redrawn in place; silent unless enabled (stderr is a terminal)."""

    def __init__(self, total_cells: int, *, enabled: bool, stream: TextIO = sys.stderr) -> None:
        self.total = max(total_cells, 1)
        self.enabled = enabled
        self.stream = stream
        self.done_cells = 0
        self.label = ""
        self.steps = 1
        self.step = 0
        self.client = ""
        self.started = perf_counter()

    def cell(self, label: str, steps: int) -> None:
        self.label, self.steps, self.step, self.client = label, max(steps, 1), 0, ""
        self._draw()

    def advance(self, client: str, detail: str = "") -> None:
        self.step += 1
        self.client = f"{client} {detail}".strip()
        self._draw()

    def note(self, text: str) -> None:
        """What is happening between steps (setting up, warming up)."""
        self.client = text
        self._draw()

    def cell_done(self) -> None:
        self.done_cells += 1
        self.step = 0
        self._draw()

    def fraction(self) -> float:
        return min(1.0, (self.done_cells + min(self.step / self.steps, 1.0)) / self.total)

    def _draw(self) -> None:
        if not self.enabled:
            return
        width = shutil.get_terminal_size((100, 20)).columns
        elapsed = int(perf_counter() - self.started)
        text = f" {self.fraction():4.0%}  {self.label}  {self.client}  {elapsed // 60}:{elapsed % 60:02d}"
        bar_width = max(10, min(40, width - len(text) - 4))
        filled = int(bar_width * self.fraction())
        line = f"[{'#' * filled}{'.' * (bar_width - filled)}]{text}"
        self.stream.write("\r" + line[: width - 1].ljust(width - 1))
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            width = shutil.get_terminal_size((100, 20)).columns
            self.stream.write("\r" + " " * (width - 1) + "\r")
            self.stream.flush()


def format_ms(seconds: float) -> str:
    """Milliseconds with three significant digits: `0.231`, `2.31`, `23.1`, `231`."""
    ms = seconds * 1000
    if ms < 1:
        return f"{ms:.3f}"
    if ms < 10:
        return f"{ms:.2f}"
    if ms < 100:
        return f"{ms:.1f}"
    return f"{ms:.0f}"


def rate(cell: Cell, summary: Summary, throughput_bytes: int) -> tuple[float, str]:
    """`(value, unit)`: MB/s of the median run for throughput, ops/s otherwise."""
    if OPS[cell.op].throughput:
        return throughput_bytes / summary.median / MB, "MB/s"
    return summary.ops_per_s, "ops/s"


def vs_rawengine(cell: Summary, reference: Summary | None, concurrency: int) -> float | None:
    """This client's time per call relative to rawengine's (2.0: twice as slow). Under load: by throughput."""
    if reference is None:
        return None
    if concurrency > 1:
        return ratio(reference.ops_per_s, cell.ops_per_s)
    return ratio(cell.median, reference.median)


def _row(cell: Cell, reference: Summary | None, throughput_bytes: int) -> list[str]:
    head = [cell.op, str(cell.concurrency), cell.client]
    if cell.status == "skipped":
        return [*head, f"skipped: {cell.note}"]
    summary = cell.summary()
    if summary is None:
        first = cell.messages[0] if cell.messages else "no call succeeded"
        return [*head, f"FAILED ({cell.errors} errors): {first}"]
    value, unit = rate(cell, summary, throughput_bytes)
    shown = "-" if OPS[cell.op].self_timed else f"{value:,.0f} {unit}" if value >= 100 else f"{value:,.1f} {unit}"
    versus = vs_rawengine(summary, reference, cell.concurrency)
    return [
        *head,
        str(summary.count),
        str(cell.errors),
        format_ms(summary.median),
        format_ms(summary.p90),
        format_ms(summary.p99),
        format_ms(summary.max),
        shown,
        "-" if cell.cpu_per_call is None else format_ms(cell.cpu_per_call),
        "-" if versus is None else f"{versus:.2f}x",
        f"±{summary.spread * 50:.0f}%",
    ]


HEADER = ["op", "conc", "client", "calls", "err", "median", "p90", "p99", "max", "rate", "cpu", "x rawengine", "spread"]
RIGHT = {1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}


def render_table(run: BackendRun, throughput_bytes: int, clients: Sequence[str]) -> str:
    """The results of one backend as an aligned text table (times in ms)."""
    order = {name: index for index, name in enumerate(clients)}
    rows: list[list[str]] = []
    previous = None
    for cell in sorted(run.cells, key=lambda c: (list(OPS).index(c.op), c.concurrency, order.get(c.client, 99))):
        reference_cell = run.find(cell.op, cell.concurrency, "rawengine")
        reference = reference_cell.summary() if reference_cell is not None else None
        row = _row(cell, reference, throughput_bytes)
        if previous == (cell.op, cell.concurrency):
            row[0] = row[1] = ""
        previous = (cell.op, cell.concurrency)
        rows.append(row)
    widths = [len(h) for h in HEADER]
    for row in rows:
        if len(row) == len(HEADER):
            widths = [max(w, len(v)) for w, v in zip(widths, row, strict=True)]

    def line(values: list[str]) -> str:
        if len(values) < len(HEADER):  # a skipped/failed row: the message spans the figures
            return "  ".join(v.ljust(w) for v, w in zip(values[:3], widths, strict=False)) + "  " + values[3]
        return "  ".join(
            (v.rjust(w) if i in RIGHT else v.ljust(w)) for i, (v, w) in enumerate(zip(values, widths, strict=True))
        )

    out = [line(HEADER), "  ".join("-" * w for w in widths)]
    for row in rows:
        if row[0] and len(out) > 2:
            out.append("")
        out.append(line(row))
    return "\n".join(out)
