"""(being written) logs methods of the Engine."""

from __future__ import annotations

from .base import EngineCore

__all__ = ["LogsMixin"]


class LogsMixin(EngineCore):
    pass
