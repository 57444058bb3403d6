"""aiodocker (asyncio only), through its public API as its documentation shows it.

aiodocker has no ping and no container-changes method: those two go through `Docker._query` /
`Docker._query_json`, the helper every aiodocker method uses (noted in the output).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from time import perf_counter
from typing import Any

import anyio

from . import ops
from .clients import BenchClient, Probe, elapsed, fixed, self_timed
from .ops import CheckError, Target, Timed

__all__ = ["AiodockerClient"]

EVENT_WAIT = 10.0
PRIME_WAIT = 0.5


class AiodockerClient(BenchClient):
    name = "aiodocker"
    asyncio_only = True
    package = "aiodocker"
    how = "aiodocker.Docker, one per run, shared by every task (asyncio only)"

    def __init__(self, target: Target) -> None:
        super().__init__(target)
        self.docker: Any = None

    async def open(self) -> None:
        import aiodocker

        self.docker = aiodocker.Docker(url=self.target.host)
        self.container = self.docker.containers.container(self.target.container_id)
        await self.docker.version()  # its API version detection, once, outside the measurements

    async def aclose(self) -> None:
        if self.docker is not None:
            with anyio.CancelScope(shield=True):
                await self.docker.close()

    def notes(self) -> dict[str, str]:
        return {
            "ping": "no public ping in aiodocker: Docker._query('_ping'), the helper its methods use",
            "changes": "no public changes method in aiodocker: Docker._query_json('containers/{id}/changes')",
        }

    def probe(self, op: str, concurrency: int) -> AbstractAsyncContextManager[Probe]:
        docker, t = self.docker, self.target
        if op == "ping":
            return fixed(Probe(self._ping, elapsed(lambda body: ops.check_ping(body == b"OK"))))
        if op == "inspect":
            check = elapsed(lambda data: ops.check_inspect(data["Id"], data["State"]["Running"], t))
            return fixed(Probe(self.container.show, check))
        if op == "list":
            filters = {"label": [f"{t.label}={t.run_id}"]}

            async def listing() -> list[Any]:
                return await docker.containers.list(filters=filters)  # type: ignore[no-any-return]

            return fixed(Probe(listing, elapsed(lambda items: ops.check_list((c.id for c in items), t))))
        if op == "lifecycle":
            return fixed(Probe(self._lifecycle, elapsed(ops.check_lifecycle)))
        if op == "exec":
            check = elapsed(lambda result: ops.check_exec(result[1], result[0]))
            return fixed(Probe(self._exec, check))
        if op == "exec-throughput":
            check = elapsed(lambda result: ops.check_throughput(result[0], result[1], t))
            return fixed(Probe(self._throughput, check))
        if op == "changes":
            path = f"containers/{t.container_id}/changes"

            async def changes() -> Any:
                return await docker._query_json(path)

            check = elapsed(lambda rows: ops.check_changes((row["Path"] for row in rows or ()), t))
            return fixed(Probe(changes, check))
        if op == "history":

            async def history() -> Any:
                return await docker.images.history(name=t.image)

            return fixed(Probe(history, elapsed(lambda rows: ops.check_history(len(rows)))))
        if op == "events":
            return self._events_probe()
        raise ValueError(f"unknown operation {op!r}")

    async def _ping(self) -> bytes:
        async with self.docker._query("_ping", versioned_api=False) as response:
            return await response.read()  # type: ignore[no-any-return]

    async def _lifecycle(self) -> str:
        container = await self.docker.containers.create(config=self.target.create_body())
        await container.start()
        await container.stop(t=0)
        await container.delete()
        return container.id  # type: ignore[no-any-return]

    async def _run(self, cmd: list[str], *, keep: bool) -> tuple[bytes, int, int | None]:
        execution = await self.container.exec(cmd=cmd, stdout=True, stderr=True)
        received, kept = 0, []
        async with execution.start(detach=False) as stream:
            while (message := await stream.read_out()) is not None:
                received += len(message.data)
                if keep:
                    kept.append(message.data)
        info = await execution.inspect()
        return b"".join(kept), received, info["ExitCode"]

    async def _exec(self) -> tuple[bytes, int | None]:
        output, _, exit_code = await self._run(["true"], keep=True)
        return output, exit_code

    async def _throughput(self) -> tuple[int, int | None]:
        _, received, exit_code = await self._run(list(self.target.throughput_cmd), keep=False)
        return received, exit_code

    @asynccontextmanager
    async def _events_probe(self) -> AsyncIterator[Probe]:
        t = self.target
        subscriber = self.docker.events.subscribe(filters={"container": [t.container_id], "type": ["container"]})
        try:

            async def call(wait: float = EVENT_WAIT) -> Timed:
                started_ns = time.time_ns()
                await self.container.kill(signal="SIGCONT")
                returned = perf_counter()
                with anyio.fail_after(wait):
                    while (event := await subscriber.get()) is not None:
                        if event.get("Action") == "kill" and event.get("timeNano", 0) >= started_ns:
                            return Timed(perf_counter() - returned, (event["Action"], event["Actor"]["ID"]))
                raise CheckError("aiodocker's event channel ended")

            # aiodocker connects its event stream in a background task: wait until it delivers.
            for _ in range(20):
                try:
                    await call(PRIME_WAIT)
                    break
                except TimeoutError:
                    continue
            yield Probe(call, self_timed(lambda value: ops.check_event(value[0], value[1], t)))
        finally:
            with anyio.CancelScope(shield=True):
                await self.docker.events.stop()
