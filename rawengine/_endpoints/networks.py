"""Network calls: create, list, inspect, connect, disconnect, remove, prune."""

from __future__ import annotations

import msgspec

from .._models.networks import EndpointSettings, Network, NetworkCreate, NetworkCreated, NetworksPruned
from . import JSON, Filters, Request, encode_query, json_body, quote_name

__all__ = [
    "CREATED",
    "INSPECT",
    "LIST",
    "PRUNED",
    "connect",
    "create",
    "disconnect",
    "inspect",
    "list_",
    "prune",
    "remove",
]

CREATED = msgspec.json.Decoder(NetworkCreated)
INSPECT = msgspec.json.Decoder(Network)
LIST = msgspec.json.Decoder(list[Network] | None)
PRUNED = msgspec.json.Decoder(NetworksPruned)

_WHAT = "network id or name"


class _Connect(msgspec.Struct, frozen=True, omit_defaults=True, rename="pascal"):
    container: str
    endpoint_config: EndpointSettings | None = None


class _Disconnect(msgspec.Struct, frozen=True, rename="pascal"):
    container: str
    force: bool


def _container(container: str) -> str:
    quote_name(container, "container id or name")  # the same check as every path: a non-empty string
    return container


def create(body: NetworkCreate) -> Request:
    if not body.name:
        raise ValueError("a network needs a non-empty name")
    return Request("POST", "/networks/create", "", json_body(body), JSON)


def list_(*, filters: Filters | None = None) -> Request:
    return Request("GET", "/networks", encode_query({"filters": filters or None}))


def inspect(network: str, *, verbose: bool = False) -> Request:
    return Request("GET", f"/networks/{quote_name(network, _WHAT)}", "verbose=1" if verbose else "")


def connect(network: str, container: str, endpoint: EndpointSettings | None = None) -> Request:
    body = _Connect(_container(container), endpoint)
    return Request("POST", f"/networks/{quote_name(network, _WHAT)}/connect", "", json_body(body), JSON)


def disconnect(network: str, container: str, *, force: bool = False) -> Request:
    body = _Disconnect(_container(container), force)
    return Request("POST", f"/networks/{quote_name(network, _WHAT)}/disconnect", "", json_body(body), JSON)


def remove(network: str) -> Request:
    return Request("DELETE", f"/networks/{quote_name(network, _WHAT)}")


def prune(*, filters: Filters | None = None) -> Request:
    return Request("POST", "/networks/prune", encode_query({"filters": filters or None}))
