"""Sans-IO request builders: each function describes one Engine API call. No I/O, no anyio, no httpx.

Every value that lands in a URL goes through `quote_name` / `quote_ref` / `encode_query`, so no
argument can reach another endpoint; filters, labels and build arguments are JSON-encoded.
"""

from __future__ import annotations

import functools
import math
from collections.abc import AsyncIterable, Mapping, Sequence
from urllib.parse import quote

import msgspec

__all__ = ["JSON", "Filters", "QueryValue", "Request", "encode_query", "json_body", "quote_name", "quote_ref"]

JSON = "application/json"
TAR = "application/x-tar"

Filters = Mapping[str, Sequence[str]]
QueryValue = str | int | float | bool | None | Sequence[str] | Mapping[str, object]

_ENCODER = msgspec.json.Encoder()


class Request(msgspec.Struct, frozen=True):
    """One call, described: method, unversioned path, encoded query, body and content type.

    A msgspec Struct rather than a frozen dataclass: one is built for every call, and a Struct
    is built several times faster.
    """

    method: str
    path: str
    query: str = ""
    body: bytes | AsyncIterable[bytes] | None = None
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    extra_time: float = 0.0  # seconds the engine may legitimately take beyond the usual bound

    @property
    def all_headers(self) -> tuple[tuple[str, str], ...]:
        if self.content_type is None:
            return self.headers
        return (("Content-Type", self.content_type), *self.headers)


def quote_name(value: str, what: str = "id") -> str:
    """A container/exec id or name as one path segment: every reserved character is escaped.

    `.` and `..` (alone or between slashes) are refused: Docker's router decodes `%2F` and
    cleans the path, so they would turn into a redirect to another route.
    """
    if not isinstance(value, str) or not value:
        raise ValueError(f"the {what} must be a non-empty string, not {value!r}")
    return _quote_segment(value, what)


@functools.lru_cache(maxsize=1024)  # the same ids come again and again; urllib's quote is Python code
def _quote_segment(value: str, what: str) -> str:
    if any(part in (".", "..") for part in value.split("/")):
        raise ValueError(f"invalid {what} {value!r}: '.' and '..' path segments are not allowed")
    return quote(value, safe="")


def quote_ref(value: str, what: str = "image reference") -> str:
    """An image reference (`repo/name:tag`, `name@sha256:...`, an id) for an `{name:.*}` path route.

    `/` stays (references contain it), everything else reserved is escaped, and `.`/`..` segments
    are refused: they could only be an attempt to leave the image routes.
    """
    if not isinstance(value, str) or not value:
        raise ValueError(f"the {what} must be a non-empty string, not {value!r}")
    return _quote_reference(value, what)


@functools.lru_cache(maxsize=1024)
def _quote_reference(value: str, what: str) -> str:
    if any(part in ("", ".", "..") for part in value.split("/")):
        raise ValueError(f"invalid {what} {value!r}: empty, '.' and '..' path segments are not allowed")
    return quote(value, safe="/:@")


def _scalar(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return repr(value)
    return str(value)


def encode_query(params: Mapping[str, QueryValue]) -> str:
    """`key=value&...`, percent-encoded. `None` is left out; a mapping is sent as JSON (filters);
    a list repeats the key (`changes=...&changes=...`)."""
    parts: list[str] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            text = _ENCODER.encode(value).decode()
            parts.append(f"{key}={quote(text, safe='')}")
        elif isinstance(value, (str, int, float, bool)):
            parts.append(f"{key}={quote(_scalar(value), safe='')}")
        else:
            parts.extend(f"{key}={quote(str(item), safe='')}" for item in value)
    return "&".join(parts)


def json_body(value: object) -> bytes:
    return _ENCODER.encode(value)
