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
