"""Containers: the create body, and the typed replies of inspect, list, create and wait."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from .mounts import Mount, MountPoint
from .networks import NetworkingConfig

__all__ = [
    "ContainerConfig",
    "ContainerConfigInfo",
    "ContainerCreated",
    "ContainerInspect",
    "ContainerState",
    "ContainerSummary",
    "EndpointInfo",
    "HostConfig",
    "HostConfigInfo",
    "LogConfig",
    "NetworkSettings",
    "PortBinding",
    "PortSummary",
    "RestartPolicy",
    "Ulimit",
    "WaitResult",
]


# ---------------------------------------------------------------- request bodies


class PortBinding(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, rename="pascal"):
    """A host address and port that a container port is published on (`-p 8080:80`)."""

    host_ip: str = ""
    host_port: str = ""


class Ulimit(msgspec.Struct, frozen=True, rename="pascal"):
    name: str
    soft: int
    hard: int


class RestartPolicy(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, rename="pascal"):
    name: str = ""
    maximum_retry_count: int = 0


class LogConfig(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, rename="pascal"):
    """Where the container's output is logged: `LogConfig(type="none")`, `"json-file"`, `"local"`, ..."""

    type: str
    config: dict[str, str] = msgspec.field(default_factory=dict)


class HostConfig(msgspec.Struct, kw_only=True, omit_defaults=True, rename="pascal"):
    """How the host runs the container. Unset fields are left out of the request.

    `port_bindings` maps `"80/tcp"` to where it is published: `{"80/tcp": [PortBinding(host_port="8080")]}`.
    """

    binds: list[str] | UnsetType = UNSET
    port_bindings: dict[str, list[PortBinding]] | UnsetType = UNSET
    publish_all_ports: bool | UnsetType = UNSET
    auto_remove: bool | UnsetType = UNSET
    ulimits: list[Ulimit] | UnsetType = UNSET
    network_mode: str | UnsetType = UNSET
    privileged: bool | UnsetType = UNSET
    init: bool | UnsetType = UNSET
    memory: int | UnsetType = UNSET
    nano_cpus: int | UnsetType = UNSET
    restart_policy: RestartPolicy | UnsetType = UNSET
    extra_hosts: list[str] | UnsetType = UNSET
    cap_add: list[str] | UnsetType = UNSET
    cap_drop: list[str] | UnsetType = UNSET
    security_opt: list[str] | UnsetType = UNSET
    tmpfs: dict[str, str] | UnsetType = UNSET
    readonly_rootfs: bool | UnsetType = UNSET
    shm_size: int | UnsetType = UNSET
    mounts: list[Mount] | UnsetType = UNSET
    log_config: LogConfig | UnsetType = UNSET


class ContainerConfig(msgspec.Struct, kw_only=True, omit_defaults=True, rename="pascal"):
    """What to run: the body of `POST /containers/create` (also the `config` of a commit).

    Unset fields are left out of the request, so the engine's and the image's defaults apply.
    """

    image: str | UnsetType = UNSET
    cmd: list[str] | UnsetType = UNSET
    entrypoint: list[str] | UnsetType = UNSET
    env: list[str] | UnsetType = UNSET
    labels: dict[str, str] | UnsetType = UNSET
    working_dir: str | UnsetType = UNSET
    user: str | UnsetType = UNSET
    hostname: str | UnsetType = UNSET
    tty: bool | UnsetType = UNSET
    open_stdin: bool | UnsetType = UNSET
    stdin_once: bool | UnsetType = UNSET
    attach_stdin: bool | UnsetType = UNSET
    attach_stdout: bool | UnsetType = UNSET
    attach_stderr: bool | UnsetType = UNSET
    exposed_ports: dict[str, dict[str, Any]] | UnsetType = UNSET
    volumes: dict[str, dict[str, Any]] | UnsetType = UNSET
    stop_signal: str | UnsetType = UNSET
    stop_timeout: int | UnsetType = UNSET
    network_disabled: bool | UnsetType = UNSET
    host_config: HostConfig | UnsetType = UNSET
    networking_config: NetworkingConfig | UnsetType = UNSET


# ---------------------------------------------------------------- replies


class ContainerCreated(msgspec.Struct, frozen=True, rename="pascal"):
    """`POST /containers/create`: the new container's id and the engine's warnings."""

    id: str
    warnings: list[str] | None = None


