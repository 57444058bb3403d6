"""rawengine over tcp+TLS on its own HTTP/1.1 transport, against a private TLS dockerd.

The engine is the one `scripts/tls-engine-up` starts (from `scripts/engine-up`): dockerd 20.10
in its own network namespace, `--tlsverify` on tcp://10.231.26.2:2376 with trustme
certificates, plus a unix socket. The transport tests run over both of its doors, unix and
tcp+TLS, on asyncio and trio: the same engine, so any difference is the transport's.
"""

from __future__ import annotations

import json
import os
import random
import ssl
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.abc
import httpx
import pytest
import trustme

import rawengine
from rawengine import ExecConfig, StreamKind
from rawengine._hosts import Endpoint, TlsFiles
from rawengine._transport import HttpTransport
from tests.conftest import Resources, _answers, _ensure_base_image, unique
from tests.relay import pump

CERTS = os.environ.get("RAWENGINE_TLS_CERTS", "/var/lib/rawengine/tls-docker/certs")
TLS_SOCK = os.environ.get("RAWENGINE_TLS_SOCK", "unix:///run/rawengine/tls-docker/docker.sock")
TLS_ADDR, TLS_PORT = "10.231.26.2", 2376
TLS_HOST = f"tcp://{TLS_ADDR}:{TLS_PORT}"
PREFIX = "rn-rm"

pytestmark = pytest.mark.engine


def tls_files(**changes: str | None) -> TlsFiles:
    files: dict[str, str | None] = {
        "ca_file": f"{CERTS}/ca.pem",
        "cert_file": f"{CERTS}/cert.pem",
        "key_file": f"{CERTS}/key.pem",
    }
    files.update(changes)
    return TlsFiles(files["ca_file"], files["cert_file"], files["key_file"])


