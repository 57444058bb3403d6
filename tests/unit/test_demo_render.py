"""The demo's pure parts: CLI-style sizes, ages, ids and tables, HTTP parsing, options, helpers."""

from __future__ import annotations

import io
import tarfile

import pytest

from rawengine import HistoryItem, ImageSummary, ProgressDetail, ProgressMessage, StreamKind
from rawengine.demo.cleanup import Tracker
from rawengine.demo.http_fetch import page_headline, parse_response
from rawengine.demo.image_source import PullProgress, pull_failure_reason
from rawengine.demo.lessons import build_context, dockerfile_text
from rawengine.demo.options import DemoOptions, parse_options, wants_color
from rawengine.demo.ports import is_port_conflict, port_candidates
from rawengine.demo.recording import ApiCall
from rawengine.demo.render import (
    Style,
    display_width,
    ellipsis,
    format_table,
    http_reason,
    human_age,
    human_duration,
    human_ms,
    human_size,
    readable_target,
    short_id,
    shorten_ids,
)
from rawengine.demo.servers import fetch_host_for
from rawengine.demo.steps import _directories_of, _Lines, history_json, history_rows, image_rows

HEX = "3208297e8ce7f79755c847e57b98d25d302f50bccfa232ffcf6b0d47637d1b94"


