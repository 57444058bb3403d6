"""`python -m rawengine.demo`: the image-layers walkthrough (see `--help`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import anyio

from .app import EXIT_INTERRUPTED, run_demo
from .options import parse_options

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    try:
        result = anyio.run(run_demo, options, backend=options.backend)
    except KeyboardInterrupt:  # before the signal handling was installed, or after it was removed
        print("rawengine demo: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
