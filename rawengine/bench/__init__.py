"""`python -m rawengine.bench`: what each Engine API operation costs, rawengine beside the others.

Every client does the same operations on the same engine in the same run, interleaved in rounds:
rawengine; a bare anyio Unix-socket client writing pre-built request bytes (the floor any Python
client can reach); aiodocker and docker-py when installed (`pip install 'rawengine[bench]'`).
See `python -m rawengine.bench --help`.
"""

from __future__ import annotations

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    from .__main__ import main as run

    return run(argv)
