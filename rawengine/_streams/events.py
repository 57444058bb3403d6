"""The event stream: typed events as their lines arrive, and resuming across dropped connections.

`EventStream` owns one `GET /events` connection at a time, in the caller's task (no background
task). Each chunk goes straight through the sans-IO `JsonLinesDecoder`; an event is returned as
soon as its line is complete.

Ending, and what is not an end:

* A body that ends cleanly ends the iteration only when an end was asked for (`until`). Without
  `until` the engine has no reason to end the stream (Podman does it when it fails after its 200),
  so a clean end counts as a dropped connection.
* A dropped connection (reset, EOF inside the chunked body, the socket gone) raises
  `TransportError`, unless `resume=True`.

Resuming: the stream reconnects with exponential backoff (`resume_backoff=(first, most)` seconds)
for at most `resume_max_wait` seconds per outage (one ends when an event is delivered or a
connection stays up for `most` seconds; an engine that accepts and drops at once does not reset
the clock), asking `since` a little before the newest event it
delivered (`DeliveredEvents.RESUME_WINDOW_NS`, so events the engine logged out of time order are
not lost) and dropping the events it already delivered, keyed by
`(time_nano, type, action, actor id)`. Docker replays `since` from an in-memory ring of its last
256 events (empty after a daemon restart); Podman replays from its events log file. A stream
opened without `since` resumes from the moment it was opened, read on this machine's clock (the
engine's, for a local socket).
"""

from __future__ import annotations

import time
from collections import deque
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Self

import anyio
import msgspec

from .._endpoints.events import EventQuery, plan_query
from .._exceptions import EngineError, ProtocolError, ServerError, TransportError
from .._models.events import Event, decode_event
from .._protocol.jsonlines import JsonLinesDecoder
from .._transport import StreamingResponse

if TYPE_CHECKING:
    from .._engine.base import EngineCore

__all__ = ["DeliveredEvents", "EventStream"]

EventKey = tuple[int, str, str, str]


def event_key(event: Event) -> EventKey:
    """What identifies an event across replays: `(time_nano, type, action, actor id)`."""
    return (event.time_nano, event.type, event.action, event.actor.id)


class DeliveredEvents:
    """Where a stream is: the newest delivered event's time and the keys of those near it. Pure.

    Args:
        floor_ns: the earliest time the caller asked for (its `since`, else when the stream opened).
    """

    RESUME_WINDOW_NS = 1_000_000_000
    _PRUNE_AT = 1024

    def __init__(self, floor_ns: int) -> None:
        self.floor_ns = floor_ns
        self.newest_ns: int | None = None
        self._recent: dict[EventKey, int] = {}
        self._prune_at = self._PRUNE_AT

    def resume_since(self) -> int:
        """The `since` to reconnect with: a window before the newest delivered event, never before the floor."""
        if self.newest_ns is None:
            return self.floor_ns
        return max(self.floor_ns, self.newest_ns - self.RESUME_WINDOW_NS)

    def is_new(self, event: Event) -> bool:
        return event_key(event) not in self._recent

    def add(self, event: Event) -> None:
        """Record a delivered event."""
        ts = event.time_nano
        self._recent[event_key(event)] = ts
        if self.newest_ns is None or ts > self.newest_ns:
            self.newest_ns = ts
        if len(self._recent) >= self._prune_at:
            self._prune()

    def _prune(self) -> None:
        assert self.newest_ns is not None
        oldest = self.newest_ns - self.RESUME_WINDOW_NS
        self._recent = {key: ts for key, ts in self._recent.items() if ts >= oldest}
        self._prune_at = max(self._PRUNE_AT, 2 * len(self._recent))  # a burst inside the window: grow


