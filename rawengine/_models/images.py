"""Images: progress messages of import, pull and build, and image ids in one form."""

from __future__ import annotations

import re
from typing import Any

import msgspec

__all__ = [
    "ImageConfigInfo",
    "ImageDeleteItem",
    "ImageInspect",
    "ProgressDetail",
    "ProgressMessage",
    "normalize_image_id",
]

_BARE_ID = re.compile(r"^[0-9a-f]{64}$")


def normalize_image_id(value: str) -> str:
    """`sha256:<64 hex>` whatever the engine sent (Podman leaves the prefix out in places)."""
    value = value.strip()
    return "sha256:" + value if _BARE_ID.match(value) else value


class ProgressDetail(msgspec.Struct, frozen=True):
    current: int | None = None
    total: int | None = None


class ProgressMessage(msgspec.Struct, frozen=True, rename="camel"):
    """One line of an import, pull or build stream.

    Pull and import fill `status` / `id` / `progress_detail`; build fills `stream` (its output) and,
    at the end, `aux` (`{"ID": "sha256:..."}`).
    """

    status: str | None = None
    id: str | None = None
    progress: str | None = None
    progress_detail: ProgressDetail | None = None
    stream: str | None = None
    aux: dict[str, Any] | None = None


class ImageConfigInfo(msgspec.Struct, frozen=True, rename="pascal"):
    """The run config stored in an image (what a container from it runs by default)."""

    cmd: list[str] | None = None
    entrypoint: list[str] | str | None = None
    env: list[str] | None = None
    labels: dict[str, str] | None = None
    working_dir: str = ""
    user: str = ""
    exposed_ports: dict[str, Any] | None = None


class ImageInspect(msgspec.Struct, frozen=True, rename="pascal"):
    """`GET /images/{name}/json`: one image (Podman qualifies `repo_tags` with `localhost/`, `docker.io/`)."""

    id: str
    repo_tags: list[str] | None = None
    repo_digests: list[str] | None = None
    parent: str = ""
    comment: str = ""
    created: str = ""
    author: str = ""
    docker_version: str = ""
    architecture: str = ""
    os: str = msgspec.field(name="Os", default="")
    size: int = 0
    virtual_size: int | None = None
    config: ImageConfigInfo | None = None


class ImageDeleteItem(msgspec.Struct, frozen=True, rename="pascal"):
    """One line of `DELETE /images/{name}`: a tag removed (`untagged`) or an image deleted (`deleted`)."""

    untagged: str | None = None
    deleted: str | None = None
