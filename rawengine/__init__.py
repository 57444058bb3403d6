"""rawengine: an async client of the Docker Engine API over the engine's Unix socket.

Works on asyncio and trio (through anyio), against Docker and Podman's Docker-compatible API.

```python
import rawengine

async with rawengine.Engine() as engine:
    created = await engine.create_container(rawengine.ContainerConfig(image="rawengine/test:base", cmd=["sleep", "60"]))
    await engine.start_container(created.id)
```
"""

from __future__ import annotations

import msgspec

from ._credentials import DOCKER_HUB, RegistryAuth, all_credentials, find_credentials, registry_of
from ._endpoints.system import MAX_API_VERSION, MIN_API_VERSION
from ._engine import Engine
from ._exceptions import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ConnectError,
    CredentialsError,
    EngineError,
    NotFoundError,
    ProtocolError,
    ServerError,
    StreamError,
    TransportError,
    UnsafeArchiveError,
    UnsupportedError,
)
from ._hooks import CallFailed, RequestSent, ResponseReceived, StreamClosed
from ._models.archive import PathStat
from ._models.container_ops import ContainerTop, ContainerUpdate
from ._models.containers import (
    ContainerConfig,
    ContainerConfigInfo,
    ContainerCreated,
    ContainerInspect,
    ContainerState,
    ContainerSummary,
    EndpointInfo,
    HostConfig,
    HostConfigInfo,
    LogConfig,
    NetworkSettings,
    PortBinding,
    PortSummary,
    RestartPolicy,
    Ulimit,
    WaitResult,
)
from ._models.events import Actor, Event
from ._models.exec import ExecConfig, ExecInspect, ExecProcessConfig, ExecResult
from ._models.images import (
    ImageConfigInfo,
    ImageDeleteItem,
    ImageInspect,
    ImageSummary,
    ProgressDetail,
    ProgressMessage,
    RootFS,
)
from ._models.layers import Change, ChangeKind, HistoryItem
from ._models.mounts import (
    BindMount,
    BindOptions,
    DriverConfig,
    Mount,
    MountPoint,
    TmpfsMount,
    TmpfsOptions,
    VolumeMount,
    VolumeOptions,
)
from ._models.networks import (
    EndpointIPAMConfig,
    EndpointSettings,
    IPAMConfig,
    IPAMInfo,
    IPAMPool,
    IPAMPoolInfo,
    Network,
    NetworkContainer,
    NetworkCreated,
    NetworkingConfig,
)
from ._models.prune import BuildCachePruneReport, ContainersPruneReport, DiskUsage, ImagesPruneReport, UsageSummary
from ._models.registry import AuthResponse
from ._models.run import RunResult
from ._models.stats import (
    BlkioEntry,
    BlkioStats,
    ContainerStats,
    CPUStats,
    CPUUsage,
    MemoryStats,
    NetworkStats,
    PidsStats,
    PodmanContainerStats,
    ThrottlingData,
)
from ._models.streams import Frame, StreamKind
from ._models.system import ComponentVersion, Info, Ping, Version
from ._models.volumes import Volume, VolumeList, VolumesPruned
from ._rootfs import BUSYBOX_HTTPD_CMD, busybox_rootfs
from ._streams.archive import ArchiveStream
from ._streams.events import EventStream
from ._streams.output import AttachStream, ExecStream, InteractiveStream, LogStream
from ._streams.progress import ProgressStream
from ._streams.stats import StatsStream
from ._streams.tar import TarStream
from ._transport import EngineTimeoutError

__version__ = "0.1.0"

__all__ = [
    "APIError",
    "Actor",
    "ArchiveStream",
    "AttachStream",
    "AuthResponse",
    "AuthenticationError",
    "BUSYBOX_HTTPD_CMD",
    "BadRequestError",
    "BindMount",
    "BindOptions",
    "BlkioEntry",
    "BlkioStats",
    "BuildCachePruneReport",
    "CPUStats",
    "CPUUsage",
    "CallFailed",
    "Change",
    "ChangeKind",
    "ComponentVersion",
    "ConflictError",
    "ConnectError",
    "ContainerConfig",
    "ContainerConfigInfo",
    "ContainerCreated",
    "ContainerInspect",
    "ContainerState",
    "ContainerStats",
    "ContainerSummary",
    "ContainerTop",
    "ContainerUpdate",
    "ContainersPruneReport",
    "CredentialsError",
    "DOCKER_HUB",
    "DiskUsage",
    "DriverConfig",
    "EndpointIPAMConfig",
    "EndpointInfo",
    "EndpointSettings",
    "Engine",
    "EngineError",
    "EngineTimeoutError",
    "Event",
    "EventStream",
    "ExecConfig",
    "ExecInspect",
    "ExecProcessConfig",
    "ExecResult",
    "ExecStream",
    "Frame",
    "HistoryItem",
    "HostConfig",
    "HostConfigInfo",
    "IPAMConfig",
    "IPAMInfo",
    "IPAMPool",
    "IPAMPoolInfo",
    "ImageConfigInfo",
    "ImageDeleteItem",
    "ImageInspect",
    "ImageSummary",
    "ImagesPruneReport",
    "Info",
    "InteractiveStream",
    "LogConfig",
    "LogStream",
    "MAX_API_VERSION",
    "MIN_API_VERSION",
    "MemoryStats",
    "Mount",
    "MountPoint",
    "Network",
    "NetworkContainer",
    "NetworkCreated",
    "NetworkSettings",
    "NetworkStats",
    "NetworkingConfig",
    "NotFoundError",
    "PathStat",
    "PidsStats",
    "Ping",
    "PodmanContainerStats",
    "PortBinding",
    "PortSummary",
    "ProgressDetail",
    "ProgressMessage",
    "ProgressStream",
    "ProtocolError",
    "RegistryAuth",
    "RequestSent",
    "ResponseReceived",
    "RestartPolicy",
    "RootFS",
    "RunResult",
    "ServerError",
    "StatsStream",
    "StreamClosed",
    "StreamError",
    "StreamKind",
    "TarStream",
    "ThrottlingData",
    "TmpfsMount",
    "TmpfsOptions",
    "TransportError",
    "Ulimit",
    "UnsafeArchiveError",
    "UnsupportedError",
    "UsageSummary",
    "Version",
    "Volume",
    "VolumeList",
    "VolumeMount",
    "VolumeOptions",
    "VolumesPruned",
    "WaitResult",
    "all_credentials",
    "busybox_rootfs",
    "find_credentials",
    "registry_of",
]

# Show `rawengine.Engine`, not `rawengine._engine.Engine`, in reprs and tracebacks (as httpx does).
# msgspec Structs keep their module: msgspec resolves their annotations in it.
for _name in __all__:
    _obj = globals()[_name]
    if (isinstance(_obj, type) and not issubclass(_obj, msgspec.Struct)) or type(_obj).__name__ == "function":
        _obj.__module__ = "rawengine"
del _name, _obj
