"""Archive, stats and attach request builders byte by byte; the path-stat header in both alphabets; HEAD replies."""

from __future__ import annotations

import base64
import json
import random

import pytest

import rawengine
from rawengine._endpoints import archive, attach, stats
from rawengine._models.archive import PathStat, decode_path_stat
from rawengine._protocol.http11 import NEED_DATA, EndOfMessage, Head, ResponseParser, parse_complete

IDENTITY = (("Accept-Encoding", "identity"),)


def test_put_archive_request() -> None:
    request = archive.put("c1", "/tmp/a b", b"TAR", no_overwrite_dir_non_dir=True, copy_uid_gid=True)
    assert (request.method, request.path) == ("PUT", "/containers/c1/archive")
    assert request.query == "path=%2Ftmp%2Fa%20b&noOverwriteDirNonDir=1&copyUIDGID=1"
    assert request.body == b"TAR"
    assert request.all_headers == (("Content-Type", "application/x-tar"), *IDENTITY)
    assert archive.put("c1", "/", b"").query == "path=%2F"


def test_get_and_head_archive_requests() -> None:
    get = archive.get("a/b", "/etc/passwd")
    assert (get.method, get.path, get.query, get.body) == (
        "GET",
        "/containers/a%2Fb/archive",
        "path=%2Fetc%2Fpasswd",
        None,
    )
    assert get.all_headers == IDENTITY
    head = archive.stat("c", "/x?y&z")
    assert (head.method, head.query, head.all_headers) == ("HEAD", "path=%2Fx%3Fy%26z", IDENTITY)


@pytest.mark.parametrize("path", ["", "a\x00b"])
def test_archive_path_refused(path: str) -> None:
    with pytest.raises(ValueError):
        archive.get("c", path)


def test_stats_requests() -> None:
    assert stats.stats("c", stream=True).query == "stream=1"
    assert stats.stats("c", stream=False, one_shot=True).query == "stream=0&one-shot=1"
    assert stats.stats("c", stream=False).query == "stream=0"
    assert stats.stats("c", stream=False).path == "/containers/c/stats"
    with pytest.raises(ValueError):
        stats.stats("c", stream=True, one_shot=True)


def test_attach_request() -> None:
    request = attach.attach("c", stdin=True, stdout=True, stderr=False, logs=False, stream=True)
    assert (request.method, request.path, request.body) == ("POST", "/containers/c/attach", None)
    assert request.query == "stream=1&stdin=1&stdout=1&stderr=0&logs=0"
    keyed = attach.attach("c", stdin=False, stdout=True, stderr=True, logs=True, stream=False, detach_keys="ctrl-x")
    assert keyed.query == "stream=0&stdin=0&stdout=1&stderr=1&logs=1&detachKeys=ctrl-x"
    with pytest.raises(ValueError):
        attach.attach("c", stdin=False, stdout=False, stderr=False, logs=False, stream=True)
    with pytest.raises(ValueError):
        attach.attach("c", stdin=False, stdout=True, stderr=False, logs=False, stream=False)


# ---------------------------------------------------------------- X-Docker-Container-Path-Stat

DOCKER_PASSWD = (
    "eyJuYW1lIjoicGFzc3dkIiwic2l6ZSI6ODIsIm1vZGUiOjQyMCwibXRpbWUiOiIxOTcwLTAxLTAxVDAwOjAwOjAwWiIs"
    "ImxpbmtUYXJnZXQiOiIifQ=="
)
PODMAN_SH = (
    "eyJuYW1lIjoiYnVzeWJveCIsInNpemUiOjcsIm1vZGUiOjEzNDIxODIzOSwibXRpbWUiOiIxOTcwLTAxLTAxVDAwOjAwOjAwWiIsImlzRGlyIjpm"
    "YWxzZSwibGlua1RhcmdldCI6Ii9iaW4vYnVzeWJveCJ9"
)