# ---------------------------------------------------------------- sizes, ages, ids


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0B"),
        (5, "5B"),
        (24, "24B"),
        (999, "999B"),
        (1000, "1kB"),
        (1536, "1.54kB"),
        (7680, "7.68kB"),
        (999_499, "999kB"),
        (999_999, "1MB"),  # Go's %.3g would print 1e+03kB
        (1_984_289, "1.98MB"),
        (10_485_760, "10.5MB"),
        (12_638_933, "12.6MB"),
        (142_000_000, "142MB"),
        (1_500_000_000, "1.5GB"),
    ],
)
def test_human_size_matches_the_cli(size: int, text: str) -> None:
    assert human_size(size) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "Less than a second"),
        (0.99, "Less than a second"),
        (1, "1 second"),
        (59.9, "59 seconds"),
        (60, "About a minute"),
        (119, "About a minute"),
        (120, "2 minutes"),
        (3599, "59 minutes"),
        (3600, "About an hour"),
        (5399, "About an hour"),
        (5400, "2 hours"),  # hours are rounded, as go-units does
        (47 * 3600, "47 hours"),
        (48 * 3600, "2 days"),
        (13 * 86400, "13 days"),
        (14 * 86400, "2 weeks"),
        (60 * 86400, "2 months"),
        (730 * 86400, "2 years"),
    ],
)
def test_human_duration_matches_go_units(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


def test_human_age() -> None:
    assert human_age(1000, 1000.4) == "Less than a second ago"
    assert human_age(1000, 1125) == "2 minutes ago"
    assert human_age(2000, 1000) == "Less than a second ago"  # clock skew: never negative
    assert human_age(0, 1000) == "N/A"


def test_human_ms() -> None:
    assert human_ms(0.00042) == "0.42 ms"
    assert human_ms(0.0031) == "3.1 ms"
    assert human_ms(0.215) == "215 ms"
    assert human_ms(1.4213) == "1.42 s"


def test_ids() -> None:
    assert short_id("sha256:" + HEX) == "3208297e8ce7"
    assert short_id(HEX) == "3208297e8ce7"
    assert short_id("<missing>") == "<missing>"
    assert short_id("abc") == "abc"
    assert shorten_ids(f"/containers/{HEX}/start") == "/containers/3208297e8ce7/start"
    assert shorten_ids(f"{HEX}{HEX}") == f"{HEX}{HEX}"  # not an id: 128 hex digits


def test_readable_target() -> None:
    assert readable_target(f"/v1.41/containers/{HEX}/start") == "/containers/3208297e8ce7/start"
    assert readable_target("/_ping") == "/_ping"
    assert (
        readable_target("/v1.41/images/json?filters=%7B%22reference%22%3A%5B%22nginx%22%5D%7D")
        == '/images/json?filters={"reference":["nginx"]}'
    )
    assert readable_target("/v1.41/commit?comment=%E4%BF%AE%E6%94%B9") == "/commit?comment=修改"


def test_http_reason() -> None:
    assert http_reason(101) == "Switching Protocols"
    assert http_reason(204) == "No Content"
    assert http_reason(599) == ""


def test_api_call_json() -> None:
    call = ApiCall("POST", f"/v1.41/containers/{HEX}/start", status=204, seconds=0.0123)
    assert call.to_json() == {
        "method": "POST",
        "path": "/containers/3208297e8ce7/start",
        "target": "/containers/3208297e8ce7/start",
        "status": 204,
        "ms": 12.3,
        "kind": "plain",
    }
    stream = ApiCall("POST", "/v1.41/build?t=a", status=200, seconds=0.001, kind="stream", total_seconds=0.5)
    assert stream.to_json()["total_ms"] == 500.0
    assert stream.path == "/build"


# ---------------------------------------------------------------- tables


def test_format_table_is_laid_out_like_tabwriter() -> None:
    lines = format_table(
        ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"],
        [["nginx", "v2", "a4dd90b27adc", "2 minutes ago", "1.98MB"]],
    )
    assert lines == [
        "REPOSITORY   TAG       IMAGE ID       CREATED         SIZE",
        "nginx        v2        a4dd90b27adc   2 minutes ago   1.98MB",
    ]


def test_format_table_counts_wide_characters_twice() -> None:
    lines = format_table(["COMMENT", "SIZE"], [["修改了默认网页", "24B"], ["x", "0B"]])
    assert lines == ["COMMENT          SIZE", "修改了默认网页   24B", "x                0B"]
    # the second column starts at the same terminal column on every line
    assert {display_width(line[: line.rindex(" ") + 1]) for line in lines} == {17}


def test_format_table_strips_trailing_space_and_checks_rows() -> None:
    assert format_table(["A", "B"], [["x", ""]]) == ["A         B", "x"]
    assert format_table(["A"], [], indent="  ") == ["  A"]
    with pytest.raises(ValueError, match="2 cells"):
        format_table(["A", "B", "C"], [["x", "y"]])


def test_display_width_and_ellipsis() -> None:
    assert display_width("abc") == 3
    assert display_width("修改") == 4
    assert display_width("e\u0301") == 1  # combining accent takes no column
    assert ellipsis("short", 45) == "short"
    long = "/bin/sh -c echo '<h1>Hello, Docker!</h1>' > /usr/share/nginx/html/index.html"
    cut = ellipsis(long, 45)
    assert cut.endswith("…") and len(cut) == 45 and long.startswith(cut[:-1])
    assert ellipsis("修改了默认网页", 6) == "修改…"


def _image(image_id: str, tags: list[str], created: int, size: int) -> ImageSummary:
    return ImageSummary(
        id=image_id,
        parent_id="",
        repo_tags=tags,
        repo_digests=[],
        created=created,
        size=size,
        shared_size=-1,
        virtual_size=None,
        labels={},
        containers=-1,
    )


def test_image_and_history_rows() -> None:
    images = [
        _image("sha256:" + HEX, ["nginx:v2", "other:latest"], 1000, 1_984_289),
        _image("sha256:" + "a" * 64, ["docker.io/library/nginx:v2-x", "docker.io/library/nginxy:v2"], 900, 5),
    ]
    assert image_rows(images, "nginx", 1120) == [
        ["nginx", "v2", "3208297e8ce7", "2 minutes ago", "1.98MB"],
        ["docker.io/library/nginx", "v2-x", "aaaaaaaaaaaa", "3 minutes ago", "5B"],
    ]
    history = [
        HistoryItem("sha256:" + HEX, 1000, "httpd\t-f", ["nginx:v2"], 24, "修改了默认网页"),
        HistoryItem("<missing>", 0, "x" * 60, [], 0, ""),
    ]
    assert history_rows(history, 1000.5) == [
        ["3208297e8ce7", "Less than a second ago", "httpd -f", "24B", "修改了默认网页"],
        ["<missing>", "N/A", "x" * 44 + "…", "0B", ""],
    ]
    assert history_json(history[:1]) == [
        {
            "id": "sha256:" + HEX,
            "created": 1000,
            "created_by": "httpd\t-f",
            "size": 24,
            "comment": "修改了默认网页",
            "tags": ["nginx:v2"],
        }
    ]


def test_style() -> None:
    assert Style(False).red("x") == "x"
    assert Style(True).red("x") == "\x1b[31mx\x1b[0m"
    assert Style(True).bold("") == ""


# ---------------------------------------------------------------- HTTP


def test_parse_response() -> None:
    raw = b"HTTP/1.1 200 OK\r\nServer: nginx/1.25\r\nContent-Length: 24\r\n\r\n<h1>Hello, Docker!</h1>\n"
    status, reason, headers, body = parse_response(raw)
    assert (status, reason, headers["server"], body) == (200, "OK", "nginx/1.25", b"<h1>Hello, Docker!</h1>\n")
    chunked = b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;x=y\r\n!!!\r\n0\r\n\r\n"
    assert parse_response(chunked)[0::3] == (404, b"hello!!!")
    assert parse_response(b"HTTP/1.0 204\r\n\r\n")[:2] == (204, "")
    with pytest.raises(ValueError, match="ended before"):
        parse_response(b"HTTP/1.1 200 OK\r\nServer: x\r\n")
    with pytest.raises(ValueError, match="status line"):
        parse_response(b"SSH-2.0-OpenSSH\r\n\r\n")


def test_page_headline() -> None:
    assert page_headline("<html><h1 class='x'>Welcome to\n  nginx!</h1></html>") == "<h1>Welcome to nginx!</h1>"
    assert page_headline("\n\n  plain text\nmore") == "plain text"
    assert page_headline("") == "(empty page)"
    assert page_headline("x" * 100, limit=10) == "x" * 9 + "…"


# ---------------------------------------------------------------- image source


def test_pull_failure_reason() -> None:
    docker = (
        'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: '
        "no such host"
    )
    podman = "initializing source docker://nginx:latest: pinging container registry registry-1.docker.io: " + docker
    assert pull_failure_reason(docker) == "registry-1.docker.io: no such host"
    assert pull_failure_reason(podman) == "registry-1.docker.io: no such host"
    assert pull_failure_reason("dial tcp 1.2.3.4:443: i/o timeout") == "1.2.3.4:443: i/o timeout"
    assert pull_failure_reason("manifest unknown") == "manifest unknown"
    assert pull_failure_reason("x " * 100).endswith("…")


def test_pull_progress_line() -> None:
    progress = PullProgress()
    progress.feed(ProgressMessage(status="Pulling from library/nginx", id="latest"))
    progress.feed(ProgressMessage(status="Pulling fs layer", id="a"))
    progress.feed(ProgressMessage(status="Pulling fs layer", id="b"))
    progress.feed(
        ProgressMessage(status="Downloading", id="a", progress_detail=ProgressDetail(current=500_000, total=1_000_000))
    )
    assert progress.line() == "0/2 layers · 500kB/1MB · Pulling from library/nginx"
    progress.feed(ProgressMessage(status="Download complete", id="a"))
    progress.feed(ProgressMessage(status="Pull complete", id="a"))
    progress.feed(ProgressMessage(status="Already exists", id="b"))
    progress.feed(ProgressMessage(status="Status: Downloaded newer image for nginx:latest"))
    assert progress.line() == "2/2 layers · 1MB/1MB · Status: Downloaded newer image for nginx:latest"


def test_dockerfile_and_context() -> None:
    text = dockerfile_text("nginx", "<h1>Hello, Docker!</h1>", "/usr/share/nginx/html")
    assert text == "FROM nginx\nRUN echo '<h1>Hello, Docker!</h1>' > /usr/share/nginx/html/index.html\n"
    with tarfile.open(fileobj=io.BytesIO(build_context(text))) as tar:
        assert tar.getnames() == ["Dockerfile"]
        member = tar.extractfile("Dockerfile")
        assert member is not None and member.read().decode() == text


# ---------------------------------------------------------------- ports, hosts, options, helpers


def test_port_conflict_messages_of_both_engines() -> None:
    docker = (
        "driver failed programming external connectivity on endpoint x (abc): Error starting userland proxy: "
        "listen tcp4 0.0.0.0:80: bind: address already in use"
    )
    podman = "cannot listen on the TCP port: listen tcp4 :80: bind: address already in use"
    assert is_port_conflict(docker) and is_port_conflict(podman)
    assert is_port_conflict("Bind for 0.0.0.0:80 failed: port is already allocated")
    assert not is_port_conflict("no such image")


def test_port_candidates() -> None:
    first = []
    for port in port_candidates(80):
        first.append(port)
        if len(first) == 4:
            break
    assert first == [80, 8080, 8081, 8082]
    anywhere = port_candidates(0)
    assert all(1024 <= next(anywhere) <= 65535 for _ in range(3))
    high = port_candidates(65000)
    assert [next(high), next(high)] == [65000, 8080]


def test_fetch_host_for() -> None:
    assert fetch_host_for("unix:///var/run/docker.sock") == "127.0.0.1"
    assert fetch_host_for("tcp://10.0.0.5:2375") == "10.0.0.5"


def test_options_defaults_are_the_tutorials() -> None:
    options = parse_options([])
    assert options == DemoOptions()
    assert (options.image, options.port, options.port2, options.name, options.name2) == (
        "nginx",
        80,
        81,
        "webserver",
        "web2",
    )
    assert options.ref == "nginx:v2"
    assert options.message == "修改了默认网页"
    custom = parse_options(["--port", "0", "--port2", "0", "--repo", "web", "--tag", "x", "--no-cleanup", "--json"])
    assert (custom.port, custom.port2, custom.ref, custom.keep, custom.json) == (0, 0, "web:x", True, True)
    assert parse_options(["--webroot", "/srv/www/"]).webroot == "/srv/www"


@pytest.mark.parametrize(
    "argv",
    [
        ["--port", "70000"],
        ["--port", "http"],
        ["--port", "90", "--port2", "90"],
        ["--name", "a", "--name2", "a"],
        ["--repo", " "],
        ["--big-file-mb", "0"],
        ["--backend", "curio"],
    ],
)
def test_bad_options_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        parse_options(argv)
    assert info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_wants_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert wants_color(None, Tty()) is True
    assert wants_color(None, io.StringIO()) is False
    assert wants_color(False, Tty()) is False
    assert wants_color(True, io.StringIO()) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert wants_color(None, Tty()) is False


def test_tracker_and_removal_commands() -> None:
    tracker = Tracker()
    tracker.image("rawengine-demo/httpd:abc")
    pending = tracker.pending_container("webserver", "run1")
    was_pending = pending.pending
    pending.ref = HEX  # create answered
    assert (was_pending, pending.pending) == (True, False)
    tracker.image("nginx:v2")
    tracker.container("f" * 64, "web2")
    assert tracker.removal_commands() == [
        "docker rm -f webserver web2",
        "docker rmi nginx:v2 rawengine-demo/httpd:abc",
    ]
    tracker.forget(HEX)
    assert [item.label for item in tracker.containers] == ["web2"]
    assert Tracker.describe({"kind": "container", "label": "web2", "ref": "f" * 64}) == "container web2 (ffffffffffff)"


def test_output_lines_and_parent_directories() -> None:
    lines = _Lines()
    assert lines.feed(StreamKind.STDOUT, b"<h1>He") == []
    assert lines.feed(StreamKind.STDERR, b"warn\n") == ["warn"]
    assert lines.feed(StreamKind.STDOUT, b"llo</h1>\nnext") == ["<h1>Hello</h1>"]
    assert lines.flush(StreamKind.STDOUT) == "next"
    assert lines.flush(StreamKind.STDOUT) is None
    assert _directories_of("/usr/share/nginx/html/index.html") == {
        "/usr",
        "/usr/share",
        "/usr/share/nginx",
        "/usr/share/nginx/html",
    }
    assert _directories_of("/index.html") == set()
