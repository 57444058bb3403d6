"""One Engine across event loops and backends: asyncio, then trio, then asyncio again."""

from __future__ import annotations

import anyio

import rawengine


async def _contended(engine: rawengine.Engine, base_image: str) -> list[str]:
    """Eight tasks through a pool of one connection: every task but one waits for the slot."""
    ids: list[str] = []

    async def inspect() -> None:
        ids.append((await engine.inspect_image(base_image)).id)

    async with anyio.create_task_group() as tasks:
        for _ in range(8):
            tasks.start_soon(inspect)
    await engine.ping()
    return ids


def test_one_engine_serves_asyncio_then_trio_then_asyncio(engine_host: str, base_image: str) -> None:
    engine = rawengine.Engine(engine_host, max_connections=1)
    seen = [anyio.run(_contended, engine, base_image, backend=b) for b in ("asyncio", "trio", "asyncio", "trio")]
    anyio.run(engine.aclose)
    first = seen[0][0]
    assert first.startswith("sha256:")
    assert seen == [[first] * 8] * 4


def test_a_cancelled_waiter_passes_its_slot_on(engine_host: str, base_image: str) -> None:
    async def main() -> None:
        async with rawengine.Engine(engine_host, max_connections=1) as engine:
            async with engine.event_stream() as _events:  # holds the only connection
                with anyio.move_on_after(0.2) as scope:
                    await engine.ping()  # waits for the slot, then is cancelled
                assert scope.cancelled_caught
            # the stream gave its slot back; a cancelled waiter left nothing in the queue
            assert (await engine.inspect_image(base_image)).id.startswith("sha256:")

    for backend in ("asyncio", "trio"):
        anyio.run(main, backend=backend)
