"""The floor: a bare anyio Unix-socket client writing pre-built request bytes.

It does what any Python client must do and nothing more: write the request, read until the
response is complete (Content-Length or chunked, parsed just enough), keep connections alive in a
plain list. No header dict, no typed decoding, no error mapping. The bytes sent are those
rawengine sends (`Host: docker`, the same paths, queries and bodies), built once per batch.
Exec: the same four requests as rawengine (create, start hijacked on a fresh connection, read to
EOF, inspect); throughput counts the hijacked stream's raw bytes (frame headers included).
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial
from time import perf_counter
from typing import Any
from urllib.parse import quote

import anyio
import anyio.abc
import msgspec

from . import ops
from .clients import BenchClient, Probe, elapsed, fixed, self_timed
from .ops import CheckError, Target, Timed

__all__ = ["ChunkedLines", "SocketClient", "parse_response", "request_bytes"]

READ_SIZE = 256 * 1024  # what rawengine's transport reads at a time
EVENT_WAIT = 10.0


def request_bytes(method: str, target: str, body: bytes | None = None, *, upgrade: bool = False) -> bytes:
    """A request as rawengine writes it: `Host: docker`, `Content-Length` on bodies and POSTs."""
    head = f"{method} {target} HTTP/1.1\r\nHost: docker\r\n"
    if body is not None:
        head += "Content-Type: application/json\r\n"
    if upgrade:
        head += "Connection: Upgrade\r\nUpgrade: tcp\r\n"
    if body is not None or method in ("POST", "PUT"):
        head += f"Content-Length: {len(body or b'')}\r\n"
    return (head + "\r\n").encode("latin-1") + (body or b"")


def _dechunk(buffer: bytes, pos: int) -> tuple[bytes, int] | None:
    pieces: list[bytes] = []
    while True:
        line_end = buffer.find(b"\r\n", pos)
        if line_end < 0:
            return None
        size = int(buffer[pos:line_end].split(b";", 1)[0], 16)
        start = line_end + 2
        if size == 0:
            if len(buffer) < start + 2:  # the final CRLF (the engines send no trailers)
                return None
            return b"".join(pieces), start + 2
        if len(buffer) < start + size + 2:
            return None
        pieces.append(buffer[start : start + size])
        pos = start + size + 2


def parse_response(buffer: bytes) -> tuple[int, bytes, int] | None:
    """`(status, body, bytes used)` once `buffer` holds a whole response, else `None`."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    status = int(buffer[9:12])
    start = end + 4
    if status in (204, 304):
        return status, b"", start
    head = buffer[:end].lower()
    at = head.find(b"\r\ncontent-length:")
    if at >= 0:
        line_end = head.find(b"\r\n", at + 2)
        length = int(head[at + 17 : line_end if line_end >= 0 else len(head)])
        if len(buffer) < start + length:
            return None
        return status, buffer[start : start + length], start + length
    if b"\r\ntransfer-encoding: chunked" in head:
        parsed = _dechunk(buffer, start)
        return None if parsed is None else (status, parsed[0], parsed[1])
    raise ValueError(f"a response with neither Content-Length nor chunked body: {buffer[:end]!r}")


class ChunkedLines:
    """A chunked body of newline-separated JSON, fed as it arrives; `feed` returns complete lines."""

    def __init__(self) -> None:
        self._raw = b""
        self._text = b""
        self._chunk_left = 0

    def feed(self, data: bytes) -> list[bytes]:
        raw = self._raw + data
        pos = 0
        text = [self._text]
        while True:
            if self._chunk_left:
                take = raw[pos : pos + self._chunk_left]
                text.append(take)
                self._chunk_left -= len(take)
                pos += len(take)
                if self._chunk_left:
                    break
                pos += 2  # CRLF after the chunk (it may be split: tolerated by the size parse below)
                continue
            line_end = raw.find(b"\r\n", pos)
            if line_end < 0:
                break
            line = raw[pos:line_end].strip()
            pos = line_end + 2
            if line:
                self._chunk_left = int(line.split(b";", 1)[0], 16)
        self._raw = raw[pos:]
        *lines, self._text = b"".join(text).split(b"\n")
        return [line for line in lines if line.strip()]


