"""`POST /containers/{id}/attach`: hijack a connection to a container's main process."""

from __future__ import annotations

from . import Request, encode_query, quote_name

__all__ = ["attach"]


def attach(
    container: str,
    *,
    stdin: bool,
    stdout: bool,
    stderr: bool,
    logs: bool,
    stream: bool,
    detach_keys: str | None = None,
) -> Request:
    """Every flag is sent explicitly: Podman attaches all streams when none is given, and streams by default."""
    if not (stdin or stdout or stderr):
        raise ValueError("attach to at least one of stdin, stdout, stderr")
    if not (logs or stream):
        raise ValueError("ask for logs, stream or both: an attach with neither returns nothing")
    query = encode_query(
        {
            "stream": stream,
            "stdin": stdin,
            "stdout": stdout,
            "stderr": stderr,
            "logs": logs,
            "detachKeys": detach_keys,
        }
    )
    return Request("POST", f"/containers/{quote_name(container, 'container id or name')}/attach", query)
