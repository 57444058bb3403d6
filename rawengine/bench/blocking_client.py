"""The physical floor: one plain blocking Unix socket per thread, no event loop at all.

Each round trip is one `sendall` of pre-built request bytes and blocking `recv` calls until the
reply is complete (parsed just enough, as the anyio socket client does): the least a Python
process can do per request. Like docker-py it runs in worker threads, and a sequential batch is
timed inside its one thread, so no thread hop or loop wake-up is in the figures. Only plain
round trips are measured (ping, inspect, list, changes, history); the hijacked and streamed
operations have the anyio socket as their floor.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from urllib.parse import quote

from . import ops
from .clients import BenchClient, Probe, elapsed, fixed
from .ops import CheckError, Target
from .socket_client import (
    READ_SIZE,
    _check_changes,
    _check_history,
    _check_inspect,
    _check_list,
    parse_response,
    request_bytes,
)

__all__ = ["BLOCKING_OPS", "BlockingSocketClient"]

BLOCKING_OPS = ("ping", "inspect", "list", "changes", "history")


class BlockingSocketClient(BenchClient):
    name = "blocking"
    threaded = True
    how = "a plain blocking socket per thread: one sendall, blocking recv until the reply is whole, no event loop"

    def __init__(self, target: Target) -> None:
        super().__init__(target)
        self._local = threading.local()
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._prefix = f"/v{target.api_version}"

    async def open(self) -> None:
        self._roundtrip(request_bytes("GET", "/_ping"))

    async def aclose(self) -> None:
        with self._lock:
            socks, self._socks = self._socks, []
        for sock in socks:
            sock.close()

    def unsupported(self, op: str) -> str | None:
        if op in BLOCKING_OPS:
            return None
        return "a blocking socket measures plain round trips only; the anyio socket is this operation's floor"

    def _sock(self) -> socket.socket:
        sock: socket.socket | None = getattr(self._local, "sock", None)
        if sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(self.target.socket_path)
            self._local.sock = sock
            with self._lock:
                self._socks.append(sock)
        return sock

    def _roundtrip(self, request: bytes) -> bytes:
        sock = self._sock()
        try:
            sock.sendall(request)
            buffer = sock.recv(READ_SIZE)
            while (parsed := parse_response(buffer)) is None:
                data = sock.recv(READ_SIZE)
                if not data:
                    raise CheckError("the engine closed the connection mid-reply")
                buffer += data
        except BaseException:
            self._local.sock = None
            sock.close()
            raise
        status, body, _ = parsed
        if status >= 300:
            raise CheckError(f"the engine answered {status}: {body[:200]!r}")
        return body

    def _call(self, request: bytes) -> Callable[[], bytes]:
        return lambda: self._roundtrip(request)

    def probe(self, op: str, concurrency: int) -> AbstractAsyncContextManager[Probe]:
        t, prefix = self.target, self._prefix
        cid = t.container_id
        if op == "ping":
            check = elapsed(lambda body: ops.check_ping(body == b"OK"))
            return fixed(Probe(self._call(request_bytes("GET", "/_ping")), check))
        if op == "inspect":
            check = elapsed(lambda body: _check_inspect(body, t))
            return fixed(Probe(self._call(request_bytes("GET", f"{prefix}/containers/{cid}/json")), check))
        if op == "list":
            query = quote(json.dumps({"label": [f"{t.label}={t.run_id}"]}, separators=(",", ":")), safe="")
            check = elapsed(lambda body: _check_list(body, t))
            return fixed(Probe(self._call(request_bytes("GET", f"{prefix}/containers/json?filters={query}")), check))
        if op == "changes":
            check = elapsed(lambda body: _check_changes(body, t))
            return fixed(Probe(self._call(request_bytes("GET", f"{prefix}/containers/{cid}/changes")), check))
        if op == "history":
            req = request_bytes("GET", f"{prefix}/images/{quote(t.image, safe='/:@')}/history")
            return fixed(Probe(self._call(req), elapsed(_check_history)))
        raise ValueError(f"unknown operation {op!r}")
