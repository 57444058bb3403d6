"""Unsafe input in URLs, queries, headers and bodies, checked on the request builders (pure).

Ids, names, image references and tags are quoted so that no value can leave its path segment
(or its query value) and reach another endpoint; filters, labels and build arguments are JSON;
CR/LF can never reach the request head. The same values are sent to the fake engine (which
records the request line) in `tests/integration/test_hostile.py` and to the real engines in
`tests/integration/test_unsafe_input.py`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import parse_qs, unquote

import msgspec
import pytest

import rawengine
from rawengine._endpoints import Request, encode_query, quote_name, quote_ref
from rawengine._endpoints import containers as containers_api
from rawengine._endpoints import exec as exec_api
from rawengine._endpoints import images as images_api
from rawengine._endpoints import layers as layers_api
from rawengine._endpoints import logs as logs_api
from rawengine._protocol.http11 import build_request

# Values an attacker (or a careless caller) might pass as an id, a name or a reference.
HOSTILE = [
    "../../images/x/json",
    "abc/../../../version",
    "abc?force=1",
    "abc#fragment",
    "abc%2F..%2Fversion",
    "abc%00",
    "abc\nX-Injected: 1",
    "abc\r\nGET /version HTTP/1.1",
    "abc def",
    "abc&all=1",
    "abc;v=1",
    "ab\x00c",
    "caf\u00e9",
    "\u202eevil",
    "%",
    "a" * 2000,
]

# Values with a `.`/`..` segment are refused outright: Docker's router would clean them into another route.
DOT_SEGMENTS = [".", "..", "../x", "x/..", "a/./b", "../../images/x/json", "abc/../../../version"]

# (builder, the route with {} where the value goes): every builder that puts an id, name or reference in a path.
NAME_ROUTES: list[tuple[Callable[[str], Request], str]] = [
    (containers_api.start, "/containers/{}/start"),
    (lambda v: containers_api.stop(v, timeout=1), "/containers/{}/stop"),
    (containers_api.restart, "/containers/{}/restart"),
    (containers_api.kill, "/containers/{}/kill"),
    (containers_api.remove, "/containers/{}"),
    (containers_api.wait, "/containers/{}/wait"),
    (containers_api.inspect, "/containers/{}/json"),
    (lambda v: exec_api.create(v, rawengine.ExecConfig(cmd=["true"])), "/containers/{}/exec"),
    (lambda v: exec_api.start(v, detach=False, tty=False), "/exec/{}/start"),
    (exec_api.inspect, "/exec/{}/json"),
    (lambda v: exec_api.resize(v, height=1, width=1), "/exec/{}/resize"),
    (layers_api.changes, "/containers/{}/changes"),
    (
        lambda v: logs_api.logs(
            v, follow=False, stdout=True, stderr=True, since=None, until=None, tail=None, timestamps=False
        ),
        "/containers/{}/logs",
    ),
]
REF_ROUTES: list[tuple[Callable[[str], Request], str]] = [
    (images_api.inspect, "/images/{}/json"),
    (images_api.remove, "/images/{}"),
    (lambda v: images_api.tag(v, repo="r", tag="t"), "/images/{}/tag"),
    (layers_api.history, "/images/{}/history"),
]


def _segment_of(path: str, route: str) -> str:
    """The raw (still quoted) text standing where `{}` is in `route`; fails if the route's shape changed."""
    prefix, _, suffix = route.partition("{}")
    assert path.startswith(prefix), (path, route)
    assert path.endswith(suffix), (path, route)
    return path[len(prefix) : len(path) - len(suffix)]


def _assert_safe_target(path: str) -> None:
    """A path that cannot be read as anything else: no query, fragment, space, control or non-ASCII byte."""
    assert path.isascii()
    assert not any(c in path for c in "?# \r\n\t\x00")


@pytest.mark.parametrize("value", [v for v in HOSTILE if v not in DOT_SEGMENTS])
@pytest.mark.parametrize(("builder", "route"), NAME_ROUTES)
def test_names_stay_in_their_segment(builder: Callable[[str], Request], route: str, value: str) -> None:
    request = builder(value)
    _assert_safe_target(request.path)
    segment = _segment_of(request.path, route)
    assert "/" not in segment  # one segment: a `/` in the value is `%2F`
    assert unquote(segment) == value  # and it is the value, exactly
    build_request(request.method, f"/v1.41{request.path}?{request.query}")  # a valid request head


