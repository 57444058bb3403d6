"""Images and containers as tar files: save (`docker save`), load (`docker load`), export (`docker export`)."""

from __future__ import annotations

from collections.abc import AsyncIterable, Sequence

from . import TAR, Request, encode_query, quote_name

__all__ = ["export", "load", "loaded_images", "save"]


def save(names: Sequence[str]) -> Request:
    """`GET /images/get?names=A&names=B`: one tar holding every image, with their tags."""
    if isinstance(names, str) or not names or not all(isinstance(name, str) and name for name in names):
        raise ValueError(f"the images to save must be a non-empty list of non-empty names, not {names!r}")
    return Request("GET", "/images/get", encode_query({"names": list(names)}))


def load(body: bytes | AsyncIterable[bytes], *, quiet: bool = False) -> Request:
    """`POST /images/load` with a tar as body; the reply is a JSON message stream."""
    return Request("POST", "/images/load", encode_query({"quiet": quiet}), body, TAR)


def export(container: str) -> Request:
    """`GET /containers/{id}/export`: the container's filesystem as a tar."""
    return Request("GET", f"/containers/{quote_name(container, 'container id or name')}/export")


_LOADED = "Loaded image: "
_LOADED_ID = "Loaded image ID: "


def loaded_images(stream_text: str) -> list[str]:
    """The names in a load reply's `stream` text, in order.

    Docker sends one line per image, `Loaded image: web:v2` (or `Loaded image ID: sha256:…` for
    an untagged one); Podman sends a single `Loaded image: a,b` with the names comma-joined (a
    reference never holds a comma).
    """
    names: list[str] = []
    for line in stream_text.splitlines():
        line = line.strip()
        if line.startswith(_LOADED_ID):
            names.append(line[len(_LOADED_ID) :].strip())
        elif line.startswith(_LOADED):
            names.extend(name.strip() for name in line[len(_LOADED) :].split(",") if name.strip())
    return names
