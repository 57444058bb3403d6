"""Exec: the create body, the typed inspect reply, and what `run_exec` returns."""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType

__all__ = ["ExecConfig", "ExecCreated", "ExecInspect", "ExecProcessConfig", "ExecResult"]


# ---------------------------------------------------------------- request bodies


class ExecConfig(msgspec.Struct, kw_only=True, rename="pascal"):
    """What to run in a running container: the body of `POST /containers/{id}/exec`.

    stdout and stderr are attached by default, stdin is not (a process reading stdin then sees
    end of input at once). With `tty=True` the process gets a terminal: its output is raw bytes
    with stdout and stderr merged, and lines end in `\\r\\n`.

    Unlike other request bodies, the `attach_*`, `tty` and `privileged` flags are always sent
    (`omit_defaults` is off here): the engine's default for an absent `AttachStdout` is false,
    rawengine's is true. Fields left `UNSET` are not sent, so the container's defaults apply.
    """

    cmd: list[str]
    env: list[str] | UnsetType = UNSET
    working_dir: str | UnsetType = UNSET
    user: str | UnsetType = UNSET
    tty: bool = False
    attach_stdin: bool = False
    attach_stdout: bool = True
    attach_stderr: bool = True
    privileged: bool = False
    detach_keys: str | UnsetType = UNSET


# ---------------------------------------------------------------- replies


class ExecCreated(msgspec.Struct, frozen=True, rename="pascal"):
    """`POST /containers/{id}/exec`: the new exec instance's id."""

    id: str


class ExecProcessConfig(msgspec.Struct, frozen=True):
    """The process an exec instance runs, as the engine recorded it (lower-case keys on the wire)."""

    entrypoint: str = ""
    arguments: list[str] | None = None
    tty: bool = False
    privileged: bool | None = None
    user: str | None = None  # Podman sends it, Docker leaves it out


class ExecInspect(msgspec.Struct, frozen=True, rename="pascal"):
    """`GET /exec/{id}/json`: the state of an exec instance.

    `exit_code` is `None` while the process runs on Docker; **Podman reports `0` while it
    runs**, so read `exit_code` only once `running` is false. Podman also reports `pid` 0 once
    the process has exited, and a detached exec may stay `running` there long after its process
    ended (engine-api-notes.md, section 3).
    """

    id: str = msgspec.field(name="ID")
    running: bool = False
    exit_code: int | None = None
    pid: int = 0
    container_id: str = msgspec.field(name="ContainerID", default="")
    open_stdin: bool = False
    open_stdout: bool = False
    open_stderr: bool = False
    can_remove: bool = False
    detach_keys: str = ""
    process_config: ExecProcessConfig | None = None


class ExecResult(msgspec.Struct, frozen=True):
    """What `Engine.run_exec` returns: the exit code and everything the process printed.

    With a TTY, stdout and stderr are merged into `stdout` and `stderr` is empty.
    """

    exit_code: int
    stdout: bytes
    stderr: bytes