class _Conn:
    __slots__ = ("stream",)

    def __init__(self, stream: anyio.abc.SocketStream) -> None:
        self.stream = stream

    async def roundtrip(self, request: bytes) -> tuple[int, bytes]:
        stream = self.stream
        await stream.send(request)
        buffer = await stream.receive(READ_SIZE)
        while (parsed := parse_response(buffer)) is None:
            buffer += await stream.receive(READ_SIZE)
        return parsed[0], parsed[1]


def _ok(status: int, body: bytes) -> bytes:
    if status >= 300 and status != 304:
        raise CheckError(f"the engine answered {status}: {body[:200]!r}")
    return body


def _created_id(body: bytes) -> str:
    """The `Id` of a create reply (container or exec), sliced out: 64 hex digits."""
    at = body.find(b'"Id":"')
    if at < 0:
        raise CheckError(f"no id in {body[:100]!r}")
    return body[at + 6 : at + 70].decode("ascii")


def _exec_body(cmd: list[str]) -> bytes:
    """The exec create body rawengine sends for `ExecConfig(cmd=cmd)` (the same keys and values)."""
    config = {"Cmd": cmd, "Tty": False, "AttachStdin": False, "AttachStdout": True, "AttachStderr": True}
    return json.dumps({**config, "Privileged": False}, separators=(",", ":")).encode()


