"""Files in and out of a container: tar archives (`/containers/{id}/archive`) and a tarfile-based copy."""

from __future__ import annotations

import os
import posixpath
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.from_thread
import anyio.to_thread

from .._endpoints import archive as api
from .._exceptions import NotFoundError, ProtocolError
from .._models.archive import PATH_STAT_HEADER, PathStat, decode_path_stat
from .._protocol.http11 import Head
from .._streams.archive import ArchiveStream
from .._tar_extract import BlockingReader, extract_tar
from .._tar_writer import tar_bytes, tar_path
from .base import EngineCore

__all__ = ["ArchiveMixin", "TarSource"]

TarSource = bytes | str | os.PathLike[str] | AsyncIterable[bytes]
"""A tar archive: its bytes, the path of a local `.tar` file, or an async iterable of its pieces."""

_READ_SIZE = 1024 * 1024


async def _file_pieces(path: str) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as source:
        while piece := await source.read(_READ_SIZE):
            yield piece


def _stat_of(head: Head, method: str, path: str) -> PathStat:
    value = head.get(PATH_STAT_HEADER)
    if value is None:
        raise ProtocolError(f"{method} {path}: the engine sent no X-Docker-Container-Path-Stat header")
    return decode_path_stat(value)


class ArchiveMixin(EngineCore):
    async def put_archive(
        self,
        container: str,
        path: str,
        tar: TarSource,
        *,
        no_overwrite_dir_non_dir: bool = False,
        copy_uid_gid: bool = False,
    ) -> None:
        """Extract a tar archive into the directory `path` of a container (`docker cp` into).

        Calls `PUT /containers/{id}/archive?path=...`. `tar` is the archive's bytes, the path
        of a local tar file, or an async iterable of its pieces; a file or an iterable is
        streamed (chunked), never read whole into memory. The archive may be plain or
        compressed (gzip, bzip2, xz). `no_overwrite_dir_non_dir` refuses to replace a
        directory with a non-directory or the reverse; `copy_uid_gid` gives the files the
        uid/gid of the container's user instead of the archive's.

        Podman differs: it creates a missing `path` (Docker answers 404), and it answers 200
        to bytes that are not a tar at all (Docker 500).

        Raises:
            NotFoundError: no such container, or (Docker) no such `path`.
            ServerError: `path` is not a directory, or the archive is broken (Docker).
            BadRequestError: the engine refused the parameters.
        """
        body: bytes | AsyncIterable[bytes]
        if isinstance(tar, bytes):
            body = tar
        elif isinstance(tar, (str, os.PathLike)):
            body = _file_pieces(os.fspath(tar))
        else:
            body = tar
        request = api.put(
            container, path, body, no_overwrite_dir_non_dir=no_overwrite_dir_non_dir, copy_uid_gid=copy_uid_gid
        )
        await self._send(request)

    @asynccontextmanager
    async def get_archive(self, container: str, path: str) -> AsyncIterator[ArchiveStream]:
        """A path of a container as a tar stream: `async with engine.get_archive(cid, "/etc") as tar:`.

        Calls `GET /containers/{id}/archive?path=...` with `Accept-Encoding: identity` (so the
        tar is never gzipped). `tar.stat` is the path's `PathStat`, decoded from the
        `X-Docker-Container-Path-Stat` header (standard base64 on Docker, URL-safe on Podman);
        `async for chunk in tar` yields the archive's bytes as they arrive. A directory comes
        as one member named by its base name with everything below it.

        Raises:
            NotFoundError: no such container or path.
            ProtocolError: the stat header is missing or cannot be decoded.
        """
        request = api.get(container, path)
        async with self._stream(request) as response:
            yield ArchiveStream(response, _stat_of(response.head, request.method, request.path))

    async def stat_path(self, container: str, path: str) -> PathStat:
        """The stat of a path in a container, without its content. Calls `HEAD /containers/{id}/archive`.

        Raises:
            NotFoundError: no such path, or no such container (a HEAD reply carries no message,
                so the engine does not say which).
        """
        request = api.stat(container, path)
        try:
            response = await self._send(request)
        except NotFoundError as exc:
            raise NotFoundError(
                f"no such path {path!r} in container {container!r}, or no such container",
                status_code=exc.status_code,
                method=exc.method,
                path=exc.path,
            ) from None
        return _stat_of(response.head, request.method, request.path)

    async def copy_to_container(
        self, container: str, source: bytes | str | os.PathLike[str], dest: str, *, copy_uid_gid: bool = False
    ) -> None:
        """Copy a local file or directory, or bytes, into a container (tarred on the fly).

        - `source` a path (file or directory): it lands *inside* the existing directory `dest`
          under its own base name (`copy_to_container(cid, "conf", "/etc")` makes `/etc/conf`);
          symlinks are copied as symlinks, files are streamed.
        - `source` bytes: they become the file `dest` itself (mode 0644), in its existing
          parent directory.

        Calls `PUT /containers/{id}/archive`.

        Raises:
            NotFoundError: no such container, or (Docker) no such destination directory.
            ValueError: `source` holds something other than files, directories and symlinks.
            OSError: a local file could not be read.
        """
        if isinstance(source, bytes):
            directory, name = posixpath.split(dest.rstrip("/"))
            if not name:
                raise ValueError(f"the destination of bytes must be a file path, not {dest!r}")
            await self.put_archive(container, directory or "/", tar_bytes(source, name), copy_uid_gid=copy_uid_gid)
        else:
            await self.put_archive(container, dest, tar_path(source), copy_uid_gid=copy_uid_gid)

    async def copy_from_container(self, container: str, src: str, local_dir: str | os.PathLike[str]) -> PathStat:
        """Copy a file or directory out of a container into the local directory `local_dir`.

        Calls `GET /containers/{id}/archive` and extracts the tar as it streams in (the
        stdlib `tarfile` in stream mode, in a worker thread): `src` lands in `local_dir` under
        its base name, with its modes and times; ownership is not copied. A member that would
        land outside `local_dir` stops the copy with `UnsafeArchiveError` before any of it is
        written: absolute names, `..`, symlinks with absolute targets or targets outside,
        hard links to anything but a file of the archive, devices and FIFOs, and writes
        through a symlink. Members before it stay extracted.

        Returns:
            The stat of `src`, as `get_archive` reports it.

        Raises:
            NotFoundError: no such container or path.
            UnsafeArchiveError: see above.
            ProtocolError: the engine's bytes are not a valid tar.
            NotADirectoryError: `local_dir` is not an existing directory.
        """
        target = os.fspath(local_dir)
        if not await anyio.to_thread.run_sync(os.path.isdir, target):
            raise NotADirectoryError(f"the local folder to copy into is not an existing directory: {target!r}")
        async with self.get_archive(container, src) as archive:

            async def receive() -> bytes:
                try:
                    return await archive.receive()
                except anyio.EndOfStream:
                    return b""

            reader = BlockingReader(lambda: anyio.from_thread.run(receive))
            await anyio.to_thread.run_sync(extract_tar, reader, target)
            return archive.stat
