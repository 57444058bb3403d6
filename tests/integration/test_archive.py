"""Files in and out of containers on the real engines; hostile archives from a fake engine."""

from __future__ import annotations

import base64
import io
import json
import os
import pathlib
import subprocess
import sys
import tarfile
from collections.abc import AsyncIterator

import anyio
import pytest

import rawengine
from tests.conftest import Resources, unique
from tests.fake_engine import FakeEngine, http_response, reply
from tests.hostile_tars import build, hostile, member

ROOT = pathlib.Path(__file__).parent.parent.parent


async def _container(resources: Resources) -> str:
    return await resources.container(name=unique("rn-ar"))


async def _read(engine: rawengine.Engine, cid: str, path: str) -> bytes:
    result = await engine.run_exec(cid, ["cat", path])
    assert result.exit_code == 0, result
    return result.stdout


async def _pieces(data: bytes) -> AsyncIterator[bytes]:
    for i in range(0, len(data), 1000):
        yield data[i : i + 1000]


async def test_put_archive_from_bytes_path_and_iterable(
    engine: rawengine.Engine, resources: Resources, tmp_path: pathlib.Path
) -> None:
    cid = await _container(resources)
    await engine.put_archive(cid, "/tmp", build(member("from-bytes", data=b"one")))
    tar_file = tmp_path / "in.tar"
    tar_file.write_bytes(build(member("from-path", data=b"two" * 5000)))
    await engine.put_archive(cid, "/tmp", tar_file)
    await engine.put_archive(cid, "/tmp", str(tar_file.with_name("in.tar")), no_overwrite_dir_non_dir=True)
    await engine.put_archive(cid, "/tmp", _pieces(build(member("from-iter", data=b"three" * 3000))), copy_uid_gid=True)
    assert await _read(engine, cid, "/tmp/from-bytes") == b"one"
    assert await _read(engine, cid, "/tmp/from-path") == b"two" * 5000
    assert await _read(engine, cid, "/tmp/from-iter") == b"three" * 3000


async def test_no_overwrite_dir_non_dir(engine: rawengine.Engine, resources: Resources) -> None:
    cid = await _container(resources)
    await engine.put_archive(cid, "/tmp", build(member("d", tarfile.DIRTYPE)))
    with pytest.raises(rawengine.APIError):
        await engine.put_archive(cid, "/tmp", build(member("d", data=b"file")), no_overwrite_dir_non_dir=True)
    assert (await engine.stat_path(cid, "/tmp/d")).is_dir


async def test_get_archive_and_its_stat(engine: rawengine.Engine, resources: Resources) -> None:
    cid = await _container(resources)
    await engine.copy_to_container(cid, b"hello\n", "/tmp/hello.txt")
    async with engine.get_archive(cid, "/tmp/hello.txt") as archive:
        stat = archive.stat
        data = b"".join([chunk async for chunk in archive])
    assert (stat.name, stat.size, stat.is_dir, stat.permissions) == ("hello.txt", 6, False, 0o644)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        (info,) = tar.getmembers()
        assert info.name == "hello.txt"
        extracted = tar.extractfile(info)
        assert extracted is not None and extracted.read() == b"hello\n"
    directory = await engine.stat_path(cid, "/tmp")
    assert directory.is_dir and directory.name == "tmp"


async def test_stat_path_file_symlink_and_missing(
    engine: rawengine.Engine, engine_name: str, resources: Resources
) -> None:
    cid = await _container(resources)
    passwd = await engine.stat_path(cid, "/etc/passwd")
    assert (passwd.name, passwd.is_dir, passwd.is_symlink, passwd.size > 0) == ("passwd", False, False, True)
    sh = await engine.stat_path(cid, "/bin/sh")
    assert sh.is_symlink and sh.link_target == "/bin/busybox"
    # Podman resolves the link for the name and fills link_target for every file
    assert (sh.name, passwd.link_target) == (("busybox", "/etc/passwd") if engine_name == "podman" else ("sh", ""))
    with pytest.raises(rawengine.NotFoundError, match="no such path '/missing'"):
        await engine.stat_path(cid, "/missing")
    with pytest.raises(rawengine.NotFoundError):
        async with engine.get_archive(cid, "/missing"):
            pass
    await engine.ping()  # the connection the HEAD replies came on stays usable


async def test_put_archive_missing_container_and_path(
    engine: rawengine.Engine, engine_name: str, resources: Resources
) -> None:
    tar = build(member("x", data=b"x"))
    with pytest.raises(rawengine.NotFoundError):
        await engine.put_archive(unique("rn-ar-missing"), "/tmp", tar)
    cid = await _container(resources)
    if engine_name == "docker":
        with pytest.raises(rawengine.NotFoundError):
            await engine.put_archive(cid, "/no/such/dir", tar)
    else:  # Podman creates the missing directory
        await engine.put_archive(cid, "/no/such/dir", tar)
        assert await _read(engine, cid, "/no/such/dir/x") == b"x"


