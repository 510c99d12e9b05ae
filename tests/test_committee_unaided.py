"""The committee, unaided (issue 21): a member edits the NBCG workbook and runs the commands.
No false alarm on a correct file, no silent pass on a wrong one, one mistake one message.

Expectations are read from the workbook (which rule a question names, which test case runs
through which rule), never hard-coded counts, so they hold when the guideline's content
changes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import engine
from engine.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
Capture = pytest.CaptureFixture[str]


def nbcg_copy(tmp_path: Path, edit: Callable[[Any], None], name: str = "copy.xlsx") -> Path:
    wb = openpyxl.load_workbook(NBCG)
    edit(wb)
    path = tmp_path / name
    wb.save(path)
    return path


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def rule_cell(rule_id: str, decision: str | None = None) -> tuple[str, str]:
    """The sheet and id cell of a rule of NBCG, as loaded."""
    model = engine.load(str(NBCG))
    for table in model.tables.values():
        for rule in table.rules:
            if rule.id == rule_id and decision in (None, table.name):
                sheet, ref = rule.cell.split("!")
                return sheet, ref
    raise LookupError(rule_id)


# -- item 14: a question naming a deleted rule ----------------------------------------------
def test_a_question_naming_a_deleted_rule_is_a_warning_and_blocks_nothing(
        tmp_path: Path, capsys: Capture) -> None:
    model = engine.load(str(NBCG))
    question = next(q for q in model.questions if q.rules)
    decision, rule_id = question.rules[0]
    sheet, ref = rule_cell(rule_id, decision)

    def renumber(wb: Any) -> None:  # the rule's id is gone from the table, as if deleted
        wb[sheet][ref] = f"{rule_id}x"
    path = str(nbcg_copy(tmp_path, renumber))
    stale = [f for f in engine.load(path, strict=False).check()
             if f.cells == (question.cells["rules"],)]
    assert [f.severity for f in stale] == ["warning"], stale
    assert f"rule {rule_id}," in stale[0].message and "did you mean" not in stale[0].message
    code, out, err = run(capsys, "test", path)
    assert code == 0 and "failed" in out, err
    code, out, err = run(capsys, "diff", str(NBCG), path)
    assert code == 0 and f"{rule_id}x" in out, err