@pytest.mark.parametrize("value", [v for v in HOSTILE if v not in DOT_SEGMENTS])
@pytest.mark.parametrize(("builder", "route"), REF_ROUTES)
def test_references_stay_in_their_route(builder: Callable[[str], Request], route: str, value: str) -> None:
    request = builder(value)
    _assert_safe_target(request.path)
    segment = _segment_of(request.path, route)
    assert unquote(segment) == value
    # `/` stays (references have it), but never as a `.`/`..` segment that could climb out of /images/
    assert not any(part in (".", "..") for part in unquote(segment).split("/"))


@pytest.mark.parametrize("value", DOT_SEGMENTS)
def test_dot_segments_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="'\\.' and '\\.\\.'"):
        quote_name(value)
    with pytest.raises(ValueError, match="'\\.' and '\\.\\.'"):
        quote_ref(value)
    for builder, _ in NAME_ROUTES + REF_ROUTES:
        with pytest.raises(ValueError):
            builder(value)


@pytest.mark.parametrize("value", ["", "a//b", "/a", "a/"])
def test_empty_reference_segments_are_refused(value: str) -> None:
    with pytest.raises(ValueError):
        quote_ref(value)


@pytest.mark.parametrize("value", ["", None, 5, b"abc"])
def test_non_strings_are_refused(value: object) -> None:
    with pytest.raises(ValueError):
        quote_name(value)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        quote_ref(value)  # type: ignore[arg-type]


def test_percent_is_not_decoded_twice() -> None:
    assert quote_name("a%2Fb") == "a%252Fb"
    assert quote_ref("a%2F..%2Fb") == "a%252F..%252Fb"


@pytest.mark.parametrize("value", HOSTILE)
def test_query_values_stay_one_value(value: str) -> None:
    query = encode_query({"name": value, "repo": value, "changes": [value, "CMD x"], "force": True, "skip": None})
    _assert_safe_target(query)
    parsed = parse_qs(query, keep_blank_values=True, strict_parsing=True, separator="&")
    assert parsed == {"name": [value], "repo": [value], "changes": [value, "CMD x"], "force": ["1"]}


@pytest.mark.parametrize("value", HOSTILE)
def test_filters_labels_and_build_args_are_json(value: str) -> None:
    filters = {"label": [f"{value}={value}"], "name": [value]}
    query = containers_api.list_(filters=filters).query
    assert json.loads(parse_qs(query)["filters"][0]) == filters
    build = images_api.build(b"", tags=[value], buildargs={value: value}, labels={"k": value}).query
    parsed = parse_qs(build)
    assert json.loads(parsed["buildargs"][0]) == {value: value}
    assert json.loads(parsed["labels"][0]) == {"k": value}
    assert parsed["t"] == [value]


@pytest.mark.parametrize("value", HOSTILE)
def test_bodies_carry_any_value_as_json(value: str) -> None:
    config = rawengine.ContainerConfig(
        image=value, cmd=[value], env=[f"SECRET={value}"], labels={value: value}, working_dir=value
    )
    body = containers_api.create(config, name=value).body
    assert isinstance(body, bytes)
    assert b"\r" not in body and b"\n" not in body  # JSON escapes them: nothing raw reaches the socket
    decoded = msgspec.json.decode(body)
    assert decoded["Env"] == [f"SECRET={value}"]
    assert decoded["Labels"] == {value: value}
    exec_body = exec_api.create("c", rawengine.ExecConfig(cmd=[value], env=[value])).body
    assert isinstance(exec_body, bytes)
    assert msgspec.json.decode(exec_body)["Env"] == [value]


@pytest.mark.parametrize("value", ["abc\r\nX-Evil: 1", "a\nb", "a\rb", "a\x00b", "\u2028", "\u00e9"])
def test_auth_never_reaches_the_head_raw(value: str) -> None:
    request = images_api.pull("busybox", auth={"username": value, "password": value, "serveraddress": value})
    ((name, encoded),) = request.headers
    assert name == "X-Registry-Auth"
    assert encoded.isascii() and encoded.replace("-", "").replace("_", "").replace("=", "").isalnum()
    head = build_request(request.method, f"/v1.41{request.path}?{request.query}", request.all_headers)
    assert head.count(b"\r\n") == 4  # request line, Host, the auth header, the blank line
    assert value.encode() not in head


def test_commit_container_goes_into_the_query_quoted() -> None:
    request = layers_api.commit("abc&repo=evil", repo="r", tag="t", comment="x\r\ny")
    assert request.path == "/commit"
    parsed = parse_qs(request.query)
    assert parsed["container"] == ["abc&repo=evil"]
    assert parsed["repo"] == ["r"]
    assert parsed["comment"] == ["x\r\ny"]
    _assert_safe_target(request.query)
