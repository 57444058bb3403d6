"""Images: import, tag."""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, Sequence
from typing import Self

import anyio

from .._endpoints import images as api
from .._exceptions import ProtocolError
from .._models.images import ImageDeleteItem, ImageInspect, normalize_image_id
from .._streams.json import JsonStream
from .base import EngineCore

__all__ = ["ImagesMixin"]

_FILE_CHUNK = 1024 * 1024


class _FileChunks:
    """The chunks of an open file, as an async iterator (the caller closes the file)."""

    def __init__(self, file: anyio.AsyncFile[bytes]) -> None:
        self._file = file

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> bytes:
        chunk = await self._file.read(_FILE_CHUNK)
        if not chunk:
            raise StopAsyncIteration
        return chunk


class ImagesMixin(EngineCore):
    async def import_image(
        self,
        source: bytes | str | os.PathLike[str] | AsyncIterable[bytes],
        *,
        repo: str | None = None,
        tag: str | None = None,
        changes: Sequence[str] | None = None,
        message: str | None = None,
    ) -> str:
        """Create an image from a root filesystem tar (`docker import`).

        Calls `POST /images/create?fromSrc=-`. `source` is the tar's bytes, a path to it, or an
        async iterable of its bytes (streamed, never held whole). `changes` are Dockerfile
        instructions applied to the config (`'CMD ["httpd", "-f"]'`, `"ENV A=b"`).

        Returns:
            The new image's id, `sha256:<hex>` on every engine.

        Raises:
            StreamError: the engine reported a failure in its progress stream (a broken tar).
        """
        if isinstance(source, (str, os.PathLike)):
            async with await anyio.open_file(source, "rb") as file:
                return await self.import_image(_FileChunks(file), repo=repo, tag=tag, changes=changes, message=message)
        body = source
        # Podman ignores `tag` on import (it tags `:latest`): import untagged, then tag it ourselves.
        podman = repo is not None and await self._engine_kind() == "podman"
        request = api.import_(
            body, repo=None if podman else repo, tag=None if podman else tag, message=message, changes=changes
        )
        image_id = None
        async with self._stream(request) as response:
            async for item in JsonStream(response, api.progress_decoder()):
                for candidate in (item.id, item.status):
                    if candidate and normalize_image_id(candidate).startswith("sha256:"):
                        image_id = normalize_image_id(candidate)
        if image_id is None:
            raise ProtocolError("POST /images/create: the engine's import reply named no image id")
        if podman and repo is not None:
            await self._send(api.tag(image_id, repo=repo, tag=tag))
        return image_id

    async def inspect_image(self, image: str) -> ImageInspect:
        """A typed view of one image. Calls `GET /images/{name}/json`.

        Raises:
            NotFoundError: no such image.
        """
        return await self._json(api.inspect(image), api.INSPECT)

    async def remove_image(self, image: str, *, force: bool = False, noprune: bool = False) -> list[ImageDeleteItem]:
        """Remove a tag, and the image once no tag is left. Calls `DELETE /images/{name}`.

        Returns:
            What was untagged and deleted, in the engine's order (ids as `sha256:<hex>`).

        Raises:
            NotFoundError: no such image.
            ConflictError: a container uses it, or it has several tags and `force` is false.
        """
        items = await self._json(api.remove(image, force=force, noprune=noprune), api.DELETED)
        return [
            ImageDeleteItem(untagged=item.untagged, deleted=normalize_image_id(item.deleted) if item.deleted else None)
            for item in items
        ]
