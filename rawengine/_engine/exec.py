"""(being written) exec methods of the Engine."""

from __future__ import annotations

from .base import EngineCore

__all__ = ["ExecMixin"]


class ExecMixin(EngineCore):
    pass
