"""Container lifecycle calls: create, start, stop, kill, restart, remove, wait, inspect, list."""

from __future__ import annotations

import msgspec

from .._models.containers import ContainerConfig, ContainerCreated, ContainerInspect, ContainerSummary, WaitResult
from . import JSON, Filters, Request, encode_query, json_body, quote_name

__all__ = [
    "CREATED",
    "INSPECT",
    "LIST",
    "WAIT",
    "create",
    "inspect",
    "kill",
    "list_",
    "remove",
    "restart",
    "start",
    "stop",
    "wait",
]

CREATED = msgspec.json.Decoder(ContainerCreated)
INSPECT = msgspec.json.Decoder(ContainerInspect)
LIST = msgspec.json.Decoder(list[ContainerSummary])
WAIT = msgspec.json.Decoder(WaitResult)


def create(config: ContainerConfig, *, name: str | None = None, platform: str | None = None) -> Request:
    query = encode_query({"name": name, "platform": platform})
    return Request("POST", "/containers/create", query, json_body(config), JSON)


def start(container: str) -> Request:
    return Request("POST", f"/containers/{quote_name(container, 'container id or name')}/start")


def stop(container: str, *, timeout: int | None = None, signal: str | None = None) -> Request:
    query = encode_query({"t": timeout, "signal": signal})
    # The engine answers only once the container has stopped: allow the grace period on top.
    extra = float(timeout if timeout is not None else 10) + 5.0
    return Request("POST", f"/containers/{quote_name(container, 'container id or name')}/stop", query, extra_time=extra)


def restart(container: str, *, timeout: int | None = None) -> Request:
    query = encode_query({"t": timeout})
    extra = float(timeout if timeout is not None else 10) + 5.0
    return Request(
        "POST", f"/containers/{quote_name(container, 'container id or name')}/restart", query, extra_time=extra
    )


def kill(container: str, *, signal: str | int | None = None) -> Request:
    query = encode_query({"signal": signal})
    return Request("POST", f"/containers/{quote_name(container, 'container id or name')}/kill", query)


def remove(container: str, *, force: bool = False, volumes: bool = False, link: bool = False) -> Request:
    query = encode_query({"force": force or None, "v": volumes or None, "link": link or None})
    return Request("DELETE", f"/containers/{quote_name(container, 'container id or name')}", query, extra_time=30.0)


def wait(container: str, *, condition: str | None = None) -> Request:
    return Request(
        "POST",
        f"/containers/{quote_name(container, 'container id or name')}/wait",
        encode_query({"condition": condition}),
    )


def inspect(container: str, *, size: bool = False) -> Request:
    return Request("GET", f"/containers/{quote_name(container, 'container id or name')}/json", "size=1" if size else "")


def list_(
    *, all: bool = False, limit: int | None = None, size: bool = False, filters: Filters | None = None
) -> Request:
    query = encode_query({"all": all or None, "limit": limit, "size": size or None, "filters": filters or None})
    return Request("GET", "/containers/json", query)
