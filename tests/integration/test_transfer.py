"""Save, load and export against the real engines (Docker and Podman, asyncio and trio)."""

from __future__ import annotations

import io
import sys
import tarfile
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

import rawengine
from tests.conftest import TEST_LABEL, Resources, unique

PREFIX = "rn-im"


async def tagged_copy(engine: rawengine.Engine, resources: Resources, base_image: str) -> str:
    ref = resources.image_ref(f"{PREFIX}/save")
    repo, tag = ref.rsplit(":", 1)
    await engine.tag_image(base_image, repo, tag)
    return ref


async def test_save_remove_load_gives_the_same_image(
    engine: rawengine.Engine, resources: Resources, base_image: str, tmp_path: Path
) -> None:
    first, second = await tagged_copy(engine, resources, base_image), await tagged_copy(engine, resources, base_image)
    image_id = (await engine.inspect_image(first)).id
    path = tmp_path / "images.tar"
    async with engine.save_images([first, second]) as tar:
        assert await tar.save(path) == tar.bytes_read > 1_000_000
    with tarfile.open(path) as archive:
        assert "manifest.json" in archive.getnames()
    for ref in (first, second):
        await engine.remove_image(ref)
        with pytest.raises(rawengine.NotFoundError):
            await engine.inspect_image(ref)
    loaded = await engine.load_images(path)
    assert sorted(name.removeprefix("docker.io/") for name in loaded) == sorted([first, second])
    for ref in (first, second):
        assert (await engine.inspect_image(ref)).id == image_id


async def test_load_from_bytes_and_from_an_async_iterable(
    engine: rawengine.Engine, resources: Resources, base_image: str
) -> None:
    ref = await tagged_copy(engine, resources, base_image)
    async with engine.save_images([ref]) as tar:
        data = b"".join([chunk async for chunk in tar])
    await engine.remove_image(ref)
    assert [name.removeprefix("docker.io/") for name in await engine.load_images(data)] == [ref]
    await engine.remove_image(ref)

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 65536):
            yield data[start : start + 65536]

    messages: list[rawengine.ProgressMessage] = []
    assert [
        name.removeprefix("docker.io/") for name in await engine.load_images(pieces(), on_progress=messages.append)
    ] == [ref]
    assert messages


async def test_a_broken_tar_raises_stream_error(engine: rawengine.Engine) -> None:
    with pytest.raises(rawengine.StreamError) as info:
        await engine.load_images(b"this is not a tar file" * 100)
    assert "tar" in str(info.value)


async def test_saving_a_missing_image_is_not_found(engine: rawengine.Engine) -> None:
    with pytest.raises(rawengine.NotFoundError):
        async with engine.save_images([f"{PREFIX}/absent:{unique(PREFIX)[-10:]}"]):
            pass


async def test_export_holds_the_file_the_container_wrote(engine: rawengine.Engine, base_image: str) -> None:
    config = rawengine.ContainerConfig(
        image=base_image, cmd=["sh", "-c", "echo written by rn-im > /rn-im-file"], labels={TEST_LABEL: "1"}
    )
    result = await engine.run_container(config, remove=False, name=unique(PREFIX))
    try:
        async with engine.export_container(result.container_id) as tar:
            data = b"".join([chunk async for chunk in tar])
    finally:
        await engine.remove_container(result.container_id, force=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        member = archive.extractfile("rn-im-file")
        assert member is not None and member.read() == b"written by rn-im\n"
        assert "bin/busybox" in archive.getnames()


async def test_exporting_a_missing_container_is_not_found(engine: rawengine.Engine) -> None:
    with pytest.raises(rawengine.NotFoundError):
        async with engine.export_container(unique(PREFIX)):
            pass


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_200mb_save_streams_with_bounded_memory(
    engine: rawengine.Engine, engine_host: str, resources: Resources, base_image: str
) -> None:
    """A fresh process saves a 200 MiB image to /dev/null, on asyncio and on trio: its peak
    RSS grows by far less than the image (the tar is never held whole)."""
    ref = resources.image_ref(f"{PREFIX}/big")
    repo, tag = ref.rsplit(":", 1)
    config = rawengine.ContainerConfig(
        image=base_image, cmd=["dd", "if=/dev/urandom", "of=/big", "bs=1048576", "count=200"], labels={TEST_LABEL: "1"}
    )
    result = await engine.run_container(config, remove=False, name=unique(PREFIX))
    try:
        assert result.exit_code == 0, result.stderr
        await engine.commit_container(result.container_id, repo=repo, tag=tag)
    finally:
        await engine.remove_container(result.container_id, force=True)
    for backend in ("asyncio", "trio"):
        command = [sys.executable, "-m", "tests.integration.save_rss", engine_host, ref, backend]
        done = await anyio.run_process(command, check=True)
        before, peak, size = map(int, done.stdout.split())
        print(f"save of {size} bytes on {backend}: peak RSS {peak} KiB (before the save {before} KiB)")
        assert size > 200 * 1024 * 1024
        assert peak - before < 32 * 1024  # KiB: far below the 200 MiB that went through