class EventStream:
    """`async with engine.event_stream(...) as events: async for event in events: ...`

    `receive()` returns the next `Event` and raises `anyio.EndOfStream` once `until` is reached.
    With `resume=True`, `reconnects` counts the connections re-established after a drop and
    `last_drop` holds the error that ended the most recent dropped connection (for logging).
    """

    def __init__(
        self,
        engine: EngineCore,
        *,
        since_ns: int | None,
        until_ns: int | None,
        filters: dict[str, list[str]],
        resume: bool,
        resume_backoff: tuple[float, float],
        resume_max_wait: float,
    ) -> None:
        if since_ns is None and until_ns is not None:
            since_ns = 0  # as Docker does: with `until`, the history the engine holds comes first
        first, most = resume_backoff
        if not 0 < first <= most or not resume_max_wait > 0:
            raise ValueError("resume_backoff must be (first, most) with 0 < first <= most, and resume_max_wait > 0")
        self._engine = engine
        self._args = (since_ns, until_ns, filters)
        self._resume = resume
        self._backoff = (first, most)
        self._max_wait = resume_max_wait
        self._query: EventQuery | None = None
        self._delivered: DeliveredEvents | None = None
        self._context: AbstractAsyncContextManager[StreamingResponse] | None = None
        self._response: StreamingResponse | None = None
        self._decoder: JsonLinesDecoder[msgspec.Raw] = JsonLinesDecoder(msgspec.Raw)
        self._pending: deque[Event] = deque()
        self._deadline: float | None = None  # Podman: when to switch to the final pass (monotonic)
        self._final = False  # reading a body that ends at `until`
        self._ended = False
        self._entered = False
        self._connected_at = 0.0
        self._give_up_at: float | None = None  # set while an outage lasts (resume)
        self._delay = 0.0
        self._dropped_since_open = False
        self.reconnects = 0
        self.last_drop: EngineError | None = None

    # ------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        if self._entered:
            raise RuntimeError("an event stream can be entered once; call engine.event_stream() again")
        self._entered = True
        since_ns, until_ns, filters = self._args
        self._query = query = plan_query(await self._engine._engine_kind(), since_ns, until_ns, filters)
        now_ns = time.time_ns()
        self._delivered = DeliveredEvents(since_ns if since_ns is not None else now_ns)
        if query.until_ns is not None and not query.native_until:
            self._final = query.until_ns <= now_ns
            if not self._final:
                self._deadline = anyio.current_time() + (query.until_ns - now_ns) / 1e9
        else:
            self._final = query.until_ns is not None
        await self._open(since_ns)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._ended = True
        await self._close()

    async def _open(self, since_ns: int | None) -> None:
        assert self._query is not None
        request = self._query.request(since_ns, final=self._final and not self._query.native_until)
        context = self._engine._stream(request)
        self._response = await context.__aenter__()
        self._context = context
        self._connected_at = anyio.current_time()
        self._decoder = JsonLinesDecoder(msgspec.Raw)

    async def _close(self) -> None:
        context, self._context, self._response = self._context, None, None
        if context is not None:
            with anyio.CancelScope(shield=True):
                await context.__aexit__(None, None, None)

    # ------------------------------------------------------------ iteration

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Event:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def receive(self) -> Event:
        """The next event, as soon as its line has arrived."""
        if not self._entered:
            raise RuntimeError("the event stream is not open: use `async with engine.event_stream(...) as events`")
        while True:
            event = self._next_pending()
            if event is not None:
                return event
            if self._ended:
                raise anyio.EndOfStream
            response = self._response
            if response is None:  # a reconnect that a cancellation interrupted: go on with it
                await self._reopen()
                continue
            try:
                data = await self._read(response)
            except (TransportError, ProtocolError) as exc:  # the connection broke (a decode error is not here)
                await self._dropped(exc)
                continue
            if data is None:  # Podman: `until` has come; read what is left, then end
                await self._close()
                self._final = True
                await self._reopen()
            elif data:
                self._decode(self._decoder.decode(data))
            elif self._final:
                self._decode(self._decoder.flush())
                self._ended = True
                await self._close()
            else:
                await self._dropped(TransportError("the engine ended the event stream it was asked to keep open"))

    async def _read(self, response: StreamingResponse) -> bytes | None:
        if self._deadline is None or self._final:
            return await response.receive()
        with anyio.CancelScope(deadline=self._deadline):
            return await response.receive()
        return None

    def _decode(self, lines: list[msgspec.Raw]) -> None:
        for line in lines:
            try:
                self._pending.append(decode_event(bytes(line)))
            except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
                raise ProtocolError(
                    f"the engine sent an event of an unexpected shape: {exc} ({bytes(line)[:200]!r})"
                ) from exc

    def _next_pending(self) -> Event | None:
        pending, delivered, query = self._pending, self._delivered, self._query
        assert delivered is not None and query is not None
        until_ns, client_filter = query.until_ns, query.client_filter
        while pending:
            event = pending.popleft()
            if until_ns is not None and event.time_nano > until_ns:
                if not query.native_until and not self._final:
                    self._deadline = anyio.current_time()  # past `until`: go to the final pass now
                continue
            if not delivered.is_new(event) or (client_filter is not None and not client_filter.matches(event)):
                continue
            delivered.add(event)
            self._give_up_at = None  # progress: a later drop is a new outage
            return event
        return None

    # ------------------------------------------------------------ ends, drops and reconnecting

    async def _reopen(self) -> None:
        assert self._delivered is not None
        if self._resume:
            await self._reconnect(None)
        else:
            await self._open(self._delivered.resume_since())

    async def _dropped(self, exc: EngineError) -> None:
        await self._close()
        if not self._resume:
            self._ended = True
            if isinstance(exc, TransportError):
                raise exc
            raise TransportError(f"the event stream's connection broke: {exc}") from exc
        self._dropped_since_open = True
        self.last_drop = exc
        await self._reconnect(exc)

    async def _reconnect(self, cause: EngineError | None) -> None:
        """Open again from where the caller is, with backoff, for up to `resume_max_wait` per outage.

        An outage lasts until an event is delivered or a connection stays up for the longest
        backoff delay: a connection that the engine accepts and drops at once does not reset the
        clock or the backoff.
        """
        assert self._delivered is not None
        first, most = self._backoff
        now = anyio.current_time()
        if self._give_up_at is None or now - self._connected_at >= most:
            self._give_up_at, self._delay = now + self._max_wait, 0.0
        while True:
            remaining = self._give_up_at - anyio.current_time()
            if remaining <= 0:
                self._ended = True
                raise TransportError(
                    f"the event stream's connection broke and could not be re-established within "
                    f"{self._max_wait:g}s: {cause}"
                ) from cause
            if self._delay:
                await anyio.sleep(min(self._delay, remaining))
            self._delay = min(max(self._delay * 2, first), most)
            with anyio.move_on_after(max(self._give_up_at - anyio.current_time(), 0.0)):
                try:
                    await self._open(self._delivered.resume_since())
                    if self._dropped_since_open:
                        self.reconnects += 1
                        self._dropped_since_open = False
                    return
                except (TransportError, ProtocolError, ServerError) as exc:  # engine gone or not ready yet
                    cause = exc
