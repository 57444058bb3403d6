"""How cost grows with work: `python -m rawengine.bench.scaling`.

Three operations whose cost grows with the engine's state, each measured at several sizes for
rawengine, aiodocker and docker-py side by side in one run (rounds interleaved, the client order
rotated each round), reported as a table and, with `--plot`, as curves:

* `list`: `list_containers` over N labelled containers (created, never started): the typed
  decode cost per container;
* `history`: `image_history` of an image built with N `ENV` steps (N history rows);
* `events`: a live storm of N events (N `SIGCONT` kills of one container, sent by a separate
  process over a blocking socket as fast as the engine takes them) read by each client in turn:
  every event counted (none lost), and the client's CPU time per event. Past events cannot be
  used: dockerd replays only the last 256 through `since` (measured here: 239 of 1,000).

Each point is the median of `--rounds` timed calls per client (one storm each for events); `cpu`
is this process's CPU time over the call (docker-py's thread included). `peak MiB` is the Python heap's
peak during one more, untimed call (tracemalloc): flat memory shows as a flat column for the
streamed operation (events). The 1 GiB logs curve of issue 15 is not measured here yet.
"""

from __future__ import annotations

import abc
import argparse
import io
import json
import statistics
import sys
import tarfile
import time
import tracemalloc
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib.util import find_spec
from typing import Any

import anyio
import anyio.abc
import anyio.from_thread
import anyio.to_thread

import rawengine

from .fixture import IMAGE_REPO, LABEL

__all__ = ["Point", "main", "measure"]

SCALE_LABEL = "rawengine.bench.scale"


@dataclass
class Point:
    op: str
    size: int
    client: str
    median_s: float
    cpu_s: float  # this process's CPU time over the call, median (docker-py's thread included)
    rounds: int
    items: int  # what the call returned (containers, rows, events); another count than `size` is a loss or a repeat
    peak_mib: float

    @property
    def per_item_us(self) -> float:
        return self.median_s / max(self.size, 1) * 1e6


@dataclass
class Fixture:
    """What the operations run against; everything in it carries `run_id` and is removed after."""

    run_id: str
    base_image: str
    storm: Storm | None = None
    images: dict[int, str] = field(default_factory=dict)  # layers -> image


Call = Callable[[], Awaitable[int]]

# The storm's sender: one kept-alive blocking socket, one kill after another, each reply read.
_SENDER = """
import socket, sys
path, target, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
sock = socket.socket(socket.AF_UNIX)
sock.connect(path)
request = ("POST %s HTTP/1.1\\r\\nHost: docker\\r\\nContent-Length: 0\\r\\n\\r\\n" % target).encode()
for _ in range(count):
    sock.sendall(request)
    reply = b""
    while b"\\r\\n\\r\\n" not in reply:
        data = sock.recv(65536)
        if not data:
            sys.exit("the engine closed the connection")
        reply += data
    if not reply.startswith(b"HTTP/1.1 204"):
        sys.exit(reply[:200].decode("latin-1"))
"""


@dataclass
class Storm:
    """`count` kill events of `container`, started once a subscriber has seen a marker (a pause)."""

    engine: rawengine.Engine
    container: str
    count: int
    socket_path: str

    @property
    def deadline(self) -> float:
        return 60.0 + self.count / 50  # seconds a storm may take before its missing events count as lost

    async def mark(self, seen: anyio.Event) -> None:
        """Pause and unpause until the subscriber says it saw a pause: its stream is live then."""
        while not seen.is_set():
            await self.engine.pause_container(self.container)
            await self.engine.unpause_container(self.container)
            with anyio.move_on_after(0.2):
                await seen.wait()

    async def run(self) -> None:
        target = f"/v{self.engine.api_version}/containers/{self.container}/kill?signal=SIGCONT"
        await anyio.run_process([sys.executable, "-c", _SENDER, self.socket_path, target, str(self.count)])


class _Client(abc.ABC):
    name = ""

    @abc.abstractmethod
    async def open(self, host: str) -> None: ...

    @abc.abstractmethod
    async def aclose(self) -> None: ...

    @abc.abstractmethod
    def list(self, run_id: str) -> Call: ...

    @abc.abstractmethod
    def history(self, image: str) -> Call: ...

    @abc.abstractmethod
    def events(self, storm: Storm) -> Call: ...


