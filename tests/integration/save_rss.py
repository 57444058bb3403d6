"""Save an image to /dev/null in a fresh process and print the peak RSS (KiB) and the bytes saved.

`python -m tests.integration.save_rss HOST IMAGE BACKEND`: used by test_transfer.py and the README figure.
"""

from __future__ import annotations

import resource
import sys

import anyio

import rawengine


async def main(host: str, image: str) -> None:
    async with rawengine.Engine(host) as engine:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        async with engine.save_images([image]) as tar:
            size = await tar.save("/dev/null")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(before, peak, size)


if __name__ == "__main__":
    anyio.run(main, sys.argv[1], sys.argv[2], backend=sys.argv[3])
