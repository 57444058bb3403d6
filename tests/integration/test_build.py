"""Builds against the real engines (Docker 20.10's classic builder, Podman's Buildah; asyncio and trio).

Every build carries unique content, so no step is served from another test's cache, and its
image is tagged through `resources.image_ref`, whose removal takes the build's steps with it.
"""

from __future__ import annotations

import io
import pathlib
import tarfile
import uuid

import anyio
import pytest

import rawengine
from tests.conftest import Resources


async def exits_zero(engine: rawengine.Engine, resources: Resources, image: str, script: str) -> None:
    cid = await resources.container(rawengine.ContainerConfig(image=image, cmd=["sh", "-c", script]))
    with anyio.fail_after(60):
        assert (await engine.wait_container(cid)).status_code == 0, script


async def test_build_from_a_directory(
    engine: rawengine.Engine, resources: Resources, base_image: str, tmp_path: pathlib.Path
) -> None:
    token = uuid.uuid4().hex
    (tmp_path / "Dockerfile").write_text(
        f"FROM {base_image}\n"
        "COPY page.html /www/page.html\n"
        "RUN echo built-$(cat /www/page.html) > /www/built.txt\n"
        'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n'
    )
    (tmp_path / "page.html").write_text(f"{token}\n")
    ref = resources.image_ref("rawengine/test-build")
    with anyio.fail_after(120):
        async with engine.build_stream(tmp_path, tag=ref, labels={"rawengine.test.build": token}) as build:
            messages = [message async for message in build]
    assert build.image_id is not None and build.image_id.startswith("sha256:")
    output = "".join(message.stream or "" for message in messages)
    assert "COPY page.html /www/page.html" in output and "RUN echo built-" in output

    info = await engine.inspect_image(ref)
    assert info.id == build.image_id
    assert info.config is not None and info.config.cmd == ["httpd", "-f", "-p", "8080", "-h", "/www"]
    assert (info.config.labels or {})["rawengine.test.build"] == token  # labels are sent JSON-encoded

    created_by = [row.created_by for row in await engine.image_history(ref)]
    for instruction in ("COPY ", "echo built-$(cat /www/page.html)", 'CMD ["httpd"', "LABEL "):
        assert any(instruction in line for line in created_by), (instruction, created_by)
    await exits_zero(engine, resources, ref, f'[ "$(cat /www/built.txt)" = "built-{token}" ]')


async def test_build_from_a_tar_file_with_dockerfile_and_buildargs(
    engine: rawengine.Engine, resources: Resources, base_image: str, tmp_path: pathlib.Path
) -> None:
    token = uuid.uuid4().hex
    dockerfile = f"FROM {base_image}\nARG GREETING\nRUN echo $GREETING > /greeting\n".encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("build/Custom.Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
    tar_path = tmp_path / "context.tar"
    tar_path.write_bytes(buffer.getvalue())  # a path that is not a directory is sent as a tar, streamed
    ref = resources.image_ref("rawengine/test-build")
    seen: list[rawengine.ProgressMessage] = []
    with anyio.fail_after(120):
        image_id = await engine.build_image(
            tar_path,
            tag=ref,
            dockerfile="build/Custom.Dockerfile",
            buildargs={"GREETING": f"hello {token}"},
            nocache=True,
            on_progress=seen.append,
        )
    assert image_id == (await engine.inspect_image(ref)).id
    assert any(message.aux for message in seen)
    await exits_zero(engine, resources, ref, f'[ "$(cat /greeting)" = "hello {token}" ]')


async def test_build_context_honours_dockerignore(
    engine: rawengine.Engine, resources: Resources, base_image: str, tmp_path: pathlib.Path
) -> None:
    token = uuid.uuid4().hex
    (tmp_path / "Dockerfile").write_text(f"FROM {base_image}\nCOPY . /ctx/\n")
    (tmp_path / ".dockerignore").write_text("secret.txt\nlogs\n")
    (tmp_path / "secret.txt").write_text("do not send\n")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "a.log").write_text("x\n")
    (tmp_path / "kept.txt").write_text(f"{token}\n")
    ref = resources.image_ref("rawengine/test-build")
    with anyio.fail_after(120):
        await engine.build_image(tmp_path, tag=ref)
    await exits_zero(
        engine,
        resources,
        ref,
        f'[ "$(cat /ctx/kept.txt)" = "{token}" ] && [ ! -e /ctx/secret.txt ] && [ ! -e /ctx/logs ] '
        "&& [ -e /ctx/Dockerfile ]",
    )


async def test_failing_run_raises_stream_error_with_the_command_message(
    engine: rawengine.Engine, resources: Resources, engine_name: str, base_image: str, tmp_path: pathlib.Path
) -> None:
    token = uuid.uuid4().hex[:12]
    # The failing RUN comes straight after FROM: no earlier step leaves an intermediate image behind.
    (tmp_path / "Dockerfile").write_text(f"FROM {base_image}\nRUN echo boom-{token} >&2; exit 7\n")
    ref = resources.image_ref("rawengine/test-build-fail")
    messages: list[rawengine.ProgressMessage] = []
    with anyio.fail_after(120), pytest.raises(rawengine.StreamError) as info:
        async with engine.build_stream(tmp_path, tag=ref, forcerm=True) as build:
            async for message in build:
                messages.append(message)  # noqa: PERF401 - keep what came before the error
    assert f"echo boom-{token} >&2; exit 7" in info.value.message  # the command, in the engine's own words
    if engine_name == "docker":
        assert info.value.message.endswith("returned a non-zero code: 7")
        assert info.value.detail["code"] == 7
    else:
        assert "exit status 7" in info.value.message
    assert f"boom-{token}" in "".join(message.stream or "" for message in messages)  # the step's output came first
    assert build.image_id is None
    with pytest.raises(rawengine.NotFoundError):
        await engine.inspect_image(ref)
    leftovers = await engine.list_containers(all=True, filters={"ancestor": [base_image]})
    assert not [c for c in leftovers if f"boom-{token}" in c.command]  # forcerm removed the step container
