"""Stats: one sample of `GET /containers/{id}/stats`, typed, with the figures `docker stats` shows.

The formulas are docker/cli's (`cli/command/container/stats_helpers.go`):

```
CPU %    = Δcpu_stats.cpu_usage.total_usage / Δcpu_stats.system_cpu_usage × online_cpus × 100
           (online_cpus, or len(percpu_usage) when 0; 0 unless both deltas are positive)
memory   = usage − stats["total_inactive_file"]  (cgroup v1, when present and below usage)
           usage − stats["inactive_file"]        (cgroup v2, when below usage)
           usage                                 (otherwise)
memory % = memory / limit × 100 (0 when limit is 0)
block IO = Σ io_service_bytes_recursive[].value, by op starting with r/R (read) or w/W (write)
net IO   = Σ networks[*].rx_bytes / tx_bytes
```
The Δ is against the sample's own `precpu_stats` (the engine's previous sample). A sample
without one (`one-shot`, Podman's `stream=false`) has `cpu_percent` 0.0: the formula would give
a ratio since boot, not the current load. `cpu_percent_since(earlier)` takes the previous
sample explicitly instead.

Podman (`PodmanContainerStats`, what rawengine decodes Podman's samples into): its
`system_cpu_usage` is the busy time of the top-level cgroups, not host time, so the ratio above
inflates CPU % on a quiet host (podman #28761); `cpu_percent` therefore divides by the
wall-clock time between `preread` and `read` instead, which is what the Docker formula measures
(100 % = one CPU busy). Podman 4.3 sends no `memory_stats.stats`, so its memory figure
includes the page cache.
"""

from __future__ import annotations

import calendar
import re

import msgspec

__all__ = [
    "BlkioEntry",
    "BlkioStats",
    "CPUStats",
    "CPUUsage",
    "ContainerStats",
    "MemoryStats",
    "NetworkStats",
    "PidsStats",
    "PodmanContainerStats",
    "ThrottlingData",
    "rfc3339_nanos",
]


class CPUUsage(msgspec.Struct, frozen=True):
    total_usage: int = 0
    percpu_usage: list[int] | None = None  # cgroup v1 only
    usage_in_kernelmode: int = 0
    usage_in_usermode: int = 0


class ThrottlingData(msgspec.Struct, frozen=True):
    periods: int = 0
    throttled_periods: int = 0
    throttled_time: int = 0


class CPUStats(msgspec.Struct, frozen=True):
    cpu_usage: CPUUsage = msgspec.field(default_factory=CPUUsage)
    system_cpu_usage: int = 0
    online_cpus: int = 0
    throttling_data: ThrottlingData = msgspec.field(default_factory=ThrottlingData)

    @property
    def cpus(self) -> int:
        """`online_cpus`, or the length of `percpu_usage` when it is 0 (as docker/cli counts)."""
        return self.online_cpus or len(self.cpu_usage.percpu_usage or ())


class MemoryStats(msgspec.Struct, frozen=True):
    usage: int = 0
    max_usage: int = 0  # cgroup v1 only
    stats: dict[str, int] | None = None  # v1 or v2 keys; null on Podman 4.3
    failcnt: int = 0
    limit: int = 0


class BlkioEntry(msgspec.Struct, frozen=True):
    major: int = 0
    minor: int = 0
    op: str = ""
    value: int = 0


class BlkioStats(msgspec.Struct, frozen=True):
    io_service_bytes_recursive: list[BlkioEntry] | None = None
    io_serviced_recursive: list[BlkioEntry] | None = None


class NetworkStats(msgspec.Struct, frozen=True):
    rx_bytes: int = 0
    rx_packets: int = 0
    rx_errors: int = 0
    rx_dropped: int = 0
    tx_bytes: int = 0
    tx_packets: int = 0
    tx_errors: int = 0
    tx_dropped: int = 0


class PidsStats(msgspec.Struct, frozen=True):
    current: int = 0
    limit: int = 0


_RFC3339 = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)")


def rfc3339_nanos(value: str) -> int | None:
    """Unix nanoseconds of an RFC 3339 time with up to 9 fraction digits; `None` for Go's zero time."""
    match = _RFC3339.fullmatch(value)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    if year <= 1:
        return None  # 0001-01-01T00:00:00Z: "no previous sample"
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    zone = match.group(8)
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    fraction = (match.group(7) or "").ljust(9, "0")
    return seconds * 1_000_000_000 + int(fraction)


