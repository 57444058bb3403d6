"""`GET /events`: times, filters, and how to ask each engine so that both answer like Docker.

Times go on the wire as `<unix seconds>.<9 digits>` (both engines parse it; the nanoseconds keep a
resumed stream exact). A caller's `datetime`, unix timestamp or `timedelta` back from now becomes
integer nanoseconds here, once, so the stream can compare it with `Event.time_nano`.

Podman 4.3's compat API differs (engine-api-notes.md, section 5), and `plan_query` makes up for it:

* `until`: a past `until` returns no events at all (it stops reading at that wall-clock time before
  reading its log), so rawengine never sends `until` to Podman. It asks with `stream=false`
  (a Podman extension: replay the log, then close) when `until` has passed, or streams and stops
  at `until` itself; events later than `until` are dropped either way.
* `event`: Podman filters on libpod's names (`died`, `remove`, `exec_died`, `exec`), so Docker's
  names are translated on the way out and the answer is checked against what was asked.
* `image`: Podman's filter matches image events only (and not even those here), so it is applied
  on the client, as Docker does it: the image id or name of image events, the `image` attribute
  of container events, with or without tag, with Podman's `localhost/` / `docker.io/` prefixes
  removed.
* `label`: Podman matches nothing for `key` without `=`, and ORs several labels where Docker ANDs
  them; only a single `key=value` is sent, and every label is checked on the client.

Other filters (`type`, `container`, ...) go to Podman as they are; a key Docker ignores, Podman
matches nothing for.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from .._models.events import Event, event_kind
from . import Request, encode_query

__all__ = [
    "ClientFilter",
    "EventQuery",
    "EventTime",
    "check_filters",
    "events",
    "format_unix_nanos",
    "plan_query",
    "unix_nanos",
]

EventTime = datetime | timedelta | int | float

_NS = 1_000_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _timedelta_ns(value: timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * _NS + value.microseconds * 1_000


def unix_nanos(value: EventTime, *, now_ns: int) -> int:
    """Nanoseconds since the epoch for a `since`/`until` value.

    A `datetime` without a time zone is local time (as `datetime.timestamp()` reads it); an int or
    float is unix seconds; a `timedelta` is that long before `now_ns` (a negative one is after).
    """
    if isinstance(value, bool):
        raise TypeError("a time must be a datetime, a unix timestamp or a timedelta, not a bool")
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.astimezone()
        return _timedelta_ns(aware - _EPOCH)
    if isinstance(value, timedelta):
        return now_ns - _timedelta_ns(value)
    if isinstance(value, int):
        return value * _NS
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite timestamp: {value!r}")
        return int(Decimal(repr(value)) * _NS)  # from the shortest repr: 0.1 is 100000000 ns
    raise TypeError(f"a time must be a datetime, a unix timestamp or a timedelta, not {type(value).__name__}")


def format_unix_nanos(ns: int) -> str:
    """`1795908133328922829` → `"1795908133.328922829"`, the form both engines parse exactly."""
    if ns < 0:
        raise ValueError(f"event times before 1970 are not supported ({ns} ns)")
    return f"{ns // _NS}.{ns % _NS:09d}"


def check_filters(filters: Mapping[str, Iterable[str]] | None) -> dict[str, list[str]]:
    """A copy of `filters` as a dict of lists of strings; a bare string value is a `TypeError`."""
    if filters is None:
        return {}
    if not isinstance(filters, Mapping):
        raise TypeError(f"filters must be a dict of lists, such as {{'type': ['container']}}, not {filters!r}")
    checked: dict[str, list[str]] = {}
    for key, values in filters.items():
        if not isinstance(key, str) or isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise TypeError(f"filters[{key!r}] must be a list of strings, such as [{values!r}], not {values!r}")
        items = list(values)
        if not all(isinstance(item, str) for item in items):
            raise TypeError(f"filters[{key!r}] must hold strings only, not {items!r}")
        if items:
            checked[key] = items
    return checked


def events(
    *,
    since_ns: int | None = None,
    until_ns: int | None = None,
    filters: Mapping[str, list[str]] | None = None,
    stream: bool | None = None,
) -> Request:
    """`GET /events`; `stream=False` is Podman's replay-and-close (Docker ignores it)."""
    query = encode_query(
        {
            "since": None if since_ns is None else format_unix_nanos(since_ns),
            "until": None if until_ns is None else format_unix_nanos(until_ns),
            "filters": filters or None,
            "stream": stream,
        }
    )
    return Request("GET", "/events", query)


