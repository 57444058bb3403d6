"""What `Engine.run_container` returns."""

from __future__ import annotations

import msgspec

__all__ = ["RunResult"]


class RunResult(msgspec.Struct, frozen=True):
    """A container run to completion: its exit code, everything it printed, and its id.

    With a TTY, stdout and stderr are merged into `stdout` and `stderr` is empty. The
    container is already removed unless the run asked to keep it (`remove=False`).
    """

    exit_code: int
    stdout: bytes
    stderr: bytes
    container_id: str
