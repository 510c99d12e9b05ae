"""Issue 24: DMN as eight more tools write it (Flowable, dmn-scala, jDMN, dmn-eval-js,
camunda-dmn-tester, InRule, zeebe-dmn-worker, pyDMNrules). One regression test per defect, each
on a small DMN file written here; tests/dmn_corpus2 is the corpus that found them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_dmn_findings import cli, input_data, table, write

import engine
from engine.cli.main import main
from engine.core.errors import CaseError, WorkbookError, WorkbookInvalid

CAMUNDA = ' exporter="Camunda Modeler" exporterVersion="1.16.2"'  # as Camunda's modeler writes


def raw(tmp_path: Path, ns: str, body: str, attrs: str = "") -> str:
    """A file in any namespace, with the definitions' own attributes."""
    path = tmp_path / "model.dmn"
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{ns}" '
                    f'id="defs" name="T"{attrs}>{body}</definitions>\n', encoding="utf-8")
    return str(path)


# 1 ----------------------------------------------------------------------------------------------
def test_01_an_input_named_as_its_own_decision_is_what_the_case_gives(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Camunda's modeler: decision Schluesselverlust reads process variable Schluesselverlust.
    A decision's own variable is not in scope inside it: it is a case input."""
    path = write(tmp_path, table("d", "Schluesselverlust", [("Schluesselverlust", "boolean", None)],
                                 [("kosten", "number", None)],
                                 [(["true"], ["100"]), (["false"], ["0"])]))
    model = engine.load(path)
    assert model.variables["Schluesselverlust"].type == "boolean"
    assert model.evaluate({"Schluesselverlust": True})["kosten"] == 100
    rc, text = cli(capsys, "check", path)
    assert rc == 0 and "not the plain name" not in text, text


def test_01_an_own_name_its_answer_also_has_is_one_error_naming_both(tmp_path: Path) -> None:
    path = write(tmp_path, table("d", "Flag", [("Flag", "boolean", None)], [("", "number", None)],
                                 [(["true"], ["1"]), (["false"], ["0"])]))
    model = engine.load(path, strict=False)
    (err,) = model.errors
    assert err.cells == ("d/d_in1",) and "own name" in err.message and "Flag" in err.message


# 2 ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("literal", ["true", "false", "null", "3", '"x"'])
def test_02_an_input_expression_that_is_a_feel_literal_is_refused_by_name(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], literal: str) -> None:
    """DMN takes the literal in every case; it was read as a case input named `true`."""
    path = write(tmp_path, table("d", "Gate", [(literal, "boolean", None)],
                                 [("open", "string", None)],
                                 [(["true"], ['"yes"']), (["false"], ['"no"'])]))
    model = engine.load(path, strict=False)
    assert "true" not in model.variables and "Gate" not in model.tables
    (err,) = [p for p in model.errors if "FEEL literal" in p.message]
    assert err.cells == ("d/d_in1",) and literal in err.message
    rc, _text = cli(capsys, "eval", path, "--case", '{"true": false}')
    assert rc == 1


def test_02_a_path_into_another_decisions_answer_is_never_a_case_input(tmp_path: Path) -> None:
    """dmn-eval-js: `output1.length` reads the length of a COLLECT answer. It became a case
    input named "output1.length", and with it unknown the table answered 0 where the tool's
    test expects 50."""
    collect = table("c", "Collect", [("category", "string", None)], [("output1", "string", None)],
                    [(['"A"'], ['"x"']), (['"A"'], ['"y"'])], policy="COLLECT")
    score = table("s", "Score", [("output1.length", "integer", None)], [("score", "number", None)],
                  [(["2"], ["50"]), (["-"], ["0"])], policy="FIRST", requires=("c",))
    model = engine.load(write(tmp_path, collect, score), strict=False)
    assert "output1.length" not in model.variables and "Score" not in model.tables
    (err,) = [p for p in model.errors if p.decision == "Score"]
    assert err.cells == ("s/s_in1",) and "'length'" in err.message and "output1" in err.message
    with pytest.raises(WorkbookInvalid):
        engine.load(str(tmp_path / "model.dmn"))


def test_02_names_only_input_expressions_give_may_share_a_head(tmp_path: Path) -> None:
    """dmn-eval-js and Camunda: `input.category`, `input.score` are what the case gives."""
    body = table("d", "D", [("input.category", "string", None), ("input.score", "number", None)],
                 [("message", "string", None)],
                 [(['"A"', "> 1"], ['"a"']), (["-", "-"], ['"other"'])], policy="FIRST")
    model = engine.load(write(tmp_path, body))
    assert model.evaluate({"input.category": "A", "input.score": 2})["message"] == "a"


