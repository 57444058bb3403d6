"""What this run created, and its removal: that and nothing else.

Containers are remembered by id the moment `create` answers (before `start`, which may fail), and
removed with `force`. Images are remembered by the reference this run created (`nginx:v2`, the
stand-in's unique tag) and removed by that reference, newest first so that children go before their
parents, without `force`: if someone else started using one meanwhile, it stays and is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import Engine
from .._exceptions import APIError, ConflictError, EngineError, NotFoundError
from .render import short_id

__all__ = ["Created", "Tracker"]


@dataclass
class Created:
    kind: str  # "container" or "image"
    ref: str  # container id (its name until create answered), or the image reference this run created
    label: str  # what a person calls it: the container's name, the image reference
    run_id: str | None = None  # containers: the demo label's value, checked before removing by name

    @property
    def pending(self) -> bool:
        """A container whose create was sent but not answered: known by name only."""
        return self.kind == "container" and self.ref == self.label

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "ref": self.ref, "label": self.label}


@dataclass
class Tracker:
    """The containers and image references this run created, in creation order."""

    items: list[Created] = field(default_factory=list)

    def pending_container(self, name: str, run_id: str) -> Created:
        """Remember a container about to be created; set `.ref` to its id once create answers."""
        item = Created("container", name, name, run_id)
        self.items.append(item)
        return item

    def container(self, container_id: str, name: str) -> None:
        self.items.append(Created("container", container_id, name))

    def image(self, ref: str) -> None:
        self.items.append(Created("image", ref, ref))

    def forget(self, ref: str) -> None:
        """Drop an item already removed on purpose (a container the walkthrough removed itself)."""
        self.items = [item for item in self.items if item.ref != ref]

    @property
    def containers(self) -> list[Created]:
        return [item for item in self.items if item.kind == "container"]

    @property
    def images(self) -> list[Created]:
        return [item for item in self.items if item.kind == "image"]

    def removal_commands(self) -> list[str]:
        """How to remove what was kept, with the docker CLI (or podman: same words)."""
        commands = []
        if self.containers:
            commands.append("docker rm -f " + " ".join(item.label for item in self.containers))
        if self.images:
            commands.append("docker rmi " + " ".join(item.label for item in reversed(self.images)))
        return commands

    async def remove_all(self, engine: Engine) -> dict[str, list[dict[str, Any]]]:
        """Remove every container, then every image reference, newest first. Never raises an
        `EngineError`: what could not be removed is returned under `left` with the reason."""
        removed: list[dict[str, Any]] = []
        left: list[dict[str, Any]] = []
        for item in [*reversed(self.containers), *reversed(self.images)]:
            try:
                if item.pending and not await _made_by(engine, item):
                    self.items.remove(item)
                    continue
                if item.kind == "container":
                    await engine.remove_container(item.ref, force=True)
                else:
                    await engine.remove_image(item.ref)
            except NotFoundError:
                removed.append({**item.to_json(), "note": "already gone"})
            except ConflictError as exc:
                left.append({**item.to_json(), "reason": f"in use: {exc.message}"})
            except (APIError, EngineError) as exc:
                left.append({**item.to_json(), "reason": str(exc)})
            else:
                removed.append(item.to_json())
            self.items = [other for other in self.items if other is not item]
        return {"removed": removed, "left": left}

    @staticmethod
    def describe(item: dict[str, Any]) -> str:
        if item["kind"] == "container":
            return f"container {item['label']} ({short_id(item['ref'])})"
        return f"image {item['label']}"


async def _made_by(engine: Engine, item: Created) -> bool:
    """Whether the container named `item.label` carries this run's label (else it is someone else's)."""
    info = await engine.inspect_container(item.label)
    return (info.config.labels or {}).get("rawengine.demo") == item.run_id
