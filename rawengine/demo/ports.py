"""Host ports: is one free, which to take instead, and does an engine error mean "in use"?

Both engines refuse to start a container whose published port is taken, and leave it created:
Docker says `... Error starting userland proxy: listen tcp4 0.0.0.0:80: bind: address already in use`
(or `port is already allocated` when its own proxy holds it), Podman says
`cannot listen on the TCP port: listen tcp4 :80: bind: address already in use`.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator

__all__ = ["is_port_conflict", "port_candidates", "port_is_free"]

_CONFLICT_PHRASES = ("address already in use", "port is already allocated", "bind: address")


def port_is_free(port: int, host: str = "0.0.0.0") -> bool | None:
    """True if nothing listens on `port`, False if something does, None if this process cannot tell.

    None happens for ports below 1024 when not running as root: the engine (root) may still bind them.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except PermissionError:
            return None
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            return None
    return True


def is_port_conflict(message: str) -> bool:
    """Whether an engine's error text says the published host port is taken."""
    lowered = message.lower()
    return any(phrase in lowered for phrase in _CONFLICT_PHRASES)


def port_candidates(preferred: int) -> Iterator[int]:
    """Ports to try, best first: the preferred one, then `preferred + 8000` (80 → 8080) and its
    neighbours, then whatever the kernel hands out (only that for `preferred == 0`)."""
    if preferred:
        yield preferred
        base = preferred + 8000 if preferred + 8000 <= 65535 else 8080
        for offset in range(20):
            candidate = base + offset
            if candidate <= 65535 and candidate != preferred:
                yield candidate
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("0.0.0.0", 0))
            port = int(sock.getsockname()[1])
        yield port  # after closing: the engine is to bind it, not this process
