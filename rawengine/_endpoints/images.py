"""Image calls: list, inspect, import, pull, build, tag, remove."""

from __future__ import annotations

from collections.abc import AsyncIterable, Mapping, Sequence

import msgspec

from .._credentials import RegistryAuth, registry_auth_header, registry_config_header
from .._models.images import ImageDeleteItem, ImageInspect, ImageRow, ProgressMessage
from .._protocol.jsonlines import JsonLinesDecoder
from . import TAR, Filters, Request, encode_query, quote_ref

__all__ = [
    "DELETED",
    "INSPECT",
    "LIST",
    "build",
    "import_",
    "inspect",
    "list_",
    "progress_decoder",
    "pull",
    "remove",
    "split_tag",
    "tag",
]

INSPECT = msgspec.json.Decoder(ImageInspect)
DELETED = msgspec.json.Decoder(list[ImageDeleteItem])
LIST = msgspec.json.Decoder(list[ImageRow])


def progress_decoder() -> JsonLinesDecoder[ProgressMessage]:
    """A fresh decoder for one progress stream; in-band `error` lines raise `StreamError`."""
    return JsonLinesDecoder(ProgressMessage, in_band_errors=True)


def list_(*, all: bool = False, filters: Filters | None = None, digests: bool = False) -> Request:
    query = encode_query({"all": all or None, "filters": filters or None, "digests": digests or None})
    return Request("GET", "/images/json", query)


def import_(
    body: bytes | AsyncIterable[bytes],
    *,
    repo: str | None = None,
    tag: str | None = None,
    message: str | None = None,
    changes: Sequence[str] | None = None,
) -> Request:
    query = encode_query({"fromSrc": "-", "repo": repo, "tag": tag, "message": message, "changes": changes or None})
    return Request("POST", "/images/create", query, body, TAR)


def split_tag(reference: str) -> tuple[str, str | None]:
    """`"host:5000/web:v2"` → `("host:5000/web", "v2")`; no tag (or a digest) → `(reference, None)`."""
    if "@" in reference:
        return reference, None
    name, colon, tag = reference.rpartition(":")
    if not colon or "/" in tag:  # the colon was a registry port
        return reference, None
    return name, tag


def pull(
    image: str,
    *,
    tag: str | None = None,
    platform: str | None = None,
    auth: RegistryAuth | Mapping[str, str] | None = None,
) -> Request:
    """`POST /images/create?fromImage=`: without a tag (or digest) the engine would pull every tag,
    so `latest` is asked for, as `docker pull` does."""
    if not isinstance(image, str) or not image:
        raise ValueError(f"the image to pull must be a non-empty string, not {image!r}")
    name, own_tag = split_tag(image)
    if tag is not None:
        image = name
    elif own_tag is None and "@" not in image:
        tag = "latest"
    query = encode_query({"fromImage": image, "tag": tag, "platform": platform})
    headers: tuple[tuple[str, str], ...] = ()
    if auth is not None:
        headers = (("X-Registry-Auth", registry_auth_header(auth)),)
    return Request("POST", "/images/create", query, headers=headers)


def build(
    body: bytes | AsyncIterable[bytes],
    *,
    tags: Sequence[str] = (),
    dockerfile: str | None = None,
    buildargs: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    target: str | None = None,
    nocache: bool = False,
    rm: bool = True,
    forcerm: bool = False,
    pull: bool = False,
    platform: str | None = None,
    network_mode: str | None = None,
    registry_config: Mapping[str, RegistryAuth | Mapping[str, str]] | None = None,
) -> Request:
    """`POST /build` with a tar context. Without `version=2`, Docker 20.10 runs its classic builder
    (BuildKit would need a `/session` connection); Podman runs Buildah either way."""
    query = encode_query(
        {
            "t": list(tags) or None,
            "dockerfile": dockerfile,
            "buildargs": buildargs or None,
            "labels": labels or None,
            "target": target,
            "nocache": nocache or None,
            "rm": rm,
            "forcerm": forcerm or None,
            "pull": pull or None,
            "platform": platform,
            "networkmode": network_mode,
        }
    )
    headers = (("X-Registry-Config", registry_config_header(registry_config)),) if registry_config else ()
    return Request("POST", "/build", query, body, TAR, headers=headers)


def tag(image: str, *, repo: str, tag: str | None = None) -> Request:
    return Request("POST", f"/images/{quote_ref(image)}/tag", encode_query({"repo": repo, "tag": tag}))


def inspect(image: str) -> Request:
    return Request("GET", f"/images/{quote_ref(image)}/json")


def remove(image: str, *, force: bool = False, noprune: bool = False) -> Request:
    query = encode_query({"force": force or None, "noprune": noprune or None})
    return Request("DELETE", f"/images/{quote_ref(image)}", query, extra_time=60.0)
