"""Prune calls and `/system/df`."""

from __future__ import annotations

import msgspec

from .._models.prune import BuildCachePruneReport, ContainersPruneReport, DiskUsageRaw, ImagesPruneReport
from . import Filters, Request, encode_query

__all__ = [
    "BUILD_PRUNED",
    "CONTAINERS_PRUNED",
    "DISK_USAGE",
    "IMAGES_PRUNED",
    "LIBPOD_IMAGES_PRUNED",
    "LibpodPruned",
    "build",
    "containers",
    "df",
    "images",
    "libpod_images",
]

CONTAINERS_PRUNED = msgspec.json.Decoder(ContainersPruneReport)
IMAGES_PRUNED = msgspec.json.Decoder(ImagesPruneReport)
BUILD_PRUNED = msgspec.json.Decoder(BuildCachePruneReport)
DISK_USAGE = msgspec.json.Decoder(DiskUsageRaw)

_LONG = 600.0  # a prune or a df walks every layer: minutes on a big store


def containers(*, filters: Filters | None = None) -> Request:
    return Request("POST", "/containers/prune", encode_query({"filters": filters or None}), extra_time=_LONG)


def images(*, all: bool = False, filters: Filters | None = None) -> Request:
    """`dangling=false` prunes every unused image, not only the untagged ones (`docker image prune -a`)."""
    merged = {key: list(values) for key, values in (filters or {}).items()}
    if all:
        merged["dangling"] = ["false"]
    return Request("POST", "/images/prune", encode_query({"filters": merged or None}), extra_time=_LONG)


def build(*, all: bool = False, filters: Filters | None = None) -> Request:
    query = encode_query({"all": all or None, "filters": filters or None})
    return Request("POST", "/build/prune", query, extra_time=_LONG)


def df() -> Request:
    return Request("GET", "/system/df", extra_time=_LONG)


class LibpodPruned(msgspec.Struct, frozen=True, rename="pascal"):
    """One row of Podman's own `POST /libpod/images/prune` reply."""

    id: str = msgspec.field(name="Id", default="")
    size: int = 0
    err: str | None = None


LIBPOD_IMAGES_PRUNED = msgspec.json.Decoder(list[LibpodPruned] | None)


def libpod_images(*, filters: Filters | None = None) -> Request:
    """Podman's `POST /libpod/images/prune?all=true`: its compat route cannot prune tagged images
    (it always adds `dangling=true`, and a `dangling=false` filter then conflicts)."""
    query = encode_query({"all": True, "filters": filters or None})
    return Request("POST", "/libpod/images/prune", query, extra_time=_LONG)
