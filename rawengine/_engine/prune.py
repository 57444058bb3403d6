"""Prune stopped containers, unused images and the build cache; disk usage (`docker system df`)."""

from __future__ import annotations

from .._endpoints import Filters
from .._endpoints import prune as api
from .._exceptions import NotFoundError, ServerError, UnsupportedError
from .._models.images import ImageDeleteItem, normalize_image_id
from .._models.prune import BuildCachePruneReport, ContainersPruneReport, DiskUsage, ImagesPruneReport, disk_usage
from .base import EngineCore

__all__ = ["PruneMixin"]


class PruneMixin(EngineCore):
    async def prune_containers(self, *, filters: Filters | None = None) -> ContainersPruneReport:
        """Remove every stopped container matching `filters` (`{"label": ["k=v"], "until": ["1h"]}`).

        Calls `POST /containers/prune`. Without filters this removes *every* stopped container.
        """
        return await self._json(api.containers(filters=filters), api.CONTAINERS_PRUNED)

    async def prune_images(self, *, all: bool = False, filters: Filters | None = None) -> ImagesPruneReport:
        """Remove unused images: the dangling (untagged) ones, or with `all` every image no
        container uses (`docker image prune [-a]`). Calls `POST /images/prune`.

        `filters`: `{"label": ["k=v"]}`, `{"until": ["24h"]}`. Ids are `sha256:<hex>` on every engine.
        Podman's compat route cannot prune tagged images, so there `all` calls its own
        `POST /libpod/images/prune?all=true` (which reports deletions only, no untags).
        """
        if all and await self._engine_kind() == "podman":
            return await self._prune_all_images_podman(filters)
        report = await self._json(api.images(all=all, filters=filters), api.IMAGES_PRUNED)
        items = [
            ImageDeleteItem(untagged=item.untagged, deleted=normalize_image_id(item.deleted) if item.deleted else None)
            for item in report.images_deleted or []
        ]
        return ImagesPruneReport(items, report.space_reclaimed)

    async def _prune_all_images_podman(self, filters: Filters | None) -> ImagesPruneReport:
        request = api.libpod_images(filters=filters)
        rows = await self._json(request, api.LIBPOD_IMAGES_PRUNED) or []
        failed = [row.err for row in rows if row.err]
        if failed:
            raise ServerError("; ".join(failed), status_code=200, method=request.method, path=request.path)
        deleted = [ImageDeleteItem(deleted=normalize_image_id(row.id)) for row in rows if row.id]
        return ImagesPruneReport(deleted, sum(row.size for row in rows))

    async def prune_build_cache(self, *, all: bool = False, filters: Filters | None = None) -> BuildCachePruneReport:
        """Remove the builder's cache (`docker builder prune [-a]`). Calls `POST /build/prune`.

        Raises:
            UnsupportedError: the engine has no build cache endpoint (Podman: not routed).
        """
        if await self._engine_kind() == "podman":
            raise UnsupportedError(
                "prune_build_cache",
                engine="podman",
                api_version=self.api_version,
                hint="Podman has no /build/prune: its build cache is image layers (use prune_images)",
            )
        try:
            return await self._json(api.build(all=all, filters=filters), api.BUILD_PRUNED)
        except NotFoundError as exc:
            raise UnsupportedError(
                "prune_build_cache",
                engine=await self._engine_kind(),
                api_version=self.api_version,
                hint=f"this engine has no /build/prune ({exc.message})",
            ) from exc

    async def disk_usage(self) -> DiskUsage:
        """Counts, sizes and what is reclaimable, per kind of object (`docker system df`).

        Calls `GET /system/df`; decodes the legacy lists (Docker before API 1.52, Podman) and
        the 1.52 summaries alike. Podman reports no build cache (always empty).
        """
        return disk_usage(await self._json(api.df(), api.DISK_USAGE))
