"""What output streams yield: a piece of a process's stdin echo, stdout or stderr."""

from __future__ import annotations

import enum

import msgspec

__all__ = ["Frame", "StreamKind"]


class StreamKind(enum.IntEnum):
    """Which stream a `Frame` came from; values are the wire's stream-type byte."""

    STDIN = 0
    STDOUT = 1
    STDERR = 2
    SYSTEMERR = 3


class Frame(msgspec.Struct, frozen=True):
    """A piece of output. Boundaries carry no meaning: the engine may split or merge writes.

    With a TTY, stdout and stderr are merged and every frame is `StreamKind.STDOUT`.
    """

    kind: StreamKind
    data: bytes
