"""`Slots`, the pool's backend-neutral semaphore: counting, order, cancellation."""

from __future__ import annotations

import anyio
import pytest

from rawengine._slots import Slots


async def test_counts_and_refuses_when_none_is_free() -> None:
    slots = Slots(2)
    slots.acquire_nowait()
    await slots.acquire()
    assert slots.value == 0
    with pytest.raises(anyio.WouldBlock):
        slots.acquire_nowait()
    slots.release()
    slots.release()
    assert slots.value == 2


async def test_waiters_are_served_in_order_and_a_queue_blocks_nowait() -> None:
    slots = Slots(1)
    await slots.acquire()
    order: list[int] = []

    async def wait(n: int) -> None:
        async with slots:
            order.append(n)

    async with anyio.create_task_group() as tasks:
        for n in range(3):
            tasks.start_soon(wait, n)
            await anyio.wait_all_tasks_blocked()
        with pytest.raises(anyio.WouldBlock):
            slots.acquire_nowait()  # others are queued: no jumping the line
        slots.release()
    assert order == [0, 1, 2]
    assert slots.value == 1


async def test_a_cancelled_waiter_leaves_the_queue() -> None:
    slots = Slots(1)
    await slots.acquire()
    with anyio.move_on_after(0.01):
        await slots.acquire()
    slots.release()
    assert slots.value == 1  # the cancelled waiter was not handed the slot