class _Rawengine(_Client):
    name = "rawengine"

    async def open(self, host: str) -> None:
        self.engine = await rawengine.Engine(host).__aenter__()

    async def aclose(self) -> None:
        await self.engine.aclose()

    def list(self, run_id: str) -> Call:
        async def call() -> int:
            return len(await self.engine.list_containers(all=True, filters={"label": [f"{SCALE_LABEL}={run_id}"]}))

        return call

    def history(self, image: str) -> Call:
        async def call() -> int:
            return len(await self.engine.image_history(image))

        return call

    def events(self, storm: Storm) -> Call:
        async def call() -> int:
            seen, count = anyio.Event(), 0
            filters = {"container": [storm.container], "type": ["container"]}
            async with self.engine.event_stream(filters=filters) as events, anyio.create_task_group() as tasks:
                tasks.start_soon(storm.mark, seen)
                with anyio.move_on_after(storm.deadline):
                    async for event in events:
                        if event.action == "kill":
                            count += 1
                            if count == storm.count:
                                break
                        elif event.action == "pause" and not seen.is_set():
                            seen.set()
                            tasks.start_soon(storm.run)
            return count

        return call


class _Aiodocker(_Client):
    name = "aiodocker"

    async def open(self, host: str) -> None:
        import aiodocker

        self.docker: Any = aiodocker.Docker(url=host)

    async def aclose(self) -> None:
        await self.docker.close()

    def list(self, run_id: str) -> Call:
        async def call() -> int:
            filters = {"label": [f"{SCALE_LABEL}={run_id}"]}
            return len(await self.docker.containers.list(all=True, filters=filters))

        return call

    def history(self, image: str) -> Call:
        async def call() -> int:
            return len(await self.docker.images.history(name=image))

        return call

    def events(self, storm: Storm) -> Call:
        async def call() -> int:
            seen, count = anyio.Event(), 0
            filters = json.dumps({"container": [storm.container], "type": ["container"]})
            subscriber = self.docker.events.subscribe(filters=filters)
            try:
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(storm.mark, seen)
                    with anyio.move_on_after(storm.deadline):
                        while (event := await subscriber.get()) is not None:
                            action = event.get("Action")
                            if action == "kill":
                                count += 1
                                if count == storm.count:
                                    break
                            elif action == "pause" and not seen.is_set():
                                seen.set()
                                tasks.start_soon(storm.run)
            finally:
                await self.docker.events.stop()
            return count

        return call


class _DockerPy(_Client):
    name = "docker-py"

    async def open(self, host: str) -> None:
        import docker

        self.client = await anyio.to_thread.run_sync(lambda: docker.APIClient(base_url=host))

    async def aclose(self) -> None:
        await anyio.to_thread.run_sync(self.client.close)

    @staticmethod
    def _threaded(work: Callable[[], int]) -> Call:
        async def call() -> int:
            return await anyio.to_thread.run_sync(work)

        return call

    def list(self, run_id: str) -> Call:
        filters = {"label": [f"{SCALE_LABEL}={run_id}"]}
        return self._threaded(lambda: len(self.client.containers(all=True, filters=filters)))

    def history(self, image: str) -> Call:
        return self._threaded(lambda: len(self.client.history(image)))

    def events(self, storm: Storm) -> Call:
        async def call() -> int:
            seen = anyio.Event()

            def work(tasks: anyio.abc.TaskGroup) -> int:
                # `until` ends docker-py's blocking stream if events go missing (it has no timeout of its own)
                until = int(time.time() + storm.deadline)
                filters = {"container": [storm.container], "type": ["container"]}
                stream = self.client.events(filters=filters, until=until, decode=True)
                count = 0
                try:
                    for event in stream:
                        action = event.get("Action")
                        if action == "kill":
                            count += 1
                            if count == storm.count:
                                break
                        elif action == "pause" and not seen.is_set():
                            anyio.from_thread.run_sync(seen.set)
                            anyio.from_thread.run_sync(tasks.start_soon, storm.run)
                finally:
                    stream.close()
                return count

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(storm.mark, seen)
                count = await anyio.to_thread.run_sync(work, tasks)
            return count

        return call


CLIENTS: dict[str, tuple[type[_Client], str | None]] = {
    "rawengine": (_Rawengine, None),
    "aiodocker": (_Aiodocker, "aiodocker"),
    "docker-py": (_DockerPy, "docker"),
}


async def _timed(call: Call) -> tuple[float, float, int]:
    """Wall and process CPU seconds of one call, and what it returned."""
    start, cpu = time.perf_counter(), time.process_time()
    items = await call()
    return time.perf_counter() - start, time.process_time() - cpu, items


async def _peak(call: Call) -> float:
    tracemalloc.start()
    try:
        await call()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


