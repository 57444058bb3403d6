"""Extract a tar read as a stream into one local directory, refusing anything that would leave it.

Blocking code, run in a worker thread by `copy_from_container` (the tar's bytes come from the
event loop through a reader that blocks on it); the stdlib `tarfile` in stream mode (`r|`)
parses, and the extraction is done here, member by member, as the bytes arrive: nothing is
held but the current read.

What is refused with `UnsafeArchiveError`, before anything of that member is written:
- absolute member names, names with a `..` component, NUL bytes;
- devices, FIFOs and any type other than file, directory, symlink, hard link;
- a member whose parent inside the folder is not a real directory (a symlink, say: no write
  ever goes through a symlink, whether the archive made it or it was there before);
- symlinks with an absolute target or one that resolves outside the folder, and hard links
  whose target is not a regular file the archive already put inside the folder.
After the last member every symlink the archive made is resolved once more (a later member can
change what an earlier link's `..` means); one that now points out is removed and refused.
"""

from __future__ import annotations

import os
import stat
import tarfile
from collections.abc import Callable
from typing import IO

from ._exceptions import ProtocolError, UnsafeArchiveError

__all__ = ["BlockingReader", "extract_tar"]

_COPY_SIZE = 1024 * 1024


class BlockingReader:
    """A file-like `read()` over a function that returns the next piece (`b""` at the end)."""

    def __init__(self, receive: Callable[[], bytes]) -> None:
        self._receive = receive
        self._buffer = b""
        self._ended = False

    def read(self, size: int = -1) -> bytes:
        if not self._buffer and not self._ended:
            self._buffer = self._receive()
            if not self._buffer:
                self._ended = True
        if size < 0 or size >= len(self._buffer):
            data, self._buffer = self._buffer, b""
            return data
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def _parts(name: str, what: str, member: str) -> list[str]:
    if "\x00" in name:
        raise UnsafeArchiveError(f"refused tar member {member!r}: its {what} contains NUL")
    if name.startswith("/"):
        raise UnsafeArchiveError(f"refused tar member {member!r}: its {what} {name!r} is an absolute path")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchiveError(f"refused tar member {member!r}: its {what} {name!r} has a '..' component")
    return parts


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


