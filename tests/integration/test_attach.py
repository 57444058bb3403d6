"""Attach on the real engines: stdin, send_eof with and without StdinOnce, TTY, replayed logs.

Every attached process ends by itself (`cat` reading an EOF, or `timeout`): an attach that never
ends must not be cancelled on Podman 4.3 (COMMON.md).
"""

from __future__ import annotations

import anyio
import pytest

import rawengine
from rawengine import StreamKind
from tests.conftest import Resources, unique


def _config(cmd: list[str], *, stdin_once: bool, tty: bool = False) -> rawengine.ContainerConfig:
    return rawengine.ContainerConfig(
        cmd=cmd,
        tty=tty,
        open_stdin=True,
        stdin_once=stdin_once,
        attach_stdin=True,
        attach_stdout=True,
        attach_stderr=True,
    )


async def test_stdin_once_cat_ends_on_eof(engine: rawengine.Engine, resources: Resources) -> None:
    cid = await resources.container(
        _config(["timeout", "30", "cat"], stdin_once=True), name=unique("rn-ar"), start=False
    )
    with anyio.fail_after(30):
        async with engine.attach_stream(cid, stdin=True) as stream:
            assert not stream.tty and stream.container == cid
            await engine.start_container(cid)
            await stream.send(b"hello\n")
            first = await stream.receive()
            assert first == rawengine.Frame(StreamKind.STDOUT, b"hello\n")
            await stream.send(b"more")
            await stream.send_eof()
            rest = await stream.collect()
        assert rest == (b"more", b"")
        assert (await engine.wait_container(cid)).status_code == 0
    with pytest.raises(RuntimeError, match="already closed"):
        await stream.send(b"x")


async def test_eof_without_stdin_once(engine: rawengine.Engine, engine_name: str, resources: Resources) -> None:
    cmd = ["timeout", "30", "sh", "-c", "cat; echo done"]
    cid = await resources.container(_config(cmd, stdin_once=False), name=unique("rn-ar"), start=False)
    with anyio.fail_after(30):
        async with engine.attach_stream(cid, stdin=True) as stream:
            await engine.start_container(cid)
            await stream.send(b"hi\n")
            assert (await stream.receive()).data == b"hi\n"
            await stream.send_eof()
            rest = await stream.collect()
        if engine_name == "docker":
            # Docker ends the attach itself; the process keeps its stdin open and runs on
            assert rest == (b"", b"")
            assert (await engine.inspect_container(cid)).state.running
        else:
            # Podman 4.3 closes the process's stdin anyway: cat ends, the shell prints done
            assert rest == (b"done\n", b"")
            assert (await engine.wait_container(cid)).status_code == 0


async def test_tty_attach(engine: rawengine.Engine, resources: Resources) -> None:
    config = _config(["timeout", "30", "cat"], stdin_once=True, tty=True)
    cid = await resources.container(config, name=unique("rn-ar"), start=False)
    with anyio.fail_after(30):
        async with engine.attach_stream(cid, stdin=True) as stream:
            assert stream.tty
            await engine.start_container(cid)
            await stream.send(b"typed")
            await stream.send_eof()  # a TTY gets Ctrl-D (twice: the line is unfinished), not a half-close
            out, err = await stream.collect()
        assert b"typed" in out and err == b""
        assert (await engine.wait_container(cid)).status_code == 0


async def test_output_only_and_no_stdin(engine: rawengine.Engine, resources: Resources) -> None:
    config = rawengine.ContainerConfig(cmd=["sh", "-c", "echo out; echo err >&2"])
    cid = await resources.container(config, name=unique("rn-ar"), start=False)
    with anyio.fail_after(30):
        async with engine.attach_stream(cid, tty=False) as stream:
            await engine.start_container(cid)
            with pytest.raises(RuntimeError, match="no stdin"):
                await stream.send(b"x")
            assert await stream.collect() == (b"out\n", b"err\n")


async def test_missing_container(engine: rawengine.Engine) -> None:
    with pytest.raises(rawengine.NotFoundError):
        async with engine.attach_stream(unique("rn-ar-missing")):
            pass
    with pytest.raises(rawengine.NotFoundError):
        async with engine.attach_stream(unique("rn-ar-missing"), tty=False):
            pass
