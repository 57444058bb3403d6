"""Replies of the registry calls."""

from __future__ import annotations

import msgspec

__all__ = ["AuthResponse"]


class AuthResponse(msgspec.Struct, frozen=True, rename="pascal"):
    """`POST /auth`: the engine's verdict, and a token to use instead of the password (Docker,
    some registries only; Podman always sends an empty one)."""

    status: str = ""
    identity_token: str = ""
