"""What every measured client provides: a way to open, a probe per operation, a way to close.

A `Probe` is the timed call plus `accept`, which checks the call's result (untimed) and returns the
sample: the elapsed time, or the time the result carries itself (`ops.Timed`, events latency).
Probes are opened per batch (`async with client.probe(op, concurrency) as probe:`), so state that a
batch needs (an event stream) lives only as long as that batch and cannot leak into another
client's measurements.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from importlib.util import find_spec
from typing import Any, ClassVar

from .ops import Target, Timed

__all__ = ["BenchClient", "Probe", "elapsed", "fixed", "self_timed"]


def elapsed(check: Callable[[Any], None]) -> Callable[[Any, float], float]:
    """An `accept` that runs `check(result)` and keeps the measured time."""

    def accept(result: Any, seconds: float) -> float:
        check(result)
        return seconds

    return accept


def self_timed(check: Callable[[Any], None]) -> Callable[[Any, float], float]:
    """An `accept` for calls returning `Timed`: checks `Timed.value`, keeps `Timed.seconds` (never < 0)."""

    def accept(result: Any, seconds: float) -> float:
        if not isinstance(result, Timed):
            raise TypeError(f"expected a Timed result, got {type(result).__name__}")
        check(result.value)
        return max(result.seconds, 0.0)

    return accept


@dataclass(frozen=True)
class Probe:
    """`call()` is a coroutine function (or a plain function for threaded clients)."""

    call: Callable[[], Any]
    accept: Callable[[Any, float], float]


class BenchClient(abc.ABC):
    """One client under test. Subclasses keep each operation to a few lines of that client's API."""

    name: ClassVar[str]
    threaded: ClassVar[bool] = False  # blocking calls, run in worker threads
    asyncio_only: ClassVar[bool] = False
    how: ClassVar[str] = ""  # how it is measured, shown under the table

    def __init__(self, target: Target) -> None:
        self.target = target

    package: str | None = None
    """The import name of the client library this adapter needs, if any."""
    package_label: str = ""

    @classmethod
    def missing(cls) -> str | None:
        """Why the client cannot run here (its package is not installed), or `None`."""
        if cls.package is None or find_spec(cls.package) is not None:
            return None
        return f"{cls.package_label or cls.package} is not installed (pip install 'rawengine[bench]')"

    @abc.abstractmethod
    async def open(self) -> None: ...

    @abc.abstractmethod
    async def aclose(self) -> None: ...

    def unsupported(self, op: str) -> str | None:
        """Why `op` cannot be measured with this client, or `None`."""
        return None

    def notes(self) -> dict[str, str]:
        """Per-operation remarks (for example a private helper used where no public API exists)."""
        return {}

    @abc.abstractmethod
    def probe(self, op: str, concurrency: int) -> AbstractAsyncContextManager[Probe]:
        """`async with client.probe(op, concurrency) as probe:` the call to time and its check."""


@asynccontextmanager
async def fixed(probe: Probe) -> AsyncIterator[Probe]:
    """A probe that needs no per-batch state."""
    yield probe
