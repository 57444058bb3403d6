"""Command-line options of `python -m rawengine.bench`, parsed into one frozen `Options`."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ALL_CLIENTS",
    "ALL_OPS",
    "CONCURRENT_OPS",
    "DEFAULT_CONCURRENT_OPS",
    "DEFAULT_THROUGHPUT_BYTES",
    "Options",
    "parse_args",
    "parse_size",
]

ALL_OPS = ("ping", "inspect", "list", "lifecycle", "exec", "exec-throughput", "changes", "history", "events")
ALL_CLIENTS = ("rawengine", "socket", "aiodocker", "docker-py", "blocking")

CONCURRENT_OPS = ("ping", "inspect", "list", "exec", "changes", "history")
"""Operations that can be measured at concurrency above 1 (`--concurrent-ops`). Lifecycle (dozens of
containers at once), exec-throughput (bandwidth, not latency) and events (one stream, one action at
a time) are measured sequentially only."""
DEFAULT_CONCURRENT_OPS = ("ping", "inspect", "list", "changes", "history")
"""exec is left out by default: a wave of 64 execs takes seconds on two cores (`--concurrent-ops` adds it)."""

DEFAULT_THROUGHPUT_BYTES = 256 * 1024 * 1024
DEFAULT_DURATION = 1.0
DEFAULT_ROUNDS = 8

_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


@dataclass(frozen=True)
class Options:
    """What to measure, how long, and where to write the results.

    `duration` is seconds of measurement per client, operation and concurrency level; `iterations`
    a fixed number of calls instead (exactly one of them is set).
    """

    host: str | None = None
    ops: tuple[str, ...] = ALL_OPS
    clients: tuple[str, ...] = ALL_CLIENTS
    concurrency: tuple[int, ...] = (1, 16, 64)
    concurrent_ops: tuple[str, ...] = DEFAULT_CONCURRENT_OPS
    duration: float | None = DEFAULT_DURATION
    iterations: int | None = None
    rounds: int = DEFAULT_ROUNDS
    warmup: int | None = None  # untimed calls per client before each cell; None: per operation
    backends: tuple[str, ...] = ("asyncio", "trio")
    throughput_bytes: int = DEFAULT_THROUGHPUT_BYTES
    json_path: str | None = None
    plot_path: str | None = None
    progress: bool | None = None  # None: only when stderr is a terminal
    profile: str | None = None  # an operation to profile (rawengine and socket) after the measurements

    def levels(self, op: str) -> tuple[int, ...]:
        """The concurrency levels `op` is measured at."""
        if op in self.concurrent_ops:
            return self.concurrency
        return (1,)


def _choices(text: str, allowed: Sequence[str], what: str) -> tuple[str, ...]:
    items = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [item for item in items if item not in allowed]
    if unknown or not items:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {', '.join(unknown) or '(none given)'}; choose from {','.join(allowed)}"
        )
    return items


def _levels(text: str) -> tuple[int, ...]:
    try:
        levels = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"concurrency must be integers separated by commas, not {text!r}") from None
    if not levels or levels[0] < 1 or levels[-1] > 1024:
        raise argparse.ArgumentTypeError("concurrency levels must be between 1 and 1024")
    return tuple(levels)


def parse_size(text: str) -> int:
    """`268435456`, `256M`, `256MiB`, `1G`, `64k` → bytes."""
    value = text.strip().upper().removesuffix("IB").removesuffix("B")
    unit = value[-1:] if value[-1:] in _UNITS and value[-1:] else ""
    number = value[: len(value) - len(unit)] if unit else value
    try:
        size = int(float(number) * _UNITS[unit])
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (examples: 256M, 1G, 65536)") from None
    if size < 1:
        raise argparse.ArgumentTypeError(f"the size must be positive, not {text!r}")
    return size


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text!r}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rawengine.bench",
        description=(
            "Benchmark Engine API round trips: rawengine beside a bare anyio Unix-socket client (the floor), "
            "aiodocker and docker-py, interleaved in rounds on the same engine in one run."
        ),
    )
    parser.add_argument("--host", help="engine socket (unix:///path or a path); default DOCKER_HOST, else Docker's")
    parser.add_argument(
        "--ops",
        type=lambda t: _choices(t, ALL_OPS, "operation"),
        default=ALL_OPS,
        metavar="LIST",
        help=f"operations, comma-separated (default all: {','.join(ALL_OPS)})",
    )
    parser.add_argument(
        "--clients",
        type=lambda t: _choices(t, ALL_CLIENTS, "client"),
        default=ALL_CLIENTS,
        metavar="LIST",
        help=f"clients (default all: {','.join(ALL_CLIENTS)}; aiodocker and docker-py when installed)",
    )
    parser.add_argument(
        "--concurrency",
        type=_levels,
        default=(1, 16, 64),
        metavar="LIST",
        help="tasks sharing one client (default 1,16,64; threads for docker-py)",
    )
    parser.add_argument(
        "--concurrent-ops",
        type=lambda t: _choices(t, CONCURRENT_OPS, "operation under load"),
        default=DEFAULT_CONCURRENT_OPS,
        metavar="LIST",
        help=f"measured at the --concurrency levels above 1 too (default {','.join(DEFAULT_CONCURRENT_OPS)})",
    )
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument(
        "--duration",
        type=_positive_float,
        metavar="S",
        help=f"seconds per client, operation and concurrency level (default {DEFAULT_DURATION})",
    )
    budget.add_argument("--iterations", type=_positive_int, metavar="N", help="a fixed number of calls instead")
    parser.add_argument(
        "--rounds",
        type=_positive_int,
        default=DEFAULT_ROUNDS,
        help=f"rounds per cell, each client taking a small batch in turn (default {DEFAULT_ROUNDS})",
    )
    parser.add_argument(
        "--warmup", type=int, metavar="N", help="untimed calls per client before each cell (default: per operation)"
    )  # 0: none (then --duration cells make the minimum number of calls)
    parser.add_argument(
        "--backend",
        choices=("asyncio", "trio", "both"),
        default="both",
        help="event loop(s), each in its own run (default both; aiodocker is asyncio-only)",
    )
    parser.add_argument(
        "--throughput-size", type=parse_size, default=DEFAULT_THROUGHPUT_BYTES, metavar="SIZE",
        help="bytes the exec-throughput command writes (default 256M)",
    )  # fmt: skip
    parser.add_argument("--json", dest="json_path", metavar="PATH", help="write every figure as JSON")
    parser.add_argument("--plot", dest="plot_path", metavar="PATH", help="write latency distributions as a PNG")
    parser.add_argument(
        "--profile",
        choices=[op for op in ALL_OPS if op not in ("lifecycle", "exec-throughput")],
        metavar="OP",
        help="after measuring, profile rawengine and the socket client on OP with cProfile (function by function)",
    )
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress",
        dest="progress",
        action="store_true",
        default=None,
        help="progress bar on stderr (default: on a tty)",
    )
    progress.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    return parser


def parse_args(argv: Sequence[str] | None = None) -> Options:
    args = _parser().parse_args(argv)
    backends = ("asyncio", "trio") if args.backend == "both" else (args.backend,)
    duration = None if args.iterations is not None else (args.duration or DEFAULT_DURATION)
    return Options(
        host=args.host or os.environ.get("DOCKER_HOST"),
        ops=args.ops,
        clients=args.clients,
        concurrency=args.concurrency,
        concurrent_ops=args.concurrent_ops,
        duration=duration,
        iterations=args.iterations,
        rounds=args.rounds,
        warmup=None if args.warmup is None else max(0, args.warmup),
        backends=backends,
        throughput_bytes=args.throughput_size,
        json_path=args.json_path,
        plot_path=args.plot_path,
        progress=args.progress,
        profile=args.profile,
    )
