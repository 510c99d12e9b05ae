"""Red team, round two (issue 17): DMN files — an aggregation the output cannot take, a model
in two DMN namespaces, a nameless decision, non-ASCII names on import, and 1e300 on export."""

from __future__ import annotations

from pathlib import Path

import pytest
from redteam_files import run_cli
from workbooks import TableSpec, WorkbookSpec, write

import engine

N13 = "https://www.omg.org/spec/DMN/20191111/MODEL/"
N15 = "https://www.omg.org/spec/DMN/20230324/MODEL/"


def dmn(folder: Path, name: str = "d", policy: str = "", otype: str = "string",
        root: str = N15, inner: str = N15, file: str = "m.dmn") -> Path:
    path = folder / file
    path.write_text(f'''<definitions xmlns="{root}" xmlns:o="{inner}" id="defs" name="m"
 namespace="urn:x"><o:decision id="d1" name="{name}"><o:decisionTable id="t1" {policy}>
<o:input id="i1" label="x"><o:inputExpression id="ie1" typeRef="number"><o:text>x</o:text>
</o:inputExpression></o:input><o:output id="o1" name="out" typeRef="{otype}"/>
<o:rule id="r1"><o:inputEntry id="a1"><o:text>&lt; 5</o:text></o:inputEntry>
<o:outputEntry id="b1"><o:text>"a"</o:text></o:outputEntry></o:rule>
<o:rule id="r2"><o:inputEntry id="a2"><o:text>&gt;= 5</o:text></o:inputEntry>
<o:outputEntry id="b2"><o:text>"b"</o:text></o:outputEntry></o:rule>
</o:decisionTable></o:decision></definitions>''', encoding="utf-8")
    return path


def test_collect_sum_over_a_string_output_is_refused_as_the_workbook_does(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = dmn(tmp_path, policy='hitPolicy="COLLECT" aggregation="SUM"')
    code, text = run_cli(["check", str(path)], capsys)
    assert code == 1 and "C+ (COLLECT SUM)" in text and "must be a number" in text
    code, text = run_cli(["eval", str(path), "--case", '{"x": 3}'], capsys)
    assert code == 1 and "must be a number" in text


def test_a_model_in_two_dmn_namespaces_is_refused(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["check", str(dmn(tmp_path, root=N15, inner=N15))], capsys)[0] == 0
    code, text = run_cli(["check", str(dmn(tmp_path, root=N13, inner=N15))], capsys)
    assert code == 2 and "use one DMN namespace" in text and "OK" not in text


def test_a_decision_named_empty_is_an_error(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run_cli(["check", str(dmn(tmp_path, name=""))], capsys)
    assert code == 1 and "d1" in text and "without a name" in text


def test_non_ascii_names_import_as_a_workbook_that_loads(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "imported.xlsx"
    code, text = run_cli(["import", str(dmn(tmp_path, name="beslutning_på_Ørsta")),
                          "--to", str(out)], capsys)
    assert code == 0 and "beslutning_pa_Orsta" in text
    model = engine.load(str(out))
    result = model.evaluate({"x": 3})
    assert result.decision == "beslutning_pa_Orsta" and result["out"] == "a"


def test_a_huge_or_tiny_number_survives_export_and_import(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    glossary = [("x", "number", None, "X"), ("out", "number", None, "Out")]
    table = TableSpec("out", "U", [("x", "input"), ("out", "output")],
                      [["1", "< 1e300", "1e300"], ["2", ">= 1e300", "1e-300"]])
    wb = write(WorkbookSpec(glossary, [table]), tmp_path / "big.xlsx")  # type: ignore[arg-type]
    out = tmp_path / "big.dmn"
    assert run_cli(["export", str(wb), "--to", "dmn", str(out)], capsys)[0] == 0
    assert "e+300" not in out.read_text(encoding="utf-8")  # FEEL has no exponents
    model = engine.load(str(out))
    assert model.evaluate({"x": 5})["out"] == 1e300
    assert model.evaluate({"x": 2e300})["out"] == 1e-300
    assert [f for f in model.check() if f.severity == "error"] == []
