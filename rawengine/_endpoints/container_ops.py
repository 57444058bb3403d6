"""The small container calls: top, pause, unpause, rename, update, resize."""

from __future__ import annotations

import msgspec

from .._models.container_ops import ContainerUpdate, ContainerUpdated, TopReply
from .._models.containers import ContainerInspect, PortBinding, RestartPolicy
from . import JSON, Request, encode_query, json_body, quote_name

__all__ = [
    "TOP",
    "UPDATED",
    "pause",
    "port_bindings",
    "port_key",
    "rename",
    "resize",
    "top",
    "unpause",
    "update",
    "update_routed",
    "with_restart_policy",
]

TOP = msgspec.json.Decoder(TopReply)
UPDATED = msgspec.json.Decoder(ContainerUpdated)

_WHAT = "container id or name"


def top(container: str, *, ps_args: str | None = None) -> Request:
    return Request("GET", f"/containers/{quote_name(container, _WHAT)}/top", encode_query({"ps_args": ps_args}))


def pause(container: str) -> Request:
    return Request("POST", f"/containers/{quote_name(container, _WHAT)}/pause")


def unpause(container: str) -> Request:
    return Request("POST", f"/containers/{quote_name(container, _WHAT)}/unpause")


def rename(container: str, name: str) -> Request:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"the new container name must be a non-empty string, not {name!r}")
    return Request("POST", f"/containers/{quote_name(container, _WHAT)}/rename", encode_query({"name": name}))


def update(container: str, changes: ContainerUpdate) -> Request:
    return Request("POST", f"/containers/{quote_name(container, _WHAT)}/update", "", json_body(changes), JSON)


def resize(container: str, *, height: int, width: int) -> Request:
    if height < 1 or width < 1:
        raise ValueError(f"a terminal size must be positive, not {height}x{width}")
    return Request(
        "POST", f"/containers/{quote_name(container, _WHAT)}/resize", encode_query({"h": height, "w": width})
    )


def update_routed(kind: str, release: tuple[int, int, int]) -> bool:
    """Podman's compat API routes `/containers/{id}/update` from 5.1.0 on (podman #14678); Docker always."""
    return kind != "podman" or release >= (5, 1, 0)


def with_restart_policy(changes: ContainerUpdate, policy: RestartPolicy | None) -> ContainerUpdate:
    """`changes` with the container's current restart policy, for Podman, which resets one left out."""
    return msgspec.structs.replace(changes, restart_policy=policy or RestartPolicy(name="no"))


def port_key(port: int | str, protocol: str = "tcp") -> str:
    """`80` → `"80/tcp"`; `"53/udp"` stays as it is."""
    text = str(port)
    if "/" in text:
        return text
    if not text.isdigit():
        raise ValueError(f"a container port is a number, optionally with /tcp, /udp or /sctp, not {port!r}")
    return f"{text}/{protocol}"


def port_bindings(container: ContainerInspect, port: int | str, protocol: str = "tcp") -> list[PortBinding]:
    ports = container.network_settings.ports or {}
    return list(ports.get(port_key(port, protocol)) or [])
