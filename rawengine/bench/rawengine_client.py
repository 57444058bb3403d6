"""rawengine itself, through its public API only, the way its README shows it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial
from time import perf_counter

import anyio

import rawengine

from . import ops
from .clients import BenchClient, Probe, elapsed, fixed, self_timed
from .ops import Target, Timed

__all__ = ["RawengineClient"]

EVENT_WAIT = 10.0

# The operations that need an Engine method another area provides; absent methods are reported, not faked.
_NEEDS = {
    "exec": "run_exec",
    "exec-throughput": "exec_stream",
    "changes": "container_changes",
    "history": "image_history",
    "events": "event_stream",
}


class RawengineClient(BenchClient):
    name = "rawengine"
    how = "rawengine.Engine, one per run, shared by every task"

    def __init__(self, target: Target) -> None:
        super().__init__(target)
        self.engine = rawengine.Engine(target.host)

    async def open(self) -> None:
        await self.engine.__aenter__()

    async def aclose(self) -> None:
        with anyio.CancelScope(shield=True):
            await self.engine.aclose()

    def unsupported(self, op: str) -> str | None:
        method = _NEEDS.get(op)
        if method is not None and not hasattr(self.engine, method):
            return f"this rawengine has no Engine.{method} yet"
        return None

    def probe(self, op: str, concurrency: int) -> AbstractAsyncContextManager[Probe]:
        engine, t = self.engine, self.target
        cid = t.container_id
        if op == "ping":
            return fixed(Probe(engine.ping, elapsed(lambda ping: ops.check_ping(bool(ping.api_version)))))
        if op == "inspect":
            check = elapsed(lambda info: ops.check_inspect(info.id, info.state.running, t))
            return fixed(Probe(partial(engine.inspect_container, cid), check))
        if op == "list":
            call = partial(engine.list_containers, filters={"label": [f"{t.label}={t.run_id}"]})
            return fixed(Probe(call, elapsed(lambda items: ops.check_list((c.id for c in items), t))))
        if op == "lifecycle":
            return fixed(Probe(self._lifecycle, elapsed(ops.check_lifecycle)))
        if op == "exec":
            check = elapsed(lambda result: ops.check_exec(result.exit_code, result.stdout + result.stderr))
            return fixed(Probe(partial(engine.run_exec, cid, ["true"]), check))
        if op == "exec-throughput":
            check = elapsed(lambda result: ops.check_throughput(result[0], result[1], t))
            return fixed(Probe(self._throughput, check))
        if op == "changes":
            check = elapsed(lambda changes: ops.check_changes((c.path for c in changes), t))
            return fixed(Probe(partial(engine.container_changes, cid), check))
        if op == "history":
            return fixed(
                Probe(partial(engine.image_history, t.image), elapsed(lambda rows: ops.check_history(len(rows))))
            )
        if op == "events":
            return self._events_probe()
        raise ValueError(f"unknown operation {op!r}")

    async def _lifecycle(self) -> str:
        t = self.target
        config = rawengine.ContainerConfig(
            image=t.image,
            cmd=list(t.lifecycle_cmd),
            labels={t.label: t.run_id},
            host_config=rawengine.HostConfig(ulimits=[rawengine.Ulimit(n, s, h) for n, s, h in t.ulimits]),
        )
        created = await self.engine.create_container(config)
        await self.engine.start_container(created.id)
        await self.engine.stop_container(created.id, timeout=0)
        await self.engine.remove_container(created.id)
        return created.id

    async def _throughput(self) -> tuple[int, int | None]:
        engine = self.engine
        exec_id = await engine.create_exec(
            self.target.container_id, rawengine.ExecConfig(cmd=list(self.target.throughput_cmd))
        )
        received = 0
        async with engine.exec_stream(exec_id) as stream:
            async for frame in stream:
                received += len(frame.data)
        return received, (await engine.inspect_exec(exec_id)).exit_code

    @asynccontextmanager
    async def _events_probe(self) -> AsyncIterator[Probe]:
        engine, t = self.engine, self.target
        filters = {"container": [t.container_id], "type": ["container"]}
        async with engine.event_stream(filters=filters) as events:

            async def call() -> Timed:
                started_ns = time.time_ns()
                await engine.kill_container(t.container_id, signal="SIGCONT")
                returned = perf_counter()
                with anyio.fail_after(EVENT_WAIT):
                    async for event in events:
                        if event.action == "kill" and event.time_nano >= started_ns:
                            return Timed(perf_counter() - returned, (event.action, event.actor.id))
                raise ops.CheckError("the event stream ended")

            yield Probe(call, self_timed(lambda value: ops.check_event(value[0], value[1], t)))