class ContainerState(msgspec.Struct, frozen=True, rename="pascal"):
    status: str = ""
    running: bool = False
    paused: bool = False
    restarting: bool = False
    oom_killed: bool = msgspec.field(name="OOMKilled", default=False)
    dead: bool = False
    pid: int = 0
    exit_code: int = 0
    error: str = ""
    started_at: str = ""
    finished_at: str = ""


class ContainerConfigInfo(msgspec.Struct, frozen=True, rename="pascal"):
    """The container's config as the engine reports it (Podman fills in more defaults than Docker)."""

    image: str = ""
    cmd: list[str] | None = None
    entrypoint: list[str] | str | None = None
    env: list[str] | None = None
    labels: dict[str, str] | None = None
    working_dir: str = ""
    user: str = ""
    hostname: str = ""
    tty: bool = False
    open_stdin: bool = False
    exposed_ports: dict[str, Any] | None = None
    stop_signal: str | None = None


class HostConfigInfo(msgspec.Struct, frozen=True, rename="pascal"):
    network_mode: str = ""
    auto_remove: bool = False
    binds: list[str] | None = None
    port_bindings: dict[str, list[PortBinding] | None] | None = None
    privileged: bool = False
    restart_policy: RestartPolicy | None = None
    memory: int = 0
    memory_swap: int = 0
    memory_reservation: int = 0
    nano_cpus: int = 0
    cpu_shares: int = 0
    cpu_period: int = 0
    cpu_quota: int = 0
    pids_limit: int | None = None


class EndpointInfo(msgspec.Struct, frozen=True, rename="pascal"):
    ip_address: str = msgspec.field(name="IPAddress", default="")
    gateway: str = ""
    network_id: str = msgspec.field(name="NetworkID", default="")
    mac_address: str = ""
    aliases: list[str] | None = None
    ip_prefix_len: int = msgspec.field(name="IPPrefixLen", default=0)


class NetworkSettings(msgspec.Struct, frozen=True, rename="pascal"):
    ip_address: str = msgspec.field(name="IPAddress", default="")
    ports: dict[str, list[PortBinding] | None] | None = None
    networks: dict[str, EndpointInfo] | None = None


class ContainerInspect(msgspec.Struct, frozen=True, rename="pascal"):
    """`GET /containers/{id}/json`: a snapshot of one container (inspect again for fresh state)."""

    id: str
    name: str = ""
    created: str = ""
    path: str = ""
    args: list[str] | None = None
    image: str = ""
    state: ContainerState = msgspec.field(default_factory=ContainerState)
    config: ContainerConfigInfo = msgspec.field(default_factory=ContainerConfigInfo)
    host_config: HostConfigInfo = msgspec.field(default_factory=HostConfigInfo)
    network_settings: NetworkSettings = msgspec.field(default_factory=NetworkSettings)
    restart_count: int = 0
    driver: str = ""
    exec_ids: list[str] | None = msgspec.field(name="ExecIDs", default=None)
    size_rw: int | None = None
    size_root_fs: int | None = None
    mounts: list[MountPoint] | None = None


class PortSummary(msgspec.Struct, frozen=True, rename="pascal"):
    private_port: int = 0
    public_port: int | None = None
    type: str = "tcp"
    ip: str = msgspec.field(name="IP", default="")


class ContainerSummary(msgspec.Struct, frozen=True, rename="pascal"):
    """One item of `GET /containers/json`."""

    id: str
    names: list[str] | None = None
    image: str = ""
    image_id: str = msgspec.field(name="ImageID", default="")
    command: str = ""
    created: int = 0
    state: str = ""
    status: str = ""
    labels: dict[str, str] | None = None
    ports: list[PortSummary] | None = None
    size_rw: int | None = None
    size_root_fs: int | None = None

    @property
    def name(self) -> str:
        """The first name, without Docker's leading slash."""
        return (self.names or [""])[0].lstrip("/")


class _WaitError(msgspec.Struct, frozen=True, rename="pascal"):
    message: str = ""


class WaitResult(msgspec.Struct, frozen=True, rename="pascal"):
    """`POST /containers/{id}/wait`: how the container exited."""

    status_code: int
    error: _WaitError | None = None

    @property
    def error_message(self) -> str | None:
        return self.error.message if self.error and self.error.message else None
