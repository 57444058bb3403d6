"""Volumes: create, list, inspect, remove, prune."""

from __future__ import annotations

from collections.abc import Mapping

from .._endpoints import Filters
from .._endpoints import volumes as api
from .._models.volumes import Volume, VolumeCreate, VolumeList, VolumesPruned
from .base import EngineCore
from .prune_retry import prune
from .release import engine_release, unsupported
from .unset import given

__all__ = ["VolumesMixin"]


class VolumesMixin(EngineCore):
    async def create_volume(
        self,
        name: str | None = None,
        *,
        driver: str | None = None,
        driver_opts: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> Volume:
        """Create a volume (no `name`: the engine makes one up). Calls `POST /volumes/create`.

        Both engines answer a name that exists with that volume, unchanged (not an error).

        Raises:
            NotFoundError: no such volume driver.
        """
        body = VolumeCreate(
            name=given(name),
            driver=given(driver),
            driver_opts=given(dict(driver_opts) if driver_opts else None),
            labels=given(dict(labels) if labels else None),
        )
        return await self._json(api.create(body), api.INSPECT)

    async def list_volumes(self, *, filters: Filters | None = None) -> VolumeList:
        """List volumes, with the engine's warnings. Calls `GET /volumes`.

        `filters`: `{"label": ["k=v"]}`, `{"name": ["rn-"]}`, `{"dangling": ["true"]}`, `{"driver": ["local"]}`.
        """
        reply = await self._json(api.list_(filters=filters), api.LIST)
        return VolumeList(volumes=reply.volumes or [], warnings=reply.warnings or [])

    async def inspect_volume(self, volume: str) -> Volume:
        """One volume. Calls `GET /volumes/{name}`.

        Raises:
            NotFoundError: no such volume.
        """
        return await self._json(api.inspect(volume), api.INSPECT)

    async def remove_volume(self, volume: str, *, force: bool = False) -> None:
        """Remove a volume. Calls `DELETE /volumes/{name}`.

        Raises:
            NotFoundError: no such volume (with `force`, both engines answer that with success).
            ConflictError: a container uses it, running or not.
        """
        await self._send(api.remove(volume, force=force))

    async def prune_volumes(self, *, filters: Filters | None = None, all: bool = False) -> VolumesPruned:
        """Remove the volumes no container uses that match `filters`. Calls `POST /volumes/prune`.

        Filter by label (`{"label": ["k=v"]}`): without filters this removes other people's
        unused volumes too. `all=True` removes named volumes as well as anonymous ones, on every
        engine; `all=False` removes only anonymous volumes. Engines differ in what they can do:

        * Docker with API 1.42+ (and Podman 6) prune anonymous volumes unless sent `all=true`.
        * Docker before API 1.42 and Podman up to 5.8 always prune named volumes too, and
          refuse the `all` filter (Docker 400, Podman 500). `all=True` is sent to them without
          it (same effect); `all=False` cannot be honoured, so nothing is sent.

        While another prune runs (Docker's 409), the call is sent again, a few times at most.

        Returns:
            `VolumesPruned(volumes_deleted, space_reclaimed)`.

        Raises:
            UnsupportedError: `all=False` on an engine that would also remove named volumes.
        """
        release = await engine_release(self)
        knows_all = api.prune_knows_all(release.kind, release.version, release.api_version)
        if not all and not knows_all:
            raise unsupported(
                "prune_volumes(all=False), pruning anonymous volumes only,",
                release,
                "this engine always prunes named volumes too; pass all=True to prune them all",
            )
        reply = await prune(self, api.prune(filters=filters, all=all and knows_all), api.PRUNED)
        return VolumesPruned(volumes_deleted=reply.volumes_deleted or [], space_reclaimed=reply.space_reclaimed)
