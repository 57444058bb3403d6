"""Request hooks: callbacks the Engine calls around each exchange with the engine.

The shape is httpx's `event_hooks` (a mapping from a stage to a list of callables), with typed
events instead of request and response objects:

* `"request"`: `RequestSent`, just before the request is written;
* `"response"`: `ResponseReceived`, once the status line and headers are in (a plain call's
  body is read with them: its `elapsed` is the whole exchange; a stream's is the time to its
  headers). Error statuses (404, 409, ...) are responses too, reported before the matching
  `APIError` is raised;
* `"error"`: `CallFailed`, when no response came (connection refused, reset, timeout, a reply
  that is not HTTP). Cancellation is not a failure and is not reported;
* `"close"`: `StreamClosed`, when a streamed or hijacked call (logs, events, pull, build, exec,
  attach) is closed, with its whole duration.

Events carry the method and the target as sent (`/v1.41/containers/abc/json?size=1`), never
headers or bodies, so credentials (`X-Registry-Auth`, login bodies) never reach a hook.

A callback may be a plain function or a coroutine function; its result is awaited when it is
awaitable. It runs inline in the calling task: keep it short, and hand slow work (shipping
metrics, writing files) to another task. An exception a callback raises propagates to the caller
of the Engine method, as in httpx.

With no hooks the Engine checks one attribute per call and does nothing else.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import msgspec

__all__ = ["CallFailed", "CallKind", "EventHooks", "Hooks", "RequestSent", "ResponseReceived", "StreamClosed"]

CallKind = Literal["plain", "stream", "upgrade"]


class RequestSent(msgspec.Struct, frozen=True):
    """A request about to be written.

    `number` counts the Engine's calls from 1: it ties the later events of one call together.
    `kind` is `"plain"` (a whole reply), `"stream"` (a body read as it comes) or `"upgrade"`
    (a hijacked connection: exec, attach).
    """

    number: int
    method: str
    path: str
    kind: CallKind


class ResponseReceived(msgspec.Struct, frozen=True):
    """The response's status and headers arrived, `elapsed` seconds after the request was sent."""

    request: RequestSent
    status_code: int
    elapsed: float


class CallFailed(msgspec.Struct, frozen=True):
    """No response: `error` is the exception the Engine method raises."""

    request: RequestSent
    error: BaseException
    elapsed: float


class StreamClosed(msgspec.Struct, frozen=True):
    """A streamed or hijacked call ended, `elapsed` seconds after its request was sent."""

    request: RequestSent
    elapsed: float


Hook = Callable[[Any], object]
EventHooks = Mapping[str, Iterable[Hook]]
_STAGES = ("request", "response", "error", "close")


class Hooks:
    """The callables of each stage, checked once when the Engine is made."""

    __slots__ = ("calls", "close", "error", "request", "response")

    request: tuple[Hook, ...]
    response: tuple[Hook, ...]
    error: tuple[Hook, ...]
    close: tuple[Hook, ...]

    def __init__(self, event_hooks: EventHooks) -> None:
        unknown = set(event_hooks) - set(_STAGES)
        if unknown:
            raise ValueError(f"unknown event hook stage(s) {sorted(unknown)}: use {', '.join(_STAGES)}")
        for stage in _STAGES:
            callbacks = tuple(event_hooks.get(stage, ()))
            for callback in callbacks:
                if not callable(callback):
                    raise TypeError(f"event hook for {stage!r} is not callable: {callback!r}")
            setattr(self, stage, callbacks)
        self.calls = 0

    def sent(self, method: str, path: str, kind: CallKind) -> RequestSent:
        self.calls += 1
        return RequestSent(self.calls, method, path, kind)

    @staticmethod
    async def emit(callbacks: tuple[Hook, ...], event: object) -> None:
        for callback in callbacks:
            result = callback(event)
            if inspect.isawaitable(result):
                await result
