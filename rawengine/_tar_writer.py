"""A local file, directory or bytes as a tar stream, produced piece by piece for `put_archive`.

Headers come from the stdlib `tarfile` (`TarInfo.tobuf`, PAX format: long names and large
sizes are fine); file contents are read in 1 MiB pieces as the engine takes them, so a tree of
any size passes with about one piece in memory. The tree is listed (metadata only) in a worker
thread first.
"""

from __future__ import annotations

import os
import stat
import tarfile
import time
from collections.abc import AsyncIterator

import anyio

__all__ = ["tar_bytes", "tar_path"]

_BLOCK = tarfile.BLOCKSIZE
_READ_SIZE = 1024 * 1024
_END = b"\0" * (2 * _BLOCK)


def _header(info: tarfile.TarInfo) -> bytes:
    return info.tobuf(format=tarfile.PAX_FORMAT, encoding="utf-8", errors="surrogateescape")


def _padding(size: int) -> bytes:
    return b"\0" * (-size % _BLOCK)


def _check_name(name: str) -> str:
    if not name or "/" in name or name in (".", "..") or "\x00" in name:
        raise ValueError(f"invalid file name for the archive: {name!r}")
    return name


async def tar_bytes(data: bytes, name: str, *, mode: int = 0o644) -> AsyncIterator[bytes]:
    """A tar holding one regular file `name` with `data`."""
    info = tarfile.TarInfo(_check_name(name))
    info.size = len(data)
    info.mode = mode
    info.mtime = int(time.time())
    yield _header(info) + data + _padding(len(data)) + _END


def _listing(root: str) -> list[tuple[str, str, os.stat_result]]:
    """`(local path, name in the archive, lstat)` for `root` and, if a directory, all below it (sorted)."""
    base = _check_name(os.path.basename(os.path.normpath(root)))
    entries = [(root, base, os.lstat(root))]
    if stat.S_ISDIR(entries[0][2].st_mode):
        for directory, dirnames, filenames in os.walk(root):
            dirnames.sort()
            relative = os.path.relpath(directory, root)
            prefix = base if relative == "." else f"{base}/{relative}"
            for name in sorted(dirnames + filenames):
                path = os.path.join(directory, name)
                entries.append((path, f"{prefix}/{name}", os.lstat(path)))
    return entries


def _info(path: str, name: str, st: os.stat_result) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mode = stat.S_IMODE(st.st_mode)
    info.mtime = int(st.st_mtime)
    info.uid, info.gid = st.st_uid, st.st_gid
    if stat.S_ISREG(st.st_mode):
        info.type, info.size = tarfile.REGTYPE, st.st_size
    elif stat.S_ISDIR(st.st_mode):
        info.type = tarfile.DIRTYPE
    elif stat.S_ISLNK(st.st_mode):
        info.type, info.linkname = tarfile.SYMTYPE, os.readlink(path)
    else:
        raise ValueError(f"cannot copy {path!r} into a container: only files, directories and symlinks are copied")
    return info


async def tar_path(root: str | os.PathLike[str]) -> AsyncIterator[bytes]:
    """A tar of the file or directory `root` (named by its base name; symlinks kept as symlinks)."""
    entries = await anyio.to_thread.run_sync(_listing, os.fspath(root))
    for path, name, st in entries:
        info = _info(path, name, st)
        yield _header(info)
        if info.type != tarfile.REGTYPE or not info.size:
            continue
        left = info.size
        async with await anyio.open_file(path, "rb") as source:
            while left:
                piece = await source.read(min(_READ_SIZE, left))
                if not piece:
                    raise OSError(f"{path!r} shrank while it was being copied into the container")
                left -= len(piece)
                yield piece
        yield _padding(info.size)
    yield _END
