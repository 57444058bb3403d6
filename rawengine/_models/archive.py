"""Archive: the stat of a path inside a container (`X-Docker-Container-Path-Stat`), decoded.

The header is base64 of JSON `{name, size, mode, mtime, linkTarget}`. Docker uses the standard
alphabet (`+/`), Podman the URL-safe one (`-_`) and adds `isDir`; `decode_path_stat` reads both.
`mode` is a Go `os.FileMode` (type bits high up: directory = 1<<31, symlink = 1<<27), not a POSIX
`st_mode`; `PathStat.st_mode` converts it.
"""

from __future__ import annotations

import base64
import binascii
import stat as stat_module

import msgspec

from .._exceptions import ProtocolError

__all__ = ["PATH_STAT_HEADER", "PathStat", "decode_path_stat"]

PATH_STAT_HEADER = b"x-docker-container-path-stat"

# Go's os.FileMode type bits (io/fs: ModeDir .. ModeIrregular).
_GO_DIR = 1 << 31
_GO_SYMLINK = 1 << 27
_GO_DEVICE = 1 << 26
_GO_PIPE = 1 << 25
_GO_SOCKET = 1 << 24
_GO_SETUID = 1 << 23
_GO_SETGID = 1 << 22
_GO_CHARDEV = 1 << 21
_GO_STICKY = 1 << 20


class PathStat(msgspec.Struct, frozen=True, rename="camel"):
    """What the engine says about a path in a container (`stat_path`, `get_archive`).

    `name` is the base name; `link_target` the symlink's target on Docker (empty for other
    files). Podman resolves symlinks itself: for `/bin/sh -> /bin/busybox` it names `busybox`
    and puts the resolved path in `link_target` for every file, symlink or not.
    """

    name: str = ""
    size: int = 0
    mode: int = 0
    mtime: str = ""
    link_target: str = ""
    podman_is_dir: bool | None = msgspec.field(name="isDir", default=None)

    @property
    def is_dir(self) -> bool:
        return bool(self.mode & _GO_DIR)

    @property
    def is_symlink(self) -> bool:
        return bool(self.mode & _GO_SYMLINK)

    @property
    def permissions(self) -> int:
        """The permission bits, `0o755` style."""
        return self.mode & 0o777

    @property
    def st_mode(self) -> int:
        """The POSIX `st_mode` (type and permission bits) for the Go FileMode."""
        mode = self.mode
        if mode & _GO_DIR:
            kind = stat_module.S_IFDIR
        elif mode & _GO_SYMLINK:
            kind = stat_module.S_IFLNK
        elif mode & _GO_DEVICE:
            kind = stat_module.S_IFCHR if mode & _GO_CHARDEV else stat_module.S_IFBLK
        elif mode & _GO_PIPE:
            kind = stat_module.S_IFIFO
        elif mode & _GO_SOCKET:
            kind = stat_module.S_IFSOCK
        else:
            kind = stat_module.S_IFREG
        special = (
            (stat_module.S_ISUID if mode & _GO_SETUID else 0)
            | (stat_module.S_ISGID if mode & _GO_SETGID else 0)
            | (stat_module.S_ISVTX if mode & _GO_STICKY else 0)
        )
        return kind | special | (mode & 0o777)


_DECODER = msgspec.json.Decoder(PathStat)
_TO_STANDARD = bytes.maketrans(b"-_", b"+/")


def decode_path_stat(value: bytes | str) -> PathStat:
    """Decode the header's value, standard (Docker) or URL-safe (Podman) base64, padded or not.

    Raises:
        ProtocolError: the value is not base64 of the expected JSON object.
    """
    raw = value.encode("latin-1") if isinstance(value, str) else value
    raw = raw.strip().translate(_TO_STANDARD)
    raw += b"=" * (-len(raw) % 4)
    try:
        payload = base64.b64decode(raw, validate=True)
        return _DECODER.decode(payload)
    except (binascii.Error, ValueError, msgspec.DecodeError, RecursionError) as exc:
        raise ProtocolError(f"the engine's X-Docker-Container-Path-Stat header cannot be decoded: {exc}") from exc
