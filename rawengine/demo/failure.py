"""The one error the walkthrough raises itself."""

from __future__ import annotations

__all__ = ["DemoFailure"]


class DemoFailure(Exception):
    """A step cannot go on, or found something other than what the tutorial shows (the message says what)."""
