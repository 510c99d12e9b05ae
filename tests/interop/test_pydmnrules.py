"""A second, independent engine agrees: pyDMNrules evaluates our DMN export of the NBCG workbook.

pyDMNrules (PyPI `pydmnrules`) lives in its own venv, benchmarks/.venvs/pydmnrules (made here
when missing; skipped with the reason when it cannot be made), and is driven through
pydmnrules_driver.py in a subprocess: it is never a dependency of ours. Every case of the
NBCG test sheet is evaluated for every decision it states an expectation for, by both
engines; the answers must be the same, and the same as the sheet's.

Two things are done to the copy pyDMNrules reads, neither changing an answer: its
`useXML` (1.4.5) raises KeyError on DMN annotation columns (`['annotation']` for
`['annotations']`), so annotation clauses and entries are removed; and it runs every table
of a file in order, stopping at the first that fails, so each decision gets a file holding
only the decisions it requires (DMN's own meaning of evaluating one decision).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as DET
import pytest

import engine
from engine.core.graph import required
from engine.dmn.export import DC_NS, DI_NS, DMNDI_NS, EXT_NS, MODEL_NS, write_dmn

ROOT = Path(__file__).resolve().parents[2]
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
VENV = ROOT / "benchmarks" / ".venvs" / "pydmnrules"
PYTHON = VENV / "bin" / "python"
DRIVER = Path(__file__).with_name("pydmnrules_driver.py")
PIN = "pydmnrules==1.4.5"
NS = MODEL_NS["1.5"]


def pydmnrules_python() -> Path:
    """The venv's Python with pyDMNrules importable, made if missing; skip if it cannot be."""
    def works() -> bool:  # importing pyDMNrules takes ~20 s of CPU: look for it instead
        return PYTHON.exists() and any(VENV.glob("lib/python3*/site-packages/pyDMNrules"))

    if works():
        return PYTHON
    if os.environ.get("GUIDELINE_NO_INTEROP_VENV"):
        pytest.skip("GUIDELINE_NO_INTEROP_VENV is set: not making the pyDMNrules venv")
    try:
        VENV.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True,
                       capture_output=True, timeout=300)
        subprocess.run([str(PYTHON), "-m", "pip", "install", "-q", "--timeout", "30",
                        "--retries", "1", PIN], check=True, capture_output=True, timeout=600)
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"cannot make the pyDMNrules venv at {VENV}: {exc}")
    if not works():
        pytest.skip(f"pyDMNrules is not installed in {VENV}")
    return PYTHON


def sub_model(source: Path, keep: set[str], target: Path) -> None:
    """The export with only the decisions in `keep`, and without annotation columns."""
    for prefix, uri in (("", NS), ("dmndi", DMNDI_NS["1.5"]), ("dc", DC_NS), ("di", DI_NS),
                        ("guideline", EXT_NS)):
        ET.register_namespace(prefix, uri)
    root = DET.parse(source).getroot()
    assert root is not None
    for decision in root.findall(f"{{{NS}}}decision"):
        if decision.get("name") not in keep:
            root.remove(decision)
    for table in root.iter(f"{{{NS}}}decisionTable"):
        for clause in table.findall(f"{{{NS}}}annotation"):
            table.remove(clause)
        for rule in table.findall(f"{{{NS}}}rule"):
            for entry in rule.findall(f"{{{NS}}}annotationEntry"):
                rule.remove(entry)
    dmndi = root.find(f"{{{DMNDI_NS['1.5']}}}DMNDI")
    if dmndi is not None:  # the diagram would refer to removed decisions
        root.remove(dmndi)
    target.write_text(ET.tostring(root, encoding="unicode"), encoding="utf-8")


def their_value(result: dict[str, Any], decision: str, output: str, n_outputs: int) -> Any:
    """pyDMNrules names a multi-output table's outputs `decision.output`."""
    key = f"{decision}.{output}" if n_outputs > 1 else output
    return result.get(key, "(missing)")


@pytest.mark.skipif(not NBCG.exists(), reason="the NBCG workbook is not in tables/")
def test_pydmnrules_gives_the_same_answers(tmp_path: Path) -> None:
    python = pydmnrules_python()
    model = engine.load(str(NBCG))
    exported = tmp_path / "nbcg.dmn"
    write_dmn(model, str(exported))
    models = {}
    for name in model.tables:
        path = tmp_path / f"{name}.dmn"
        sub_model(exported, set(required(model.tables, name)), path)
        models[name] = str(path)
    runs = []
    for case in model.tests:
        for name, table in model.tables.items():
            if any(o in case.expected for o in table.output_names):
                runs.append({"id": case.id, "decision": name, "inputs": case.inputs})
    assert len({r["id"] for r in runs}) == len(model.tests) == 108
    done = subprocess.run([str(python), str(DRIVER)], input=json.dumps({"models": models,
                          "runs": runs}), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    answers = json.loads(done.stdout)
    cases = {c.id: c for c in model.tests}
    compared = disagree = 0
    problems = []
    for run, theirs in zip(runs, answers):
        case, table = cases[run["id"]], model.tables[run["decision"]]
        ours = model.evaluate(case.inputs, table.name)
        assert not theirs["errors"], (run["id"], theirs["errors"])
        for output in table.output_names:
            mine = ours[output]
            other = their_value(theirs["result"], table.name, output, len(table.outputs))
            compared += 1
            if other != mine or (output in case.expected and case.expected[output] != mine):
                disagree += 1
                problems.append(f"{case.id} {output}: ours {mine!r}, pyDMNrules {other!r}, "
                                f"sheet {case.expected.get(output)!r}")
    assert not problems, "\n".join(problems)
    assert compared >= 55
    print(f"pyDMNrules agrees on {compared - disagree}/{compared} outputs in {len(runs)} "
          f"evaluations of {len(model.tests)} cases")