# 3 ----------------------------------------------------------------------------------------------
FLOWABLE_NS = "http://www.omg.org/spec/DMN/20151101"


def test_03_flowables_dmn_11_namespace_is_read_as_dmn_11(tmp_path: Path) -> None:
    body = table("decision1", "Full Decision", [("inputVariable1", "number", None)],
                 [("outputVariable1", "string", None)],
                 [(["< 10"], ['"low"']), ([">= 10"], ['"high"'])])
    model = engine.load(raw(tmp_path, FLOWABLE_NS, body))
    assert model.evaluate({"inputVariable1": 5})["outputVariable1"] == "low"


def test_03_an_unknown_dmn_namespace_is_refused_naming_those_read(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = raw(tmp_path, "http://www.omg.org/spec/DMN/20153011", "")
    rc, text = cli(capsys, "check", path)
    assert rc == 2 and "20153011" in text
    for ns in (FLOWABLE_NS, "https://www.omg.org/spec/DMN/20240513/MODEL/", "dmn11.xsd"):
        assert ns in text, text


# 4 ----------------------------------------------------------------------------------------------
GREETING = ('<decision id="greeting" name="GreetingMessage"><variable name="GreetingMessage" '
            'typeRef="string"/><literalExpression><text>"Hello " + name</text>'
            "</literalExpression></decision>")


def test_04_eval_of_a_decision_left_out_names_it_and_says_why(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GREETING)
    for name in ("GreetingMessage", "greeting"):  # by name, or by the id tools key it by
        rc, text = cli(capsys, "eval", path, "--decision", name, "--case", '{"name": "x"}')
        assert rc == 1 and "left out" in text and '"Hello " + name' in text, text
        assert "the decisions are: \n" not in text + "\n" and "are: none" in text
    with pytest.raises(CaseError, match="left out"):
        engine.load(path).evaluate({"name": "x"}, "GreetingMessage")


def test_04_an_unknown_decision_in_a_model_without_decisions_says_none(tmp_path: Path) -> None:
    model = engine.load(write(tmp_path, GREETING))
    with pytest.raises(CaseError, match=r"there is no decision 'Nothing'; the decisions are: "
                                        r"none"):
        model.evaluate({}, "Nothing")


# 5 ----------------------------------------------------------------------------------------------
def test_05_import_refuses_a_model_whose_decisions_were_all_left_out(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It wrote a workbook of no table that checked "OK": the reader's warnings vanished."""
    path = write(tmp_path, GREETING)
    out = tmp_path / "out.xlsx"
    rc, text = cli(capsys, "import", path, "--to", str(out))
    assert rc == 1 and not out.exists()
    assert "greeting" in text and "FEEL literal expression" in text, text


def test_05_import_of_a_model_with_one_table_read_still_writes_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = table("d", "Band", [("n", "number", None)], [("band", "string", None)],
                 [(["< 0"], ['"neg"']), ([">= 0"], ['"pos"'])])
    out = tmp_path / "out.xlsx"
    rc, text = cli(capsys, "import", write(tmp_path, GREETING, body), "--to", str(out))
    assert rc == 0 and out.exists() and "FEEL literal expression" in text


# 6 ----------------------------------------------------------------------------------------------
def test_06_every_unreadable_input_column_of_a_table_is_reported(tmp_path: Path) -> None:
    """InRule TireTesting: six columns without an expression, and one was reported."""
    body = table("t", "TireTesting", [("", "string", None)] * 3, [("speed", "number", None)],
                 [(['"a"', '"b"', '"c"'], ["200"])])
    model = engine.load(write(tmp_path, body), strict=False)
    found = [p for p in model.errors if "no input expression" in p.message]
    assert [p.cells for p in found] == [("t/t_in1",), ("t/t_in2",), ("t/t_in3",)]


# 7 ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cell, word", [("'test'", "test"), ("'lt 10'", "lt 10"), ("'1'", "1")])
def test_07_single_quoted_text_gets_the_double_quote_advice(tmp_path: Path, cell: str,
                                                            word: str) -> None:
    body = table("d", "D", [("x", "number", None)], [("out", "string", None)],
                 [(["< 1"], [cell]), ([">= 1"], ['"ok"'])])
    (err,) = engine.load(write(tmp_path, body), strict=False).errors
    assert f'write "{word}", not \'{word}\'' in err.message, err.message
    assert "refers to the name" not in err.message


def test_07_the_advice_holds_in_input_entries_too(tmp_path: Path) -> None:
    body = table("d", "D", [("x", "string", None)], [("out", "string", None)],
                 [(["== 'test1'"], ['"a"']), (["-"], ['"b"'])], policy="FIRST")
    (err,) = engine.load(write(tmp_path, body), strict=False).errors
    assert 'write "test1"' in err.message, err.message


# 8 ----------------------------------------------------------------------------------------------
def test_08_eval_json_on_a_model_that_cannot_be_loaded_prints_json(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = table("d", "D", [("x", "number", None)], [("out", "string", None)],
                 [(["< 1"], ["'a'"]), ([">= 1"], ['"b"'])])
    rc = main(["eval", write(tmp_path, body), "--case", '{"x": 0}', "--format", "json"])
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert rc == 1 and doc["ok"] is False and doc["kind"] == "WorkbookInvalid"
    assert [p["cells"] for p in doc["problems"]] == [["d/d_r1/outputEntry1"]]
    missing = str(tmp_path / "gone.dmn")
    rc = main(["eval", missing, "--case", "{}", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 2 and doc["ok"] is False and doc["problems"] == []


def test_08_a_decision_that_needs_one_left_out_says_so_in_one_sentence(tmp_path: Path) -> None:
    invoke = ('<decision id="e" name="Eligibility"><invocation><text>x</text></invocation>'
              "</decision>")
    body = table("s", "Strategy", [("Eligibility", "string", None)], [("s", "string", None)],
                 [(['"ELIGIBLE"'], ['"BUREAU"']), (["-"], ['"DECLINE"'])], policy="FIRST",
                 requires=("e",))
    model = engine.load(write(tmp_path, invoke, body), strict=False)
    (err,) = [p for p in model.errors if p.decision == "Strategy"]
    assert "needs decision 'Eligibility' (e), which holds an invocation" in err.message, \
        err.message


# 9 ----------------------------------------------------------------------------------------------
OLD_CAMUNDA = table("r", "Risk", [("age", "string", None), ("history", "string", None)],
                    [("rating", "string", None), ("days", "string", None)],
                    [(["> 60", '"good"'], ['"Medium"', "22"]),
                     (["[25..60]", "-"], ['"Medium"', "5"]),
                     (["< 25", '"good"'], ['"Low"', "3"]),
                     (["< 25", '"bad"'], ['"Medium"', "3"]),
                     (["> 60", '"bad"'], ['"High"', "2"])])


def test_09_old_camunda_string_typerefs_over_numbers_are_read_as_the_cells_say(
        tmp_path: Path) -> None:
    path = write(tmp_path, OLD_CAMUNDA, version="1.1", attrs=CAMUNDA)
    model = engine.load(path)
    assert model.variables["age"].type == "number" and model.variables["days"].type == "number"
    assert model.variables["history"].type == "string"  # its cells agree with its typeRef
    lenient = [p for p in model.problems if p.kind == "lenient"]
    assert [p.cells for p in lenient] == [("r/r_out2",), ("r/r_in1",)]  # one per column
    assert all(p.severity == "warning" and "typeRef" in p.message for p in lenient)
    result = model.evaluate({"age": 65, "history": "bad"})
    assert (result["rating"], result["days"]) == ("High", 2)


def test_09_strict_mode_keeps_refusing(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, OLD_CAMUNDA, version="1.1", attrs=CAMUNDA)
    with pytest.raises(WorkbookInvalid, match="typeRef"):
        engine.load(path, dmn_strict=True)
    rc, text = cli(capsys, "check", "--strict", path)
    assert rc == 1 and "ERROR    lenient" in text, text
    rc, _ = cli(capsys, "import", "--strict", path, "--to", str(tmp_path / "out.xlsx"))
    assert rc == 1 and not (tmp_path / "out.xlsx").exists()
    rc, _ = cli(capsys, "eval", "--strict", path, "--case", '{"age": 65, "history": "bad"}')
    assert rc == 1


def test_09_only_a_consistent_contradiction_in_a_camunda_file_is_read_leniently(
        tmp_path: Path) -> None:
    mixed = table("m", "Mixed", [("age", "string", None)], [("r", "string", None)],
                  [(["> 60"], ['"old"']), (['"young"'], ['"young"'])])
    model = engine.load(write(tmp_path, mixed, attrs=CAMUNDA, name="m.dmn"), strict=False)
    assert any("must be a text value" in p.message for p in model.errors)
    flowable = engine.load(write(tmp_path, OLD_CAMUNDA, version="1.1", name="f.dmn"),
                           strict=False)  # Flowable refuses a COLLECT MAX over "string"
    assert not [p for p in flowable.problems if p.kind == "lenient"] and flowable.errors


# 10 ---------------------------------------------------------------------------------------------
def test_10_an_empty_output_entry_is_null_as_other_tools_read_it(tmp_path: Path) -> None:
    body = table("d", "Collect", [("category", "string", None)],
                 [("message", "string", None), ("property", "string", None)],
                 [(['"A"'], ['"Message 1"', '"Value 1"']), (['"A"'], ['"Message 3"', ""]),
                  (['"B"'], ['"Message 2"', '"Value 2"'])], policy="COLLECT")
    path = write(tmp_path, body)
    model = engine.load(path)
    (note,) = [p for p in model.problems if p.kind == "lenient"]
    assert note.cells == ("d/d_r2/outputEntry2",) and note.severity == "warning"
    result = model.evaluate({"category": "A"})
    assert result["property"] == ["Value 1", None]
    with pytest.raises(WorkbookInvalid, match="gives no value"):
        engine.load(path, dmn_strict=True)


# 11 ---------------------------------------------------------------------------------------------
FORCED = ('<decision id="decision1" name="Full Decision" xmlns:flowable="http://flowable.org/dmn" '
          'flowable:forceDMN11="true"><decisionTable hitPolicy="COLLECT" aggregation="{agg}">'
          '<input id="i"><inputExpression typeRef="number"><text>x</text></inputExpression>'
          '</input><output id="o" name="y" typeRef="number"/>'
          + "".join(f'<rule id="r{k}"><inputEntry><text>&lt; {k}0</text></inputEntry>'
                    f"<outputEntry><text>{v}</text></outputEntry></rule>"
                    for k, v in ((1, 10), (2, 20), (3, 30), (4, 30)))
          + "</decisionTable></decision>")


@pytest.mark.parametrize("agg", ["SUM", "COUNT"])
def test_11_flowables_force_dmn11_sum_and_count_are_refused_by_name(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], agg: str) -> None:
    """DMN 1.1 summed (counted) distinct outputs: Flowable answers 60 (3) where DMN 1.2 on, and
    this engine, answered 90 (4) without a word."""
    path = raw(tmp_path, FLOWABLE_NS, FORCED.replace("{agg}", agg))
    model = engine.load(path, strict=False)
    (err,) = model.errors
    assert err.cells == ("decision1",) and "forceDMN11" in err.message and agg in err.message
    assert "Full Decision" not in model.tables
    rc, text = cli(capsys, "eval", path, "--case", '{"x": 5}')
    assert rc == 1 and "forceDMN11" in text


def test_11_force_dmn11_changes_nothing_for_min_and_max(tmp_path: Path) -> None:
    model = engine.load(raw(tmp_path, FLOWABLE_NS, FORCED.replace("{agg}", "MAX")))
    assert model.evaluate({"x": 5})["y"] == 30


def test_11_priority_without_output_values_is_refused_naming_the_table(tmp_path: Path) -> None:
    body = table("d", "Level", [("n", "number", None)],
                 [("a", "string", None), ("b", "string", None)],
                 [(["< 10"], ['"ACCEPT"', '"NONE"']), (["< 20"], ['"REFER"', '"LEVEL 1"'])],
                 policy="PRIORITY")
    model = engine.load(write(tmp_path, body), strict=False)
    (err,) = [p for p in model.errors if "ranks the answers" in p.message]
    assert "'Level'" in err.message and err.cells == ("d/d_out1",)
    with pytest.raises(WorkbookInvalid):
        engine.load(str(tmp_path / "model.dmn"))


# 12 ---------------------------------------------------------------------------------------------
def test_12_the_answer_goes_by_the_decisions_variable_name(tmp_path: Path) -> None:
    """Drools' 0004-simpletable-U: decision `_0004-simpletable-U`, variable `Approval Status`;
    Drools' test reads the answer as `Approval Status` (tests/dmn_corpus has the file)."""
    body = table("_0004-simpletable-U", "_0004-simpletable-U", [("Age", "number", None)],
                 [("", None, None)], [([">= 18"], ['"Approved"']), (["< 18"], ['"Declined"'])])
    body = body.replace('name="_0004-simpletable-U">',
                        'name="_0004-simpletable-U"><variable name="Approval Status" '
                        'typeRef="string"/>')
    model = engine.load(write(tmp_path, input_data("a", "Age", "number"), body))
    result = model.evaluate({"Age": 18})
    assert result.outputs == {"Approval Status": "Approved"}
    assert model.variables["Approval Status"].type == "string"


def test_12_a_decision_without_a_variable_answers_under_its_name(tmp_path: Path) -> None:
    body = table("d", "Band", [("n", "number", None)], [("", "string", None)],
                 [(["< 0"], ['"neg"']), ([">= 0"], ['"pos"'])])
    assert engine.load(write(tmp_path, body)).evaluate({"n": 1}).outputs == {"Band": "pos"}


def test_refusals_are_errors_not_crashes(tmp_path: Path) -> None:
    with pytest.raises(WorkbookError, match="namespace"):
        engine.load(raw(tmp_path, "http://www.omg.org/spec/DMN/20990101/MODEL/", ""))
