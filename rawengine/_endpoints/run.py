"""The calls `run_container` makes beyond the container lifecycle: attaching to its output."""

from __future__ import annotations

from . import Request, encode_query, quote_name

__all__ = ["attach"]


def attach(container: str, *, stdin: bool = False) -> Request:
    """`POST /containers/{id}/attach?stream=1&stdout=1&stderr=1[&stdin=1]`, sent as an Upgrade.

    Without `logs`, only output written after the attach arrives: attach before starting.
    """
    query = encode_query({"stream": True, "stdout": True, "stderr": True, "stdin": True if stdin else None})
    return Request("POST", f"/containers/{quote_name(container, 'container id or name')}/attach", query)
