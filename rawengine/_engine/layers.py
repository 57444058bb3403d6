"""Layers: what a container changed, committing it as an image, and how an image was made."""

from __future__ import annotations

from collections.abc import Sequence

from .._endpoints import layers as api
from .._exceptions import BadRequestError
from .._models.containers import ContainerConfig
from .._models.images import normalize_image_id
from .._models.layers import Change, HistoryItem, history_item
from .base import EngineCore

__all__ = ["LayersMixin"]


class LayersMixin(EngineCore):
    async def container_changes(self, container: str) -> list[Change]:
        """The paths a container added, modified or deleted against its image (`docker diff`).

        Calls `GET /containers/{id}/changes`. Order is the engine's (Podman sorts by path). On
        Podman a container that has run also lists `/etc` (its runtime writes hosts files there).

        Returns:
            `[Change(path="/www/index.html", kind=ChangeKind.MODIFIED), ...]`; `[]` when unchanged.

        Raises:
            NotFoundError: no such container.
        """
        # Docker sends `null` when nothing changed. Podman 4.3 answers an unknown container with
        # 500 "<id> not found: layer not known", which `_exceptions` classifies as NotFoundError.
        return await self._json(api.changes(container), api.CHANGES) or []

    async def commit_container(
        self,
        container: str,
        *,
        repo: str | None = None,
        tag: str | None = None,
        author: str | None = None,
        comment: str | None = None,
        changes: Sequence[str] | None = None,
        pause: bool = True,
        config: ContainerConfig | None = None,
    ) -> str:
        """Save a container's filesystem changes as a new image (`docker commit`).

        Calls `POST /commit`. `changes` are Dockerfile instructions applied to the new image's
        config (`'CMD ["httpd", "-f"]'`, `"ENV A=b"`); `pause` freezes the container while its
        layer is written. `config` is merged over the container's config on Docker; Podman
        ignores it (use `changes`, which both engines apply). Without `repo` the image is untagged.

        Returns:
            The new image's id, `sha256:<hex>` on every engine.

        Raises:
            NotFoundError: no such container.
            BadRequestError: `repo`/`tag` is not a valid reference (the engine's wording). On
                Docker this is checked before anything is sent: Docker 20.10 writes the image
                before it checks the name, and would leave an untagged image behind.
        """
        if repo and await self._engine_kind() == "docker":
            problem = api.reference_error(repo, tag)
            if problem is not None:
                raise BadRequestError(problem, status_code=400, method="POST", path="/commit")
        request = api.commit(
            container,
            repo=repo,
            tag=tag,
            author=author,
            comment=comment,
            changes=changes,
            pause=pause,
            config=config,
        )
        committed = await self._json(request, api.COMMITTED)
        return normalize_image_id(committed.id)  # Podman leaves out `sha256:`

    async def image_history(self, image: str) -> list[HistoryItem]:
        """How an image was made, newest layer first (`docker history`).

        Calls `GET /images/{name}/history`. Ids are `sha256:<hex>` on every engine (or
        `"<missing>"`); Podman names no tags and writes `"FROM <parent>"` as each row's comment.

        Raises:
            NotFoundError: no such image.
        """
        return [history_item(row) for row in await self._json(api.history(image), api.HISTORY)]
