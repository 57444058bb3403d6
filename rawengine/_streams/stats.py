"""A container's stats samples, typed, as the engine sends them."""

from __future__ import annotations

from .._models.stats import ContainerStats
from .json import JsonStream

__all__ = ["StatsStream"]


class StatsStream(JsonStream[ContainerStats]):
    """`async for sample in stream`: `ContainerStats` (on Podman `PodmanContainerStats`).

    Made by `Engine.stats_stream()`.
    """
