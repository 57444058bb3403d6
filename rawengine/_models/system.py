"""Replies of `/_ping`, `/version` and `/info`."""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["ComponentVersion", "Info", "Ping", "Version"]


class Ping(msgspec.Struct, frozen=True, kw_only=True):
    """What `GET /_ping` says in its headers.

    `engine` is `"podman"` when the reply carries Podman's `Libpod-Api-Version` header, else `"docker"`.
    """

    api_version: str
    os_type: str | None = None
    experimental: bool = False
    builder_version: str | None = None
    server: str | None = None
    engine: str = "docker"


class ComponentVersion(msgspec.Struct, frozen=True, rename="pascal"):
    name: str
    version: str = ""
    details: dict[str, Any] | None = None


class Version(msgspec.Struct, frozen=True, rename="pascal"):
    """`GET /version`: the engine's versions. Docker: `components[0].name == "Engine"`; Podman: `"Podman Engine"`."""

    version: str = ""
    api_version: str = ""
    min_api_version: str = msgspec.field(name="MinAPIVersion", default="")
    git_commit: str = ""
    go_version: str = ""
    os: str = ""
    arch: str = ""
    kernel_version: str = ""
    build_time: str = ""
    components: list[ComponentVersion] | None = None

    @property
    def engine(self) -> str:
        names = [c.name for c in self.components or ()]
        return "podman" if any("podman" in n.lower() for n in names) else "docker"


class Info(msgspec.Struct, frozen=True, rename="pascal"):
    """`GET /info`: a summary of the engine and its host (a subset; unknown fields are ignored)."""

    id: str = msgspec.field(name="ID", default="")
    name: str = ""
    server_version: str = ""
    operating_system: str = ""
    os_type: str = msgspec.field(name="OSType", default="")
    architecture: str = ""
    kernel_version: str = ""
    ncpu: int = msgspec.field(name="NCPU", default=0)
    mem_total: int = 0
    containers: int = 0
    containers_running: int = 0
    containers_paused: int = 0
    containers_stopped: int = 0
    images: int = 0
    driver: str = ""
    docker_root_dir: str = ""
    logging_driver: str = ""
    cgroup_driver: str = ""
    cgroup_version: str = ""
    warnings: list[str] | None = None
