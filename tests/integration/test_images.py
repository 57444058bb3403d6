"""Image operations against the real engines (Docker and Podman, asyncio and trio): list, inspect,
import, tag, remove, and pull failures (no registry is reachable here)."""

from __future__ import annotations

import anyio
import pytest

import rawengine
from tests.conftest import Resources


def qualified(engine_name: str, ref: str) -> str:
    """How the engine names a tag it stores: Podman qualifies `repo/name` with `docker.io/`."""
    return f"docker.io/{ref}" if engine_name == "podman" else ref


async def test_list_and_inspect(engine: rawengine.Engine, engine_name: str, base_image: str) -> None:
    base = await engine.inspect_image(base_image)
    assert base.id.startswith("sha256:")
    listed = await engine.list_images(filters={"reference": ["rawengine/test"]})
    (summary,) = [image for image in listed if image.id == base.id]
    assert qualified(engine_name, base_image) in summary.repo_tags
    assert summary.size > 1_000_000 and summary.created > 0
    assert summary.parent_id == ""  # imported
    everything = await engine.list_images(all=True, digests=True)
    assert base.id in {image.id for image in everything}
    assert all(image.id.startswith("sha256:") for image in everything)
    assert all("<none>:<none>" not in image.repo_tags for image in everything)


async def test_import_tag_and_remove(engine: rawengine.Engine, engine_name: str, resources: Resources) -> None:
    ref = resources.image_ref("rawengine/test-import")
    repo, tag = ref.rsplit(":", 1)
    image_id = await engine.import_image(
        rawengine.busybox_rootfs(), repo=repo, tag=tag, message="imported by a test", changes=["ENV IMPORTED=1"]
    )
    info = await engine.inspect_image(ref)
    assert info.id == image_id
    assert info.comment == "imported by a test"
    assert info.config is not None and "IMPORTED=1" in (info.config.env or [])

    second = resources.image_ref("rawengine/test-import")
    second_repo, second_tag = second.rsplit(":", 1)
    await engine.tag_image(ref, second_repo, second_tag)
    assert (await engine.inspect_image(second)).id == image_id
    (listed,) = [image for image in await engine.list_images(filters={"reference": [repo]}) if image.id == image_id]
    assert {qualified(engine_name, ref), qualified(engine_name, second)} <= set(listed.repo_tags)

    # One of two tags: untagged only, the image stays.
    assert await engine.remove_image(second) == [rawengine.ImageDeleteItem(untagged=qualified(engine_name, second))]
    # The last tag: untagged and deleted, the id as sha256:<hex> on both engines.
    removed = await engine.remove_image(ref)
    assert rawengine.ImageDeleteItem(untagged=qualified(engine_name, ref)) in removed
    assert rawengine.ImageDeleteItem(deleted=image_id) in removed
    with pytest.raises(rawengine.NotFoundError):
        await engine.inspect_image(ref)


async def test_tag_defaults_to_latest(engine: rawengine.Engine, resources: Resources, base_image: str) -> None:
    repo = resources.image_ref("rawengine/test-latest").rsplit(":", 1)[0]
    resources.images.append(f"{repo}:latest")
    await engine.tag_image(base_image, repo)
    assert (await engine.inspect_image(f"{repo}:latest")).id == (await engine.inspect_image(base_image)).id


async def test_remove_image_in_use_is_conflict(engine: rawengine.Engine, resources: Resources) -> None:
    ref = resources.image_ref("rawengine/test-in-use")
    repo, tag = ref.rsplit(":", 1)
    image_id = await engine.import_image(rawengine.busybox_rootfs(), repo=repo, tag=tag)
    await resources.container(rawengine.ContainerConfig(image=ref, cmd=["true"]), start=False)
    with pytest.raises(rawengine.ConflictError) as info:
        await engine.remove_image(ref)
    assert "in use" in info.value.message or "is using" in info.value.message
    assert (await engine.inspect_image(ref)).id == image_id  # still there


async def test_image_errors(engine: rawengine.Engine, base_image: str) -> None:
    with pytest.raises(rawengine.NotFoundError) as missing:
        await engine.inspect_image("rawengine/test-no-such-image:nope")
    assert "rawengine/test-no-such-image" in missing.value.message
    with pytest.raises(rawengine.NotFoundError):
        await engine.remove_image("rawengine/test-no-such-image:nope")
    with pytest.raises(rawengine.NotFoundError):
        await engine.tag_image("rawengine/test-no-such-image:nope", "rawengine/test-never", "x")
    with pytest.raises(rawengine.BadRequestError) as invalid:
        await engine.tag_image(base_image, "Rawengine/UPPER", "x")
    assert "lowercase" in invalid.value.message


@pytest.mark.parametrize(
    ("image", "phrase"),
    [("localhost:1/nope:latest", "connection refused"), ("no-such-host.invalid/nope:latest", "no such host")],
)
async def test_pull_failure_is_stream_error(
    engine: rawengine.Engine, engine_name: str, image: str, phrase: str
) -> None:
    seen: list[rawengine.ProgressMessage] = []
    with anyio.fail_after(60), pytest.raises(rawengine.StreamError) as info:
        await engine.pull_image(image, on_progress=seen.append)
    assert phrase in info.value.message
    assert image.split("/")[0] in info.value.message
    if engine_name == "docker":  # refused by status before any stream: the APIError is kept as the cause
        assert isinstance(info.value.__cause__, rawengine.ServerError)
        assert info.value.__cause__.message == info.value.message
    else:  # a 200 stream whose only line is the error
        assert info.value.__cause__ is None
        assert seen == []


async def test_pull_stream_failure_is_stream_error(engine: rawengine.Engine) -> None:
    messages: list[rawengine.ProgressMessage] = []
    with anyio.fail_after(60), pytest.raises(rawengine.StreamError, match="localhost:1"):
        async with engine.pull_stream("localhost:1/nope", tag="v1") as pull:
            async for message in pull:
                messages.append(message)  # noqa: PERF401 - keep what came before the error
    assert messages == []


async def test_pull_invalid_reference_is_bad_request(engine: rawengine.Engine) -> None:
    with anyio.fail_after(60), pytest.raises(rawengine.BadRequestError) as info:
        await engine.pull_image("localhost:1/nope", tag="bad:tag")
    assert "invalid" in info.value.message
