"""Prune and disk usage against the real engines. Every prune is filtered by a label only the
test's own objects carry, so nothing else on the engine is touched."""

from __future__ import annotations

import pytest

import rawengine
from tests.conftest import TEST_LABEL, Resources, unique

PREFIX = "rn-im"


async def test_prune_containers_removes_only_the_stopped_labelled_ones(
    engine: rawengine.Engine, resources: Resources, base_image: str
) -> None:
    mark = unique(PREFIX)
    labels = {TEST_LABEL: "1", "rn-im.prune": mark}
    stopped = []
    for _ in range(2):
        result = await engine.run_container(
            rawengine.ContainerConfig(image=base_image, cmd=["true"], labels=dict(labels)), remove=False
        )
        resources.containers.append(result.container_id)
        stopped.append(result.container_id)
    running = await resources.container(
        rawengine.ContainerConfig(image=base_image, cmd=["sleep", "300"], labels=dict(labels))
    )
    report = await engine.prune_containers(filters={"label": [f"rn-im.prune={mark}"]})
    assert sorted(report.containers_deleted or []) == sorted(stopped)
    assert (await engine.inspect_container(running)).state.running
    for container in stopped:
        with pytest.raises(rawengine.NotFoundError):
            await engine.inspect_container(container)


async def test_prune_images_dangling_then_all(engine: rawengine.Engine, resources: Resources) -> None:
    mark = unique(PREFIX)
    label = [f"LABEL rn-im.prune={mark}"]
    dangling = await engine.import_image(rawengine.busybox_rootfs(), changes=label)
    resources.images.append(dangling)
    tagged_ref = resources.image_ref(f"{PREFIX}/prune")
    repo, tag = tagged_ref.rsplit(":", 1)
    tagged = await engine.import_image(rawengine.busybox_rootfs(), repo=repo, tag=tag, changes=label)
    filters = {"label": [f"rn-im.prune={mark}"]}

    report = await engine.prune_images(filters=filters)
    assert [item.deleted for item in report.images_deleted or [] if item.deleted] == [dangling]
    assert (await engine.inspect_image(tagged_ref)).id == tagged

    report = await engine.prune_images(all=True, filters=filters)
    assert tagged in [item.deleted for item in report.images_deleted or []]
    with pytest.raises(rawengine.NotFoundError):
        await engine.inspect_image(tagged_ref)


async def test_prune_build_cache(engine: rawengine.Engine, engine_name: str) -> None:
    filters = {"label": [f"rn-im.prune={unique(PREFIX)}"]}  # matches nothing: nobody's cache is touched
    if engine_name == "podman":
        with pytest.raises(rawengine.UnsupportedError, match="Podman has no /build/prune"):
            await engine.prune_build_cache(filters=filters)
    else:
        report = await engine.prune_build_cache(filters=filters)
        assert report.caches_deleted in (None, [])
        assert report.space_reclaimed == 0


async def test_disk_usage_counts_what_exists(engine: rawengine.Engine, resources: Resources, base_image: str) -> None:
    await resources.container(rawengine.ContainerConfig(image=base_image, cmd=["sleep", "300"]))
    usage = await engine.disk_usage()
    assert usage.images.total_count >= 1  # (others' images come and go: no exact count)
    assert usage.images.active_count >= 1
    assert usage.images.total_size > 0
    assert usage.containers.total_count >= usage.containers.active_count >= 1
    assert usage.build_cache.total_count >= 0
    assert 0 <= usage.images.reclaimable <= usage.images.total_size