class ContainerStats(msgspec.Struct, frozen=True):
    """One stats sample, as Docker sends it (Podman's decode into `PodmanContainerStats`)."""

    read: str = ""
    preread: str = ""
    name: str = ""  # "/name" on Docker, "name" on Podman
    id: str = ""
    pids_stats: PidsStats = msgspec.field(default_factory=PidsStats)
    num_procs: int = 0
    cpu_stats: CPUStats = msgspec.field(default_factory=CPUStats)
    precpu_stats: CPUStats = msgspec.field(default_factory=CPUStats)
    memory_stats: MemoryStats = msgspec.field(default_factory=MemoryStats)
    blkio_stats: BlkioStats = msgspec.field(default_factory=BlkioStats)
    networks: dict[str, NetworkStats] | None = None

    @property
    def container_id(self) -> str:
        return self.id

    @property
    def has_previous(self) -> bool:
        """Whether `precpu_stats` holds a previous sample (false for one-shot samples)."""
        pre = self.precpu_stats
        return pre.system_cpu_usage > 0 or pre.cpu_usage.total_usage > 0

    @property
    def cpu_percent(self) -> float:
        """CPU % as `docker stats` shows it (100 = one CPU busy); 0.0 without a previous sample."""
        if not self.has_previous:
            return 0.0
        return self._cpu_percent(self.precpu_stats, self.preread)

    def cpu_percent_since(self, earlier: ContainerStats) -> float:
        """CPU % between an earlier sample of the same container and this one (e.g. two one-shots)."""
        return self._cpu_percent(earlier.cpu_stats, earlier.read)

    def _cpu_percent(self, previous: CPUStats, previous_read: str) -> float:
        now = self.cpu_stats
        cpu_delta = now.cpu_usage.total_usage - previous.cpu_usage.total_usage
        system_delta = now.system_cpu_usage - previous.system_cpu_usage
        if system_delta > 0 and cpu_delta > 0:
            return cpu_delta / system_delta * now.cpus * 100.0
        return 0.0

    @property
    def memory_usage(self) -> int:
        """Memory in use minus the inactive page cache (`docker stats`' MEM USAGE)."""
        memory = self.memory_stats
        usage = memory.usage
        stats = memory.stats or {}
        v1 = stats.get("total_inactive_file")
        if v1 is not None and v1 < usage:
            return usage - v1
        v2 = stats.get("inactive_file", 0)
        if v2 < usage:
            return usage - v2
        return usage

    @property
    def memory_limit(self) -> int:
        return self.memory_stats.limit

    @property
    def memory_percent(self) -> float:
        limit = self.memory_stats.limit
        return self.memory_usage / limit * 100.0 if limit else 0.0

    @property
    def network_rx_bytes(self) -> int:
        return sum(net.rx_bytes for net in (self.networks or {}).values())

    @property
    def network_tx_bytes(self) -> int:
        return sum(net.tx_bytes for net in (self.networks or {}).values())

    def _block(self, ops: str) -> int:
        entries = self.blkio_stats.io_service_bytes_recursive or ()
        return sum(entry.value for entry in entries if entry.op[:1] in ops and entry.op)

    @property
    def block_read_bytes(self) -> int:
        return self._block("rR")

    @property
    def block_write_bytes(self) -> int:
        return self._block("wW")

    @property
    def pids(self) -> int:
        return self.pids_stats.current


class PodmanContainerStats(ContainerStats, frozen=True):
    """A sample from Podman: its id comes as `Id`, and CPU % uses the wall clock (see the module doc)."""

    podman_id: str = msgspec.field(name="Id", default="")

    @property
    def container_id(self) -> str:
        return self.podman_id or self.id

    @property
    def has_previous(self) -> bool:
        return super().has_previous and rfc3339_nanos(self.preread) is not None

    def _cpu_percent(self, previous: CPUStats, previous_read: str) -> float:
        now_ns, then_ns = rfc3339_nanos(self.read), rfc3339_nanos(previous_read)
        cpu_delta = self.cpu_stats.cpu_usage.total_usage - previous.cpu_usage.total_usage
        if now_ns is None or then_ns is None or now_ns <= then_ns or cpu_delta <= 0:
            return 0.0
        return cpu_delta / (now_ns - then_ns) * 100.0
