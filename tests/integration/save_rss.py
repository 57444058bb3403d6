"""Save an image to /dev/null in a fresh process and print the peak RSS (KiB) and the bytes saved.

`python -m tests.integration.save_rss HOST IMAGE BACKEND`: used by test_transfer.py and the README figure.
"""

from __future__ import annotations

import sys

import anyio

import rawengine


def peak_rss_kib() -> int:
    """This process image's peak RSS (`VmHWM`). Not `ru_maxrss`: Linux carries that across
    `execve` from the forking parent, so under a big pytest it would not move at all."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


async def main(host: str, image: str) -> None:
    async with rawengine.Engine(host) as engine:
        before = peak_rss_kib()
        async with engine.save_images([image]) as tar:
            size = await tar.save("/dev/null")
        peak = peak_rss_kib()
    print(before, peak, size)


if __name__ == "__main__":
    anyio.run(main, sys.argv[1], sys.argv[2], backend=sys.argv[3])