async def test_copy_round_trip_of_a_directory_with_a_symlink(
    engine: rawengine.Engine, resources: Resources, tmp_path: pathlib.Path
) -> None:
    cid = await _container(resources)
    src = tmp_path / "tree"
    (src / "sub" / "deeper").mkdir(parents=True)
    (src / "sub" / "a.txt").write_bytes(b"a" * 70_000)
    (src / "sub" / "deeper" / "b.bin").write_bytes(os.urandom(3000))
    (src / "empty").mkdir()
    (src / "link").symlink_to("sub/a.txt")
    os.chmod(src / "sub" / "a.txt", 0o600)
    await engine.copy_to_container(cid, src, "/tmp")
    assert await _read(engine, cid, "/tmp/tree/link") == b"a" * 70_000
    out = tmp_path / "out"
    out.mkdir()
    stat = await engine.copy_from_container(cid, "/tmp/tree", out)
    assert stat.is_dir and stat.name == "tree"
    back = out / "tree"
    assert os.readlink(back / "link") == "sub/a.txt"
    assert (back / "sub" / "a.txt").read_bytes() == b"a" * 70_000
    assert (back / "sub" / "deeper" / "b.bin").read_bytes() == (src / "sub" / "deeper" / "b.bin").read_bytes()
    assert (back / "empty").is_dir()
    assert (back / "sub" / "a.txt").stat().st_mode & 0o777 == 0o600
    with pytest.raises(NotADirectoryError):
        await engine.copy_from_container(cid, "/tmp/tree", out / "missing")


def test_100mb_in_and_out_with_bounded_memory(engine_host: str, base_image: str, anyio_backend: str) -> None:
    """A subprocess moves 100 MB in (generated) and out (hashed): byte for byte, peak RSS far below 100 MB."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "archive_rss.py"), engine_host, anyio_backend, "100"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["ok"] is True
    assert result["peak_rss_mib"] < 60, result


# ---------------------------------------------------------------- hostile archives (fake engine)


async def _until_closed(fake: FakeEngine) -> None:
    """Wait until the fake saw the client close (a read cancelled as EOF arrives upsets anyio on asyncio)."""
    with anyio.fail_after(10):
        while fake.open_connections:  # noqa: ASYNC110
            await anyio.sleep(0.01)


def _archive_reply(tar: bytes) -> bytes:
    stat = base64.b64encode(
        json.dumps({"name": "x", "size": 0, "mode": 2147484141, "mtime": "", "linkTarget": ""}).encode()
    )
    return http_response(
        200, tar, headers={"X-Docker-Container-Path-Stat": stat.decode()}, content_type="application/x-tar"
    )


@pytest.mark.parametrize("attack", sorted(hostile("escaped")))
async def test_hostile_tar_never_writes_outside(tmp_socket_dir: str, tmp_path: pathlib.Path, attack: str) -> None:
    target = tmp_path / "target"
    target.mkdir()
    (tmp_path / "escaped").write_bytes(b"original")
    async with FakeEngine(f"{tmp_socket_dir}/fake.sock") as fake:
        fake.route("/containers/evil/archive", reply(_archive_reply(hostile("escaped")[attack])))
        async with rawengine.Engine(fake.host) as engine:
            with pytest.raises(rawengine.UnsafeArchiveError, match="refused tar member"):
                await engine.copy_from_container("evil", "/x", target)
        await _until_closed(fake)
        (call,) = fake.calls
        assert call.header("accept-encoding") == b"identity"
    assert sorted(os.listdir(tmp_path)) == ["escaped", "target"]
    assert (tmp_path / "escaped").read_bytes() == b"original"
    assert all(path.startswith(str(target)) for path in await anyio.to_thread.run_sync(_resolved, target))


def _resolved(folder: pathlib.Path) -> list[str]:
    return [os.path.realpath(entry) for entry in folder.rglob("*")]


async def test_podman_url_safe_stat_header_from_fake(tmp_socket_dir: str) -> None:
    payload = json.dumps({"name": "a>?b", "size": 1, "mode": 420, "mtime": "", "linkTarget": "", "isDir": False})
    encoded = base64.urlsafe_b64encode(payload.encode()).decode()
    assert "-" in encoded or "_" in encoded
    raw = http_response(200, b"", headers={"X-Docker-Container-Path-Stat": encoded}, content_type=None)
    async with FakeEngine(f"{tmp_socket_dir}/fake.sock") as fake:
        fake.route("/containers/c/archive", reply(raw))
        async with rawengine.Engine(fake.host) as engine:
            stat = await engine.stat_path("c", "/a")
        await _until_closed(fake)
    assert (stat.name, stat.podman_is_dir) == ("a>?b", False)
