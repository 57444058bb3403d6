"""`/_ping`, `/version`, `/info`, and the pure API version negotiation."""

from __future__ import annotations

import re
from typing import Protocol

import msgspec

from .._exceptions import ProtocolError
from .._models.system import Info, Ping, Version
from . import Request

__all__ = [
    "MAX_API_VERSION",
    "MIN_API_VERSION",
    "choose_api_version",
    "info",
    "ping",
    "ping_from_head",
    "ping_from_headers",
    "version",
]

MIN_API_VERSION = "1.24"
"""The oldest API rawengine speaks (every endpoint it uses exists there)."""

MAX_API_VERSION = "1.55"
"""The newest API rawengine was written against (`shared/engine-api/engine-api-v1.55.yaml`)."""

_VERSION = re.compile(r"(\d{1,3})\.(\d{1,3})", re.ASCII)


def parse_api_version(text: str) -> tuple[int, int]:
    match = _VERSION.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not an API version: {text!r}")
    return int(match[1]), int(match[2])


def choose_api_version(announced: str | None) -> str:
    """The version to speak: the lower of what the engine announces and `MAX_API_VERSION`.

    Raises `ProtocolError` when the announcement is missing or unreadable, or older than
    `MIN_API_VERSION`.
    """
    if announced is None:
        raise ProtocolError(
            "the engine's /_ping reply has no Api-Version header; pass Engine(api_version=...) to pin one"
        )
    try:
        server = parse_api_version(announced)
    except ValueError:
        raise ProtocolError(
            f"the engine announced an unreadable API version {announced[:40]!r}; "
            "pass Engine(api_version=...) to pin one"
        ) from None
    if server < parse_api_version(MIN_API_VERSION):
        raise ProtocolError(
            f"the engine speaks API {announced}, older than {MIN_API_VERSION}, "
            "the oldest rawengine supports; upgrade the engine"
        )
    chosen = min(server, parse_api_version(MAX_API_VERSION))
    return f"{chosen[0]}.{chosen[1]}"


def ping() -> Request:
    """`GET /_ping`, unversioned: every engine answers it whatever versions it supports."""
    return Request("GET", "/_ping")


class HeaderSource(Protocol):
    def get(self, name: bytes, /) -> bytes | None: ...


_PING_MEMO: dict[bytes, Ping] = {}
_PING_MEMO_SIZE = 64


def ping_from_head(lines: bytes | None, headers: HeaderSource) -> Ping:
    """`ping_from_headers`, remembered by the reply's raw header lines when there are some.

    A pure function of those bytes (a `Ping` is immutable), and they repeat byte for byte within
    a second: six header look-ups saved on almost every ping of a busy client. Bounded.
    """
    if lines is None:
        return ping_from_headers(headers)
    memo = _PING_MEMO
    ping = memo.get(lines)
    if ping is None:
        ping = ping_from_headers(headers)
        if len(memo) >= _PING_MEMO_SIZE:
            memo.clear()
        memo[lines] = ping
    return ping


def ping_from_headers(headers: HeaderSource) -> Ping:
    """The `Ping` a `/_ping` reply's headers describe (a dict of lower-case names, or the reply's head)."""

    def get(name: bytes) -> str | None:
        value = headers.get(name)
        return None if value is None else value.decode("latin-1")

    api_version = get(b"api-version")
    if api_version is None:
        raise ProtocolError("the engine's /_ping reply has no Api-Version header")
    return Ping(
        api_version=api_version,
        os_type=get(b"ostype"),
        experimental=(get(b"docker-experimental") or "").lower() == "true",
        builder_version=get(b"builder-version") or None,
        server=get(b"server"),
        engine="podman" if headers.get(b"libpod-api-version") is not None else "docker",
    )


def version() -> Request:
    return Request("GET", "/version")


def info() -> Request:
    return Request("GET", "/info")


VERSION = msgspec.json.Decoder(Version)
INFO = msgspec.json.Decoder(Info)
