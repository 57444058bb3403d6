"""Exec calls: create, start (attached or detached), inspect, resize."""

from __future__ import annotations

import msgspec

from .._models.exec import ExecConfig, ExecCreated, ExecInspect
from . import JSON, Request, encode_query, json_body, quote_name

__all__ = ["CREATED", "INSPECT", "create", "inspect", "resize", "start"]

CREATED = msgspec.json.Decoder(ExecCreated)
INSPECT = msgspec.json.Decoder(ExecInspect)


def create(container: str, config: ExecConfig) -> Request:
    if not config.cmd:
        raise ValueError("ExecConfig.cmd must name a command to run")
    return Request(
        "POST", f"/containers/{quote_name(container, 'container id or name')}/exec", "", json_body(config), JSON
    )


def start(exec_id: str, *, detach: bool, tty: bool) -> Request:
    """`POST /exec/{id}/start`. Attached (`detach=False`) it is sent as an Upgrade and hijacks the connection.

    `Tty` should repeat the exec's own setting: Docker frames the output by this flag (a TTY
    exec started with `Tty:false` is multiplexed), Podman by the exec's.
    """
    body = b'{"Detach":%s,"Tty":%s}' % (b"true" if detach else b"false", b"true" if tty else b"false")
    return Request("POST", f"/exec/{quote_name(exec_id, 'exec id')}/start", "", body, JSON)


def inspect(exec_id: str) -> Request:
    return Request("GET", f"/exec/{quote_name(exec_id, 'exec id')}/json")


def resize(exec_id: str, *, height: int, width: int) -> Request:
    if height < 1 or width < 1:
        raise ValueError(f"a terminal size must be positive, not {height}x{width}")
    return Request("POST", f"/exec/{quote_name(exec_id, 'exec id')}/resize", encode_query({"h": height, "w": width}))
