"""Images: list, inspect, import, pull, build, tag, remove."""

from __future__ import annotations

import functools
import os
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Self

import anyio
import msgspec

from .._build_context import spool, tar_context
from .._credentials import RegistryAuth, all_credentials, find_credentials, registry_of
from .._endpoints import Filters
from .._endpoints import images as api
from .._exceptions import NotFoundError, ProtocolError, ServerError, StreamError
from .._models.images import (
    ImageDeleteItem,
    ImageInspect,
    ImageSummary,
    ProgressMessage,
    image_summary,
    normalize_image_id,
)
from .._streams.json import JsonStream
from .._streams.progress import ProgressStream
from .base import EngineCore

__all__ = ["ImagesMixin"]

_FILE_CHUNK = 1024 * 1024

BuildContext = bytes | str | os.PathLike[str] | AsyncIterable[bytes]
"""A tar's bytes, an async iterable of them, a directory (tarred by rawengine), or a tar file's path."""


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


@asynccontextmanager
async def _context_body(context: BuildContext, dockerfile: str | None) -> AsyncIterator[bytes | AsyncIterable[bytes]]:
    """The request body for a build context; a directory is tarred in a worker thread first."""
    if not isinstance(context, (str, os.PathLike)):
        yield context
        return
    if not await anyio.Path(context).is_dir():
        file = await anyio.open_file(context, "rb")
        try:
            yield _FileChunks(file)
        finally:
            with anyio.CancelScope(shield=True):
                await file.aclose()
        return
    with spool() as tar:  # closed here, whatever happens (a cancelled tarring included)
        await anyio.to_thread.run_sync(
            functools.partial(tar_context, context, tar, dockerfile=dockerfile or "Dockerfile")
        )
        yield _FileChunks(anyio.wrap_file(tar))


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

    async def list_images(
        self, *, all: bool = False, filters: Filters | None = None, digests: bool = False
    ) -> list[ImageSummary]:
        """The engine's images (`docker images`). Calls `GET /images/json`.

        Args:
            all: include intermediate images (build steps), not only the tagged and dangling ones.
            filters: `{"reference": ["web"]}`, `{"label": ["k=v"]}`, `{"dangling": ["true"]}`, ...
            digests: fill `repo_digests` (Podman always does).
        """
        if digests and await self._engine_kind() == "podman":
            # Podman 4.3 answers `digests=1` with a 200 and an empty body; it fills digests anyway.
            digests = False
        rows = await self._json(api.list_(all=all, filters=filters, digests=digests), api.LIST)
        return [image_summary(row) for row in rows]

    async def inspect_image(self, image: str) -> ImageInspect:
        """A typed view of one image (author, comment, config, layers). Calls `GET /images/{name}/json`.

        Raises:
            NotFoundError: no such image.
        """
        info = await self._json(api.inspect(image), api.INSPECT)
        if info.parent and not info.parent.startswith("sha256:"):  # Podman leaves out the prefix
            info = msgspec.structs.replace(info, parent=normalize_image_id(info.parent))
        return info

    async def tag_image(self, image: str, repo: str, tag: str | None = None) -> None:
        """Give an image another name, `repo:tag` (`latest` without a tag). Calls `POST /images/{name}/tag`.

        Raises:
            NotFoundError: no such image.
            BadRequestError: `repo` or `tag` is not a valid reference.
        """
        await self._send(api.tag(image, repo=repo, tag=tag))

    async def remove_image(self, image: str, *, force: bool = False, noprune: bool = False) -> list[ImageDeleteItem]:
        """Remove a tag, and the image once no tag is left. Calls `DELETE /images/{name}`.

        `noprune` keeps the untagged parents (build steps) that would otherwise go with it.

        Returns:
            What was untagged and deleted, in the engine's order (ids as `sha256:<hex>`; Podman
            names tags fully qualified, `docker.io/library/web:v2`).

        Raises:
            NotFoundError: no such image.
            ConflictError: a container uses it, or it has several tags and `force` is false.
        """
        items = await self._json(api.remove(image, force=force, noprune=noprune), api.DELETED)
        return [
            ImageDeleteItem(untagged=item.untagged, deleted=normalize_image_id(item.deleted) if item.deleted else None)
            for item in items
        ]

    @asynccontextmanager
    async def pull_stream(
        self,
        image: str,
        *,
        tag: str | None = None,
        platform: str | None = None,
        auth: RegistryAuth | Mapping[str, str] | None = None,
    ) -> AsyncIterator[ProgressStream]:
        """Pull an image from its registry, as typed progress messages (`docker pull`).

        Calls `POST /images/create?fromImage=`. Without a tag or digest, `latest` is pulled (the
        API alone would pull every tag). `auth` is the registry login (a `RegistryAuth`, or
        `{"username": ..., "password": ..., "serveraddress": ...}`), sent as `X-Registry-Auth`;
        without it the credentials `docker pull` would use are looked up (`find_credentials`:
        config.json's helpers and `auths`; a helper that is not installed counts as none).

        ```python
        async with engine.pull_stream("busybox:1.36") as pull:
            async for message in pull:    # ProgressMessage(status="Downloading", id="fe7c35...",
                ...                       #   progress_detail=ProgressDetail(current=32768, total=1031771))
        ```

        Raises:
            CredentialsError: looking the credentials up failed (a helper that fails).
            StreamError: the pull failed, with the engine's message, whether the engine said so
                by status before the stream (Docker's 500/404, chained as `__cause__`) or inside it
                (Podman's 200 with an error line).
            BadRequestError: the reference is not valid.
        """
        if auth is None:
            auth = await find_credentials(registry_of(image), missing_ok=True)
        request = api.pull(image, tag=tag, platform=platform, auth=auth)
        async with AsyncExitStack() as stack:
            try:
                response = await stack.enter_async_context(self._stream(request))
            except (NotFoundError, ServerError) as exc:
                raise StreamError(exc.message) from exc
            yield ProgressStream(response, api.progress_decoder())

    async def pull_image(
        self,
        image: str,
        *,
        tag: str | None = None,
        platform: str | None = None,
        auth: RegistryAuth | Mapping[str, str] | None = None,
        on_progress: Callable[[ProgressMessage], object] | None = None,
    ) -> None:
        """Pull an image and return once it is stored; `on_progress` sees each message.

        As `pull_stream`, read to the end. Bound it with `anyio.fail_after` if it must not take long.

        Raises:
            StreamError: the pull failed (the engine's message).
        """
        async with self.pull_stream(image, tag=tag, platform=platform, auth=auth) as pull:
            await pull.drain(on_progress)

    @asynccontextmanager
    async def build_stream(
        self,
        context: BuildContext,
        *,
        tag: str | Sequence[str] | None = None,
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
    ) -> AsyncIterator[ProgressStream]:
        """Build an image from a Dockerfile, as typed progress messages (`docker build`).

        Calls `POST /build`. `context` is a directory (tarred by rawengine, honouring its
        `.dockerignore`), the path of a tar, or a tar as bytes or an async iterable of bytes.
        `dockerfile` is its path inside the context; `tag` names the image (several names
        allowed); `rm` removes the step containers of a successful build, `forcerm` those of a
        failed one too. Docker 20.10 runs its classic builder. `registry_config` maps registries
        to credentials for the base images' pulls (`X-Registry-Config`); without it every
        registry config.json has credentials for is sent, as `docker build` does.

        ```python
        async with engine.build_stream("./app", tag="web:v2") as build:
            async for message in build:
                print(message.stream or "", end="")
        image_id = build.image_id
        ```

        Raises:
            StreamError: a step failed, with the build's own message (the engines report it
                inside the stream, after the step's output).
        """
        tags = [tag] if isinstance(tag, str) else list(tag or ())
        if registry_config is None:
            registry_config = await all_credentials()
        async with _context_body(context, dockerfile) as body:
            request = api.build(
                body,
                tags=tags,
                dockerfile=dockerfile,
                buildargs=buildargs,
                labels=labels,
                target=target,
                nocache=nocache,
                rm=rm,
                forcerm=forcerm,
                pull=pull,
                platform=platform,
                network_mode=network_mode,
                registry_config=registry_config,
            )
            async with self._stream(request) as response:
                yield ProgressStream(response, api.progress_decoder())

    async def build_image(
        self,
        context: BuildContext,
        *,
        tag: str | Sequence[str] | None = None,
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
        on_progress: Callable[[ProgressMessage], object] | None = None,
    ) -> str:
        """Build an image and return its id; `on_progress` sees each message (see `build_stream`).

        Returns:
            The built image's id, `sha256:<hex>` (from the build's `aux.ID`, on every engine).

        Raises:
            StreamError: a step failed, with the build's own message.
        """
        async with self.build_stream(
            context,
            tag=tag,
            dockerfile=dockerfile,
            buildargs=buildargs,
            labels=labels,
            target=target,
            nocache=nocache,
            rm=rm,
            forcerm=forcerm,
            pull=pull,
            platform=platform,
            network_mode=network_mode,
            registry_config=registry_config,
        ) as build:
            await build.drain(on_progress)
        if build.image_id is None:
            raise ProtocolError("POST /build: the build ended without reporting the image id (aux.ID)")
        return build.image_id
