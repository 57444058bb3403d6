"""The bench's result checks and the socket client's parsing, against canned answers (no engine).

A client that answers fast but wrong must count as an error, so every adapter's check is tested
with a right and a wrong answer in that client's own result shape.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import msgspec
import pytest

import rawengine
from rawengine.bench.aiodocker_client import AiodockerClient
from rawengine.bench.clients import BenchClient, Probe, self_timed
from rawengine.bench.dockerpy_client import DockerPyClient
from rawengine.bench.ops import CheckError, Target, Timed, check_throughput
from rawengine.bench.rawengine_client import RawengineClient
from rawengine.bench.socket_client import ChunkedLines, SocketClient, _exec_body, parse_response, request_bytes

CID = "a" * 64
OTHER = "b" * 64
TARGET = Target(
    host="unix:///nonexistent/docker.sock",
    engine="docker",
    api_version="1.41",
    image="rawengine/bench:abc",
    container_id=CID,
    label="rawengine.bench",
    run_id="abc",
    throughput_bytes=1024 * 1024,
)


# ------------------------------------------------------------------ the shared checks


def test_throughput_command_writes_exactly_the_size() -> None:
    assert TARGET.throughput_cmd == ("sh", "-c", "dd if=/dev/zero bs=1048576 count=1 2>/dev/null")
    odd = Target(**{**TARGET.__dict__, "throughput_bytes": 1000})
    assert odd.throughput_cmd == ("head", "-c", "1000", "/dev/zero")


def test_throughput_check_allows_frame_headers_only_for_raw_counts() -> None:
    size = TARGET.throughput_bytes
    check_throughput(size, 0, TARGET)
    check_throughput(size + 8 * 40, 0, TARGET, framing_overhead=True)
    with pytest.raises(CheckError, match="received"):
        check_throughput(size + 8, 0, TARGET)
    with pytest.raises(CheckError, match="received"):
        check_throughput(size - 1, 0, TARGET, framing_overhead=True)
    with pytest.raises(CheckError, match="exited"):
        check_throughput(size, 1, TARGET)


def test_create_body_is_the_same_for_every_client() -> None:
    body = TARGET.create_body()
    assert body["Image"] == TARGET.image
    assert body["Labels"] == {"rawengine.bench": "abc"}
    assert body["HostConfig"] == {
        "Ulimits": [{"Name": "nofile", "Soft": 20000, "Hard": 20000}, {"Name": "nproc", "Soft": 32768, "Hard": 32768}]
    }


def test_self_timed_accept_keeps_the_carried_time_and_checks_the_value() -> None:
    seen: list[object] = []
    accept = self_timed(seen.append)
    assert accept(Timed(0.002, "v"), 1.0) == 0.002
    assert accept(Timed(-0.001, "w"), 1.0) == 0.0  # the event was there before the action returned
    assert seen == ["v", "w"]
    with pytest.raises(TypeError):
        accept("not timed", 1.0)


# ------------------------------------------------------------------ each adapter's checks


async def _accept(client: BenchClient, op: str) -> Any:
    async with client.probe(op, 1) as probe:  # every probe but events' does no I/O to open
        assert isinstance(probe, Probe)
        return probe.accept


def _engine_results() -> dict[str, tuple[object, object]]:
    """Per operation: (a right answer, a wrong one) in rawengine's typed shapes."""
    running = SimpleNamespace(id=CID, state=SimpleNamespace(running=True))
    return {
        "ping": (SimpleNamespace(api_version="1.41"), SimpleNamespace(api_version="")),
        "inspect": (running, SimpleNamespace(id=OTHER, state=SimpleNamespace(running=True))),
        "list": ([SimpleNamespace(id=OTHER), SimpleNamespace(id=CID)], [SimpleNamespace(id=OTHER)]),
        "lifecycle": (CID, "not-an-id"),
        "exec": (
            SimpleNamespace(exit_code=0, stdout=b"", stderr=b""),
            SimpleNamespace(exit_code=0, stdout=b"x", stderr=b""),
        ),
        "exec-throughput": ((1024 * 1024, 0), (1024 * 1024 - 1, 0)),
        "changes": ([SimpleNamespace(path="/www/index.html")], []),
        "history": ([object()], []),
    }


def _dict_results() -> dict[str, tuple[object, object]]:
    """The same in aiodocker's and docker-py's dict shapes."""
    return {
        "inspect": ({"Id": CID, "State": {"Running": True}}, {"Id": CID, "State": {"Running": False}}),
        "exec": ((b"", 0), (b"", 1)),
        "exec-throughput": ((1024 * 1024, 0), (1024 * 1024, None)),
        "changes": ([{"Path": "/www/index.html", "Kind": 0}], None),
        "history": ([{"Id": "x"}], []),
    }


def _check_pair(accept: Any, right: object, wrong: object) -> None:
    assert accept(right, 0.25) == 0.25
    with pytest.raises((CheckError, KeyError, TypeError)):
        accept(wrong, 0.25)


@pytest.mark.parametrize(
    "op", ["ping", "inspect", "list", "lifecycle", "exec", "exec-throughput", "changes", "history"]
)
async def test_rawengine_adapter_checks(op: str) -> None:
    client = RawengineClient(TARGET)
    right, wrong = _engine_results()[op]
    _check_pair(await _accept(client, op), right, wrong)


