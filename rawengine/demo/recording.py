"""Every Engine API call the demo makes, with its status and round-trip time.

`CallRecorder` listens on the Engine's public request hooks (`Engine(event_hooks=...)`, the same
ones any user has) and reports each exchange to a callback as it completes, so each step can name
the calls it made.

Timing: a plain call is timed from writing the request to the end of the response body; a
streamed or hijacked call (pull, build, exec start) reports the time to its response headers when
they arrive, and its total duration when it is closed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .._hooks import CallFailed, EventHooks, RequestSent, ResponseReceived, StreamClosed
from .render import readable_target

__all__ = ["ApiCall", "CallRecorder"]


@dataclass
class ApiCall:
    """One exchange with the engine."""

    method: str
    target: str  # as sent: `/v1.41/containers/create?name=webserver`
    status: int | None = None  # None: no response (connection failed)
    seconds: float = 0.0  # plain call: the whole exchange; stream: to the response headers
    kind: str = "plain"  # "plain", "stream" or "upgrade"
    total_seconds: float | None = None  # streams: until closed
    error: str | None = None

    @property
    def readable(self) -> str:
        return readable_target(self.target)

    @property
    def path(self) -> str:
        return readable_target(self.target).partition("?")[0]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "target": readable_target(self.target),
            "status": self.status,
            "ms": round(self.seconds * 1000, 3),
            "kind": self.kind,
        }
        if self.total_seconds is not None:
            out["total_ms"] = round(self.total_seconds * 1000, 3)
        if self.error is not None:
            out["error"] = self.error
        return out


OnCall = Callable[[ApiCall], None]


class CallRecorder:
    """Turns the Engine's hook events into `ApiCall`s, reported to `on_call` as each one completes."""

    def __init__(self, on_call: OnCall | None = None) -> None:
        self.on_call = on_call
        self.calls: list[ApiCall] = []
        self._streams: dict[int, ApiCall] = {}  # open streams by call number, for their close

    @property
    def event_hooks(self) -> EventHooks:
        return {"response": [self._response], "error": [self._error], "close": [self._close]}

    def _report(self, call: ApiCall) -> None:
        self.calls.append(call)
        if self.on_call is not None:
            self.on_call(call)

    @staticmethod
    def _call(sent: RequestSent) -> ApiCall:
        return ApiCall(sent.method, sent.path, kind=sent.kind)

    def _response(self, event: ResponseReceived) -> None:
        call = self._call(event.request)
        call.status, call.seconds = event.status_code, event.elapsed
        if call.kind != "plain":
            self._streams[event.request.number] = call
        self._report(call)

    def _error(self, event: CallFailed) -> None:
        call = self._call(event.request)
        call.seconds, call.error = event.elapsed, type(event.error).__name__
        self._report(call)

    def _close(self, event: StreamClosed) -> None:
        call = self._streams.pop(event.request.number, None)
        if call is not None:
            call.total_seconds = event.elapsed
