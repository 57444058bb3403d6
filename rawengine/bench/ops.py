"""The operations measured, the target they run against, and the checks every client's result passes.

A call whose result fails its check counts as an error, not as a sample: a client that answers fast
but wrong must not win. Checks run outside the timed region.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "OPS",
    "CheckError",
    "OpInfo",
    "Target",
    "Timed",
    "check_changes",
    "check_event",
    "check_exec",
    "check_history",
    "check_inspect",
    "check_lifecycle",
    "check_list",
    "check_ping",
    "check_throughput",
]

HEX = frozenset("0123456789abcdef")
MIB = 1024 * 1024


class CheckError(Exception):
    """A client's answer is not what the engine should have said."""


@dataclass(frozen=True)
class OpInfo:
    name: str
    what: str
    min_calls: int  # at least this many samples per client in --duration mode
    throughput: bool = False  # figures are MB/s of `Target.throughput_bytes` per sample
    self_timed: bool = False  # samples are a latency the call measures itself: no ops/s
    warmup: int = 10  # untimed calls per client before a cell (they also size its batches)


OPS: dict[str, OpInfo] = {
    info.name: info
    for info in (
        OpInfo("ping", "GET /_ping", 20),
        OpInfo("inspect", "GET /containers/{id}/json of a running container", 20),
        OpInfo("list", "GET /containers/json filtered on the bench label", 20),
        OpInfo("lifecycle", "create, start, stop (t=0), remove a container", 4, warmup=1),
        OpInfo("exec", "exec `true`: create, start attached, read to EOF, inspect the exit code", 10, warmup=3),
        OpInfo(
            "exec-throughput",
            "exec `dd` writing SIZE bytes of zeros, stdout streamed and counted",
            8,  # one sample moves the median of four by a fifth here: eight, one per round
            throughput=True,
            warmup=0,  # the exec op has warmed the exec path; one run of 256 MB costs seconds
        ),
        OpInfo("changes", "GET /containers/{id}/changes of a container with a few changed files", 20, warmup=3),
        OpInfo("history", "GET /images/{name}/history of the bench image", 20),
        OpInfo(
            "events",
            "kill -CONT returned -> its event yielded by an open /events stream",
            10,
            self_timed=True,
            warmup=3,
        ),
    )
}


@dataclass(frozen=True)
class Timed:
    """A result that carries its own measurement (events: action returned -> event yielded)."""

    seconds: float
    value: object = None


@dataclass(frozen=True)
class Target:
    """What every client works on, made by `fixture.prepare` and removed afterwards."""

    host: str  # unix:///path
    engine: str  # "docker" or "podman"
    api_version: str  # the version rawengine negotiated; the socket client uses the same
    image: str  # repo:tag of the imported bench image
    container_id: str  # a running container (sleep) with a few changed files
    label: str  # key of the label on everything the run creates
    run_id: str  # its value
    throughput_bytes: int
    changed_path: str = "/www/index.html"
    ulimits: tuple[tuple[str, int, int], ...] = (("nofile", 20000, 20000), ("nproc", 32768, 32768))
    lifecycle_cmd: tuple[str, ...] = ("sleep", "3600")
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def socket_path(self) -> str:
        return self.host.removeprefix("unix://")

    @property
    def throughput_cmd(self) -> tuple[str, ...]:
        """Writes exactly `throughput_bytes` to stdout: `dd` in 1 MiB writes (busybox `head -c` writes
        small pieces and measures itself more than the stream), `head -c` for other sizes."""
        size = self.throughput_bytes
        if size % MIB == 0:
            return ("sh", "-c", f"dd if=/dev/zero bs={MIB} count={size // MIB} 2>/dev/null")
        return ("head", "-c", str(size), "/dev/zero")

    def create_body(self) -> dict[str, object]:
        """The container create body every client sends for `lifecycle` (wire names)."""
        return {
            "Image": self.image,
            "Cmd": list(self.lifecycle_cmd),
            "Labels": {self.label: self.run_id},
            "HostConfig": {"Ulimits": [{"Name": n, "Soft": s, "Hard": h} for n, s, h in self.ulimits]},
        }


def _is_id(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= HEX


def check_ping(ok: bool) -> None:
    if not ok:
        raise CheckError("ping did not answer OK")


def check_inspect(container_id: object, running: object, target: Target) -> None:
    if container_id != target.container_id:
        raise CheckError(f"inspect returned container {container_id!r}, not {target.container_id}")
    if running is not True:
        raise CheckError("inspect says the bench container is not running")


def check_list(ids: Iterable[object], target: Target) -> None:
    if target.container_id not in set(ids):
        raise CheckError("the container list does not include the bench container")


def check_lifecycle(container_id: object) -> None:
    if not _is_id(container_id):
        raise CheckError(f"create returned {container_id!r}, not a container id")


def check_exec(exit_code: object, output: bytes = b"") -> None:
    if exit_code != 0:
        raise CheckError(f"exec `true` exited with {exit_code!r}")
    if output:
        raise CheckError(f"exec `true` printed {output[:40]!r}")


def check_throughput(received: int, exit_code: object, target: Target, *, framing_overhead: bool = False) -> None:
    """`received` is payload bytes, or raw stream bytes (frame headers included) with `framing_overhead`."""
    expected = target.throughput_bytes
    if exit_code != 0:
        raise CheckError(f"the throughput command exited with {exit_code!r}")
    low, high = expected, (expected + expected // 64 + 64 if framing_overhead else expected)
    if not low <= received <= high:
        raise CheckError(f"received {received} bytes of stdout, expected {expected}")


def check_changes(paths: Iterable[object], target: Target) -> None:
    if target.changed_path not in set(paths):
        raise CheckError(f"changes do not list {target.changed_path}")


def check_history(rows: int) -> None:
    if rows < 1:
        raise CheckError("the image history is empty")


def check_event(action: object, actor_id: object, target: Target) -> None:
    if action != "kill":
        raise CheckError(f"expected a kill event, got {action!r}")
    if actor_id != target.container_id:
        raise CheckError(f"the event is about {actor_id!r}, not the bench container")
