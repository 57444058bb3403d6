"""`--plot`: latency distributions per operation and client, and throughput under load, as a PNG."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any, Literal

from matplotlib import ticker

from .ops import OPS
from .render import MB
from .results import BackendRun, Cell

__all__ = ["COLORS", "write_plot"]

COLORS = {"rawengine": "#d62728", "socket": "#7f7f7f", "aiodocker": "#1f77b4", "docker-py": "#2ca02c"}
LineStyle = Literal["-", "--", ":"]
BACKEND_STYLE: dict[str, LineStyle] = {"asyncio": "-", "trio": "--"}
COLUMNS = 3


def _values(cell: Cell, throughput_bytes: int) -> list[float]:
    if OPS[cell.op].throughput:
        return [throughput_bytes / value / MB for value in cell.samples if value > 0]
    return [max(value * 1000, 1e-3) for value in cell.samples]  # ms; an event already there counts as 1 µs


def _distribution(ax: Any, op: str, runs: Sequence[BackendRun], clients: Sequence[str], throughput_bytes: int) -> None:
    throughput = OPS[op].throughput
    data, labels, colors, hatches = [], [], [], []
    for run in runs:
        for client in clients:
            cell = run.find(op, 1, client)
            if cell is None or cell.status != "ok" or not cell.samples:
                continue
            values = _values(cell, throughput_bytes)
            middle = statistics.median(values)
            figure = f"{middle:,.0f} MB/s" if throughput else f"{middle:.3g} ms"
            data.append(values)
            labels.append(f"{client}\n{figure}" if len(runs) == 1 else f"{client}\n{run.backend}\n{figure}")
            colors.append(COLORS.get(client, "#9467bd"))
            hatches.append("" if run.backend == "asyncio" else "//")
    ax.set_title(f"{op}" + (" (MB/s per run, higher is better)" if throughput else " (ms)"), fontsize=11)
    if not data:
        ax.text(0.5, 0.5, "not measured", ha="center", va="center", transform=ax.transAxes, color="#888888")
        ax.set_xticks([])
        ax.set_yticks([])
        return
    boxes = ax.boxplot(data, whis=(1, 99), showfliers=True, patch_artist=True, widths=0.6,
                       flierprops={"marker": ".", "markersize": 2, "alpha": 0.3})  # fmt: skip
    for patch, color, hatch in zip(boxes["boxes"], colors, hatches, strict=True):
        patch.set_facecolor(color)
        patch.set_alpha(0.55)
        patch.set_hatch(hatch)
    for median in boxes["medians"]:
        median.set_color("black")
    ax.set_xticks(range(1, len(labels) + 1), labels, fontsize=8)
    low = min(min(values) for values in data)
    high = max(max(values) for values in data)
    if not throughput and high > 8 * low:  # a log axis only where the plotted values span a wide range
        ax.set_title(f"{op} (ms, log scale)", fontsize=11)
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(_plain))
        ax.yaxis.set_minor_formatter(ticker.FuncFormatter(_plain_minor))
        ax.tick_params(axis="y", which="minor", labelsize=7)
    ax.grid(axis="y", which="both", alpha=0.25)


def _plain(value: float, _: object = None) -> str:
    return f"{value:g}"


def _plain_minor(value: float, _: object = None) -> str:
    leading = value / 10 ** math.floor(math.log10(value)) if value > 0 else 0
    return f"{value:g}" if round(leading) in (2, 5) else ""


def _load(ax: Any, op: str, runs: Sequence[BackendRun], clients: Sequence[str]) -> None:
    ax.set_title(f"{op} under load (ops/s, higher is better)", fontsize=11)
    levels: set[int] = set()
    for run in runs:
        for client in clients:
            points = []
            for cell in run.cells:
                summary = cell.summary() if cell.op == op and cell.client == client else None
                if summary is not None:
                    points.append((cell.concurrency, summary.ops_per_s))
            if len(points) < 2:
                continue
            points.sort()
            levels.update(level for level, _ in points)
            ax.plot([p[0] for p in points], [p[1] for p in points], BACKEND_STYLE.get(run.backend, ":"),
                    marker="o", color=COLORS.get(client, "#9467bd"), label=f"{client} ({run.backend})")  # fmt: skip
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(levels), [str(level) for level in sorted(levels)])
    ax.set_xlabel("concurrent tasks sharing one client", fontsize=8)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(ticker.StrMethodFormatter("{x:,.0f}"))
    ax.grid(alpha=0.25)


def write_plot(
    path: str, runs: Sequence[BackendRun], clients: Sequence[str], throughput_bytes: int, title: str
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ops = [op for op in OPS if any(cell.op == op for run in runs for cell in run.cells)]
    loaded = [
        op
        for op in ops
        if any(cell.op == op and cell.concurrency > 1 and cell.status == "ok" for run in runs for cell in run.cells)
    ]
    panels = len(ops) + len(loaded)
    rows = max(1, -(-panels // COLUMNS))
    width = 5.2 if len(runs) == 1 else 6.5
    figure, axes = plt.subplots(rows, COLUMNS, figsize=(COLUMNS * width, rows * 3.8), squeeze=False)
    flat = list(axes.flat)
    for ax, op in zip(flat, ops, strict=False):
        _distribution(ax, op, runs, clients, throughput_bytes)
    for ax, op in zip(flat[len(ops) :], loaded, strict=False):
        _load(ax, op, runs, clients)
    for ax in flat[panels:]:
        ax.set_visible(False)
    if loaded:  # one legend for every under-load panel: colour is the client, line style the backend
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color=COLORS.get(c, "#9467bd"), marker="o", label=c) for c in clients]
        handles += [Line2D([], [], color="#444444", linestyle=BACKEND_STYLE.get(r.backend, ":"), label=r.backend)
                    for r in runs]  # fmt: skip
        spare = flat[panels] if panels < len(flat) else None
        if spare is not None:
            spare.set_visible(True)
            spare.axis("off")
            spare.legend(handles=handles, loc="center", fontsize=10, title="under load", frameon=False)
        else:
            figure.legend(handles=handles, loc="lower right", fontsize=8, ncol=len(handles))
    figure.suptitle(title, fontsize=13)
    figure.text(0.5, 0.005, "boxes: quartiles, whiskers: p1-p99, dots: beyond; under each box: the median; "
                "hatched boxes and dashed lines: trio", ha="center", fontsize=8, color="#555555")  # fmt: skip
    figure.tight_layout(rect=(0, 0.01, 1, 0.98))
    figure.savefig(path, dpi=110)
    plt.close(figure)
