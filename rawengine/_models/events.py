"""Engine events: what `GET /events` streams, typed, with one action name across engines.

An `Event` keeps what the engine sent: `action` is the raw action (`"exec_start: sh -c ls"`,
Podman's `"remove"`), `raw` the whole JSON line, unknown fields included. `kind` is the action
under Docker's name, so one handler serves both engines:

| engine sends                                  | `kind`          |
| --------------------------------------------- | --------------- |
| `exec_create: <cmd>`, `exec_start: <cmd>` [D] | `exec_create`, `exec_start` |
| `exec` [P] (its one exec event)               | `exec_start`    |
| `exec_died` [P]                               | `exec_die`      |
| `died` [P] (libpod name)                      | `die`           |
| `remove` [P] (container, volume, network)     | `destroy`       |
| `remove` [P] (image)                          | `delete`        |
| `health_status: healthy` [D]                  | `health_status` |

Anything else (`create`, `start`, Podman's `init`/`cleanup`, actions newer than this table) is
its own kind.
"""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["Actor", "Event", "decode_event", "event_kind"]

# Podman's (libpod's) action names mapped to Docker's, per event type ("*" for any type).
_DOCKER_NAMES: dict[tuple[str, str], str] = {
    ("*", "died"): "die",
    ("*", "exec_died"): "exec_die",
    ("*", "exec"): "exec_start",
    ("*", "remove"): "destroy",
    ("image", "remove"): "delete",
}


def event_kind(type: str, action: str) -> str:
    """The action under Docker's name: `"exec_start: ls"` → `"exec_start"`, Podman `"remove"` → `"destroy"`."""
    base = action.split(":", 1)[0].strip() if ":" in action else action
    return _DOCKER_NAMES.get((type, base)) or _DOCKER_NAMES.get(("*", base)) or base


class Actor(msgspec.Struct, frozen=True):
    """What the event is about: its id and string attributes (a container's labels are copied in)."""

    id: str = ""
    attributes: dict[str, str] = {}

    @property
    def name(self) -> str | None:
        """The `name` attribute (a container's or image's name), if the engine sent one."""
        return self.attributes.get("name")


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """One engine event.

    * **type** - `container`, `image`, `network`, `volume`, `daemon`, ... (Podman adds `system`, `pod`).
    * **action** - the action exactly as sent (`start`, `exec_start: sh -c ls`, Podman's `remove`).
    * **actor** - the object's id and attributes.
    * **scope** - `local` (or `swarm`).
    * **time** / **time_nano** - when it happened, in unix seconds / nanoseconds.
    * **raw** - the JSON line as sent, every field included (`event.json()` decodes it).
    """

    type: str
    action: str
    actor: Actor
    scope: str = ""
    time: int = 0
    time_nano: int = 0
    raw: bytes = b""

    def __repr__(self) -> str:
        return (
            f"Event(type={self.type!r}, action={self.action!r}, actor={self.actor!r}, "
            f"scope={self.scope!r}, time={self.time!r}, time_nano={self.time_nano!r})"
        )

    @property
    def kind(self) -> str:
        """The action under Docker's name, the same on Docker and Podman (see the module's table)."""
        return event_kind(self.type, self.action)

    def json(self) -> dict[str, Any]:
        """The whole event as the engine sent it, including fields this model does not name."""
        value: dict[str, Any] = msgspec.json.decode(self.raw) if self.raw else {}
        return value


# ---------------------------------------------------------------- wire shapes


class _WireActor(msgspec.Struct, frozen=True):
    id: str | None = msgspec.field(name="ID", default=None)
    attributes: dict[str, str] | None = msgspec.field(name="Attributes", default=None)


class _WireEvent(msgspec.Struct, frozen=True):
    type: str | None = msgspec.field(name="Type", default=None)
    action: str | None = msgspec.field(name="Action", default=None)
    actor: _WireActor | None = msgspec.field(name="Actor", default=None)
    scope: str | None = None
    time: int | None = None
    time_nano: int | None = msgspec.field(name="timeNano", default=None)
    # Deprecated (gone from API 1.52), still sent by both engines; used only when the new ones are absent.
    status: str | None = None
    id: str | None = None


_WIRE_EVENT = msgspec.json.Decoder(_WireEvent)
_EMPTY_ACTOR = _WireActor()


def decode_event(line: bytes) -> Event:
    """Decode one JSON line of `GET /events`; raises `msgspec.DecodeError` for a broken line."""
    wire = _WIRE_EVENT.decode(line)
    actor = wire.actor or _EMPTY_ACTOR
    time = wire.time or 0
    return Event(
        type=wire.type or "",
        action=wire.action if wire.action is not None else (wire.status or ""),
        actor=Actor(actor.id if actor.id is not None else (wire.id or ""), actor.attributes or {}),
        scope=wire.scope or "",
        time=time,
        time_nano=wire.time_nano or time * 1_000_000_000,
        raw=line,
    )