class _Extractor:
    def __init__(self, dest: str) -> None:
        self.root = os.path.realpath(dest)
        if not os.path.isdir(self.root):
            raise NotADirectoryError(f"the local folder to copy into is not a directory: {dest!r}")
        self.links: list[tuple[str, str]] = []  # (member name, local path) of the symlinks made
        self.dirs: list[tuple[str, tarfile.TarInfo]] = []

    def _parent(self, parts: list[str], member: str) -> str:
        """The member's parent directory, made if missing, each component checked to be a real directory."""
        path = self.root
        for part in parts[:-1]:
            path = os.path.join(path, part)
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                os.mkdir(path, 0o755)
                continue
            if not stat.S_ISDIR(info.st_mode):
                kind = "a symlink" if stat.S_ISLNK(info.st_mode) else "not a directory"
                raise UnsafeArchiveError(
                    f"refused tar member {member!r}: {os.path.relpath(path, self.root)!r} is {kind}, "
                    "and nothing is written through it"
                )
        return path

    def _clear(self, path: str, *, keep_dir: bool) -> None:
        """Remove what is at `path` (never following a symlink) unless it is a directory to keep."""
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return
        if stat.S_ISDIR(info.st_mode):
            if keep_dir:
                return
            raise IsADirectoryError(f"cannot replace the directory {path!r} with a file from the archive")
        os.unlink(path)

    def member(self, tar: tarfile.TarFile, info: tarfile.TarInfo) -> None:
        name = info.name
        parts = _parts(name, "name", name)
        if not parts:
            return  # the archive's own root (`.` or `./`)
        if not (info.isreg() or info.isdir() or info.issym() or info.islnk()):
            raise UnsafeArchiveError(f"refused tar member {name!r}: devices, FIFOs and special files are not copied")
        parent = self._parent(parts, name)
        path = os.path.join(parent, parts[-1])
        if info.isdir():
            self._clear(path, keep_dir=True)
            if not os.path.isdir(path):
                os.mkdir(path, 0o700)
            self.dirs.append((path, info))
        elif info.issym():
            self._symlink(info, parts, parent, path)
        elif info.islnk():
            self._hardlink(info, path)
        else:
            self._file(tar, info, path)

    def _symlink(self, info: tarfile.TarInfo, parts: list[str], parent: str, path: str) -> None:
        target = info.linkname
        if target.startswith("/"):
            raise UnsafeArchiveError(
                f"refused tar member {info.name!r}: a symlink to the absolute path {target!r} points outside the folder"
            )
        textual = os.path.normpath(os.path.join(*parts[:-1], target) if len(parts) > 1 else target)
        resolved = os.path.realpath(os.path.join(parent, target))
        if textual == ".." or textual.startswith("../") or not _inside(resolved, self.root):
            raise UnsafeArchiveError(
                f"refused tar member {info.name!r}: its symlink target {target!r} points outside the folder"
            )
        self._clear(path, keep_dir=False)
        os.symlink(target, path)
        self.links.append((info.name, path))

    def _hardlink(self, info: tarfile.TarInfo, path: str) -> None:
        target_parts = _parts(info.linkname, "hard link target", info.name)
        if not target_parts:
            raise UnsafeArchiveError(f"refused tar member {info.name!r}: a hard link to the folder itself")
        source = os.path.join(self._parent(target_parts, info.name), target_parts[-1])
        try:
            source_info = os.lstat(source)
        except FileNotFoundError:
            raise UnsafeArchiveError(
                f"refused tar member {info.name!r}: its hard link target {info.linkname!r} is not in the archive"
            ) from None
        if not stat.S_ISREG(source_info.st_mode):
            raise UnsafeArchiveError(
                f"refused tar member {info.name!r}: hard links are made only to regular files of the archive"
            )
        self._clear(path, keep_dir=False)
        os.link(source, path, follow_symlinks=False)

    def _file(self, tar: tarfile.TarFile, info: tarfile.TarInfo, path: str) -> None:
        self._clear(path, keep_dir=False)
        source = tar.extractfile(info)
        assert source is not None
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(_COPY_SIZE):
                out.write(chunk)
            os.fchmod(out.fileno(), info.mode & 0o777)
        os.utime(path, (info.mtime, info.mtime), follow_symlinks=False)

    def finish(self) -> None:
        for name, path in self.links:
            if not _inside(os.path.realpath(path), self.root):
                target = os.readlink(path)
                os.unlink(path)
                raise UnsafeArchiveError(
                    f"refused tar member {name!r}: with the archive's other links in place its target "
                    f"{target!r} points outside the folder (the link was removed)"
                )
        for path, info in reversed(self.dirs):  # deepest last-made first: read-only modes do not block
            os.chmod(path, (info.mode & 0o777) | 0o700, follow_symlinks=False)
            os.utime(path, (info.mtime, info.mtime), follow_symlinks=False)


def extract_tar(fileobj: IO[bytes] | BlockingReader, dest: str) -> int:
    """Extract the tar read from `fileobj` (sequentially, `r|`) into `dest`; return the member count.

    Raises:
        UnsafeArchiveError: a member would land outside `dest` (see the module docstring).
        ProtocolError: the bytes are not a tar archive, or it is cut short.
        OSError: the local filesystem refused a write.
    """
    extractor = _Extractor(dest)
    count = 0
    try:
        with tarfile.open(fileobj=fileobj, mode="r|") as tar:  # type: ignore[call-overload]
            for info in tar:
                extractor.member(tar, info)
                count += 1
    except tarfile.TarError as exc:
        raise ProtocolError(f"the archive from the engine is not a valid tar: {exc}") from exc
    extractor.finish()
    return count
