"""The small container operations: `top` (processes) and `update` (resources and restart policy)."""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType

from .containers import RestartPolicy

__all__ = ["ContainerTop", "ContainerUpdate", "ContainerUpdated"]


class ContainerUpdate(msgspec.Struct, kw_only=True, omit_defaults=True, rename="pascal"):
    """What `Engine.update_container` changes. Unset fields are not sent and stay as they are;
    `0` is sent (so `pids_limit=0` is a real request, not "leave it").

    What 0 means is the engine's: Docker 20.10 reads `pids_limit=0` as "no limit" and ignores a 0
    for `cpu_shares`, `memory_reservation` and `blkio_weight` ("unchanged"). Memory and swap are
    bytes; `nano_cpus` is CPUs times 10**9; `memory_swap=-1` is unlimited swap.
    """

    cpu_shares: int | UnsetType = UNSET
    nano_cpus: int | UnsetType = UNSET
    cpu_period: int | UnsetType = UNSET
    cpu_quota: int | UnsetType = UNSET
    cpuset_cpus: str | UnsetType = UNSET
    cpuset_mems: str | UnsetType = UNSET
    memory: int | UnsetType = UNSET
    memory_swap: int | UnsetType = UNSET
    memory_reservation: int | UnsetType = UNSET
    pids_limit: int | UnsetType = UNSET
    blkio_weight: int | UnsetType = UNSET
    restart_policy: RestartPolicy | UnsetType = UNSET


class ContainerUpdated(msgspec.Struct, frozen=True, rename="pascal"):
    warnings: list[str] | None = None


class TopReply(msgspec.Struct, frozen=True, rename="pascal"):
    titles: list[str] | None = None
    processes: list[list[str]] | None = None


class ContainerTop(msgspec.Struct, frozen=True, rename="pascal"):
    """`GET /containers/{id}/top`: `ps` output, one row of strings per process, in `titles` order.

    Docker runs the host's `ps` (host PIDs and user names); Podman runs `ps` inside the container
    (or psgo for descriptors such as `"pid,user,args"`: container PIDs, numeric users).
    """

    titles: list[str]
    processes: list[list[str]]

    @property
    def rows(self) -> list[dict[str, str]]:
        """Each process as `{title: value}`: `top.rows[0]["PID"]`."""
        return [dict(zip(self.titles, row, strict=False)) for row in self.processes]

    def column(self, title: str) -> list[str]:
        """One column by its title (`top.column("PID")`); `KeyError` naming the titles if there is none."""
        if title not in self.titles:
            raise KeyError(f"no column {title!r} in {self.titles}")
        index = self.titles.index(title)
        return [row[index] for row in self.processes if index < len(row)]