def test_recorded_headers_of_both_engines() -> None:
    docker = decode_path_stat(DOCKER_PASSWD)
    assert docker == PathStat("passwd", 82, 0o644, "1970-01-01T00:00:00Z", "", None)
    assert (docker.is_dir, docker.is_symlink, docker.permissions, docker.st_mode) == (False, False, 0o644, 0o100644)
    podman = decode_path_stat(PODMAN_SH.encode())
    assert (podman.name, podman.link_target, podman.podman_is_dir) == ("busybox", "/bin/busybox", False)
    assert podman.is_symlink and podman.st_mode == 0o120777


def _payload_needing_both_alphabets(rng: random.Random) -> dict[str, object]:
    while True:
        value = {
            "name": "".join(chr(rng.randrange(32, 0x2FF)) for _ in range(12)),
            "size": rng.randrange(2**40),
            "mode": (1 << 31) | 0o755,
            "mtime": "2026-12-07T15:37:40.123456789Z",
            "linkTarget": "",
            "isDir": True,
        }
        raw = json.dumps(value).encode()
        std = base64.b64encode(raw)
        if b"+" in std or b"/" in std:
            return value


def test_both_base64_alphabets_padded_or_not() -> None:
    rng = random.Random(12)
    for _ in range(200):
        value = _payload_needing_both_alphabets(rng)
        raw = json.dumps(value).encode()
        for encoded in (
            base64.b64encode(raw),
            base64.urlsafe_b64encode(raw),
            base64.urlsafe_b64encode(raw).rstrip(b"="),
        ):
            stat = decode_path_stat(encoded)
            assert (stat.name, stat.size, stat.is_dir, stat.podman_is_dir) == (value["name"], value["size"], True, True)
            assert stat.st_mode == 0o40755


@pytest.mark.parametrize("bad", [b"not base64!", base64.b64encode(b"[1,2]"), base64.b64encode(b"{"), b"a"])
def test_undecodable_header_is_a_protocol_error(bad: bytes) -> None:
    with pytest.raises(rawengine.ProtocolError):
        decode_path_stat(bad)


# ---------------------------------------------------------------- HEAD replies (stat_path) at the byte level

DOCKER_HEAD_200 = (
    b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nDocker-Experimental: false\r\nOstype: linux\r\n"
    b"Server: Docker/20.10.24+dfsg1 (linux)\r\nX-Docker-Container-Path-Stat: " + DOCKER_PASSWD.encode() + b"\r\n"
    b"Date: Mon, 07 Dec 2026 15:37:40 GMT\r\n\r\n"
)
DOCKER_HEAD_404 = (
    b"HTTP/1.1 404 Not Found\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
    b"Date: Mon, 07 Dec 2026 15:37:40 GMT\r\nContent-Length: 78\r\n\r\n"
)


@pytest.mark.parametrize("raw", [DOCKER_HEAD_200, DOCKER_HEAD_404])
def test_head_reply_has_no_body_whatever_its_length(raw: bytes) -> None:
    whole = parse_complete(raw, head_request=True)
    assert isinstance(whole, tuple)
    head, body, keep_alive = whole
    assert (body, keep_alive) == (b"", True)
    parser = ResponseParser(head_request=True)
    for i in range(len(raw)):  # byte by byte: the head ends the reply, no body is awaited
        parser.receive_data(raw[i : i + 1])
    event = parser.next_event()
    assert isinstance(event, Head) and event.status_code == head.status_code
    assert isinstance(parser.next_event(), EndOfMessage)
    assert parser.keep_alive


def test_head_reply_followed_by_the_next_reply_on_the_connection() -> None:
    parser = ResponseParser(head_request=True)
    parser.receive_data(DOCKER_HEAD_404[:-4])
    assert parser.next_event() is NEED_DATA
    parser.receive_data(DOCKER_HEAD_404[-4:])
    assert isinstance(parser.next_event(), Head)
    assert isinstance(parser.next_event(), EndOfMessage)
