"""Volumes: the create body and the typed replies of create, inspect, list and prune."""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType

__all__ = ["Volume", "VolumeCreate", "VolumeList", "VolumesPruned"]


class VolumeCreate(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, rename="pascal"):
    """The body of `POST /volumes/create` (built by `Engine.create_volume`). No name: the engine makes one."""

    name: str | UnsetType = UNSET
    driver: str | UnsetType = UNSET
    driver_opts: dict[str, str] | UnsetType = UNSET
    labels: dict[str, str] | UnsetType = UNSET


class Volume(msgspec.Struct, frozen=True, rename="pascal"):
    """`GET /volumes/{name}`: one volume. `mountpoint` is a path on the engine's host."""

    name: str
    driver: str = ""
    mountpoint: str = ""
    created_at: str = ""
    scope: str = ""
    labels: dict[str, str] | None = None
    options: dict[str, str] | None = None


class VolumeList(msgspec.Struct, frozen=True):
    """`GET /volumes`: the volumes and the engine's warnings (Docker sends `null` for none: here `[]`)."""

    volumes: list[Volume]
    warnings: list[str]


class VolumeListReply(msgspec.Struct, frozen=True, rename="pascal"):
    volumes: list[Volume] | None = None
    warnings: list[str] | None = None


class VolumesPruned(msgspec.Struct, frozen=True):
    """`POST /volumes/prune`: the names removed and the bytes freed (both engines here report 0)."""

    volumes_deleted: list[str]
    space_reclaimed: int


class VolumesPrunedReply(msgspec.Struct, frozen=True, rename="pascal"):
    volumes_deleted: list[str] | None = None
    space_reclaimed: int = 0
