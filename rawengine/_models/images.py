"""Images: inspect and list replies, progress messages of import, pull and build, image ids in one form."""

from __future__ import annotations

import re
from typing import Any

import msgspec

__all__ = [
    "ImageConfigInfo",
    "ImageDeleteItem",
    "ImageInspect",
    "ImageRow",
    "ImageSummary",
    "ProgressDetail",
    "ProgressMessage",
    "RootFS",
    "image_summary",
    "normalize_image_id",
]

_BARE_ID = re.compile(r"^[0-9a-f]{64}$")


def normalize_image_id(value: str) -> str:
    """`sha256:<64 hex>` whatever the engine sent (Podman leaves the prefix out in places)."""
    value = value.strip()
    return "sha256:" + value if _BARE_ID.match(value) else value


class ProgressDetail(msgspec.Struct, frozen=True):
    """Bytes done and expected for one layer (`Downloading`, `Extracting`); empty for other steps."""

    current: int | None = None
    total: int | None = None


class ProgressMessage(msgspec.Struct, frozen=True, rename="camel"):
    """One line of an import, pull or build stream.

    Pull and import fill `status` (`"Downloading"`), `id` (the layer) and `progress_detail`
    (`current` / `total` bytes, for a progress bar), with `progress` the engine's own bar as text.
    Build fills `stream` (its output, newlines included) and, at the end, `aux`
    (`{"ID": "sha256:..."}`). A line carrying an error is never a message: it raises `StreamError`.
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


class RootFS(msgspec.Struct, frozen=True, rename="pascal"):
    """The image's filesystem: `layers` are the diff ids, base first."""

    type: str = ""
    layers: list[str] | None = None


class ImageInspect(msgspec.Struct, frozen=True, rename="pascal"):
    """`GET /images/{name}/json`: one image (Podman qualifies `repo_tags` with `localhost/`, `docker.io/`).

    `author` and `comment` are what a commit or import recorded; `container` is the container a
    commit came from (Docker only; empty on Podman); `config.cmd` is what a container runs by default.
    """

    id: str
    repo_tags: list[str] | None = None
    repo_digests: list[str] | None = None
    parent: str = ""
    comment: str = ""
    created: str = ""
    container: str = ""
    author: str = ""
    docker_version: str = ""
    architecture: str = ""
    os: str = msgspec.field(name="Os", default="")
    size: int = 0
    virtual_size: int | None = None
    config: ImageConfigInfo | None = None
    root_fs: RootFS | None = msgspec.field(name="RootFS", default=None)


class ImageSummary(msgspec.Struct, frozen=True):
    """One item of `GET /images/json`, the same shape on every engine.

    Ids are `sha256:<hex>` (`parent_id` is `""` for an imported or pulled image); `repo_tags` and
    `repo_digests` are empty lists for an untagged image (Docker's `<none>:<none>` placeholders are
    dropped). Podman qualifies tags (`docker.io/library/web:v2`, `localhost/web:v2`). `created` is in
    unix seconds; `shared_size` and `containers` are -1 where the engine did not compute them.
    """

    id: str
    parent_id: str
    repo_tags: list[str]
    repo_digests: list[str]
    created: int
    size: int
    shared_size: int
    virtual_size: int | None
    labels: dict[str, str]
    containers: int


class ImageRow(msgspec.Struct, frozen=True, rename="pascal"):
    """An image list item as the engine sends it (nulls, placeholders, ids without `sha256:`)."""

    id: str
    parent_id: str = ""
    repo_tags: list[str] | None = None
    repo_digests: list[str] | None = None
    created: int = 0
    size: int = 0
    shared_size: int = -1
    virtual_size: int | None = None
    labels: dict[str, str] | None = None
    containers: int = -1


def image_summary(row: ImageRow) -> ImageSummary:
    return ImageSummary(
        id=normalize_image_id(row.id),
        parent_id=normalize_image_id(row.parent_id) if row.parent_id else "",
        repo_tags=[tag for tag in row.repo_tags or () if tag != "<none>:<none>"],
        repo_digests=[digest for digest in row.repo_digests or () if digest != "<none>@<none>"],
        created=row.created,
        size=row.size,
        shared_size=row.shared_size,
        virtual_size=row.virtual_size,
        labels=row.labels or {},
        containers=row.containers,
    )


class ImageDeleteItem(msgspec.Struct, frozen=True, rename="pascal"):
    """One line of `DELETE /images/{name}`: a tag removed (`untagged`) or an image deleted (`deleted`)."""

    untagged: str | None = None
    deleted: str | None = None
