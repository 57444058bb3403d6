"""`GET /containers/{id}/stats`: a stream of samples, or one sample (`one-shot` from API 1.41)."""

from __future__ import annotations

from .._models.stats import ContainerStats, PodmanContainerStats
from .._protocol.jsonlines import JsonLinesDecoder
from . import Request, encode_query, quote_name

__all__ = ["decoder", "stats"]


def stats(container: str, *, stream: bool, one_shot: bool = False) -> Request:
    """`stream=true` for a sample about every second (Podman: every 5 s); else one sample.

    `one_shot` (API 1.41+, only with `stream=false`) makes the engine answer at once, without
    the previous sample Docker otherwise waits about 2 s to take.
    """
    if stream and one_shot:
        raise ValueError("one_shot applies to a single sample (stream=False): the engines refuse both")
    query = encode_query({"stream": stream, "one-shot": one_shot or None})
    return Request("GET", f"/containers/{quote_name(container, 'container id or name')}/stats", query)


def decoder(engine: str) -> JsonLinesDecoder[ContainerStats]:
    """A JSON-lines decoder into the sample type of `engine` (`"docker"` or `"podman"`)."""
    kind: type[ContainerStats] = PodmanContainerStats if engine == "podman" else ContainerStats
    return JsonLinesDecoder(kind, in_band_errors=True)
