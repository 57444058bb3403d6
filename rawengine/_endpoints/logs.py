"""`GET /containers/{id}/logs`: a container's output, as a multiplexed or raw (TTY) stream."""

from __future__ import annotations

import math
from datetime import datetime

from . import Request, encode_query, quote_name

__all__ = ["Since", "logs"]

Since = int | float | datetime
"""A point in time: Unix seconds (fractions allowed) or an aware `datetime`."""


def _timestamp(value: Since | None, what: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{what} must be an aware datetime (with a tzinfo), not a naive one")
        value = value.timestamp()
    if isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"{what} must be Unix seconds or a datetime, not {value!r}")
    if isinstance(value, int):
        return str(value)
    seconds = math.floor(value)
    nanos = min(round((value - seconds) * 1e9), 999_999_999)
    return f"{seconds}.{nanos:09d}"  # the engines' `seconds.nanoseconds` form


def logs(
    container: str,
    *,
    follow: bool,
    stdout: bool,
    stderr: bool,
    since: Since | None,
    until: Since | None,
    tail: int | str | None,
    timestamps: bool,
) -> Request:
    if not (stdout or stderr):
        raise ValueError("ask for stdout, stderr or both: the engine refuses a logs request for neither")
    if isinstance(tail, int) and tail < 0:
        raise ValueError(f"tail must be a line count or 'all', not {tail}")
    query = encode_query(
        {
            "follow": follow,
            "stdout": stdout,
            "stderr": stderr,
            "since": _timestamp(since, "since"),
            "until": _timestamp(until, "until"),
            "tail": tail,
            "timestamps": timestamps,
        }
    )
    return Request("GET", f"/containers/{quote_name(container, 'container id or name')}/logs", query)
