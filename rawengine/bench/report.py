"""The `--json` document: every figure, every sample, and what produced them.

Schema `rawengine.bench/1` (times in seconds unless the key says `_ms`):

```
{"schema", "command", "started_at", "seconds", "options", "environment", "operations", "clients",
 "runs": [{"backend", "engine": {host, kind, version, api_version}, "seconds", "notes", "profiles",
           "cells": [{"op", "concurrency", "client", "status", "note", "errors", "error_messages",
                      "calls", "wall_time_s", "cpu_per_call_s", "summary": {...} | null, "mb_per_s": float | null,
                      "vs_rawengine": float | null, "samples_ms": [[...] per round]}]}],
 "verdicts": [{"backend", "bar", "status", "detail"}]}
```
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from .bars import Verdict
from .ops import OPS
from .options import Options
from .render import MB, vs_rawengine
from .results import BackendRun, Cell
from .runner import CLIENT_TYPES

__all__ = ["SCHEMA", "build_document", "write_json"]

SCHEMA = "rawengine.bench/1"


def _cell(run: BackendRun, cell: Cell, throughput_bytes: int) -> dict[str, Any]:
    summary = cell.summary()
    reference_cell = run.find(cell.op, cell.concurrency, "rawengine")
    reference = reference_cell.summary() if reference_cell is not None else None
    throughput = OPS[cell.op].throughput and summary is not None
    return {
        "op": cell.op,
        "concurrency": cell.concurrency,
        "client": cell.client,
        "status": cell.status if summary is not None or cell.status != "ok" else "failed",
        "note": cell.note,
        "errors": cell.errors,
        "error_messages": list(cell.messages),
        "calls": len(cell.samples),
        "wall_time_s": cell.wall_time,
        "cpu_per_call_s": cell.cpu_per_call,
        "summary": summary.as_dict() if summary is not None else None,
        "mb_per_s": throughput_bytes / summary.median / MB if throughput and summary is not None else None,
        "vs_rawengine": vs_rawengine(summary, reference, cell.concurrency) if summary is not None else None,
        "samples_ms": [[round(value * 1000, 4) for value in batch] for batch in cell.rounds],
    }


def build_document(
    options: Options,
    runs: Sequence[BackendRun],
    verdicts: Sequence[Verdict],
    *,
    environment: dict[str, object],
    command: Sequence[str],
    started_at: str,
    seconds: float,
) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "command": list(command),
        "started_at": started_at,
        "seconds": seconds,
        "options": {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(options).items()},
        "environment": environment,
        "operations": {op: OPS[op].what for op in options.ops},
        "clients": {name: CLIENT_TYPES[name].how for name in options.clients},
        "runs": [
            {
                "backend": run.backend,
                "engine": dict(run.engine),
                "seconds": run.seconds,
                "notes": list(run.notes),
                "profiles": list(run.profiles),
                "cells": [_cell(run, cell, options.throughput_bytes) for cell in run.cells],
            }
            for run in runs
        ],
        "verdicts": [verdict.as_dict() for verdict in verdicts],
    }


def write_json(path: str, document: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as file:
        json.dump(document, file, indent=1)
        file.write("\n")
