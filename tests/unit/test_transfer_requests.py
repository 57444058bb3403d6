"""Request builders and reply decoding for run, save/load/export, prune, disk usage, push and auth."""

from __future__ import annotations

import msgspec
import pytest

import rawengine
from rawengine._endpoints import run as run_api
from rawengine._engine.run import _run_config


def test_attach_request_byte_exact() -> None:
    request = run_api.attach("web/1")
    assert (request.method, request.path, request.query, request.body) == (
        "POST",
        "/containers/web%2F1/attach",
        "stream=1&stdout=1&stderr=1",
        None,
    )
    assert run_api.attach("c", stdin=True).query == "stream=1&stdout=1&stderr=1&stdin=1"
    with pytest.raises(ValueError):
        run_api.attach("..")


def test_run_config_attaches_without_touching_the_callers() -> None:
    config = rawengine.ContainerConfig(image="i", cmd=["true"])
    attached = _run_config(config, stdin=True)
    assert msgspec.json.decode(msgspec.json.encode(attached)) == {
        "Image": "i",
        "Cmd": ["true"],
        "OpenStdin": True,
        "StdinOnce": True,
        "AttachStdin": True,
        "AttachStdout": True,
        "AttachStderr": True,
    }
    assert msgspec.json.decode(msgspec.json.encode(config)) == {"Image": "i", "Cmd": ["true"]}
    assert not _run_config(config, stdin=False).open_stdin


def test_log_config_is_sent_in_host_config() -> None:
    host = rawengine.HostConfig(log_config=rawengine.LogConfig(type="none"))
    assert msgspec.json.decode(msgspec.json.encode(host)) == {"LogConfig": {"Type": "none"}}


def test_save_export_load_requests_byte_exact() -> None:
    from rawengine._endpoints import transfer as api

    save = api.save(["web:v2", "a/b@sha256:00"])
    assert (save.method, save.path, save.query) == ("GET", "/images/get", "names=web%3Av2&names=a%2Fb%40sha256%3A00")
    for bad in ([], "web", [""]):
        with pytest.raises(ValueError):
            api.save(bad)
    export = api.export("c?x")
    assert (export.method, export.path, export.query) == ("GET", "/containers/c%3Fx/export", "")
    load = api.load(b"tar")
    assert (load.method, load.path, load.query, load.body, load.content_type) == (
        "POST",
        "/images/load",
        "quiet=0",
        b"tar",
        "application/x-tar",
    )


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Loaded image: web:v2\nLoaded image: db:v1\n", ["web:v2", "db:v1"]),  # Docker, one line each
        ("Loaded image ID: sha256:abc\n", ["sha256:abc"]),  # Docker, untagged
        ("Loaded image: docker.io/library/web:v2,localhost/db:v1", ["docker.io/library/web:v2", "localhost/db:v1"]),
        ("Loading layer 1/2\n", []),
    ],
)
def test_loaded_images_parses_both_shapes(text: str, names: list[str]) -> None:
    from rawengine._endpoints import transfer as api

    assert api.loaded_images(text) == names
