"""Layers: what a container changed (`docker diff`) and how an image was made (`docker history`)."""

from __future__ import annotations

import enum

import msgspec

from .images import normalize_image_id

__all__ = ["Change", "ChangeKind", "HistoryItem", "history_item"]


class ChangeKind(enum.IntEnum):
    """How a path differs from the image: the wire's `Kind` (0, 1, 2)."""

    MODIFIED = 0
    ADDED = 1
    DELETED = 2

    @property
    def symbol(self) -> str:
        """The letter `docker diff` prints: `C`, `A` or `D`."""
        return "CAD"[self.value]


class Change(msgspec.Struct, frozen=True, rename="pascal"):
    """One changed path of a container's filesystem (`GET /containers/{id}/changes`)."""

    path: str
    kind: ChangeKind

    def __str__(self) -> str:
        return f"{self.kind.symbol} {self.path}"


class HistoryItem(msgspec.Struct, frozen=True):
    """One layer (or config-only step) of an image, newest first (`GET /images/{name}/history`).

    `id` is `sha256:<hex>` on every engine, or `"<missing>"` for a step whose image is not stored
    locally (Podman 4.3 names some rows by their layer's image rather than the step's: an imported
    or built image's own id may not appear). `tags` is empty where the engine names none (Podman
    never does). `created` is in unix seconds; `size` is the layer's size (Podman: its tar's size).
    `comment` is the commit comment on Docker; Podman writes `"FROM <parent>"` there and keeps the
    commit comment only in `inspect_image(...).comment`.
    """

    id: str
    created: int
    created_by: str
    tags: list[str]
    size: int
    comment: str


class HistoryRow(msgspec.Struct, frozen=True, rename="pascal"):
    """A history row as the engine sends it (Podman: no `sha256:`, `Tags: null`)."""

    id: str = ""
    created: int = 0
    created_by: str = ""
    tags: list[str] | None = None
    size: int = 0
    comment: str = ""


def history_item(row: HistoryRow) -> HistoryItem:
    return HistoryItem(
        id=normalize_image_id(row.id),
        created=row.created,
        created_by=row.created_by,
        tags=row.tags or [],
        size=row.size,
        comment=row.comment,
    )
