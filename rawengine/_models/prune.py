"""Replies of the prune calls and of `/system/df` (both of its shapes)."""

from __future__ import annotations

import msgspec

from .images import ImageDeleteItem

__all__ = [
    "BuildCachePruneReport",
    "ContainersPruneReport",
    "DiskUsage",
    "DiskUsageRaw",
    "ImagesPruneReport",
    "UsageSummary",
    "disk_usage",
]


class ContainersPruneReport(msgspec.Struct, frozen=True, rename="pascal"):
    """`POST /containers/prune`: the removed containers' ids and the bytes freed."""

    containers_deleted: list[str] | None = None
    space_reclaimed: int = 0


class ImagesPruneReport(msgspec.Struct, frozen=True, rename="pascal"):
    """`POST /images/prune`: what was untagged and deleted, and the bytes freed."""

    images_deleted: list[ImageDeleteItem] | None = None
    space_reclaimed: int = 0


class BuildCachePruneReport(msgspec.Struct, frozen=True, rename="pascal"):
    """`POST /build/prune`: the removed cache records' ids and the bytes freed."""

    caches_deleted: list[str] | None = None
    space_reclaimed: int = 0


class UsageSummary(msgspec.Struct, frozen=True, rename="pascal"):
    """One kind of object in `docker system df`: how many, how many in use, bytes, bytes reclaimable."""

    active_count: int = 0
    total_count: int = 0
    reclaimable: int = 0
    total_size: int = 0


class DiskUsage(msgspec.Struct, frozen=True):
    """`GET /system/df`, as `docker system df` shows it, whichever shape the engine sent."""

    images: UsageSummary
    containers: UsageSummary
    volumes: UsageSummary
    build_cache: UsageSummary


# ---------------------------------------------------------------- the wire shapes


class _LegacyImage(msgspec.Struct, frozen=True, rename="pascal"):
    size: int = 0
    shared_size: int = -1
    containers: int = 0


class _LegacyContainer(msgspec.Struct, frozen=True, rename="pascal"):
    size_rw: int = 0
    state: str = ""


class _VolumeUsageData(msgspec.Struct, frozen=True, rename="pascal"):
    size: int = -1
    ref_count: int = -1


class _LegacyVolume(msgspec.Struct, frozen=True, rename="pascal"):
    usage_data: _VolumeUsageData | None = None


class _LegacyBuildCache(msgspec.Struct, frozen=True, rename="pascal"):
    size: int = 0
    in_use: bool = False
    shared: bool = False


class DiskUsageRaw(msgspec.Struct, frozen=True, rename="pascal"):
    """Both shapes at once: the legacy lists (before API 1.52, and Podman) and the 1.52 summaries."""

    layers_size: int = 0
    images: list[_LegacyImage] | None = None
    containers: list[_LegacyContainer] | None = None
    volumes: list[_LegacyVolume] | None = None
    build_cache: list[_LegacyBuildCache] | None = None
    image_usage: UsageSummary | None = None
    container_usage: UsageSummary | None = None
    volume_usage: UsageSummary | None = None
    build_cache_usage: UsageSummary | None = None


def _images(raw: DiskUsageRaw) -> UsageSummary:
    images = raw.images or []
    used = [image for image in images if image.containers > 0]
    in_use = sum(image.size - max(image.shared_size, 0) for image in used)
    total = raw.layers_size or sum(image.size for image in images)
    return UsageSummary(len(used), len(images), max(total - in_use, 0), total)


def _containers(raw: DiskUsageRaw) -> UsageSummary:
    rows = raw.containers or []
    running = [row for row in rows if row.state in ("running", "paused", "restarting")]
    total = sum(max(row.size_rw, 0) for row in rows)
    return UsageSummary(len(running), len(rows), total - sum(max(row.size_rw, 0) for row in running), total)


def _volumes(raw: DiskUsageRaw) -> UsageSummary:
    rows = [row.usage_data or _VolumeUsageData() for row in raw.volumes or []]
    total = sum(max(row.size, 0) for row in rows)
    unused = sum(max(row.size, 0) for row in rows if row.ref_count == 0)
    return UsageSummary(sum(1 for row in rows if row.ref_count > 0), len(rows), unused, total)


def _build_cache(raw: DiskUsageRaw) -> UsageSummary:
    rows = raw.build_cache or []
    total = sum(row.size for row in rows)
    unused = sum(row.size for row in rows if not row.in_use and not row.shared)
    return UsageSummary(sum(1 for row in rows if row.in_use), len(rows), unused, total)


def disk_usage(raw: DiskUsageRaw) -> DiskUsage:
    """The summaries: the engine's own (API 1.52+) where it sent them, else computed from the lists
    the way the docker CLI does (`formatter/disk_usage.go`)."""
    return DiskUsage(
        images=raw.image_usage or _images(raw),
        containers=raw.container_usage or _containers(raw),
        volumes=raw.volume_usage or _volumes(raw),
        build_cache=raw.build_cache_usage or _build_cache(raw),
    )