def tls_env(**extra: str) -> dict[str, str]:
    return {"DOCKER_HOST": TLS_HOST, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": CERTS, **extra}


def engine_over(door: str, *, host: str = TLS_HOST, tls: TlsFiles | None = None) -> rawengine.Engine:
    if door == "unix":
        return rawengine.Engine(TLS_SOCK)
    from rawengine._transport import transport_for

    transport = transport_for(
        Endpoint("default", host, tls or tls_files()), max_connections=16, connect_timeout=5, response_timeout=60
    )
    return rawengine.Engine(host, transport=transport)


@pytest.fixture(scope="session")
def tls_base_image() -> str:
    if not _answers(TLS_SOCK):
        pytest.fail(f"the TLS test engine does not answer on {TLS_SOCK}: run `bash scripts/engine-up` (make test does)")
    return anyio.run(_ensure_base_image, TLS_SOCK) and "rawengine/test:base"


@pytest.fixture(params=["unix", "tls"])
async def remote(request: pytest.FixtureRequest, tls_base_image: str) -> AsyncIterator[rawengine.Engine]:
    async with engine_over(str(request.param)) as engine:
        yield engine


@pytest.fixture
async def remote_resources(remote: rawengine.Engine, tls_base_image: str) -> AsyncIterator[Resources]:
    res = Resources(remote, tls_base_image)
    try:
        yield res
    finally:
        await res.cleanup()


async def ping_once(engine: rawengine.Engine) -> None:
    try:
        await engine.ping()
    finally:
        await engine.aclose()


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


# ---------------------------------------------------------------- plain requests, exec, events


async def test_plain_requests(remote: rawengine.Engine, remote_resources: Resources) -> None:
    assert (await remote.ping()).api_version == "1.41"
    assert (await remote.version()).version.startswith("20.10")
    cid = await remote_resources.container(name=unique(PREFIX))
    assert (await remote.inspect_container(cid)).state.running
    listed = await remote.list_containers(filters={"id": [cid]})
    assert [c.id for c in listed] == [cid]
    async with anyio.create_task_group() as tasks:  # concurrent requests share the pool
        for _ in range(20):
            tasks.start_soon(remote.inspect_container, cid)


async def test_exec_stdin_half_close_10mb_byte_exact(remote: rawengine.Engine, remote_resources: Resources) -> None:
    cid = await remote_resources.container(name=unique(PREFIX))
    data = random.Random(14).randbytes(10 * 2**20)
    exec_id = await remote.create_exec(cid, ExecConfig(cmd=["sh", "-c", "cat; echo after-eof >&2"], attach_stdin=True))
    out, err = bytearray(), bytearray()

    async def feed(stream: rawengine.ExecStream) -> None:
        for start in range(0, len(data), 999_983):
            await stream.send(data[start : start + 999_983])
        await stream.send_eof()  # TLS: close_notify, and the output still arrives

    with anyio.fail_after(120):
        async with remote.exec_stream(exec_id, stdin=True) as stream, anyio.create_task_group() as tasks:
            tasks.start_soon(feed, stream)
            async for frame in stream:
                (out if frame.kind is StreamKind.STDOUT else err).extend(frame.data)
    assert len(out) == len(data) and out == data
    assert err == b"after-eof\n"
    assert (await remote.inspect_exec(exec_id)).exit_code == 0


async def test_run_exec_with_stdin(remote: rawengine.Engine, remote_resources: Resources) -> None:
    cid = await remote_resources.container(name=unique(PREFIX))
    result = await remote.run_exec(cid, ["sh", "-c", "cat; exit 3"], stdin=b"data")
    assert result == rawengine.ExecResult(exit_code=3, stdout=b"data", stderr=b"")


async def test_events(remote: rawengine.Engine, remote_resources: Resources) -> None:
    value = unique("ev")
    config = rawengine.ContainerConfig(image=remote_resources.image, cmd=["true"], labels={"rn-rm.ev": value})
    async with remote.event_stream(filters={"label": [f"rn-rm.ev={value}"]}) as stream:
        cid = await remote_resources.container(config, name=unique(PREFIX))
        with anyio.fail_after(30):
            kinds = []
            async for event in stream:
                assert event.actor.id == cid
                kinds.append(event.kind)
                if event.kind == "die":
                    break
    assert kinds[:3] == ["create", "start", "die"] or kinds[:2] == ["create", "start"]


async def test_cancellation_leaves_no_connection_or_fd(remote: rawengine.Engine, remote_resources: Resources) -> None:
    cid = await remote_resources.container(name=unique(PREFIX))
    transport = remote._transport
    assert isinstance(transport, HttpTransport)
    await remote.ping()
    fds = _fds()
    for delay in (0.0, 0.001, 0.01, 0.05):
        with anyio.move_on_after(delay):
            await remote.inspect_container(cid)
        exec_id = await remote.create_exec(cid, ExecConfig(cmd=["sh", "-c", "echo go; sleep 2"]))
        with anyio.move_on_after(0.3 + delay):
            async with remote.exec_stream(exec_id) as stream:
                async for _ in stream:
                    pass
        with anyio.move_on_after(delay + 0.05):
            async with remote.event_stream() as events:
                async for _ in events:
                    pass
    assert transport.connections_in_use == 0
    assert _fds() <= fds + sum(conn.descriptors for conn in transport._idle)
    assert (await remote.inspect_container(cid)).id == cid  # and the pool still serves


# ---------------------------------------------------------------- TLS configuration and its failures


async def test_engine_from_the_environment(monkeypatch: pytest.MonkeyPatch, tls_base_image: str) -> None:
    for name, value in tls_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")  # never consulted
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/ca.pem")
    async with rawengine.Engine() as engine:
        assert engine.host == TLS_HOST
        assert (await engine.ping()).engine == "docker"


async def test_engine_from_a_context(tmp_path: str, monkeypatch: pytest.MonkeyPatch, tls_base_image: str) -> None:
    config = os.path.join(str(tmp_path), "docker-config")
    docker = f"host={TLS_HOST},ca={CERTS}/ca.pem,cert={CERTS}/cert.pem,key={CERTS}/key.pem"
    done = subprocess.run(  # noqa: ASYNC221  # the docker CLI writes the store, once
        ["docker", "context", "create", "rn-rm-tls", "--docker", docker],
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "DOCKER_CONFIG": config},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for name in ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_TLS", "DOCKER_CERT_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", config)
    async with rawengine.Engine(context="rn-rm-tls") as engine:
        assert engine.host == TLS_HOST
        assert (await engine.ping()).engine == "docker"
    with pytest.raises(ValueError, match="cannot specify both"):
        rawengine.Engine(TLS_HOST, context="rn-rm-tls")


async def test_wrong_ca_is_a_certificate_error(tmp_path: str, tls_base_image: str) -> None:
    other = trustme.CA()
    ca = os.path.join(str(tmp_path), "other-ca.pem")
    other.cert_pem.write_to_path(ca)
    with pytest.raises(rawengine.ConnectError, match="certificate verification"):
        await ping_once(engine_over("tls", tls=tls_files(ca_file=ca)))


@asynccontextmanager
async def tcp_relay(host: str, port: int) -> AsyncIterator[int]:
    """127.0.0.1:<free port> relayed to host:port: the engine reached by a name its certificate lacks."""

    async def handle(client: anyio.abc.SocketStream) -> None:
        async with client, await anyio.connect_tcp(host, port) as upstream, anyio.create_task_group() as tg:
            tg.start_soon(pump, client, upstream)
            tg.start_soon(pump, upstream, client)

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, handle)
        yield int(listener.extra(anyio.abc.SocketAttribute.local_port))
        tg.cancel_scope.cancel()


