"""(being written) events methods of the Engine."""

from __future__ import annotations

from .base import EngineCore

__all__ = ["EventsMixin"]


class EventsMixin(EngineCore):
    pass
