"""Issue 13: DMN files as Camunda, Drools, dmn-js, dmn-check and Kogito write them.

One regression test per finding, each on a small DMN file written here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import engine
from engine.cli.main import main
from engine.core.errors import CaseError, WorkbookError, WorkbookInvalid
from engine.core.model import Model, Table
from engine.workbook.write import build_workbook

NS = {
    "1.1": "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "1.1-camunda": "http://www.omg.org/spec/DMN/20151101/dmn11.xsd",
    "1.2": "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "1.3": "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "1.3-http": "http://www.omg.org/spec/DMN/20191111/MODEL/",
    "1.4": "https://www.omg.org/spec/DMN/20211108/MODEL/",
    "1.5": "https://www.omg.org/spec/DMN/20230324/MODEL/",
    "1.6": "https://www.omg.org/spec/DMN/20240513/MODEL/",
}
Column = tuple[str, str | None, str | None]  # expression or name, typeRef, input/output values


def table(did: str, name: str, inputs: list[Column], outputs: list[Column],
          rules: list[tuple[list[str], list[str]]], policy: str = "UNIQUE",
          requires: tuple[str, ...] = (), inputs_needed: tuple[str, ...] = ()) -> str:
    """A <decision> holding a decision table, written as modelers write it."""
    req = "".join(f'<informationRequirement><requiredDecision href="#{r}"/>'
                  "</informationRequirement>" for r in requires)
    req += "".join(f'<informationRequirement><requiredInput href="#{r}"/>'
                   "</informationRequirement>" for r in inputs_needed)
    cols = ""
    for k, (expr, ref, values) in enumerate(inputs, 1):
        typed = f' typeRef="{ref}"' if ref else ""
        allowed = f"<inputValues><text>{values}</text></inputValues>" if values else ""
        cols += (f'<input id="{did}_in{k}"><inputExpression{typed}><text>{expr}</text>'
                 f"</inputExpression>{allowed}</input>")
    for k, (oname, ref, values) in enumerate(outputs, 1):
        attrs = (f' name="{oname}"' if oname else "") + (f' typeRef="{ref}"' if ref else "")
        allowed = f"<outputValues><text>{values}</text></outputValues>" if values else ""
        cols += f'<output id="{did}_out{k}"{attrs}>{allowed}</output>'
    body = ""
    for n, (ins, outs) in enumerate(rules, 1):
        body += f'<rule id="{did}_r{n}">'
        body += "".join(f"<inputEntry><text>{_x(t)}</text></inputEntry>" for t in ins)
        body += "".join(f"<outputEntry><text>{_x(t)}</text></outputEntry>" for t in outs)
        body += "</rule>"
    return (f'<decision id="{did}" name="{name}">{req}<decisionTable hitPolicy="{policy}">'
            f"{cols}{body}</decisionTable></decision>")


def input_data(iid: str, name: str, ref: str, label: str = "") -> str:
    lab = f' label="{label}"' if label else ""
    return (f'<inputData id="{iid}" name="{name}"{lab}><variable name="{name}" typeRef="{ref}"/>'
            "</inputData>")


def _x(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write(tmp_path: Path, *parts: str, version: str = "1.3", attrs: str = "",
          name: str = "model.dmn") -> str:
    path = tmp_path / name
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{NS[version]}" '
                    f'id="defs" name="Test" namespace="urn:test"{attrs}>{"".join(parts)}'
                    "</definitions>\n", encoding="utf-8")
    return str(path)


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    rc = main(list(argv))
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "internal error" not in text and "Traceback" not in text, text
    return rc, text


# 1 ----------------------------------------------------------------------------------------------
def test_01_check_gives_a_date_example_when_no_cell_names_a_date(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, table("d", "Band", [("when", "date", None), ("n", "number", None)],
                                 [("band", "string", None)], [(["-", "> 0"], ['"pos"'])]))
    rc, text = cli(capsys, "check", path)
    assert rc == 1 and "gap" in text
    gaps = [f for f in engine.load(path).check() if f.kind == "gap"]
    assert gaps and gaps[0].example is not None
    assert isinstance(gaps[0].example["when"], dt.date)
    assert gaps[0].example["n"] <= 0


# 2 ----------------------------------------------------------------------------------------------
def test_02_a_table_without_columns_is_written_without_a_crash(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = Table("Nothing", "U", (), (), (), (), "Nothing", "Nothing")
    wb = build_workbook(Model("x.dmn", {}, {"Nothing": empty}))
    assert wb["Nothing"]["B1"].value == "Nothing"
    path = write(tmp_path, '<decision id="d" name="Nothing"><decisionTable/></decision>')
    rc, text = cli(capsys, "import", path, "--to", str(tmp_path / "out.xlsx"))
    assert rc == 1 and "no output" in text
    assert not (tmp_path / "out.xlsx").exists()


# 3 ----------------------------------------------------------------------------------------------
def test_03_a_table_without_an_output_is_refused_as_in_a_workbook(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, table("d", "Flag", [("x", "number", None)], [], [([">1"], [])]))
    model = engine.load(path, strict=False)
    (err,) = [p for p in model.errors if "no output" in p.message]
    assert err.cells == ("d",) and err.decision == "Flag"
    with pytest.raises(WorkbookInvalid):
        engine.load(path)
    rc, _ = cli(capsys, "eval", path, "--case", '{"x": 2}')
    assert rc == 1


# 4 ----------------------------------------------------------------------------------------------
SEASON = table("Season", "Season decision", [("temperature", "integer", None)],
               [("season", "string", None)],
               [(["> 30"], ['"Summer"']), (["< 10"], ['"Winter"']), (["[10..30]"], ['"Spring"'])])


def dish(requires: tuple[str, ...]) -> str:
    return table("Dish", "Dish Decision", [("season", "string", None), ("guests", "integer", None)],
                 [("desiredDish", "string", None)],
                 [(['"Winter"', "-"], ['"Roastbeef"']), (['"Summer"', "-"], ['"Salad"']),
                  (['"Spring"', "<= 4"], ['"Steak"']), (['"Spring"', "> 4"], ['"Stew"'])],
                 requires=requires)


def test_04_camunda_input_names_a_required_decisions_output(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, dish(("Season",)), SEASON, version="1.1")
    model = engine.load(path)
    assert model.producer("season") is model.tables["Season decision"]
    result = model.evaluate({"temperature": 20, "guests": 6}, decision="Dish Decision")
    assert result["desiredDish"] == "Stew"
    assert [s.decision for s in result.trace] == ["Season decision", "Dish Decision"]
    text = result.explain()
    assert "Decision Season decision" in text and "season = \"Spring\"" in text
    assert "decided by Season decision" in text
    rc, out = cli(capsys, "eval", path, "--decision", "Dish Decision", "--case",
                  '{"temperature": 35, "guests": 2}', "--explain")
    assert rc == 0 and "Salad" in out and "Season decision" in out


def test_04_an_output_of_a_decision_not_required_is_not_guessed(tmp_path: Path) -> None:
    path = write(tmp_path, dish(()), SEASON, version="1.1")
    model = engine.load(path, strict=False)
    (err,) = [p for p in model.errors if p.cells == ("Dish/Dish_in1",)]
    assert "Season decision" in err.message and "require" in err.message
    assert "not the plain name" not in err.message


# 5 ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", sorted(NS))
def test_05_every_dmn_version_1_1_to_1_6_is_read(tmp_path: Path, version: str) -> None:
    path = write(tmp_path, table("d", "Size", [("n", "number", None)], [("size", "string", None)],
                                 [(["< 10"], ['"small"']), ([">= 10"], ['"large"'])]),
                 version=version)
    assert engine.load(path).evaluate({"n": 12})["size"] == "large"


def test_05_other_namespaces_are_refused_by_name(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    draft = tmp_path / "draft.dmn"
    draft.write_text('<Definitions xmlns="http://www.omg.org/spec/DMN/20130901" id="d"/>',
                     encoding="utf-8")
    with pytest.raises(WorkbookError, match="20130901"):
        engine.load(str(draft))
    rc, text = cli(capsys, "check", str(draft))
    assert rc == 2 and "draft" in text
    future = tmp_path / "future.dmn"
    future.write_text('<definitions xmlns="https://www.omg.org/spec/DMN/20990101/MODEL/"/>',
                      encoding="utf-8")
    with pytest.raises(WorkbookError, match="1.1 to 1.6"):
        engine.load(str(future))


# 6 ----------------------------------------------------------------------------------------------
def test_06_input_values_constrain_their_column_not_the_variable(tmp_path: Path) -> None:
    dish_table = table("Dish", "Dish", [("season", "string", '"Fall", "Winter"')],
                       [(None, "string", None)],
                       [(['"Fall"'], ['"Spareribs"']), (['"Winter"'], ['"Stew"'])],
                       inputs_needed=("i_season",))
    drinks = table("Drinks", "Drinks", [("Dish", "string", '"Spareribs", "Roastbeef"')],
                   [(None, "string", None)],
                   [(["-"], ['"Apero"']), (['"Spareribs"'], ['"Ale"'])], policy="COLLECT",
                   requires=("Dish",))
    path = write(tmp_path, input_data("i_season", "season", "string"), dish_table, drinks)
    model = engine.load(path)  # Dish's own rule giving "Stew" is no load error
    assert model.variables["Dish"].values == ()
    assert model.evaluate({"season": "Winter"}, decision="Dish")["Dish"] == "Stew"
    assert model.evaluate({"season": "Fall"}, decision="Drinks")["Drinks"] == ["Apero", "Ale"]
    with pytest.raises(CaseError, match="Stew"):  # DMN: a value outside the input values fails
        model.evaluate({"season": "Winter"}, decision="Drinks")
    frame = model.evaluate_frame(pd.DataFrame({"season": ["Fall", "Winter"]}), decision="Drinks")
    assert list(frame["Drinks"][0]) == ["Apero", "Ale"] and pd.isna(frame["error"][0])
    assert "Stew" in frame["error"][1] and "input values" in frame["error"][1]
    (warn,) = [p for p in model.problems if p.cells == ("Drinks/Drinks_in1",)]
    assert warn.severity == "warning" and '"Stew"' in warn.message


def test_06_input_values_check_the_cells_of_their_column(tmp_path: Path) -> None:
    path = write(tmp_path, input_data("i", "kind", "string"),
                 table("d", "Out", [("kind", "string", '"a", "b"')], [("out", "number", None)],
                       [(['"a"'], ["1"]), (['"c"'], ["2"])]))
    model = engine.load(path, strict=False)
    assert [p.cells for p in model.errors] == [("d/d_r2/inputEntry1",)]


# 7 ----------------------------------------------------------------------------------------------
def test_07_a_model_wide_expression_language_is_honoured(tmp_path: Path) -> None:
    body = table("d", "Check", [("status", "string", None)], [("result", "string", None)],
                 [(['cellInput == "gold"'], ['"ok"'])])
    juel = engine.load(write(tmp_path, body, attrs=' expressionLanguage="JUEL"'), strict=False)
    assert juel.errors and all("'JUEL'" in p.message for p in juel.errors)
    assert not any("plain name" in p.message or "refers to" in p.message for p in juel.problems)
    feel = write(tmp_path, table("d", "Check", [("status", "string", None)],
                                 [("result", "string", None)], [(['"gold"'], ['"ok"'])]),
                 version="1.5", name="feel.dmn",
                 attrs=' expressionLanguage="https://www.omg.org/spec/DMN/20230324/FEEL/"')
    assert engine.load(feel).evaluate({"status": "gold"})["result"] == "ok"


# 8 ----------------------------------------------------------------------------------------------
def test_08_a_types_label_is_not_the_inputs_label(tmp_path: Path) -> None:
    item = ('<itemDefinition name="tAge" label="tAge"><typeRef>number</typeRef>'
            "<allowedValues><text>[0..120]</text></allowedValues></itemDefinition>")
    path = write(tmp_path, item, input_data("i_age", "age", "tAge"),
                 input_data("i_w", "weight", "tAge", label="Body weight"),
                 table("d", "Group", [("age", None, None), ("weight", None, None)],
                       [("group", "string", None)], [([">= 12", "-"], ['"adult"'])]))
    model = engine.load(path)
    assert model.variables["age"].label == ""
    assert model.variables["weight"].label == "Body weight"
    (gap,) = [f for f in model.check() if f.kind == "gap"]
    assert "tAge" not in gap.message and "age is < 12" in gap.message


# 9 ----------------------------------------------------------------------------------------------
def test_09_unreadable_outputs_are_never_the_same_answer(tmp_path: Path) -> None:
    double = table("d1", "Twice", [("n", "number", None)], [("m", "number", None)],
                   [(["< 5"], ["n*2"]), ([">= 5"], ["n/2"])])
    inside = table("d2", "Word", [("n", "number", None)], [("w", "string", None)],
                   [(["-"], [""]), (["> 3"], ["foo"])], policy="FIRST")
    model = engine.load(write(tmp_path, double, inside), strict=False)
    found = model.check()
    assert len(model.errors) == 3  # the empty entry is null, as other tools read it (issue 24)
    assert [f.kind for f in model.problems if f.severity == "warning"] == ["lenient"]
    assert not [f for f in found if f.kind in ("mergeable", "redundant")], \
        [str(f) for f in found]


# 10 ---------------------------------------------------------------------------------------------
def test_10_masked_rules_under_priority_are_advised_by_output_values(tmp_path: Path) -> None:
    path = write(tmp_path, table("d", "Level", [("n", "number", None)],
                                 [("level", "string", '"high", "low"')],
                                 [(["-"], ['"high"']), (["> 5"], ['"low"'])], policy="PRIORITY"))
    (masked,) = [f for f in engine.load(path).check() if f.kind == "masked"]
    assert "move it up" not in masked.message and "glossary" not in masked.message
    assert "output values" in masked.message and "does not matter" in masked.message


# 11 ---------------------------------------------------------------------------------------------
def test_11_priority_needs_output_values(tmp_path: Path) -> None:
    path = write(tmp_path, table("d", "Level", [("n", "number", None)],
                                 [("level", "string", None)],
                                 [(["-"], ['"high"']), (["> 5"], ['"low"'])], policy="PRIORITY"))
    model = engine.load(path, strict=False)
    (err,) = model.errors
    assert err.cells == ("d/d_out1",) and "output values" in err.message


def test_11_numeric_output_values_survive_the_workbook(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    path = write(tmp_path, table("d", "Score", [("n", "number", None)],
                                 [("score", "number", "3, 1, 2")],
                                 [(["-"], ["1"]), ([">5"], ["3"]), ([">8"], ["2"])],
                                 policy="PRIORITY"))
    model = engine.load(path)
    assert model.evaluate({"n": 9})["score"] == 3
    rc, _ = cli(capsys, "import", path, "--to", str(tmp_path / "s.xlsx"))
    assert rc == 0
    workbook = engine.load(str(tmp_path / "s.xlsx"))
    for n in (0, 6, 9):
        assert workbook.evaluate({"n": n})["score"] == model.evaluate({"n": n})["score"]


# 12 ---------------------------------------------------------------------------------------------
def test_12_not_null_survives_the_workbook(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, table("d", "Known", [("x", "number", None)], [("k", "boolean", None)],
                                 [(["not(null)"], ["true"]), (["null"], ["false"])]))
    model = engine.load(path)
    rc, _ = cli(capsys, "import", path, "--to", str(tmp_path / "k.xlsx"))
    assert rc == 0
    workbook = engine.load(str(tmp_path / "k.xlsx"))
    for x in (5, None):
        assert workbook.evaluate({"x": x})["k"] == model.evaluate({"x": x})["k"]
    assert model.evaluate({"x": None})["k"] is False


# 13 ---------------------------------------------------------------------------------------------
def test_13_wording_of_left_out_decisions(tmp_path: Path) -> None:
    invocation = ('<decision id="inv" name="Fee"><variable name="Fee" typeRef="number"/>'
                  '<invocation><literalExpression><text>f</text></literalExpression>'
                  "</invocation></decision>")
    reader = table("d", "Reader", [("code", "string", None)], [("r", "string", None)],
                   [(["-"], ['"x"'])], inputs_needed=("i_code",))
    fed = table("d2", "Uses fee", [("Fee", "number", None), ("code", "string", None)],
                [("u", "string", None)], [(["-", "-"], ['"y"'])], requires=("inv",))
    path = write(tmp_path, input_data("i_code", "code", "string"),
                 input_data("i_only", "only", "number"), invocation, reader, fed,
                 table("d3", "Needs only", [("only", "number", None), ("Fee", "number", None)],
                       [("o", "string", None)], [(["-", "-"], ['"z"'])]))
    model = engine.load(path, strict=False)
    texts = [p.message for p in model.problems]
    assert any("holds an invocation" in t for t in texts), texts
    assert not any("a invocation" in t for t in texts)
    found = [str(f) for f in model.check()]
    assert not any("(only)" in f and "no table uses it" in f for f in found), found
    assert any("'only'" in f and "Needs only" in f and "left out" in f for f in found), found


# found on the corpus (dmn-check's and Camunda's loop tests) ---------------------------------
def test_requirement_loops_and_empty_input_expressions_are_named(tmp_path: Path) -> None:
    a = table("A", "A", [("b", "string", None)], [("a", "string", None)], [(["-"], ['"x"'])],
              requires=("B",))
    b = table("B", "B", [("", "string", None)], [("b", "string", None)], [(["-"], ['"y"'])],
              requires=("A",))
    model = engine.load(write(tmp_path, a, b), strict=False)
    texts = [p.message for p in model.errors]
    assert "decisions 'A', 'B' require each other in a loop (informationRequirement): none of " \
           "them can be decided first" in texts, texts
    assert any("has no input expression" in t for t in texts), texts