async def _point(
    op: str, size: int, calls: dict[str, Call], rounds: int, expected: int, *, warmup: bool = True
) -> list[Point]:
    """Each client's median over `rounds`; `items` is its first wrong count, if any (a loss or a repeat)."""
    names = list(calls)
    times: dict[str, list[float]] = {name: [] for name in names}
    cpus: dict[str, list[float]] = {name: [] for name in names}
    wrong: dict[str, int] = {}  # the first count that was not `expected`, per client
    for name in names if warmup else ():  # one untimed warm-up call each
        await calls[name]()
    for index in range(rounds):
        order = names[index % len(names) :] + names[: index % len(names)]
        for name in order:
            seconds, cpu, items = await _timed(calls[name])
            times[name].append(seconds)
            cpus[name].append(cpu)
            if items != expected:
                wrong.setdefault(name, items)
    return [
        Point(
            op,
            size,
            name,
            statistics.median(times[name]),
            statistics.median(cpus[name]),
            rounds,
            wrong.get(name, expected),
            await _peak(calls[name]),
        )
        for name in names
    ]


async def _grow_containers(engine: rawengine.Engine, fixture: Fixture, have: int, want: int) -> None:
    labels = {SCALE_LABEL: fixture.run_id, LABEL: fixture.run_id}
    config = rawengine.ContainerConfig(image=fixture.base_image, cmd=["true"], labels=labels)
    limiter = anyio.Semaphore(8)

    async def create() -> None:
        async with limiter:
            await engine.create_container(config)

    async with anyio.create_task_group() as tasks:
        for _ in range(want - have):
            tasks.start_soon(create)


async def _layered_image(engine: rawengine.Engine, fixture: Fixture, layers: int) -> str:
    steps = "".join(f"ENV RAWENGINE_BENCH_{n}={n}\n" for n in range(layers))
    dockerfile = f"FROM {fixture.base_image}\nLABEL {LABEL}={fixture.run_id}\n{steps}".encode()
    tag = f"{IMAGE_REPO}:{fixture.run_id}-layers{layers}"
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        member = tarfile.TarInfo("Dockerfile")
        member.size = len(dockerfile)
        tar.addfile(member, io.BytesIO(dockerfile))
    await engine.build_image(context.getvalue(), tag=tag)
    return tag


async def _storm(engine: rawengine.Engine, fixture: Fixture, count: int) -> Storm:
    if fixture.storm is None:
        labels = {LABEL: fixture.run_id}
        config = rawengine.ContainerConfig(image=fixture.base_image, cmd=["sleep", "3600"], labels=labels)
        container = (await engine.create_container(config)).id
        await engine.start_container(container)
        fixture.storm = Storm(engine, container, count, engine.host.removeprefix("unix://"))
    fixture.storm.count = count
    return fixture.storm


async def _cleanup(engine: rawengine.Engine, fixture: Fixture) -> None:
    with anyio.CancelScope(shield=True):
        for summary in await engine.list_containers(all=True, filters={"label": [f"{LABEL}={fixture.run_id}"]}):
            await engine.remove_container(summary.id, force=True)
        for tag in fixture.images.values():
            try:
                await engine.remove_image(tag, force=True)
            except rawengine.NotFoundError:
                pass


async def measure(
    host: str,
    *,
    list_sizes: Sequence[int] = (10, 100, 1000),
    layers: Sequence[int] = (10, 50, 100),
    events: Sequence[int] = (1000, 10000),
    rounds: int = 5,
    clients: Sequence[str] = tuple(CLIENTS),
    base_image: str = "",
    run_id: str = "",
    log: Callable[[str], None] = print,
) -> list[Point]:
    """Every point of the three curves; what it made (labelled `run_id`) is removed even when it fails."""
    fixture = Fixture(run_id=run_id or uuid.uuid4().hex[:10], base_image=base_image)
    opened: list[_Client] = []
    points: list[Point] = []
    async with rawengine.Engine(host) as engine:
        try:
            if not fixture.base_image:
                fixture.base_image = f"{IMAGE_REPO}:{fixture.run_id}"
                fixture.images[0] = fixture.base_image
                await engine.import_image(rawengine.busybox_rootfs(), repo=IMAGE_REPO, tag=fixture.run_id)
            for name in clients:
                kind, package = CLIENTS[name]
                if package is not None and find_spec(package) is None:
                    log(f"{name} skipped: {package} is not installed (pip install 'rawengine[bench]')")
                    continue
                client = kind()
                await client.open(host)
                opened.append(client)
            have = 0
            for size in sorted(list_sizes):
                await _grow_containers(engine, fixture, have, size)
                have = size
                points += await _point("list", size, {c.name: c.list(fixture.run_id) for c in opened}, rounds, size)
                log(_line(points[-len(opened) :]))
            for size in sorted(layers):
                image = fixture.images[size] = await _layered_image(engine, fixture, size)
                rows = len(await engine.image_history(image))
                points += await _point("history", rows, {c.name: c.history(image) for c in opened}, rounds, rows)
                log(_line(points[-len(opened) :]))
            for size in sorted(events):
                storm = await _storm(engine, fixture, size)
                calls = {c.name: c.events(storm) for c in opened}
                points += await _point("events", size, calls, 1, size, warmup=False)  # storms are long: one each
                log(_line(points[-len(opened) :]))
        finally:
            with anyio.CancelScope(shield=True):
                for client in opened:
                    await client.aclose()
                await _cleanup(engine, fixture)
    return points


