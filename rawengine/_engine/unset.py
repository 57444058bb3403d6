"""Keyword arguments to request Structs: a `None` argument (not given) is `UNSET` (left out of the body)."""

from __future__ import annotations

from typing import TypeVar

from msgspec import UNSET, UnsetType

__all__ = ["given"]

T = TypeVar("T")


def given(value: T | None) -> T | UnsetType:
    """`None` as `UNSET`, so the field is left out of the request body; anything else (`0`, `False`) is sent."""
    return UNSET if value is None else value
