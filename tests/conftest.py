"""Shared set-up: the example workbooks of `build_examples.py`, built once per session; and
in CI, property tests with a fixed seed, so a landing never depends on a lucky draw (local
runs keep exploring new examples)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from build_examples import build_all
from hypothesis import settings

# Tests assert English messages; the Norwegian ones are checked in test_i18n.py, which clears
# this for itself. Set here, before any workbook is loaded, so a workbook's About language
# (NBCG says nb) never changes what another test reads.
os.environ["GUIDELINE_LANG"] = "en"

settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def examples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Hit-policy code (or "chain") -> path of its example workbook."""
    return build_all(tmp_path_factory.mktemp("examples"))