def _line(points: Sequence[Point]) -> str:
    cells = ", ".join(
        f"{p.client} {p.median_s * 1000:.1f} ms" + ("" if p.items == p.size else f" ({p.items} of {p.size})")
        for p in points
    )
    return f"{points[0].op} at {points[0].size}: {cells}"


def render(points: Sequence[Point]) -> str:
    """The table: per point, each client's median, per-item cost, ratio to rawengine and peak heap."""
    rows = ["op        size  client     median ms  per item us  cpu us/item  x rawengine  peak MiB  items"]
    for op in dict.fromkeys(p.op for p in points):
        for size in dict.fromkeys(p.size for p in points if p.op == op):
            group = [p for p in points if p.op == op and p.size == size]
            ours = next((p.median_s for p in group if p.client == "rawengine"), None)
            for p in group:
                ratio = f"{p.median_s / ours:.2f}x" if ours else "-"
                rows.append(
                    f"{op:8} {size:5}  {p.client:9}  {p.median_s * 1000:9.2f}  {p.per_item_us:11.1f}"
                    f"  {p.cpu_s / max(p.size, 1) * 1e6:11.1f}"
                    f"  {ratio:>11}  {p.peak_mib:8.2f}  {p.items if p.items == p.size else f'{p.items} WRONG'}"
                )
    return "\n".join(rows)


def write_plot(points: Sequence[Point], path: str) -> None:
    """One panel per operation: time per call against size, a line per client (log-log)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ops = list(dict.fromkeys(p.op for p in points))
    fig, axes = plt.subplots(1, len(ops), figsize=(5 * len(ops), 4), squeeze=False)
    for ax, op in zip(axes[0], ops, strict=True):
        for client in dict.fromkeys(p.client for p in points):
            mine = [p for p in points if p.op == op and p.client == client]
            ax.plot([p.size for p in mine], [p.median_s * 1000 for p in mine], marker="o", label=client)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(op)
        ax.set_xlabel({"list": "containers", "history": "history rows", "events": "events"}.get(op, "size"))
        ax.set_ylabel("ms per call (median)")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes must be integers separated by commas, not {text!r}") from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rawengine.bench.scaling", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=None, help="engine host (default DOCKER_HOST or the Docker socket)")
    parser.add_argument("--list-sizes", type=_sizes, default=[10, 100, 1000], help="containers (default 10,100,1000)")
    parser.add_argument("--layers", type=_sizes, default=[10, 50, 100], help="ENV steps (default 10,50,100)")
    parser.add_argument("--events", type=_sizes, default=[1000, 10000], help="events (default 1000,10000)")
    parser.add_argument("--rounds", type=int, default=5, help="timed calls per client and point (default 5)")
    parser.add_argument("--clients", default=",".join(CLIENTS), help="comma-separated (default all)")
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    parser.add_argument("--json", metavar="PATH", help="write the points as JSON")
    parser.add_argument("--plot", metavar="PATH", help="write the curves as a PNG")
    args = parser.parse_args(argv)
    clients = [name for name in args.clients.split(",") if name]
    unknown = set(clients) - set(CLIENTS)
    if unknown:
        parser.error(f"unknown clients {sorted(unknown)}: choose from {', '.join(CLIENTS)}")
    if args.backend == "trio":
        clients = [name for name in clients if name != "aiodocker"]  # aiodocker runs on asyncio only
    host = args.host or rawengine.Engine().host
    try:
        points = anyio.run(
            lambda: measure(
                host,
                list_sizes=args.list_sizes,
                layers=args.layers,
                events=args.events,
                rounds=args.rounds,
                clients=clients,
                log=lambda line: print(line, file=sys.stderr, flush=True),
            ),
            backend=args.backend,
        )
    except (rawengine.EngineError, RuntimeError, OSError) as exc:
        print(f"rawengine.bench.scaling: {exc}", file=sys.stderr)
        return 1
    print(render(points))
    if args.json:
        with open(args.json, "w") as out:
            json.dump([asdict(p) | {"per_item_us": p.per_item_us} for p in points], out, indent=1)
    if args.plot:
        write_plot(points, args.plot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
