"""`ping`, `version`, `info`."""

from __future__ import annotations

from .._endpoints import system as api
from .._models.system import Info, Ping, Version
from .base import EngineCore

__all__ = ["SystemMixin"]


class SystemMixin(EngineCore):
    async def ping(self) -> Ping:
        """Check that the engine answers, and read what it announces.

        Calls `GET /_ping` (unversioned). Raises `ConnectError` when no engine listens on the socket.
        """
        return await self._ping()

    async def version(self) -> Version:
        """The engine's version, API version range, and components. Calls `GET /version`."""
        return await self._json(api.version(), api.VERSION)

    async def info(self) -> Info:
        """A summary of the engine and its host. Calls `GET /info`."""
        return await self._json(api.info(), api.INFO)
