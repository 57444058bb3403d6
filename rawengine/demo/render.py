"""Pure formatting for the demo: sizes, ages, ids and tables the way the docker CLI prints them.

Nothing here does I/O, so every function is unit-tested byte for byte (`tests/unit/test_demo_render.py`).
The CLI's rules are kept where they show: decimal units with three significant digits
(`go-units.HumanSizeWithPrecision(size, 3)`: `1.98MB`, `24B`), ages from `go-units.HumanDuration`
(`About a minute ago`), 12-character ids, and tables laid out as `text/tabwriter` does for
`docker image ls` (minimum cell width 10, padding 3), except that widths count terminal columns, so
that CJK text (the demo's commit message) does not push the columns out of line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import unquote

__all__ = [
    "Style",
    "display_width",
    "ellipsis",
    "format_table",
    "human_age",
    "human_duration",
    "human_ms",
    "human_size",
    "http_reason",
    "readable_target",
    "short_id",
    "shorten_ids",
]

_SIZE_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
_HEX_ID = re.compile(r"(?<![0-9a-f])([0-9a-f]{12})[0-9a-f]{52}(?![0-9a-f])")


def human_size(size: float) -> str:
    """`docker image ls` / `docker history` sizes: decimal units, three significant digits.

    `0` → `0B`, `24` → `24B`, `1984289` → `1.98MB`, `10485760` → `10.5MB`. One deviation from
    Go's `%.3g`: a value that rounds up to 1000 moves to the next unit (`1MB`, not `1e+03kB`).
    """
    value = float(size)
    if value < 0:
        return "-" + human_size(-value)
    unit = 0
    while value >= 1000 and unit < len(_SIZE_UNITS) - 1:
        value /= 1000
        unit += 1
    text = f"{value:.3g}"
    if float(text) >= 1000 and unit < len(_SIZE_UNITS) - 1:
        value /= 1000
        unit += 1
        text = f"{value:.3g}"
    return text + _SIZE_UNITS[unit]


def human_duration(seconds: float) -> str:
    """go-units `HumanDuration`: `Less than a second`, `5 seconds`, `About a minute`, `3 hours`, ..."""
    whole = int(seconds)
    if whole < 1:
        return "Less than a second"
    if whole == 1:
        return "1 second"
    if whole < 60:
        return f"{whole} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(seconds / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds / 3600) // 24 // 365} years"


def human_age(created: float, now: float) -> str:
    """The CLI's CREATED column: `human_duration(now - created) + " ago"` (unix seconds in)."""
    if created <= 0:
        return "N/A"
    return human_duration(max(0.0, now - created)) + " ago"


def human_ms(seconds: float) -> str:
    """A round-trip time: `0.42 ms`, `3.1 ms`, `215 ms`, `1.42 s`."""
    ms = seconds * 1000
    if ms < 1:
        return f"{ms:.2f} ms"
    if ms < 10:
        return f"{ms:.1f} ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    return f"{seconds:.2f} s"


def short_id(image_or_container_id: str) -> str:
    """`sha256:3208297e8ce7...` → `3208297e8ce7` (the CLI's truncated id); other text unchanged."""
    value = image_or_container_id.removeprefix("sha256:")
    if re.fullmatch(r"[0-9a-f]{13,64}", value):
        return value[:12]
    return value


def shorten_ids(text: str) -> str:
    """Every 64-hex id inside `text` cut to its first 12 characters (for paths and messages)."""
    return _HEX_ID.sub(r"\1", text)


def http_reason(status: int) -> str:
    """`201` → `Created`; an unknown code gives an empty string."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def display_width(text: str) -> int:
    """Terminal columns `text` takes: wide (CJK) characters count two, combining marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def ellipsis(text: str, width: int) -> str:
    """`text` cut to `width` columns, ending in `…` when cut (as the CLI's `CREATED BY`)."""
    if display_width(text) <= width:
        return text
    out: list[str] = []
    used = 0
    for char in text:
        w = display_width(char)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, indent: str = "") -> list[str]:
    """Lines of a table laid out as the docker CLI's tabwriter does (min width 10, padding 3).

    Every column but the last is padded to `max(10, widest cell + 3)` columns; trailing spaces
    are stripped.
    """
    columns = len(headers)
    for row in rows:
        if len(row) != columns:
            raise ValueError(f"a row has {len(row)} cells where the table has {columns} columns")
    widths = [
        max(10, max(display_width(cell) for cell in [headers[i], *(row[i] for row in rows)]) + 3)
        for i in range(columns)
    ]
    lines = []
    for row in [headers, *rows]:
        cells = []
        for i, cell in enumerate(row):
            if i == columns - 1:
                cells.append(cell)
            else:
                cells.append(cell + " " * (widths[i] - display_width(cell)))
        lines.append((indent + "".join(cells)).rstrip())
    return lines


def readable_target(target: str) -> str:
    """An API call's target as a person reads it: no `/v1.41` prefix, 12-character ids, query unescaped."""
    path, _, query = target.partition("?")
    path = re.sub(r"^/v\d+(\.\d+)*(?=/)", "", path)
    text = unquote(path) + ("?" + unquote(query.replace("+", " ")) if query else "")
    return shorten_ids(text)


@dataclass(frozen=True)
class Style:
    """ANSI styles, or plain text when colour is off (not a terminal, `--no-color`, `NO_COLOR`)."""

    enabled: bool

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled and text else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def red(self, text: str) -> str:
        return self._wrap("31", text)

    def green(self, text: str) -> str:
        return self._wrap("32", text)

    def yellow(self, text: str) -> str:
        return self._wrap("33", text)

    def blue(self, text: str) -> str:
        return self._wrap("34", text)

    def cyan(self, text: str) -> str:
        return self._wrap("36", text)
