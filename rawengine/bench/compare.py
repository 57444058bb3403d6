"""`python -m rawengine.bench.compare run1.json run2.json ...`: how much repeated runs disagree.

For every backend, operation, concurrency level and client found in the `--json` files: the
median's min-max across the runs, and the ratio to rawengine's min-max (each run's ratio is taken
within that run, where the clients were interleaved). Then how often each bar passed.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from .render import format_ms

__all__ = ["compare", "main"]

Key = tuple[str, str, int, str]


def _figures(document: dict[str, Any]) -> dict[Key, tuple[float, float | None]]:
    """`(median seconds or MB/s, vs rawengine)` per cell of one run."""
    out: dict[Key, tuple[float, float | None]] = {}
    for run in document["runs"]:
        for cell in run["cells"]:
            if cell["summary"] is None:
                continue
            value = cell["mb_per_s"] if cell["mb_per_s"] is not None else cell["summary"]["median_s"]
            if cell["concurrency"] > 1:
                value = cell["summary"]["ops_per_s"]
            out[(run["backend"], cell["op"], cell["concurrency"], cell["client"])] = (value, cell["vs_rawengine"])
    return out


def _span(values: Iterable[float], fmt: Any) -> str:
    ordered = sorted(values)
    return fmt(ordered[0]) if len(ordered) == 1 else f"{fmt(ordered[0])}-{fmt(ordered[-1])}"


def compare(documents: Sequence[dict[str, Any]]) -> str:
    cells: dict[Key, list[tuple[float, float | None]]] = defaultdict(list)
    order: list[Key] = []
    for document in documents:
        for key, figures in _figures(document).items():
            if key not in cells:
                order.append(key)
            cells[key].append(figures)
    lines = [f"{len(documents)} runs; medians (ms), or MB/s (exec-throughput), or ops/s (concurrency > 1): min-max"]
    lines.append(f"{'backend':8} {'op':16} {'conc':>4} {'client':10} {'runs':>4}  {'value':>17}  {'x rawengine':>11}")
    for key in order:
        backend, op, level, client = key
        values = [value for value, _ in cells[key]]
        ratios = [ratio for _, ratio in cells[key] if ratio is not None]
        if op == "exec-throughput" or level > 1:
            shown = _span(values, lambda v: f"{v:,.0f}")
        else:
            shown = _span(values, lambda v: format_ms(v))
        versus = _span(ratios, lambda v: f"{v:.2f}") if ratios else "-"
        lines.append(f"{backend:8} {op:16} {level:>4} {client:10} {len(values):>4}  {shown:>17}  {versus:>11}")
    verdicts: dict[tuple[str, str], list[str]] = defaultdict(list)
    for document in documents:
        for verdict in document["verdicts"]:
            verdicts[(verdict["backend"], verdict["bar"])].append(verdict["status"])
    if verdicts:
        lines += ["", "bars: passed in how many runs (N/A: not measurable in that run)"]
        for (backend, bar), statuses in verdicts.items():
            judged = [status for status in statuses if status != "N/A"]
            text = f"{judged.count('PASS')}/{len(judged)}" if judged else "N/A"
            lines.append(f"  [{backend}] {bar}: {text}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    paths = list(sys.argv[1:] if argv is None else argv)
    if not paths:
        print("usage: python -m rawengine.bench.compare run1.json run2.json ...", file=sys.stderr)
        return 2
    documents = []
    for path in paths:
        with open(path, encoding="utf-8") as file:
            documents.append(json.load(file))
    print(compare(documents))
    return 0


if __name__ == "__main__":
    sys.exit(main())
