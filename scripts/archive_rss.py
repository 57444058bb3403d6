"""Move N MB into a container and back out through the archive endpoints; print the peak RSS.

    python scripts/archive_rss.py unix:///var/run/docker.sock asyncio 100

The tar going in is generated piece by piece (an async iterable), the tar coming out is hashed
piece by piece; both must match byte for byte. Prints one JSON line: `{"ok": true, "peak_rss_mib": ...}`.
"""

from __future__ import annotations

import hashlib
import json
import resource
import sys
import tarfile
import uuid
from collections.abc import AsyncIterator

import anyio

import rawengine

PIECE = 1024 * 1024


def _block(i: int) -> bytes:
    return hashlib.sha256(i.to_bytes(8, "big")).digest() * (PIECE // 32)


async def _tar_in(size: int) -> AsyncIterator[bytes]:
    info = tarfile.TarInfo("big.bin")
    info.size, info.mode = size, 0o644
    yield info.tobuf(format=tarfile.PAX_FORMAT)
    for i in range(size // PIECE):
        yield _block(i)
    yield b"\0" * (2 * tarfile.BLOCKSIZE)


async def main(host: str, megabytes: int) -> dict[str, object]:
    size = megabytes * PIECE
    expected = hashlib.sha256()
    for i in range(megabytes):
        expected.update(_block(i))
    async with rawengine.Engine(host) as engine:
        config = rawengine.ContainerConfig(
            image="rawengine/test:base", cmd=["sleep", "600"], labels={"rawengine.test": "1"}
        )
        created = await engine.create_container(config, name=f"rn-ar-rss-{uuid.uuid4().hex[:10]}")
        try:
            await engine.start_container(created.id)
            await engine.put_archive(created.id, "/tmp", _tar_in(size))
            got = hashlib.sha256()
            header = b""
            async with engine.get_archive(created.id, "/tmp/big.bin") as archive:
                stat = archive.stat
                left = None
                biggest = 0
                async for chunk in archive:
                    biggest = max(biggest, len(chunk))
                    if left is None:  # the tar's first member header(s), then the data
                        header += chunk
                        if len(header) < 4096:
                            continue
                        data = _strip_header(header)
                        left = size
                        chunk, header = data, b""
                    take = chunk[:left]
                    got.update(take)
                    left -= len(take)
        finally:
            await engine.remove_container(created.id, force=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "ok": got.digest() == expected.digest() and stat.size == size,
        "peak_rss_mib": round(peak, 1),
        "largest_piece": biggest,  # the largest piece get_archive handed out (a diagnostic)
    }


def _strip_header(data: bytes) -> bytes:
    """The bytes after the tar header of the single member (PAX extended header allowed)."""
    offset = 0
    while True:
        info = tarfile.TarInfo.frombuf(data[offset : offset + 512], "utf-8", "surrogateescape")
        offset += 512
        if info.type in (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.GNUTYPE_LONGNAME):
            offset += -(-info.size // 512) * 512
            continue
        return data[offset:]


if __name__ == "__main__":
    host, backend, megabytes = sys.argv[1], sys.argv[2], int(sys.argv[3])
    print(json.dumps(anyio.run(main, host, megabytes, backend=backend)))
