"""Request building is pure: exact methods, paths and queries, with every value quoted."""

from __future__ import annotations

import msgspec
import pytest

import rawengine
from rawengine._endpoints import containers, encode_query, images, quote_name, quote_ref, system


def test_create_body_omits_unset_fields() -> None:
    config = rawengine.ContainerConfig(
        image="busybox",
        cmd=["sleep", "1"],
        labels={"a": "b"},
        host_config=rawengine.HostConfig(
            port_bindings={"80/tcp": [rawengine.PortBinding(host_port="8080")]},
            ulimits=[rawengine.Ulimit("nofile", 1024, 2048)],
            auto_remove=True,
        ),
    )
    request = containers.create(config, name="web")
    assert (request.method, request.path, request.query) == ("POST", "/containers/create", "name=web")
    assert request.content_type == "application/json"
    assert isinstance(request.body, bytes)
    assert msgspec.json.decode(request.body) == {
        "Image": "busybox",
        "Cmd": ["sleep", "1"],
        "Labels": {"a": "b"},
        "HostConfig": {
            "PortBindings": {"80/tcp": [{"HostPort": "8080"}]},
            "AutoRemove": True,
            "Ulimits": [{"Name": "nofile", "Soft": 1024, "Hard": 2048}],
        },
    }


def test_lifecycle_requests() -> None:
    assert containers.start("abc").path == "/containers/abc/start"
    stop = containers.stop("abc", timeout=3)
    assert (stop.path, stop.query, stop.extra_time) == ("/containers/abc/stop", "t=3", 8.0)
    assert containers.kill("abc", signal="SIGUSR1").query == "signal=SIGUSR1"
    assert containers.remove("abc", force=True).query == "force=1"
    assert containers.remove("abc").query == ""
    assert containers.wait("abc", condition="next-exit").query == "condition=next-exit"
    assert containers.inspect("abc").path == "/containers/abc/json"


def test_filters_are_json_encoded() -> None:
    request = containers.list_(all=True, filters={"label": ["app=web", "x=a&b"]})
    assert request.query == "all=1&filters=%7B%22label%22%3A%5B%22app%3Dweb%22%2C%22x%3Da%26b%22%5D%7D"


def test_query_encoding() -> None:
    assert encode_query({"a": None, "b": True, "c": False, "d": 3, "e": "x y"}) == "b=1&c=0&d=3&e=x%20y"
    assert encode_query({"changes": ["ENV A=1", 'CMD ["x"]']}) == "changes=ENV%20A%3D1&changes=CMD%20%5B%22x%22%5D"


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("abc/images/x/json", "abc%2Fimages%2Fx%2Fjson"),  # dot segments are refused: test_quoting.py
        ("a?b#c", "a%3Fb%23c"),
        ("a%2Fb", "a%252Fb"),
        ("a b\nc", "a%20b%0Ac"),
    ],
)
def test_names_are_one_segment(value: str, quoted: str) -> None:
    assert quote_name(value) == quoted
    assert containers.inspect(value).path == f"/containers/{quoted}/json"


def test_refs_keep_slashes_but_refuse_dot_segments() -> None:
    assert quote_ref("localhost:5000/rawengine/web:v2") == "localhost:5000/rawengine/web:v2"
    assert quote_ref("a@sha256:00") == "a@sha256:00"
    assert images.inspect("x y?").path == "/images/x%20y%3F/json"
    for bad in ("../containers/x", "a/../b", "a//b", "", "./a"):
        with pytest.raises(ValueError):
            quote_ref(bad)
    with pytest.raises(ValueError):
        quote_name("")


def test_import_request() -> None:
    request = images.import_(b"tar", repo="r", tag="t", changes=['CMD ["sh"]'])
    assert request.path == "/images/create"
    assert request.query == "fromSrc=-&repo=r&tag=t&changes=CMD%20%5B%22sh%22%5D"
    assert request.content_type == "application/x-tar"


@pytest.mark.parametrize(
    ("announced", "chosen"), [("1.41", "1.41"), ("1.24", "1.24"), ("1.44", "1.44"), ("1.55", "1.55"), ("1.99", "1.55")]
)
def test_version_choice(announced: str, chosen: str) -> None:
    assert system.choose_api_version(announced) == chosen


@pytest.mark.parametrize("announced", [None, "", "abc", "1", "1.2.3", "1.23", "v1.41"])
def test_version_choice_errors(announced: str | None) -> None:
    with pytest.raises(rawengine.ProtocolError):
        system.choose_api_version(announced)


def test_ping_from_headers() -> None:
    ping = system.ping_from_headers({b"api-version": b"1.41", b"libpod-api-version": b"4.3.1", b"ostype": b"linux"})
    assert (ping.api_version, ping.engine, ping.os_type) == ("1.41", "podman", "linux")


def test_ping_from_head_remembers_by_the_raw_lines_and_answers_as_the_headers_do() -> None:
    from rawengine._protocol.http11 import parse_complete

    docker = (
        b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nDocker-Experimental: true\r\nOstype: linux\r\n"
        b"Server: Docker/20.10.24+dfsg1 (linux)\r\nContent-Length: 2\r\n\r\nOK"
    )
    podman = docker.replace(b"Ostype", b"Libpod-Api-Version: 4.3.1\r\nOstype")
    for reply, engine in ((docker, "docker"), (podman, "podman"), (docker, "docker")):
        complete = parse_complete(reply)
        assert isinstance(complete, tuple)
        head = complete[0]
        assert head.raw_lines is not None
        ping = system.ping_from_head(head.raw_lines, head)
        assert ping == system.ping_from_headers(head.headers)
        assert (ping.engine, ping.experimental, ping.api_version) == (engine, True, "1.41")
    # A head built from a dict (the httpx transport, the incremental parser) has no raw lines.
    assert system.ping_from_head(None, {b"api-version": b"1.40"}).api_version == "1.40"
    with pytest.raises(rawengine.ProtocolError):
        system.ping_from_head(b"\r\nServer: x", {b"server": b"x"})  # no Api-Version: never remembered
