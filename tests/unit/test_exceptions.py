"""Status and body to exception: a pure mapping, including Podman's 500s."""

from __future__ import annotations

import pickle

import pytest

import rawengine
from rawengine._exceptions import error_from_response


@pytest.mark.parametrize(
    ("status", "body", "cls", "message"),
    [
        (400, b'{"message":"bad parameter"}', rawengine.BadRequestError, "bad parameter"),
        (404, b'{"message":"No such container: x"}', rawengine.NotFoundError, "No such container: x"),
        (409, b'{"message":"name in use"}', rawengine.ConflictError, "name in use"),
        (500, b'{"message":"boom"}', rawengine.ServerError, "boom"),
        (503, b"", rawengine.ServerError, "HTTP 503 with no message"),
        (404, b"Not Found\n", rawengine.NotFoundError, "Not Found"),
        (400, b"client version 1.11 is too old\n", rawengine.BadRequestError, "client version 1.11 is too old"),
        (418, b'{"message":"teapot"}', rawengine.APIError, "teapot"),
        # Podman's compat API: 500 where Docker answers 409 / 400 (engine-api-notes.md 1.1)
        (
            500,
            b'{"cause":"that name is already in use","message":"creating container storage: the container name '
            b'\\"web\\" is already in use by abc","response":500}',
            rawengine.ConflictError,
            None,
        ),
        (500, b'{"message":"can not kill: container state improper"}', rawengine.ConflictError, None),
        (500, b'{"message":"exec session state improper"}', rawengine.ConflictError, None),
        (500, b'{"message":"invalid signal: BOGUS"}', rawengine.BadRequestError, None),
    ],
)
def test_mapping(status: int, body: bytes, cls: type[rawengine.APIError], message: str | None) -> None:
    error = error_from_response(status, body, method="POST", path="/containers/x/kill")
    assert type(error) is cls
    assert error.status_code == status
    assert (error.method, error.path) == ("POST", "/containers/x/kill")
    if message is not None:
        assert error.message == message
    assert str(error).startswith(f"{status} POST /containers/x/kill: ")


def test_api_error_pickles() -> None:
    error = error_from_response(404, b'{"message":"gone"}', method="GET", path="/x")
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is rawengine.NotFoundError
    assert (clone.message, clone.status_code, clone.method, clone.path) == ("gone", 404, "GET", "/x")


def test_stream_error_keeps_detail() -> None:
    error = rawengine.StreamError("failed", detail={"code": 7})
    assert error.message == "failed"
    assert error.detail == {"code": 7}


def test_podman_layer_not_known_is_not_found() -> None:
    body = b'{"cause":"layer not known","message":"abc not found: layer not known","response":500}'
    error = error_from_response(500, body, method="GET", path="/containers/abc/changes")
    assert type(error) is rawengine.NotFoundError
    assert error.status_code == 500