@pytest.mark.parametrize("op", ["inspect", "exec", "exec-throughput", "changes", "history"])
async def test_aiodocker_adapter_checks(op: str) -> None:
    client = AiodockerClient(TARGET)
    client.docker = SimpleNamespace()
    client.container = SimpleNamespace(show=None)
    right, wrong = _dict_results()[op]
    _check_pair(await _accept(client, op), right, wrong)


async def test_aiodocker_ping_and_list_checks() -> None:
    client = AiodockerClient(TARGET)
    client.docker = SimpleNamespace()
    client.container = SimpleNamespace(show=None)
    _check_pair(await _accept(client, "ping"), b"OK", b"")
    _check_pair(await _accept(client, "list"), [SimpleNamespace(id=CID)], [SimpleNamespace(id=OTHER)])


@pytest.mark.parametrize("op", ["inspect", "exec", "exec-throughput", "changes", "history"])
async def test_dockerpy_adapter_checks(op: str) -> None:
    client = DockerPyClient(TARGET)
    client.client = SimpleNamespace(ping=None)
    right, wrong = _dict_results()[op]
    _check_pair(await _accept(client, op), right, wrong)


async def test_dockerpy_ping_and_list_checks() -> None:
    client = DockerPyClient(TARGET)
    client.client = SimpleNamespace(ping=None)
    _check_pair(await _accept(client, "ping"), True, False)
    _check_pair(await _accept(client, "list"), [{"Id": CID}], [{"Id": OTHER}])


async def test_socket_adapter_checks() -> None:
    client = SocketClient(TARGET)
    _check_pair(await _accept(client, "ping"), b"OK", b"Not Found\n")
    inspect = json.dumps({"Id": CID, "State": {"Running": True}}).encode()
    _check_pair(
        await _accept(client, "inspect"), inspect, json.dumps({"Id": OTHER, "State": {"Running": True}}).encode()
    )
    _check_pair(await _accept(client, "list"), json.dumps([{"Id": CID}]).encode(), b"[]")
    _check_pair(await _accept(client, "changes"), b'[{"Path":"/www/index.html","Kind":0}]', b"null")
    _check_pair(await _accept(client, "history"), b'[{"Id":"x"}]', b"[]")
    exited = b'{"ExitCode":0,"Running":false}'
    _check_pair(await _accept(client, "exec"), (0, b"", exited), (8, b"\x01\x00\x00\x00\x00\x00\x00\x00", exited))
    raw = 1024 * 1024 + 8 * 32  # payload plus one frame header per 32 KiB
    _check_pair(await _accept(client, "exec-throughput"), (raw, b"", exited), (1000, b"", exited))


def test_unsupported_rawengine_methods_are_reported() -> None:
    client = RawengineClient(TARGET)
    assert client.unsupported("ping") is None
    for op in ("exec", "changes", "history"):
        assert client.unsupported(op) is None  # these have landed


# ------------------------------------------------------------------ the socket client's parsing


def test_request_bytes_match_what_rawengine_writes() -> None:
    assert request_bytes("GET", "/_ping") == b"GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n"
    assert request_bytes("POST", "/v1.41/containers/x/start") == (
        b"POST /v1.41/containers/x/start HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n"
    )
    assert request_bytes("POST", "/x", b"{}", upgrade=True) == (
        b"POST /x HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
        b"Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 2\r\n\r\n{}"
    )


LENGTH = b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK"
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n"


@pytest.mark.parametrize(("raw", "body"), [(LENGTH, b"OK"), (CHUNKED, b"hello world")])
def test_parse_response_needs_the_whole_response(raw: bytes, body: bytes) -> None:
    for cut in range(len(raw)):
        assert parse_response(raw[:cut]) is None, cut
    assert parse_response(raw) == (200, body, len(raw))


def test_parse_response_without_body() -> None:
    raw = b"HTTP/1.1 304 Not Modified\r\nContent-Length: 0\r\n\r\n"
    assert parse_response(raw) == (304, b"", len(raw))
    raw = b"HTTP/1.1 204 No Content\r\n\r\n"
    assert parse_response(raw) == (204, b"", len(raw))
    with pytest.raises(ValueError, match="neither"):
        parse_response(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabc")


def test_chunked_lines_at_every_split() -> None:
    lines = [b'{"Action":"kill","n":1}', b'{"Action":"kill","n":2}', b'{"Action":"start"}']
    body = b"\n".join(lines) + b"\n"
    wire = b"".join(b"%x\r\n%b\r\n" % (len(part), part) for part in (body[:10], body[10:31], body[31:]))
    for cut in range(len(wire) + 1):
        decoder = ChunkedLines()
        got = decoder.feed(wire[:cut]) + decoder.feed(wire[cut:])
        assert got == lines, cut
    decoder = ChunkedLines()
    assert [line for i in range(len(wire)) for line in decoder.feed(wire[i : i + 1])] == lines


def test_socket_bodies_are_the_bytes_rawengine_sends() -> None:
    assert _exec_body(["true"]) == msgspec.json.encode(rawengine.ExecConfig(cmd=["true"]))
    config = rawengine.ContainerConfig(
        image=TARGET.image,
        cmd=list(TARGET.lifecycle_cmd),
        labels={TARGET.label: TARGET.run_id},
        host_config=rawengine.HostConfig(ulimits=[rawengine.Ulimit(n, s, h) for n, s, h in TARGET.ulimits]),
    )
    assert json.dumps(TARGET.create_body(), separators=(",", ":")).encode() == msgspec.json.encode(config)
