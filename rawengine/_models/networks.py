"""Networks: the create body, how a container joins one (`EndpointSettings`), and the typed replies."""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType

__all__ = [
    "EndpointIPAMConfig",
    "EndpointSettings",
    "IPAMConfig",
    "IPAMInfo",
    "IPAMPool",
    "IPAMPoolInfo",
    "Network",
    "NetworkContainer",
    "NetworkCreate",
    "NetworkCreated",
    "NetworkingConfig",
    "NetworksPruned",
]


# ---------------------------------------------------------------- request bodies


class IPAMPool(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, rename="pascal"):
    """One address pool of a network: `IPAMPool(subnet="10.90.0.0/24", gateway="10.90.0.1")`."""

    subnet: str | UnsetType = UNSET
    ip_range: str | UnsetType = msgspec.field(name="IPRange", default=UNSET)
    gateway: str | UnsetType = UNSET
    aux_addresses: dict[str, str] | UnsetType = msgspec.field(name="AuxiliaryAddresses", default=UNSET)


class IPAMConfig(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, rename="pascal"):
    """How a network hands out addresses (`IPAM` on the wire). Unset: the engine picks a subnet."""

    driver: str | UnsetType = UNSET
    config: list[IPAMPool] | UnsetType = UNSET
    options: dict[str, str] | UnsetType = UNSET


class NetworkCreate(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, rename="pascal"):
    """The body of `POST /networks/create` (built by `Engine.create_network`)."""

    name: str
    check_duplicate: bool  # always sent (True): Docker before API 1.44 creates a second network of that name
    driver: str | UnsetType = UNSET
    internal: bool | UnsetType = UNSET
    attachable: bool | UnsetType = UNSET
    enable_ipv6: bool | UnsetType = msgspec.field(name="EnableIPv6", default=UNSET)
    ipam: IPAMConfig | UnsetType = msgspec.field(name="IPAM", default=UNSET)
    options: dict[str, str] | UnsetType = UNSET
    labels: dict[str, str] | UnsetType = UNSET


class EndpointIPAMConfig(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A static address for a container on a network (the network needs a subnet that holds it)."""

    ipv4_address: str | UnsetType = msgspec.field(name="IPv4Address", default=UNSET)
    ipv6_address: str | UnsetType = msgspec.field(name="IPv6Address", default=UNSET)


class EndpointSettings(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, rename="pascal"):
    """How a container joins one network: extra DNS `aliases`, a static address, driver options.

    Used by `Engine.connect_network` and, per network, by `NetworkingConfig` at create time.
    """

    aliases: list[str] | UnsetType = UNSET
    ipam_config: EndpointIPAMConfig | UnsetType = msgspec.field(name="IPAMConfig", default=UNSET)
    links: list[str] | UnsetType = UNSET
    mac_address: str | UnsetType = UNSET
    driver_opts: dict[str, str] | UnsetType = UNSET


class NetworkingConfig(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, rename="pascal"):
    """The networks a new container joins, by network name: `ContainerConfig(networking_config=...)`.

    `NetworkingConfig(endpoints_config={"my-net": EndpointSettings(aliases=["db"])})`. The API
    (1.41, and Podman's compat API) attaches only one network at create time: join more
    with `Engine.connect_network` before or after start.
    """

    endpoints_config: dict[str, EndpointSettings] | UnsetType = UNSET


# ---------------------------------------------------------------- replies


class NetworkCreated(msgspec.Struct, frozen=True, rename="pascal"):
    """`POST /networks/create`: the new network's id and the engine's warning (usually `""`)."""

    id: str
    warning: str = ""

    @property
    def warnings(self) -> list[str]:
        return [self.warning] if self.warning else []


class NetworkContainer(msgspec.Struct, frozen=True, rename="pascal"):
    """A container attached to a network, as `inspect_network` lists it (addresses with their prefix)."""

    name: str = ""
    endpoint_id: str = msgspec.field(name="EndpointID", default="")
    mac_address: str = ""
    ipv4_address: str = msgspec.field(name="IPv4Address", default="")
    ipv6_address: str = msgspec.field(name="IPv6Address", default="")


class IPAMPoolInfo(msgspec.Struct, frozen=True, rename="pascal"):
    """One address pool of a network, as the engine reports it."""

    subnet: str = ""
    ip_range: str = msgspec.field(name="IPRange", default="")
    gateway: str = ""


class IPAMInfo(msgspec.Struct, frozen=True, rename="pascal"):
    """A network's address management, as the engine reports it (Podman's driver options say `host-local`)."""

    driver: str = ""
    config: list[IPAMPoolInfo] | None = None
    options: dict[str, str] | None = None


class Network(msgspec.Struct, frozen=True, rename="pascal"):
    """`GET /networks/{id}` (and each item of `GET /networks`).

    `containers` is filled by inspect only (the list leaves it empty). On Podman the default
    network is listed as `bridge` (an alias of `podman`).
    """

    name: str
    id: str
    created: str = ""
    scope: str = ""
    driver: str = ""
    enable_ipv6: bool = msgspec.field(name="EnableIPv6", default=False)
    ipam: IPAMInfo = msgspec.field(name="IPAM", default_factory=IPAMInfo)
    internal: bool = False
    attachable: bool = False
    ingress: bool = False
    containers: dict[str, NetworkContainer] | None = None
    options: dict[str, str] | None = None
    labels: dict[str, str] | None = None

    @property
    def subnets(self) -> list[str]:
        return [pool.subnet for pool in self.ipam.config or () if pool.subnet]

    @property
    def gateways(self) -> list[str]:
        return [pool.gateway for pool in self.ipam.config or () if pool.gateway]


class NetworksPruned(msgspec.Struct, frozen=True, rename="pascal"):
    networks_deleted: list[str] | None = None
