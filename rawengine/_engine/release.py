"""Which engine and release answers, for the few calls whose support depends on it."""

from __future__ import annotations

from typing import NamedTuple

from .._endpoints import system as system_api
from .._exceptions import UnsupportedError
from .base import EngineCore

__all__ = ["Release", "engine_release", "parse_release", "unsupported"]


class Release(NamedTuple):
    kind: str  # "docker" or "podman"
    version: tuple[int, int, int]  # the engine's own release (Podman 4.3.1 → (4, 3, 1))
    text: str
    api_version: str | None

    @property
    def label(self) -> str:
        return f"{self.kind.capitalize()} {self.text}".strip()


def parse_release(text: str) -> tuple[int, int, int]:
    """`"4.3.1"`, `"20.10.24+dfsg1"`, `"5.1.0-rc1"` → the three numbers (missing or odd parts read 0)."""
    numbers: list[int] = []
    for part in text.split(".")[:3]:
        digits = ""
        for char in part:
            if not char.isdigit():
                break
            digits += char
        numbers.append(int(digits) if digits else 0)
    numbers += [0] * (3 - len(numbers))
    return numbers[0], numbers[1], numbers[2]


async def engine_release(engine: EngineCore) -> Release:
    """One `GET /version`: the kind (from the ping) and release of the engine."""
    version = await engine._json(system_api.version(), system_api.VERSION)  # negotiates the API version first
    kind = await engine._engine_kind()
    return Release(kind, parse_release(version.version), version.version, engine.api_version)


def unsupported(feature: str, release: Release, hint: str = "") -> UnsupportedError:
    return UnsupportedError(feature, engine=release.label, api_version=release.api_version, hint=hint)
