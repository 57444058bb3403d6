"""Images and containers as tar files: save, load, export."""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

import anyio

from .._endpoints import images as images_api
from .._endpoints import transfer as api
from .._exceptions import APIError, NotFoundError, ServerError, StreamError
from .._models.images import ProgressMessage
from .._streams.progress import ProgressStream
from .._streams.tar import TarStream
from .base import EngineCore
from .images import _FileChunks

__all__ = ["TransferMixin"]

TarSource = bytes | str | os.PathLike[str] | AsyncIterable[bytes]
"""A tar's bytes, the path of a tar file, or an async iterable of its bytes."""


class TransferMixin(EngineCore):
    @asynccontextmanager
    async def save_images(self, names: Sequence[str]) -> AsyncIterator[TarStream]:
        """The tar of one or more images with their tags (`docker save`), streamed.

        Calls `GET /images/get?names=`. The `async with` owns the connection:

        ```python
        async with engine.save_images(["web:v2", "db:v1"]) as tar:
            await tar.save("images.tar")     # or: async for chunk in tar: ...
        ```

        Raises:
            NotFoundError: one of the images does not exist (before any byte of tar; Podman's
                500 "image not known" is classified the same).
        """
        async with AsyncExitStack() as stack:
            try:
                response = await stack.enter_async_context(self._stream(api.save(names)))
            except ServerError as exc:
                if "image not known" not in exc.message:  # Podman's 500 for a missing image
                    raise
                raise NotFoundError(exc.message, status_code=exc.status_code, method=exc.method, path=exc.path) from exc
            yield TarStream(response)

    @asynccontextmanager
    async def export_container(self, container: str) -> AsyncIterator[TarStream]:
        """The tar of a container's filesystem (`docker export`), streamed, as `save_images`.

        Calls `GET /containers/{id}/export`.

        Raises:
            NotFoundError: no such container.
        """
        async with self._stream(api.export(container)) as response:
            yield TarStream(response)

    async def load_images(
        self,
        tar: TarSource,
        *,
        on_progress: Callable[[ProgressMessage], object] | None = None,
    ) -> list[str]:
        """Load images from a `docker save` tar (`docker load`); the body is streamed.

        Calls `POST /images/load`. `tar` is bytes, a file's path or an async iterable of bytes.

        Returns:
            The loaded images, as the engine names them: `web:v2` on Docker (`sha256:…` for an
            untagged image), fully qualified on Podman (`docker.io/library/web:v2`).

        Raises:
            StreamError: the engine could not load the tar, whether it said so by status (a
                500, chained as `__cause__`) or inside its 200 reply.
        """
        if isinstance(tar, (str, os.PathLike)):
            async with await anyio.open_file(tar, "rb") as file:
                return await self.load_images(_FileChunks(file), on_progress=on_progress)
        text: list[str] = []
        async with AsyncExitStack() as stack:
            try:
                response = await stack.enter_async_context(self._stream(api.load(tar)))
            except APIError as exc:
                raise StreamError(exc.message) from exc
            async for message in ProgressStream(response, images_api.progress_decoder()):
                if message.stream:
                    text.append(message.stream)
                if on_progress is not None:
                    on_progress(message)
        names = api.loaded_images("".join(text))
        if not names:
            raise StreamError("the engine loaded no image from the tar: " + ("".join(text).strip() or "no message"))
        return names
