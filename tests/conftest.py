"""Shared fixture: the example workbooks of `build_examples.py`, built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest
from build_examples import build_all


@pytest.fixture(scope="session")
def examples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Hit-policy code (or "chain") -> path of its example workbook."""
    return build_all(tmp_path_factory.mktemp("examples"))
