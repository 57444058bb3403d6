"""The machine and the software a run measured: what a figure means depends on all of it."""

from __future__ import annotations

import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version

__all__ = ["LIBRARIES", "describe", "load_average"]

LIBRARIES = ("rawengine", "anyio", "msgspec", "httpx", "trio", "aiodocker", "aiohttp", "docker", "requests", "urllib3")


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def load_average() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def describe() -> dict[str, object]:
    """Python, platform, core count, load and library versions (a library absent is `null`)."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": affinity,
        "load_average": load_average(),
        "libraries": {name: _version(name) for name in LIBRARIES},
    }
