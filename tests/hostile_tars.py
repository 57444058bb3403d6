"""Hostile tar archives, each trying to write outside the folder it is extracted into."""

from __future__ import annotations

import io
import tarfile


def member(
    name: str, kind: bytes = tarfile.REGTYPE, *, data: bytes = b"", link: str = ""
) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    return info, data


def build(*members: tuple[tarfile.TarInfo, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return out.getvalue()


def hostile(escape: str) -> dict[str, bytes]:
    """Archives keyed by the attack; `escape` is a path relative to the target folder's parent."""
    return {
        "absolute": build(member("ok"), member(f"/{escape}", data=b"pwned")),
        "dotdot": build(member("d", tarfile.DIRTYPE), member(f"d/../../{escape}", data=b"pwned")),
        "symlink-out": build(member("l", tarfile.SYMTYPE, link="../")),
        "symlink-absolute": build(member("l", tarfile.SYMTYPE, link="/etc")),
        "hardlink-out": build(member("h", tarfile.LNKTYPE, link=f"../{escape}")),
        "hardlink-absolute": build(member("h", tarfile.LNKTYPE, link="/etc/passwd")),
        "symlink-then-write": build(member("d", tarfile.SYMTYPE, link="."), member("d/x", data=b"via link")),
        "symlink-chain": build(member("l", tarfile.SYMTYPE, link="x/.."), member("x", tarfile.SYMTYPE, link=".")),
        "device": build(member("dev", tarfile.CHRTYPE)),
        "fifo": build(member("fifo", tarfile.FIFOTYPE)),
    }
