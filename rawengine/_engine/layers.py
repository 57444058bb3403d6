"""(being written) layers methods of the Engine."""

from __future__ import annotations

from .base import EngineCore

__all__ = ["LayersMixin"]


class LayersMixin(EngineCore):
    pass
