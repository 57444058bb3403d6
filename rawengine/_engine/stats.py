"""Stats: a container's resource usage, streamed or as one sample, with `docker stats`' figures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from .._endpoints import stats as api
from .._endpoints import system as system_api
from .._exceptions import ProtocolError
from .._models.stats import ContainerStats
from .._streams.stats import StatsStream
from .base import EngineCore

__all__ = ["StatsMixin"]


class StatsMixin(EngineCore):
    @asynccontextmanager
    async def stats_stream(self, container: str) -> AsyncIterator[StatsStream]:
        """Samples of a container's usage as the engine takes them: `async with engine.stats_stream(cid) as s:`.

        Calls `GET /containers/{id}/stats?stream=true`. Docker sends a sample about every
        second, Podman every 5 s; each sample's `cpu_percent`, `memory_usage`, ... are the
        figures `docker stats` shows (Docker's first sample has no previous one: 0 % CPU).
        The stream goes on while the container runs: leave the loop, or bound it with
        `anyio.move_on_after`. Podman's samples are `PodmanContainerStats` (see there).

        Raises:
            NotFoundError: no such container.
            StreamError: the engine reported an error inside the stream.
        """
        decoder = api.decoder(await self._engine_kind())
        async with self._stream(api.stats(container, stream=True)) as response:
            yield StatsStream(response, decoder)

    async def container_stats(self, container: str) -> ContainerStats:
        """One sample of a container's usage, at once. Calls `GET /containers/{id}/stats?stream=false&one-shot=true`.

        `one-shot` (API 1.41+) spares Docker's 2 s double sample, so the sample has no
        previous one: its `cpu_percent` is 0.0. For CPU %, take two samples and use
        `later.cpu_percent_since(earlier)`, or read `stats_stream`. Below API 1.41 the engine
        takes the double sample. Memory, network and block I/O figures need no previous sample.

        Raises:
            NotFoundError: no such container.
        """
        kind = await self._engine_kind()
        version = self.api_version
        one_shot = version is not None and system_api.parse_api_version(version) >= (1, 41)
        request = api.stats(container, stream=False, one_shot=one_shot)
        async with self._stream(request) as response:
            decoder = api.decoder(kind)
            samples = decoder.decode(await response.read_all()) + decoder.flush()
        if not samples:
            raise ProtocolError(f"GET {request.path}: the engine sent no stats sample")
        return samples[0]
