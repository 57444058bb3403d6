"""Typed mounts for `HostConfig.mounts`: a bind, a volume or a tmpfs, each with only its own options.

Each is a msgspec tagged struct, so it is sent with its `Type` (`"bind"`, `"volume"`, `"tmpfs"`)
and exactly the fields the Engine API names (`Source`, `Target`, `ReadOnly`, `BindOptions`, ...).
The engine's view of a running container's mounts is `MountPoint` (`inspect_container(...).mounts`).
"""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType

__all__ = [
    "BindMount",
    "BindOptions",
    "DriverConfig",
    "Mount",
    "MountPoint",
    "TmpfsMount",
    "TmpfsOptions",
    "VolumeMount",
    "VolumeOptions",
]


class BindOptions(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, rename="pascal"):
    """`propagation`: `private`, `rprivate` (the default), `shared`, `rshared`, `slave`, `rslave`."""

    propagation: str | UnsetType = UNSET
    non_recursive: bool | UnsetType = UNSET


class DriverConfig(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, rename="pascal"):
    name: str | UnsetType = UNSET
    options: dict[str, str] | UnsetType = UNSET


class VolumeOptions(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, rename="pascal"):
    """`no_copy`: do not fill a new volume with what the image has at the target. `labels` label a volume it creates."""

    no_copy: bool | UnsetType = UNSET
    labels: dict[str, str] | UnsetType = UNSET
    driver_config: DriverConfig | UnsetType = UNSET


class TmpfsOptions(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, rename="pascal"):
    """`size_bytes`: the tmpfs's size limit. `mode`: its permissions, as a number: write `0o1777`, not `1777`."""

    size_bytes: int | UnsetType = UNSET
    mode: int | UnsetType = UNSET


class BindMount(
    msgspec.Struct, tag_field="Type", tag="bind", frozen=True, kw_only=True, omit_defaults=True, rename="pascal"
):
    """A host path (`source`, which must exist on the engine's host) mounted at `target`."""

    source: str
    target: str
    read_only: bool | UnsetType = UNSET
    consistency: str | UnsetType = UNSET
    bind_options: BindOptions | UnsetType = UNSET


class VolumeMount(
    msgspec.Struct, tag_field="Type", tag="volume", frozen=True, kw_only=True, omit_defaults=True, rename="pascal"
):
    """A named volume (`source`; created if missing) or, with no `source`, a new anonymous one, at `target`."""

    target: str
    source: str | UnsetType = UNSET
    read_only: bool | UnsetType = UNSET
    consistency: str | UnsetType = UNSET
    volume_options: VolumeOptions | UnsetType = UNSET


class TmpfsMount(
    msgspec.Struct, tag_field="Type", tag="tmpfs", frozen=True, kw_only=True, omit_defaults=True, rename="pascal"
):
    """A fresh in-memory filesystem at `target`, gone when the container stops."""

    target: str
    read_only: bool | UnsetType = UNSET
    tmpfs_options: TmpfsOptions | UnsetType = UNSET


Mount = BindMount | VolumeMount | TmpfsMount


class MountPoint(msgspec.Struct, frozen=True, rename="pascal"):
    """One mount of a container as `inspect_container` reports it (`Mounts`).

    Podman 4.3 leaves tmpfs mounts out of this list (they are mounted all the same).
    """

    type: str = ""
    name: str = ""
    source: str = ""
    destination: str = ""
    driver: str = ""
    mode: str = ""
    rw: bool = msgspec.field(name="RW", default=False)
    propagation: str = ""
