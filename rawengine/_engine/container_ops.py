"""The small container operations: top, pause, unpause, rename, update, resize, and port lookup."""

from __future__ import annotations

from msgspec import UNSET

from .._endpoints import container_ops as api
from .._endpoints import containers as containers_api
from .._exceptions import ConflictError
from .._models.container_ops import ContainerTop, ContainerUpdate
from .._models.containers import ContainerInspect, ContainerSummary, PortBinding
from .base import EngineCore
from .release import engine_release, unsupported

__all__ = ["ContainerOpsMixin"]


class ContainerOpsMixin(EngineCore):
    async def top_container(self, container: str, *, ps_args: str | None = None) -> ContainerTop:
        """The processes running in a container (`docker top`). Calls `GET /containers/{id}/top`.

        `ps_args` differ by engine: Docker passes them to the host's `ps` (default `-ef`; e.g.
        `"-o pid,comm"`), Podman to psgo (descriptors such as `"pid,user,args"`) or, for ps
        options, to the container's own `ps`, whose columns it then splits badly (busybox).

        Raises:
            NotFoundError: no such container.
            ConflictError: the container is not running (Podman answers that with an empty 200,
                which is checked against inspect).
            UnsupportedError: Podman could not run `ps` in the running container (the same
                empty 200 when the image has none): pass psgo descriptors.
        """
        request = api.top(container, ps_args=ps_args)
        response = await self._send(request)
        if not response.content.strip():  # Podman: 200 and nothing, when its ps could not run
            state = (await self._json(containers_api.inspect(container), containers_api.INSPECT)).state
            if not state.running:
                message = f"container {container} is not running ({state.status})"
                raise ConflictError(message, status_code=409, method=request.method, path=request.path)
            release = await engine_release(self)
            hint = "the engine ran no ps in the container (the image has none?); pass ps_args='pid,user,args'"
            raise unsupported(f"top_container(ps_args={ps_args!r})", release, hint)
        reply = self._decode(request, api.TOP, response.content)
        return ContainerTop(titles=reply.titles or [], processes=reply.processes or [])

    async def pause_container(self, container: str) -> None:
        """Freeze every process of a container (cgroup freezer). Calls `POST /containers/{id}/pause`.

        Raises:
            NotFoundError: no such container.
            ConflictError: it is not running, or already paused.
        """
        await self._send(api.pause(container))

    async def unpause_container(self, container: str) -> None:
        """Thaw a paused container. Calls `POST /containers/{id}/unpause`.

        Raises:
            NotFoundError: no such container.
            ConflictError: it is not paused (Docker 20.10's and Podman's 500 are classified so).
        """
        await self._send(api.unpause(container))

    async def rename_container(self, container: str, name: str) -> None:
        """Give a container a new name. Calls `POST /containers/{id}/rename`.

        Raises:
            NotFoundError: no such container.
            ConflictError: another container has that name.
            BadRequestError: Docker: the name is invalid or is already this container's
                (Podman accepts the latter as a no-op).
        """
        await self._send(api.rename(container, name))

    async def update_container(self, container: str, changes: ContainerUpdate) -> list[str]:
        """Change a container's resource limits or restart policy while it exists (`docker update`).

        Calls `POST /containers/{id}/update`. Only the fields set in `changes` are sent; `0` is
        sent as 0 (see `ContainerUpdate` for what each engine makes of it). Podman from 5.1
        resets the restart policy to `no` when a request leaves it out (podman #29790), so on
        Podman the container's current policy is read and sent along.

        Returns:
            The engine's warnings (`[]` for none).

        Raises:
            NotFoundError: no such container.
            BadRequestError: a value the engine refuses (e.g. memory below its minimum).
            UnsupportedError: Podman before 5.1, which has no update endpoint in its compat API.
        """
        if await self._engine_kind() == "podman":
            release = await engine_release(self)
            if not api.update_routed(release.kind, release.version):
                raise unsupported("update_container", release, "Podman's compat API has it from 5.1.0 on")
            if changes.restart_policy is UNSET:
                current = await self._json(containers_api.inspect(container), containers_api.INSPECT)
                changes = api.with_restart_policy(changes, current.host_config.restart_policy)
        reply = await self._json(api.update(container, changes), api.UPDATED)
        return reply.warnings or []

    async def resize_container(self, container: str, *, height: int, width: int) -> None:
        """Set the terminal size of a TTY container. Calls `POST /containers/{id}/resize`.

        Raises:
            NotFoundError: no such container.
            ConflictError: it is not running.
        """
        await self._send(api.resize(container, height=height, width=width))

    async def container_port(
        self, container: str | ContainerSummary | ContainerInspect, port: int | str, protocol: str = "tcp"
    ) -> list[PortBinding]:
        """Where a container port is published on the host (`docker port`), from inspect.

        `container` is an id or name, an item of `list_containers` (its id is inspected), or an
        `inspect_container` result (read as it is, no request). `port` is `80` (with
        `protocol`) or `"80/udp"`. Every binding is returned: Docker may publish IPv4 and IPv6
        on *different* host ports, so do not assume the first is the one you want.

        Returns:
            `[PortBinding(host_ip="0.0.0.0", host_port="32768"), ...]`; `[]` when the port is
            not published or the container is not running.

        Raises:
            NotFoundError: no such container.
        """
        if not isinstance(container, ContainerInspect):
            cid = container.id if isinstance(container, ContainerSummary) else container
            container = await self._json(containers_api.inspect(cid), containers_api.INSPECT)
        return api.port_bindings(container, port, protocol)
