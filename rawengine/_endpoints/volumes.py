"""Volume calls: create, list, inspect, remove, prune."""

from __future__ import annotations

import msgspec

from .._models.volumes import Volume, VolumeCreate, VolumeListReply, VolumesPrunedReply
from . import JSON, Filters, Request, encode_query, json_body, quote_name

__all__ = ["INSPECT", "LIST", "PRUNED", "create", "inspect", "list_", "prune", "remove"]

INSPECT = msgspec.json.Decoder(Volume)
LIST = msgspec.json.Decoder(VolumeListReply)
PRUNED = msgspec.json.Decoder(VolumesPrunedReply)

_WHAT = "volume name"


def create(body: VolumeCreate) -> Request:
    return Request("POST", "/volumes/create", "", json_body(body), JSON)


def list_(*, filters: Filters | None = None) -> Request:
    return Request("GET", "/volumes", encode_query({"filters": filters or None}))


def inspect(volume: str) -> Request:
    return Request("GET", f"/volumes/{quote_name(volume, _WHAT)}")


def remove(volume: str, *, force: bool = False) -> Request:
    return Request("DELETE", f"/volumes/{quote_name(volume, _WHAT)}", encode_query({"force": force or None}))


def prune(*, filters: Filters | None = None, all: bool = False) -> Request:
    """`all` asks (API 1.42+) for named volumes too, as the filter `all=true`; the caller checks support."""
    merged: dict[str, list[str]] = {key: list(values) for key, values in (filters or {}).items()}
    if "all" in merged:
        raise ValueError("pass all=True rather than an 'all' filter: rawengine sends it only where the engine knows it")
    if all:
        merged["all"] = ["true"]
    # Removing many volumes can take a while: allow it beyond the usual reply bound.
    return Request("POST", "/volumes/prune", encode_query({"filters": merged or None}), extra_time=120.0)


def prune_knows_all(kind: str, release: tuple[int, int, int], api_version: str | None) -> bool:
    """Whether the engine prunes only anonymous volumes unless sent `all=true` (and accepts that filter).

    Docker since API 1.42 (moby PR #44216). Podman's compat API up to 5.8 refuses `all` with a
    500 and prunes named volumes; Podman 6 follows Docker (podman PR #28235).
    """
    if kind == "podman":
        return release >= (6, 0, 0)
    major, _, minor = (api_version or "0.0").partition(".")
    return (int(major), int(minor or 0)) >= (1, 42)
