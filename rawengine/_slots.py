"""`Slots`: the pool's counting semaphore, belonging to no event loop.

anyio's `Semaphore` binds to the backend that first waits on it, so an Engine used on asyncio
and later on trio (or in a second `asyncio.run`) failed once its pool was contended. `Slots`
keeps a plain count and creates each waiter's `anyio.Event` when, and on the backend where, a
task waits. A released slot is handed straight to the first waiter (first come, first served), so
a task that keeps releasing and acquiring cannot starve the queue.
"""

from __future__ import annotations

from collections import deque

import anyio

__all__ = ["Slots"]


class Slots:
    def __init__(self, count: int) -> None:
        self._free = count
        self._waiters: deque[anyio.Event] = deque()

    @property
    def value(self) -> int:
        """Slots free now."""
        return self._free

    def acquire_nowait(self) -> None:
        """Take a slot at once, or raise `anyio.WouldBlock` (none free, or others are queued)."""
        if self._free <= 0 or self._waiters:
            raise anyio.WouldBlock
        self._free -= 1

    async def acquire(self) -> None:
        """Take a slot, waiting in line for one; no checkpoint when one is free (as `fast_acquire`)."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        granted = anyio.Event()
        self._waiters.append(granted)
        try:
            await granted.wait()
        except BaseException:
            if granted.is_set():  # the slot was handed over as we were cancelled: pass it on
                self.release()
            else:
                self._waiters.remove(granted)
            raise

    def release(self) -> None:
        if self._waiters:
            self._waiters.popleft().set()  # the slot goes to the first waiter; the count is unchanged
        else:
            self._free += 1

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        self.release()
