"""Container lifecycle: create, start, stop, kill, restart, remove, wait, inspect, list."""

from __future__ import annotations

from .._endpoints import Filters
from .._endpoints import containers as api
from .._models.containers import ContainerConfig, ContainerCreated, ContainerInspect, ContainerSummary, WaitResult
from .base import EngineCore

__all__ = ["ContainersMixin"]


class ContainersMixin(EngineCore):
    async def create_container(
        self, config: ContainerConfig, *, name: str | None = None, platform: str | None = None
    ) -> ContainerCreated:
        """Create a container (not started). Calls `POST /containers/create`.

        Raises:
            NotFoundError: the image does not exist locally (nothing is pulled behind your back).
            ConflictError: the name is in use (Podman's 500 is classified the same).
            BadRequestError: the config is invalid.
        """
        return await self._json(api.create(config, name=name, platform=platform), api.CREATED)

    async def start_container(self, container: str) -> bool:
        """Start a container. Calls `POST /containers/{id}/start`.

        Returns:
            `True` if it started, `False` if it was already running (the engine's 304).
        """
        response = await self._send(api.start(container))
        return response.status_code != 304

    async def stop_container(self, container: str, *, timeout: int | None = None) -> bool:
        """Stop a container: SIGTERM (or its stop signal), then SIGKILL after `timeout` seconds.

        Calls `POST /containers/{id}/stop`; the engine answers once the container has stopped.

        Returns:
            `True` if it was stopped, `False` if it was not running (the engine's 304).
        """
        response = await self._send(api.stop(container, timeout=timeout))
        return response.status_code != 304

    async def kill_container(self, container: str, *, signal: str | int | None = None) -> None:
        """Send a signal (default SIGKILL). Calls `POST /containers/{id}/kill`.

        Raises:
            ConflictError: the container is not running.
        """
        await self._send(api.kill(container, signal=signal))

    async def restart_container(self, container: str, *, timeout: int | None = None) -> None:
        """Stop (as `stop_container`) and start again. Calls `POST /containers/{id}/restart`."""
        await self._send(api.restart(container, timeout=timeout))

    async def remove_container(
        self, container: str, *, force: bool = False, volumes: bool = False, link: bool = False
    ) -> None:
        """Remove a container; `force` kills it first if it runs. Calls `DELETE /containers/{id}`.

        Raises:
            NotFoundError: no such container.
            ConflictError: it is running and `force` is false.
        """
        await self._send(api.remove(container, force=force, volumes=volumes, link=link))

    async def wait_container(self, container: str, *, condition: str | None = None) -> WaitResult:
        """Wait until the container stops (`condition`: `not-running`, `next-exit`, `removed`).

        Calls `POST /containers/{id}/wait`. There is no time limit: bound it with `anyio.fail_after`.
        """
        return await self._json(api.wait(container, condition=condition), api.WAIT)

    async def inspect_container(self, container: str, *, size: bool = False) -> ContainerInspect:
        """A typed snapshot of a container. Calls `GET /containers/{id}/json`.

        Raises:
            NotFoundError: no such container.
        """
        return await self._json(api.inspect(container, size=size), api.INSPECT)

    async def list_containers(
        self, *, all: bool = False, limit: int | None = None, size: bool = False, filters: Filters | None = None
    ) -> list[ContainerSummary]:
        """List containers (running ones unless `all`). Calls `GET /containers/json`.

        `filters` is a dict of lists, for example `{"label": ["app=web"], "status": ["exited"]}`.
        """
        return await self._json(api.list_(all=all, limit=limit, size=size, filters=filters), api.LIST)
