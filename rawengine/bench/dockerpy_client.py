"""docker-py (`docker.APIClient`, synchronous), through its public API as its documentation shows it.

Its calls block, so they run in worker threads: each batch of sequential calls runs in one
thread and is timed inside it (no thread hop in the figures); at concurrency N, N threads share
one APIClient whose connection pool holds N connections.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from time import perf_counter
from typing import Any

import anyio
import anyio.to_thread

from . import ops
from .clients import BenchClient, Probe, elapsed, fixed, self_timed
from .ops import CheckError, Target, Timed

__all__ = ["DockerPyClient"]

EVENT_WAIT = 10.0


class DockerPyClient(BenchClient):
    name = "docker-py"
    threaded = True
    package = "docker"
    package_label = "docker (docker-py)"
    how = "docker.APIClient in worker threads; sequential batches timed inside one thread"

    def __init__(self, target: Target, *, max_pool_size: int = 10) -> None:
        super().__init__(target)
        self.max_pool_size = max(max_pool_size, 10)
        self.client: Any = None

    async def open(self) -> None:
        import docker

        def connect() -> Any:
            # version=None: docker-py asks the engine (GET /version) here, once, outside the measurements.
            return docker.APIClient(base_url=self.target.host, max_pool_size=self.max_pool_size)

        self.client = await anyio.to_thread.run_sync(connect)

    async def aclose(self) -> None:
        if self.client is not None:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self.client.close)

    def probe(self, op: str, concurrency: int) -> AbstractAsyncContextManager[Probe]:
        client, t = self.client, self.target
        cid = t.container_id
        if op == "ping":
            return fixed(Probe(client.ping, elapsed(lambda ok: ops.check_ping(ok is True))))
        if op == "inspect":
            check = elapsed(lambda data: ops.check_inspect(data["Id"], data["State"]["Running"], t))
            return fixed(Probe(lambda: client.inspect_container(cid), check))
        if op == "list":
            label = f"{t.label}={t.run_id}"
            check = elapsed(lambda items: ops.check_list((item["Id"] for item in items), t))
            return fixed(Probe(lambda: client.containers(filters={"label": label}), check))
        if op == "lifecycle":
            return fixed(Probe(self._lifecycle, elapsed(ops.check_lifecycle)))
        if op == "exec":
            check = elapsed(lambda result: ops.check_exec(result[1], result[0]))
            return fixed(Probe(self._exec, check))
        if op == "exec-throughput":
            check = elapsed(lambda result: ops.check_throughput(result[0], result[1], t))
            return fixed(Probe(self._throughput, check))
        if op == "changes":
            check = elapsed(lambda rows: ops.check_changes((row["Path"] for row in rows or ()), t))
            return fixed(Probe(lambda: client.diff(cid), check))
        if op == "history":
            return fixed(Probe(lambda: client.history(t.image), elapsed(lambda rows: ops.check_history(len(rows)))))
        if op == "events":
            return self._events_probe()
        raise ValueError(f"unknown operation {op!r}")

    def _lifecycle(self) -> str:
        import docker.types

        client, t = self.client, self.target
        host_config = client.create_host_config(
            ulimits=[docker.types.Ulimit(name=n, soft=s, hard=h) for n, s, h in t.ulimits]
        )
        created = client.create_container(
            t.image, command=list(t.lifecycle_cmd), labels={t.label: t.run_id}, host_config=host_config
        )
        client.start(created)
        client.stop(created, timeout=0)
        client.remove_container(created)
        return created["Id"]  # type: ignore[no-any-return]

    def _exec(self) -> tuple[bytes, int | None]:
        client = self.client
        exec_id = client.exec_create(self.target.container_id, ["true"])
        output = client.exec_start(exec_id)
        return output, client.exec_inspect(exec_id)["ExitCode"]

    def _throughput(self) -> tuple[int, int | None]:
        client = self.client
        exec_id = client.exec_create(self.target.container_id, list(self.target.throughput_cmd))
        received = 0
        output = client.exec_start(exec_id, stream=True)
        try:
            for chunk in output:
                received += len(chunk)
        finally:
            # `CancellableStream.close()` does nothing once the output has ended, and the hijacked
            # socket would be left to the garbage collector (a ResourceWarning, at any later moment):
            # close the response it wraps, the one its own close() reads.
            output._response.close()
        return received, client.exec_inspect(exec_id)["ExitCode"]

    @asynccontextmanager
    async def _events_probe(self) -> AsyncIterator[Probe]:
        client, t = self.client, self.target
        filters = {"container": [t.container_id], "type": ["container"]}
        stream = await anyio.to_thread.run_sync(lambda: client.events(filters=filters, decode=True))
        try:

            def call() -> Timed:
                # The stream has no timeout: a watchdog closes it if the event never comes (started untimed).
                watchdog = threading.Timer(EVENT_WAIT, stream.close)
                watchdog.start()
                try:
                    started_ns = time.time_ns()
                    client.kill(t.container_id, signal="SIGCONT")
                    returned = perf_counter()
                    for event in stream:  # the generator reads the open response; nothing else reads it
                        if event.get("Action") == "kill" and event.get("timeNano", 0) >= started_ns:
                            return Timed(perf_counter() - returned, (event["Action"], event["Actor"]["ID"]))
                finally:
                    watchdog.cancel()
                raise CheckError("docker-py's event stream ended (or no event within the wait)")

            yield Probe(call, self_timed(lambda value: ops.check_event(value[0], value[1], t)))
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(stream.close)
