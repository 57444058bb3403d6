"""Soak: many tasks share one Engine and run inspect, list, exec and changes for a while.

```
make soak                                   # 500 tasks, 60 s, Docker and Podman, asyncio
python scripts/soak.py --tasks 500 --seconds 60 --engine podman --backend trio
```

Every answer is checked (the container's own id and name, the one container the label filter
must list, the exec's exact output and exit code, the changed file) and the run reports: errors
by type, wrong answers, operations and latency per kind, resident memory over time (sampled
every second; "flat" compares the median of the last quarter with the second quarter's, after
warm-up), the most connections in use against the pool's bound, and open file descriptors.
It exits 1 if anything was wrong. `tests/integration/test_resilience.py` runs a short version.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import statistics
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio

import rawengine
from rawengine._transport import UnixTransport

ENGINES = {
    "docker": os.environ.get("RAWENGINE_DOCKER_HOST", "unix:///var/run/docker.sock"),
    "podman": os.environ.get("RAWENGINE_PODMAN_HOST", "unix:///run/podman/podman.sock"),
}
BASE_IMAGE = "rawengine/test:base"
LABEL = "rawengine.soak"
MARKER = "/soak-marker"
# (operation, weight): reads dominate, as in a service polling its containers; exec spawns a process.
MIX = (("inspect", 45), ("list", 20), ("changes", 20), ("exec", 15))
MAX_RSS_GROWTH = 16 * 1024 * 1024  # bytes, last quarter against the second (after warm-up)


@dataclass
class SoakReport:
    engine: str
    backend: str
    tasks: int
    seconds: float
    max_connections: int
    ops: Counter[str] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)  # bytes, one sample a second
    fds: list[int] = field(default_factory=list)
    most_in_use: int = 0
    fds_before: int = 0
    fds_after: int = 0
    elapsed: float = 0.0

    @property
    def rss_growth(self) -> int:
        """Median RSS of the last quarter minus that of the second quarter (the first is warm-up)."""
        n = len(self.rss)
        if n < 8:
            return 0
        q = n // 4
        return int(statistics.median(self.rss[3 * q :]) - statistics.median(self.rss[q : 2 * q]))

    @property
    def ok(self) -> bool:
        return (
            not self.errors
            and not self.wrong
            and self.most_in_use <= self.max_connections
            and self.rss_growth <= MAX_RSS_GROWTH
            and sum(self.ops.values()) > 0
        )

    def summary(self) -> str:
        total = sum(self.ops.values())
        lines = [
            f"soak {self.engine} / {self.backend}: {self.tasks} tasks sharing one Engine for {self.elapsed:.1f} s",
            f"  operations: {total} ({total / max(self.elapsed, 1e-9):.0f}/s); errors: {sum(self.errors.values())}; "
            f"wrong answers: {len(self.wrong)}",
        ]
        for op, _ in MIX:
            samples = sorted(self.latencies.get(op, []))
            if samples:
                p50 = samples[len(samples) // 2] * 1e3
                p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1e3
                lines.append(f"    {op:8s} {self.ops[op]:7d} ops   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms")
        for kind, count in self.errors.most_common():
            lines.append(f"    error {kind}: {count}")
        lines.extend(f"    e.g. {sample}" for sample in self.error_samples[:5])
        lines.extend(f"    wrong: {sample}" for sample in self.wrong[:5])
        mb = 1024 * 1024
        if self.rss:
            lines.append(
                f"  memory (RSS): start {self.rss[0] / mb:.1f} MB, end {self.rss[-1] / mb:.1f} MB, "
                f"max {max(self.rss) / mb:.1f} MB, growth after warm-up {self.rss_growth / mb:+.1f} MB "
                f"(flat if <= {MAX_RSS_GROWTH / mb:.0f} MB)"
            )
        lines.append(f"  connections in use: at most {self.most_in_use} (bound {self.max_connections})")
        lines.append(f"  file descriptors: {self.fds_before} before, {self.fds_after} after the Engine closed")
        lines.append(f"  result: {'OK' if self.ok else 'FAILED'}")
        return "\n".join(lines)


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def _ensure_image(engine: rawengine.Engine) -> None:
    try:
        await engine.inspect_image(BASE_IMAGE)
    except rawengine.NotFoundError:
        await engine.import_image(
            rawengine.busybox_rootfs(), repo="rawengine/test", tag="base", changes=[rawengine.BUSYBOX_HTTPD_CMD]
        )


async def _prepare(engine: rawengine.Engine, run: str) -> tuple[str, str]:
    """A running labelled container with one added file: (id, name)."""
    await _ensure_image(engine)
    name = f"rawengine-soak-{run}"
    config = rawengine.ContainerConfig(image=BASE_IMAGE, cmd=["sleep", "3600"], labels={LABEL: run})
    cid = (await engine.create_container(config, name=name)).id
    await engine.start_container(cid)
    result = await engine.run_exec(cid, ["touch", MARKER])
    if result.exit_code != 0:
        raise RuntimeError(f"could not prepare the soak container: {result}")
    return cid, name


async def _worker(
    engine: rawengine.Engine, report: SoakReport, cid: str, name: str, run: str, deadline: float, seed: int
) -> None:
    rng = random.Random(seed)
    ops = [op for op, _ in MIX]
    weights = [weight for _, weight in MIX]
    while anyio.current_time() < deadline:
        op = rng.choices(ops, weights)[0]
        start = time.perf_counter()
        try:
            problem = await _run_op(engine, op, cid, name, run, rng)
        except rawengine.EngineError as exc:
            report.errors[f"{op}: {type(exc).__name__}"] += 1
            if len(report.error_samples) < 20:
                report.error_samples.append(f"{op}: {exc}")
            continue
        report.latencies[op].append(time.perf_counter() - start)
        report.ops[op] += 1
        if problem is not None:
            report.wrong.append(f"{op}: {problem}")


async def _run_op(engine: rawengine.Engine, op: str, cid: str, name: str, run: str, rng: random.Random) -> str | None:
    """Run one operation; return what was wrong with the answer, or None."""
    if op == "inspect":
        info = await engine.inspect_container(cid)
        if info.id != cid or info.name.lstrip("/") != name or not info.state.running:
            return f"inspect answered {info.id} {info.name} running={info.state.running}"
    elif op == "list":
        listed = await engine.list_containers(filters={"label": [f"{LABEL}={run}"]})
        if [c.id for c in listed] != [cid]:
            return f"list answered {[c.id for c in listed]}"
    elif op == "changes":
        changes = await engine.container_changes(cid)
        if not any(c.path == MARKER and c.kind == 1 for c in changes):
            return f"changes answered {changes}"
    else:
        token = f"{rng.getrandbits(64):016x}"
        result = await engine.run_exec(cid, ["echo", token])
        if (result.exit_code, result.stdout, result.stderr) != (0, f"{token}\n".encode(), b""):
            return f"exec answered {result}"
    return None


async def _monitor(report: SoakReport, transport: UnixTransport | None, stop: anyio.Event) -> None:
    while not stop.is_set():
        report.rss.append(_rss())
        report.fds.append(_fds())
        with anyio.move_on_after(1.0):
            while not stop.is_set():
                if transport is not None:
                    report.most_in_use = max(report.most_in_use, transport.connections_in_use)
                await anyio.sleep(0.01)


async def soak(
    host: str,
    *,
    engine_name: str,
    backend: str,
    tasks: int = 500,
    seconds: float = 60.0,
    max_connections: int = 64,
    progress: Callable[[str], object] | None = None,
) -> SoakReport:
    """Run the soak against one engine; the caller picks the event loop (`anyio.run(..., backend=)`)."""
    report = SoakReport(engine_name, backend, tasks, seconds, max_connections)
    run = uuid.uuid4().hex[:10]
    report.fds_before = _fds()
    async with rawengine.Engine(host) as admin:
        cid, name = await _prepare(admin, run)
        try:
            engine = rawengine.Engine(host, max_connections=max_connections)
            transport = engine._transport if isinstance(engine._transport, UnixTransport) else None
            stop = anyio.Event()
            started = anyio.current_time()
            deadline = started + seconds
            try:
                async with anyio.create_task_group() as group:
                    group.start_soon(_monitor, report, transport, stop)
                    async with anyio.create_task_group() as workers:
                        for i in range(tasks):
                            workers.start_soon(_worker, engine, report, cid, name, run, deadline, i)
                    stop.set()
            finally:
                report.elapsed = anyio.current_time() - started
                await engine.aclose()
        finally:
            with anyio.CancelScope(shield=True):
                await admin.remove_container(cid, force=True)
    report.fds_after = _fds()
    if progress is not None:
        progress(report.summary())
    return report


def main() -> int:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--engine", choices=["docker", "podman", "both"], default="both")
    parser.add_argument("--host", help="an engine socket (unix:///...), instead of --engine")
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-connections", type=int, default=64)
    args = parser.parse_args()
    targets = (
        [("custom", args.host)]
        if args.host
        else [(name, host) for name, host in ENGINES.items() if args.engine in (name, "both")]
    )
    ok = True
    for engine_name, host in targets:
        run = functools.partial(
            soak,
            host,
            engine_name=engine_name,
            backend=args.backend,
            tasks=args.tasks,
            seconds=args.seconds,
            max_connections=args.max_connections,
            progress=print,
        )
        ok = anyio.run(run, backend=args.backend).ok and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
