"""The version one request works on, set once at its start (`wrap.RequestContext`)."""

from __future__ import annotations

from contextvars import ContextVar

from .state import Version

PINNED: ContextVar[Version | None] = ContextVar("guideline_version", default=None)