class SocketClient(BenchClient):
    name = "socket"
    how = "bare anyio Unix socket, pre-built request bytes, Content-Length/chunked parsed just enough"

    def __init__(self, target: Target) -> None:
        super().__init__(target)
        self._idle: list[_Conn] = []
        self._prefix = f"/v{target.api_version}"

    async def open(self) -> None:
        await self._request(request_bytes("GET", "/_ping"))

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        with anyio.CancelScope(shield=True):
            for conn in idle:
                await conn.stream.aclose()

    async def _request(self, request: bytes) -> bytes:
        conn = self._idle.pop() if self._idle else _Conn(await anyio.connect_unix(self.target.socket_path))
        try:
            status, body = await conn.roundtrip(request)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await conn.stream.aclose()
            raise
        self._idle.append(conn)
        return _ok(status, body)

    async def _hijack(self, request: bytes, keep: bool) -> tuple[int, bytes]:
        """Start an exec on a fresh connection; `(raw bytes received, the bytes if keep)`."""
        stream = await anyio.connect_unix(self.target.socket_path)
        try:
            await stream.send(request)
            buffer = await stream.receive(READ_SIZE)
            while (end := buffer.find(b"\r\n\r\n")) < 0:
                buffer += await stream.receive(READ_SIZE)
            status = int(buffer[9:12])
            if status not in (101, 200):
                raise CheckError(f"exec start answered {status}: {buffer[:200]!r}")
            count = len(buffer) - end - 4
            kept = [buffer[end + 4 :]] if keep else []
            try:
                while True:
                    data = await stream.receive(READ_SIZE)
                    count += len(data)
                    if keep:
                        kept.append(data)
            except anyio.EndOfStream:
                pass
            return count, b"".join(kept)
        finally:
            with anyio.CancelScope(shield=True):
                await stream.aclose()

    def _path(self, path: str) -> str:
        return self._prefix + path

    def probe(self, op: str, concurrency: int) -> AbstractAsyncContextManager[Probe]:
        t = self.target
        cid = t.container_id
        if op == "ping":
            ping = request_bytes("GET", "/_ping")
            return fixed(Probe(lambda: self._request(ping), elapsed(lambda body: ops.check_ping(body == b"OK"))))
        if op == "inspect":
            req = request_bytes("GET", self._path(f"/containers/{cid}/json"))
            return fixed(Probe(lambda: self._request(req), elapsed(lambda body: _check_inspect(body, t))))
        if op == "list":
            query = quote(json.dumps({"label": [f"{t.label}={t.run_id}"]}, separators=(",", ":")), safe="")
            req = request_bytes("GET", self._path(f"/containers/json?filters={query}"))
            return fixed(Probe(lambda: self._request(req), elapsed(lambda body: _check_list(body, t))))
        if op == "lifecycle":
            return fixed(Probe(self._lifecycle, elapsed(ops.check_lifecycle)))
        if op in ("exec", "exec-throughput"):
            throughput = op == "exec-throughput"
            cmd = list(t.throughput_cmd) if throughput else ["true"]
            create = request_bytes("POST", self._path(f"/containers/{cid}/exec"), _exec_body(cmd))
            check = _check_throughput(t) if throughput else _check_exec
            return fixed(Probe(partial(self._exec, create, keep=not throughput), elapsed(check)))
        if op == "changes":
            req = request_bytes("GET", self._path(f"/containers/{cid}/changes"))
            return fixed(Probe(lambda: self._request(req), elapsed(lambda body: _check_changes(body, t))))
        if op == "history":
            req = request_bytes("GET", self._path(f"/images/{quote(t.image, safe='/:@')}/history"))
            return fixed(Probe(lambda: self._request(req), elapsed(lambda body: _check_history(body))))
        if op == "events":
            return self._events_probe()
        raise ValueError(f"unknown operation {op!r}")

    async def _lifecycle(self) -> str:
        created = await self._request(
            request_bytes(
                "POST",
                self._path("/containers/create"),
                json.dumps(self.target.create_body(), separators=(",", ":")).encode(),
            )
        )
        cid = _created_id(created)
        await self._request(request_bytes("POST", self._path(f"/containers/{cid}/start")))
        await self._request(request_bytes("POST", self._path(f"/containers/{cid}/stop?t=0")))
        await self._request(request_bytes("DELETE", self._path(f"/containers/{cid}")))
        return cid

    async def _exec(self, create: bytes, *, keep: bool) -> tuple[int, bytes, bytes]:
        exec_id = _created_id(await self._request(create))
        start = request_bytes(
            "POST", self._path(f"/exec/{exec_id}/start"), b'{"Detach":false,"Tty":false}', upgrade=True
        )
        count, output = await self._hijack(start, keep)
        inspect = await self._request(request_bytes("GET", self._path(f"/exec/{exec_id}/json")))
        return count, output, inspect

    @asynccontextmanager
    async def _events_probe(self) -> AsyncIterator[Probe]:
        t = self.target
        query = quote(
            json.dumps({"container": [t.container_id], "type": ["container"]}, separators=(",", ":")), safe=""
        )
        stream = await anyio.connect_unix(t.socket_path)
        try:
            await stream.send(request_bytes("GET", self._path(f"/events?filters={query}")))
            buffer = await stream.receive(READ_SIZE)
            while (end := buffer.find(b"\r\n\r\n")) < 0:
                buffer += await stream.receive(READ_SIZE)
            _ok(int(buffer[9:12]), buffer)
            decoder = ChunkedLines()
            pending = deque(decoder.feed(buffer[end + 4 :]))
            kill = request_bytes("POST", self._path(f"/containers/{t.container_id}/kill?signal=SIGCONT"))

            async def call() -> Timed:
                started_ns = time.time_ns()
                await self._request(kill)
                returned = perf_counter()
                with anyio.fail_after(EVENT_WAIT):
                    while True:
                        while pending:
                            event = msgspec.json.decode(pending.popleft())
                            if event.get("Action") == "kill" and event.get("timeNano", 0) >= started_ns:
                                return Timed(perf_counter() - returned, (event["Action"], event["Actor"]["ID"]))
                        pending.extend(decoder.feed(await stream.receive(READ_SIZE)))

            yield Probe(call, self_timed(lambda value: ops.check_event(value[0], value[1], t)))
        finally:
            with anyio.CancelScope(shield=True):
                await stream.aclose()


def _check_inspect(body: bytes, target: Target) -> None:
    data = json.loads(body)
    ops.check_inspect(data["Id"], data["State"]["Running"], target)


def _check_list(body: bytes, target: Target) -> None:
    ops.check_list((item["Id"] for item in json.loads(body)), target)


def _check_exec(result: tuple[int, bytes, bytes]) -> None:
    _, output, inspect = result
    ops.check_exec(json.loads(inspect)["ExitCode"], output)


def _check_throughput(target: Target) -> Any:
    def check(result: tuple[int, bytes, bytes]) -> None:
        count, _, inspect = result
        ops.check_throughput(count, json.loads(inspect)["ExitCode"], target, framing_overhead=True)

    return check


def _check_changes(body: bytes, target: Target) -> None:
    ops.check_changes((item["Path"] for item in json.loads(body) or ()), target)


def _check_history(body: bytes) -> None:
    ops.check_history(len(json.loads(body)))
