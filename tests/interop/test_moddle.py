"""bpmn.io's dmn-moddle — the reader behind Camunda's DMN modeler — parses our export cleanly.

dmn-moddle 12 knows DMN 1.3 only (the version Camunda 7 and its modeler read), so the check
runs on `--dmn-version 1.3`. Needs node and `npm install` in tests/interop (node_modules is
git-ignored); skipped with the reason otherwise.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import engine
from engine.dmn.export import write_dmn

HERE = Path(__file__).resolve().parent
NBCG = HERE.parents[1] / "tables" / "nbcg-bisfosfonat.xlsx"
SCRIPT = HERE / "moddle_check.mjs"


def node() -> str:
    path = shutil.which("node")
    if path is None:
        pytest.skip("node is not installed")
    if not (HERE / "node_modules" / "dmn-moddle").is_dir():
        pytest.skip("dmn-moddle is not installed: run `npm install` in tests/interop")
    return path


@pytest.mark.skipif(not NBCG.exists(), reason="the NBCG workbook is not in tables/")
def test_dmn_moddle_reads_the_export_without_warnings(tmp_path: Path) -> None:
    exe = node()
    model = engine.load(str(NBCG))
    out = tmp_path / "nbcg-1.3.dmn"
    write_dmn(model, str(out), "1.3")
    done = subprocess.run([exe, str(SCRIPT), str(out)], capture_output=True, text=True,
                          timeout=120, cwd=HERE)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["warnings"] == [], report
    assert done.returncode == 0
    inputs = [v for v in model.variables if model.producer(v) is None]
    requirements = sum(len({model.producer(c.name).name if model.producer(c.name) else c.name
                            for c in t.inputs}) for t in model.tables.values())
    assert report["decisions"] == len(model.tables) == 3
    assert report["inputData"] == len(inputs) == 13  # endocrine_failure: issue 14
    assert report["shapes"] == 3 + 13
    assert report["edges"] == requirements
    assert report["rules"] == sum(len(t.rules) for t in model.tables.values()) == 51  # issue 22
