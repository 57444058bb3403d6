"""`run_container` and `ensure_image` against the real engines (Docker and Podman, asyncio and trio)."""

from __future__ import annotations

import functools
import os

import anyio
import pytest

import rawengine
from rawengine import ContainerConfig
from tests.conftest import TEST_LABEL, unique

PREFIX = "rn-im"
LABELS = {TEST_LABEL: "1", "rn-im.run": "1"}


def config(cmd: list[str], image: str, **kwargs: object) -> ContainerConfig:
    return ContainerConfig(image=image, cmd=cmd, labels=dict(LABELS), **kwargs)  # type: ignore[arg-type]


async def gone(engine: rawengine.Engine, container: str) -> bool:
    try:
        await engine.inspect_container(container)
    except rawengine.NotFoundError:
        return True
    return False


async def test_output_byte_exact_and_apart_with_exit_code(engine: rawengine.Engine, base_image: str) -> None:
    payload = bytes(range(256)) * 4
    octal = "".join(f"\\{byte:03o}" for byte in payload)
    prepare = f"printf '{octal}'; printf 'to\\nerr' >&2; exit 7"
    result = await engine.run_container(config(["sh", "-c", prepare], base_image))
    assert result.exit_code == 7
    assert result.stdout == payload
    assert result.stderr == b"to\nerr"
    assert await gone(engine, result.container_id)


async def test_large_interleaved_output(engine: rawengine.Engine, base_image: str) -> None:
    cmd = ["sh", "-c", "for i in $(seq 1 2000); do echo out$i; echo err$i >&2; done"]
    result = await engine.run_container(config(cmd, base_image))
    assert result.exit_code == 0
    assert result.stdout == b"".join(b"out%d\n" % i for i in range(1, 2001))
    assert result.stderr == b"".join(b"err%d\n" % i for i in range(1, 2001))


@pytest.mark.parametrize("code", [0, 1, 42, 255])
async def test_exit_codes(engine: rawengine.Engine, base_image: str, code: int) -> None:
    result = await engine.run_container(config(["sh", "-c", f"exit {code}"], base_image))
    assert (result.exit_code, result.stdout, result.stderr) == (code, b"", b"")


async def test_stdin_bytes_and_iterable(engine: rawengine.Engine, base_image: str) -> None:
    data = os.urandom(256 * 1024)
    result = await engine.run_container(config(["sh", "-c", "cat; echo end >&2"], base_image), stdin=data)
    assert (result.exit_code, result.stdout, result.stderr) == (0, data, b"end\n")

    async def pieces() -> object:
        for i in range(5):
            yield b"line %d\n" % i

    result = await engine.run_container(config(["wc", "-l"], base_image), stdin=pieces())  # type: ignore[arg-type]
    assert result.stdout.strip() == b"5"


async def test_tty_merges_output(engine: rawengine.Engine, base_image: str) -> None:
    result = await engine.run_container(config(["sh", "-c", "echo a; echo b >&2; exit 2"], base_image, tty=True))
    assert (result.exit_code, result.stdout, result.stderr) == (2, b"a\r\nb\r\n", b"")


async def test_the_callers_config_is_left_alone(engine: rawengine.Engine, base_image: str) -> None:
    cfg = config(["true"], base_image)
    before = rawengine.ContainerConfig(**{f: getattr(cfg, f) for f in cfg.__struct_fields__})
    await engine.run_container(cfg, stdin=b"")
    assert cfg == before


async def test_keep_the_container(engine: rawengine.Engine, base_image: str) -> None:
    name = unique(PREFIX)
    result = await engine.run_container(config(["echo", "kept"], base_image), remove=False, name=name)
    try:
        info = await engine.inspect_container(name)
        assert info.id == result.container_id
        assert info.state.status == "exited"
        assert info.state.exit_code == 0
        assert result.stdout == b"kept\n"
    finally:
        await engine.remove_container(result.container_id, force=True)


async def test_works_with_a_log_driver_that_keeps_nothing(engine: rawengine.Engine, base_image: str) -> None:
    # Driver `none` keeps no logs: a logs-based run (docker-py's) gets nothing back from it.
    cfg = config(["sh", "-c", "echo seen; echo also >&2; exit 3"], base_image)
    cfg.host_config = rawengine.HostConfig(log_config=rawengine.LogConfig(type="none"))
    name = unique(PREFIX)
    result = await engine.run_container(cfg, remove=False, name=name)
    try:
        assert (result.exit_code, result.stdout, result.stderr) == (3, b"seen\n", b"also\n")
        try:  # the logs really hold nothing: Docker refuses to read them, Podman has none
            logs = await engine.container_logs(name)
        except rawengine.APIError:
            logs = []
        assert logs == []
    finally:
        await engine.remove_container(result.container_id, force=True)


async def test_a_start_failure_raises_and_removes(engine: rawengine.Engine, base_image: str) -> None:
    name = unique(PREFIX)
    with pytest.raises(rawengine.APIError) as info:
        await engine.run_container(config(["/no/such/command"], base_image), name=name)
    assert "no/such/command" in info.value.message
    assert await gone(engine, name)


async def test_missing_image_is_not_found(engine: rawengine.Engine) -> None:
    with pytest.raises(rawengine.NotFoundError):
        await engine.run_container(config(["true"], "rn-im/no-such-image:x"))


async def test_a_cancelled_run_removes_its_container(engine: rawengine.Engine, base_image: str) -> None:
    name = unique(PREFIX)
    # `sleep 4` ends by itself (cancelling an attach to an endless process wedges Podman 4.3).
    cfg = config(["sleep", "4"], base_image)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(functools.partial(engine.run_container, cfg, name=name))
        with anyio.fail_after(30):
            while True:
                try:
                    if (await engine.inspect_container(name)).state.running:
                        break
                except rawengine.NotFoundError:
                    pass
                await anyio.sleep(0.02)
        tasks.cancel_scope.cancel()
    assert await gone(engine, name)


async def test_ensure_image_present_and_missing(engine: rawengine.Engine, base_image: str) -> None:
    present = await engine.ensure_image(base_image)
    assert present.id == (await engine.inspect_image(base_image)).id
    # Nothing listens on port 1: the pull fails, and says so rather than looking like success.
    with pytest.raises(rawengine.StreamError):
        await engine.ensure_image("127.0.0.1:1/rn-im/absent:v1")


@pytest.mark.timeout(1200)  # about 230 s on Docker and 295 s on Podman on this busy 2-core machine
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_200_runs_leave_nothing_behind(engine: rawengine.Engine, base_image: str) -> None:
    """200 runs in a row on one backend (asyncio) per engine, to keep the suite's time down."""
    label = f"rn-im.batch={unique(PREFIX)}"
    key, value = label.split("=")
    for i in range(200):
        cfg = ContainerConfig(image=base_image, cmd=["echo", str(i)], labels={TEST_LABEL: "1", key: value})
        result = await engine.run_container(cfg)
        assert (result.exit_code, result.stdout) == (0, b"%d\n" % i)
    assert await engine.list_containers(all=True, filters={"label": [label]}) == []
