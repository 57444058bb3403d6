"""Image calls: import, tag."""

from __future__ import annotations

from collections.abc import AsyncIterable, Sequence

import msgspec

from .._models.images import ImageDeleteItem, ImageInspect, ProgressMessage
from .._protocol.jsonlines import JsonLinesDecoder
from . import TAR, Request, encode_query, quote_ref

__all__ = ["DELETED", "INSPECT", "import_", "inspect", "progress_decoder", "remove", "tag"]

INSPECT = msgspec.json.Decoder(ImageInspect)
DELETED = msgspec.json.Decoder(list[ImageDeleteItem])


def progress_decoder() -> JsonLinesDecoder[ProgressMessage]:
    """A fresh decoder for one progress stream; in-band `error` lines raise `StreamError`."""
    return JsonLinesDecoder(ProgressMessage, in_band_errors=True)


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


def tag(image: str, *, repo: str, tag: str | None = None) -> Request:
    return Request("POST", f"/images/{quote_ref(image)}/tag", encode_query({"repo": repo, "tag": tag}))


def inspect(image: str) -> Request:
    return Request("GET", f"/images/{quote_ref(image)}/json")


def remove(image: str, *, force: bool = False, noprune: bool = False) -> Request:
    query = encode_query({"force": force or None, "noprune": noprune or None})
    return Request("DELETE", f"/images/{quote_ref(image)}", query, extra_time=60.0)
