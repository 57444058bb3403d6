"""`python -m rawengine.demo`: understand image layers with a commit, through the Engine API alone.

The classic tutorial (run nginx, change its page with an exec, `docker diff`, `docker commit`,
`docker image ls`, `docker history`, run the new image), then its two lessons measured: a committed
image is a black box, and commits only ever add. Every step names the Engine API calls it made and
their round-trip times. `run_demo(DemoOptions(...))` is the same thing as a coroutine, returning the
exit status and the JSON transcript.
"""

from __future__ import annotations

from .app import DemoResult, run_demo
from .options import DemoOptions, parse_options

__all__ = ["DemoOptions", "DemoResult", "parse_options", "run_demo"]
