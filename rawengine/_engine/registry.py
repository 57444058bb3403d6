"""Registries: log in, push."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager

from .._credentials import RegistryAuth, find_credentials, registry_of
from .._endpoints import images as images_api
from .._endpoints import registry as api
from .._exceptions import APIError, AuthenticationError, NotFoundError, ServerError, StreamError
from .._models.images import ProgressMessage
from .._models.registry import AuthResponse
from .._streams.progress import ProgressStream
from .base import EngineCore

__all__ = ["RegistryMixin"]

_DIGEST = re.compile(r"digest: (sha256:[0-9a-f]{64})")
_AUTH_WORDS = ("unauthorized", "authentication required", "incorrect username or password", "401")


def _is_auth_failure(message: str) -> bool:
    text = message.lower()
    return any(word in text for word in _AUTH_WORDS)


class RegistryMixin(EngineCore):
    async def login(self, username: str, password: str, server: str) -> AuthResponse:
        """Check credentials against a registry (`docker login`, without storing anything).

        Calls `POST /auth`. Use the same values (or the returned `identity_token`) as `auth`
        for pulls and pushes.

        Raises:
            AuthenticationError: the registry refused them (Docker's 401, Podman's 500 that says so).
            ServerError: the registry could not be reached.
        """
        request = api.auth(RegistryAuth(username, password, server))
        try:
            return await self._json(request, api.AUTH)
        except APIError as exc:
            if exc.status_code == 401 or (exc.status_code == 500 and _is_auth_failure(exc.message)):
                raise AuthenticationError(
                    exc.message, status_code=exc.status_code, method=exc.method, path=exc.path
                ) from exc
            raise

    @asynccontextmanager
    async def push_stream(
        self, image: str, *, tag: str | None = None, auth: RegistryAuth | Mapping[str, str] | None = None
    ) -> AsyncIterator[ProgressStream]:
        """Push an image to its registry, as typed progress messages (`docker push`).

        Calls `POST /images/{name}/push`. The registry is the reference's host
        (`127.0.0.1:5000/web`); `tag` pushes one tag (else the engine pushes them all).
        Without `auth`, the credentials `docker push` would use are looked up.

        Raises:
            StreamError: the push failed, with the engine's message: both engines report most
                failures (refused credentials, unreachable registry, Docker: no such image)
                inside a 200 stream; Podman's 404 for a missing image is chained as `__cause__`.
        """
        if auth is None:
            auth = await find_credentials(registry_of(image), missing_ok=True)
        request = api.push(image, tag=tag, auth=auth)
        async with AsyncExitStack() as stack:
            try:
                response = await stack.enter_async_context(self._stream(request))
            except (NotFoundError, ServerError) as exc:  # Podman: a missing image is a 404
                raise StreamError(exc.message) from exc
            yield ProgressStream(response, images_api.progress_decoder())

    async def push_image(
        self,
        image: str,
        *,
        tag: str | None = None,
        auth: RegistryAuth | Mapping[str, str] | None = None,
        on_progress: Callable[[ProgressMessage], object] | None = None,
    ) -> str | None:
        """Push and return once done: the pushed manifest's digest (`sha256:…`) when the engine
        reports it (Docker's final `aux` message, Podman's `digest:` status line), else `None`.
        As `push_stream`, read to the end.

        Raises:
            StreamError: the push failed (never a silent success).
        """
        digest: str | None = None
        async with self.push_stream(image, tag=tag, auth=auth) as push:
            async for message in push:
                if message.aux and isinstance(message.aux.get("Digest"), str):
                    digest = message.aux["Digest"]
                elif digest is None and message.status and (found := _DIGEST.search(message.status)):
                    # Podman sends no aux, only `v1: digest: sha256:… size: 427`
                    digest = found.group(1)
                if on_progress is not None:
                    on_progress(message)
        return digest
