"""Registry calls: log in (`POST /auth`) and push (`POST /images/{name}/push`)."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from .._credentials import RegistryAuth, registry_auth_header
from .._models.registry import AuthResponse
from . import JSON, Request, encode_query, json_body, quote_ref

__all__ = ["AUTH", "auth", "push"]

AUTH = msgspec.json.Decoder(AuthResponse)


def auth(credentials: RegistryAuth) -> Request:
    """`POST /auth` with the AuthConfig JSON: the engine checks it against the registry, stores nothing."""
    return Request("POST", "/auth", "", json_body(credentials.to_json()), JSON, extra_time=30.0)


def push(image: str, *, tag: str | None = None, auth: RegistryAuth | Mapping[str, str] | None = None) -> Request:
    """`POST /images/{name}/push?tag=`. `X-Registry-Auth` is always sent (`{}` when anonymous)
    and the body is `{}`, as the moby client does: older engines failed on an empty header."""
    header = registry_auth_header(auth if auth is not None else {})
    query = encode_query({"tag": tag})
    return Request(
        "POST", f"/images/{quote_ref(image)}/push", query, b"{}", JSON, headers=(("X-Registry-Auth", header),)
    )