# ---------------------------------------------------------------- filtering on the client (Podman)

# Docker's event names to what Podman's `event` filter matches (libpod's names).
_PODMAN_EVENT_NAMES = {
    "die": "died",
    "destroy": "remove",
    "delete": "remove",
    "exec_die": "exec_died",
    "exec_start": "exec",
}
_REGISTRY_PREFIXES = ("localhost/", "docker.io/library/", "docker.io/")


def _unqualified(ref: str) -> str:
    for prefix in _REGISTRY_PREFIXES:
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return ref


def _without_tag(ref: str) -> str:
    ref = ref.split("@", 1)[0]
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    return ref[:colon] if colon > slash else ref


def _id_forms(value: str) -> set[str]:
    if _HEX64.fullmatch(value):
        return {value, "sha256:" + value}
    if value.startswith("sha256:"):
        return {value, value[len("sha256:") :]}
    return {value}


def _image_filter_forms(value: str) -> frozenset[str]:
    return frozenset(_id_forms(value) | {_unqualified(value)})


def _event_image_forms(event: Event) -> set[str]:
    forms = _id_forms(event.actor.id)
    name = event.actor.attributes.get("name" if event.type == "image" else "image")
    if name:
        short = _unqualified(name)
        forms |= {name, short, _without_tag(short)}
    return forms


def _label_matches(attributes: Mapping[str, str], label: str) -> bool:
    key, sep, value = label.partition("=")
    if not sep:
        return key in attributes
    return attributes.get(key) == value


@dataclass(frozen=True, slots=True)
class ClientFilter:
    """Filters the engine cannot apply the way Docker does, checked on each event instead."""

    events: frozenset[str] = frozenset()
    images: frozenset[str] = frozenset()  # every accepted form of every requested image
    labels: tuple[str, ...] = ()

    def matches(self, event: Event) -> bool:
        if self.events and event.action not in self.events:
            kind = event.kind
            if not any(event_kind(event.type, name) == kind for name in self.events):
                return False
        if self.images and self.images.isdisjoint(_event_image_forms(event)):
            return False
        attributes = event.actor.attributes
        return all(_label_matches(attributes, label) for label in self.labels)


@dataclass(frozen=True, slots=True)
class EventQuery:
    """How to ask one engine for the events a caller wants: what to send, what to check after."""

    since_ns: int | None
    until_ns: int | None
    server_filters: dict[str, list[str]] = field(default_factory=dict)
    client_filter: ClientFilter | None = None
    native_until: bool = True

    def request(self, since_ns: int | None, *, final: bool = False) -> Request:
        """The request from `since_ns`; `final` is Podman's replay-and-close pass that ends at `until`."""
        if self.native_until:
            return events(since_ns=since_ns, until_ns=self.until_ns, filters=self.server_filters)
        return events(since_ns=since_ns, filters=self.server_filters, stream=False if final else None)


def plan_query(engine: str, since_ns: int | None, until_ns: int | None, filters: dict[str, list[str]]) -> EventQuery:
    """The query for `engine` (`"docker"` or `"podman"`); see the module docstring for Podman."""
    if engine != "podman":
        return EventQuery(since_ns, until_ns, dict(filters))
    server = {key: values for key, values in filters.items() if key not in ("event", "image", "label")}
    names = filters.get("event", [])
    if names:
        server["event"] = sorted({_PODMAN_EVENT_NAMES.get(name, name) for name in names} | set(names))
    labels = filters.get("label", [])
    if len(labels) == 1 and "=" in labels[0]:
        server["label"] = labels
    images = frozenset().union(*(_image_filter_forms(value) for value in filters.get("image", [])))
    client = ClientFilter(frozenset(names), images, tuple(labels)) if names or images or labels else None
    return EventQuery(since_ns, until_ns, server, client, native_until=False)
