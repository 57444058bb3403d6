"""Prune calls, retried while another prune runs: Docker answers 409 "a prune operation is already
running" to a second concurrent prune of any kind, and Podman may fail on an object that another
client removed while it pruned. A prune repeated has no effect a first one did not have, so it is
safe to send again; the attempts are bounded and spaced, and the last failure is raised."""

from __future__ import annotations

from typing import TypeVar

import anyio
import msgspec

from .._endpoints import Request
from .._exceptions import APIError
from .base import EngineCore

__all__ = ["ATTEMPTS", "prune"]

T = TypeVar("T")

ATTEMPTS = 6
_TRANSIENT = ("a prune operation is already running", "not found", "no such")


async def prune(engine: EngineCore, request: Request, decoder: msgspec.json.Decoder[T]) -> T:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await engine._json(request, decoder)
        except APIError as exc:
            transient = exc.status_code in (404, 409, 500) and any(t in exc.message.lower() for t in _TRANSIENT)
            if attempt == ATTEMPTS or not transient:
                raise
        await anyio.sleep(0.1 * attempt)
    raise AssertionError("unreachable")
