"""CLI commands of their own module; registered by engine.cli (EXTRA_COMMANDS)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """Add this module's subcommands to the `guideline` parser."""
    del sub


__all__ = ["argparse", "register"]