async def test_hostname_not_in_the_certificate(tls_base_image: str) -> None:
    async with tcp_relay(TLS_ADDR, TLS_PORT) as port:
        with pytest.raises(rawengine.ConnectError, match="hostname verification"):
            await ping_once(engine_over("tls", host=f"tcp://127.0.0.1:{port}"))
        # the same relay with a name the certificate has: accepted
        async with engine_over("tls", host=f"tcp://localhost:{port}") as engine:
            assert (await engine.ping()).engine == "docker"


async def test_no_client_certificate_is_a_handshake_error(tls_base_image: str) -> None:
    with pytest.raises(rawengine.ConnectError, match="handshake.*client certificate"):
        await ping_once(engine_over("tls", tls=tls_files(cert_file=None, key_file=None)))


async def test_plain_http_to_the_tls_port_is_refused_clearly(tls_base_image: str) -> None:
    with pytest.raises(rawengine.BadRequestError, match="HTTP request to an HTTPS server"):
        await ping_once(rawengine.Engine(f"http://{TLS_ADDR}:{TLS_PORT}"))


async def test_httpx_client_as_the_transport(remote_resources: Resources) -> None:
    context = ssl.create_default_context(cafile=f"{CERTS}/ca.pem")
    context.load_cert_chain(f"{CERTS}/cert.pem", f"{CERTS}/key.pem")
    client = httpx.AsyncClient(base_url=f"https://{TLS_ADDR}:{TLS_PORT}", verify=context)
    cid = await remote_resources.container(name=unique(PREFIX))
    async with rawengine.Engine(transport=client) as engine:
        assert (await engine.ping()).api_version == "1.41"
        assert (await engine.inspect_container(cid)).state.running
        result = await engine.run_exec(cid, ["echo", "over httpx"])
        assert result.stdout == b"over httpx\n"
    assert client.is_closed


def test_tls_engine_is_isolated_from_the_main_engine() -> None:
    """Its own network namespace: the host side sees only the veth; no docker0 of its own."""
    links = subprocess.run(["ip", "-j", "link"], capture_output=True, text=True, check=True).stdout
    names = {link["ifname"] for link in json.loads(links)}
    assert "re-tls0" in names
    inside = subprocess.run(
        ["ip", "netns", "exec", "rawengine-tls", "ip", "-j", "link"], capture_output=True, text=True, check=True
    ).stdout
    assert {link["ifname"] for link in json.loads(inside)} <= {"lo", "re-tls1"}
