"""Networks: create, list, inspect, connect, disconnect, remove, prune."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from msgspec import UNSET

from .._endpoints import Filters
from .._endpoints import networks as api
from .._exceptions import APIError, ConflictError
from .._models.networks import EndpointIPAMConfig, EndpointSettings, IPAMConfig, Network, NetworkCreate, NetworkCreated
from .base import EngineCore
from .prune_retry import prune
from .unset import given

__all__ = ["NetworksMixin"]


class NetworksMixin(EngineCore):
    async def create_network(
        self,
        name: str,
        *,
        driver: str | None = None,
        internal: bool | None = None,
        attachable: bool | None = None,
        enable_ipv6: bool | None = None,
        ipam: IPAMConfig | None = None,
        options: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> NetworkCreated:
        """Create a network (`docker network create`). Calls `POST /networks/create`.

        `ipam=IPAMConfig(config=[IPAMPool(subnet="10.90.0.0/24", gateway="10.90.0.1")])` fixes
        its subnet (needed for static addresses); `internal` cuts it off from outside;
        `options` are driver options (`{"mtu": "1400"}` on Podman, `com.docker.network.*` on Docker).

        Returns:
            `NetworkCreated(id, warning)`.

        Raises:
            ConflictError: a network of that name exists (Docker 20.10 checks only when asked,
                which rawengine always does; Podman 4.3's 500 is classified the same).
            NotFoundError: no such network driver.
        """
        body = NetworkCreate(
            name=name,
            check_duplicate=True,
            driver=given(driver),
            internal=given(internal),
            attachable=given(attachable),
            enable_ipv6=given(enable_ipv6),
            ipam=given(ipam),
            options=given(dict(options) if options else None),
            labels=given(dict(labels) if labels else None),
        )
        return await self._json(api.create(body), api.CREATED)

    async def list_networks(self, *, filters: Filters | None = None) -> list[Network]:
        """List networks (without their containers). Calls `GET /networks`.

        `filters`: `{"label": ["app=web"]}`, `{"name": ["rn-"]}`, `{"driver": ["bridge"]}`, ...
        """
        return await self._json(api.list_(filters=filters), api.LIST) or []

    async def inspect_network(self, network: str, *, verbose: bool = False) -> Network:
        """One network with the containers attached to it. Calls `GET /networks/{id}`.

        Raises:
            NotFoundError: no such network.
        """
        return await self._json(api.inspect(network, verbose=verbose), api.INSPECT)

    async def connect_network(
        self,
        network: str,
        container: str,
        *,
        aliases: list[str] | None = None,
        ipv4_address: str | None = None,
        ipv6_address: str | None = None,
        endpoint: EndpointSettings | None = None,
    ) -> None:
        """Attach a container to a network (`docker network connect`). Calls `POST /networks/{id}/connect`.

        `aliases` are extra names other containers on the network resolve to it; `ipv4_address`
        is a static address inside the network's subnet. `endpoint` gives every setting at once
        instead (it wins over the other keywords).

        Raises:
            NotFoundError: no such network or container.
            ConflictError: the address is taken, or the container is already attached (Docker
                answers both with 403, Podman with 500).
        """
        if endpoint is None and (aliases or ipv4_address or ipv6_address):
            ipam = EndpointIPAMConfig(ipv4_address=given(ipv4_address), ipv6_address=given(ipv6_address))
            endpoint = EndpointSettings(
                aliases=given(list(aliases) if aliases else None),
                ipam_config=ipam if ipv4_address or ipv6_address else UNSET,
            )
        async with _forbidden_as_conflict():
            await self._send(api.connect(network, container, endpoint))

    async def disconnect_network(self, network: str, container: str, *, force: bool = False) -> None:
        """Detach a container from a network. Calls `POST /networks/{id}/disconnect`.

        Raises:
            NotFoundError: no such network or container.
            ConflictError: the container is not attached to the network (both engines' 500).
        """
        await self._send(api.disconnect(network, container, force=force))

    async def remove_network(self, network: str) -> None:
        """Remove a network. Calls `DELETE /networks/{id}`.

        On Podman the network is removed by name: Podman 4.3 removes a network that containers
        still use when it is addressed by id (and leaves them pointing at it).

        Raises:
            NotFoundError: no such network.
            ConflictError: containers still use it (Docker's 403 and Podman's 500 say so).
        """
        if await self._engine_kind() == "podman":
            network = (await self.inspect_network(network)).name
        async with _forbidden_as_conflict("active endpoints"):
            await self._send(api.remove(network))

    async def prune_networks(self, *, filters: Filters | None = None) -> list[str]:
        """Remove every network no container uses that matches `filters` (`{"label": ["k=v"]}`, `until`).

        Calls `POST /networks/prune`. Filter by label: without filters this removes other
        people's unused networks too. While another prune runs (Docker's 409) or when Podman
        fails on a network another client removed meanwhile, the call is sent again, a few
        times at most (see `_engine/prune_retry.py`).

        Returns:
            The names of the removed networks.
        """
        return (await prune(self, api.prune(filters=filters), api.PRUNED)).networks_deleted or []


@asynccontextmanager
async def _forbidden_as_conflict(phrase: str = "") -> AsyncIterator[None]:
    """Docker answers 403 for network states that conflict (in use, attached already, address
    taken), where its other endpoints answer 409: raise those as `ConflictError` too."""
    try:
        yield
    except APIError as exc:
        if exc.status_code == 403 and phrase in exc.message:
            raise ConflictError(exc.message, status_code=403, method=exc.method, path=exc.path) from exc
        raise
