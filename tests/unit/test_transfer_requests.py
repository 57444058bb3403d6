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


def test_prune_requests_byte_exact() -> None:
    from rawengine._endpoints import prune as api

    assert api.containers(filters={"label": ["a=b"]}).query == "filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D"
    assert api.images().query == ""
    assert api.images(all=True).query == "filters=%7B%22dangling%22%3A%5B%22false%22%5D%7D"
    assert api.build(all=True).path == "/build/prune"
    assert api.build(all=True).query == "all=1"
    assert api.libpod_images().query == "all=1"
    assert (api.df().method, api.df().path) == ("GET", "/system/df")


def test_disk_usage_decodes_the_legacy_shape() -> None:
    from rawengine._endpoints import prune as api
    from rawengine._models.prune import UsageSummary, disk_usage

    body = b"""{"LayersSize": 1000,
      "Images": [{"Size": 600, "SharedSize": 100, "Containers": 1}, {"Size": 400, "SharedSize": -1, "Containers": 0}],
      "Containers": [{"SizeRw": 10, "State": "running"}, {"SizeRw": 5, "State": "exited"}],
      "Volumes": [{"UsageData": {"Size": 50, "RefCount": 0}}, {"UsageData": {"Size": 7, "RefCount": 2}}],
      "BuildCache": [{"Size": 30, "InUse": false, "Shared": false}, {"Size": 3, "InUse": true}]}"""
    usage = disk_usage(api.DISK_USAGE.decode(body))
    assert usage.images == UsageSummary(active_count=1, total_count=2, reclaimable=500, total_size=1000)
    assert usage.containers == UsageSummary(1, 2, 5, 15)
    assert usage.volumes == UsageSummary(1, 2, 50, 57)
    assert usage.build_cache == UsageSummary(1, 2, 30, 33)


def test_disk_usage_decodes_the_1_52_shape_and_podmans() -> None:
    from rawengine._endpoints import prune as api
    from rawengine._models.prune import UsageSummary, disk_usage

    body = b"""{"ImageUsage": {"ActiveCount": 2, "TotalCount": 5, "Reclaimable": 9, "TotalSize": 99},
      "ContainerUsage": {"ActiveCount": 1, "TotalCount": 1, "Reclaimable": 0, "TotalSize": 4},
      "VolumeUsage": {"ActiveCount": 0, "TotalCount": 0, "Reclaimable": 0, "TotalSize": 0},
      "BuildCacheUsage": {"ActiveCount": 0, "TotalCount": 3, "Reclaimable": 8, "TotalSize": 8}}"""
    usage = disk_usage(api.DISK_USAGE.decode(body))
    assert usage.images == UsageSummary(2, 5, 9, 99)
    assert usage.build_cache == UsageSummary(0, 3, 8, 8)
    podman = disk_usage(api.DISK_USAGE.decode(b'{"LayersSize": 0, "Images": [], "Containers": null, "BuildCache": []}'))
    assert podman.images == UsageSummary() and podman.build_cache == UsageSummary()
