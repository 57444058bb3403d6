"""Events: a typed stream of what happens on the engine, optionally resumed across drops."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from .._endpoints.events import EventTime, check_filters, unix_nanos
from .._streams.events import EventStream
from .base import EngineCore

__all__ = ["EventsMixin"]


class EventsMixin(EngineCore):
    def event_stream(
        self,
        *,
        since: EventTime | None = None,
        until: EventTime | None = None,
        filters: Mapping[str, Iterable[str]] | None = None,
        resume: bool = False,
        resume_backoff: tuple[float, float] = (0.05, 2.0),
        resume_max_wait: float = 60.0,
    ) -> EventStream:
        """Stream the engine's events. Calls `GET /events`.

        ```python
        async with engine.event_stream(filters={"type": ["container"], "label": ["app=web"]}) as events:
            async for event in events:
                if event.kind == "die": ...
        ```

        `since` / `until` take a `datetime` (naive is local time), unix seconds (int or float) or a
        `timedelta` back from now. With `since`, past events come first. With `until`, the
        iteration ends there (on Podman, whose `until` is broken, rawengine stops the stream itself),
        and without `since` the engine's whole history comes first, as Docker does it (its last 256
        events; Podman's events log). Without `until` the stream goes on until you leave the loop
        or cancel, which closes the connection. `filters` is a dict of lists with Docker's keys and event names
        (`{"event": ["die"], "label": ["app=web"]}`); on Podman they are translated or checked on
        the client so that they mean the same.

        With `resume=True` a dropped connection (engine restarted, socket gone for a while) is
        re-opened with exponential backoff (`resume_backoff`: first and longest delay, seconds)
        for up to `resume_max_wait` seconds, asking for the events since the last one delivered
        and dropping those already delivered: each event is seen exactly once. Only events the
        engine still holds can be replayed (Docker keeps its last 256 in memory, emptied by a
        restart; Podman keeps its events log).

        Returns:
            An `EventStream`: enter it with `async with`, then iterate it (or `await receive()`).

        Raises:
            BadRequestError: the engine rejected the query (Docker: `since` after `until`), on entering.
            TransportError: the connection dropped (without `resume`, or when reconnecting failed
                for `resume_max_wait` seconds).
            ProtocolError: the engine sent something that is not an event.
        """
        now_ns = time.time_ns()
        return EventStream(
            self,
            since_ns=None if since is None else unix_nanos(since, now_ns=now_ns),
            until_ns=None if until is None else unix_nanos(until, now_ns=now_ns),
            filters=check_filters(filters),
            resume=resume,
            resume_backoff=resume_backoff,
            resume_max_wait=resume_max_wait,
        )
