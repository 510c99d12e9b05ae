"""DMN both ways: export (validated against the OMG schemas), reading, round trips, the CLI."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as DET
import pytest
from workbooks import TableSpec, WorkbookSpec, write

import engine
from engine import Model
from engine.cli.main import main
from engine.core.errors import ConflictingRules, NoRuleMatched, WorkbookError, WorkbookInvalid
from engine.core.sfeel import parse_unary
from engine.dmn.export import DMNDI_NS, MODEL_NS, export_dmn, unary_text, write_dmn
from engine.verify.testing import run_case
from engine.workbook.write import build_workbook, write_workbook

ROOT = Path(__file__).resolve().parents[1]
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
SCHEMAS = ROOT / "tests" / "dmn-tck" / "TestCases"
NS = MODEL_NS["1.5"]


def q(tag: str, ns: str = NS) -> str:
    return f"{{{ns}}}{tag}"


# -- small workbooks: one table per hit policy --------------------------------------------------
GLOSSARY = [
    ("age", "number", "[0..120]", "Alder"),
    ("risk", "string", '"low", "medium", "high"', "Risiko"),
    ("grade", "string", '"gold", "silver", "bronze"', "Grad"),  # priority: gold first
    ("points", "number", None, "Poeng"),
]
OVERLAPPING = [  # r1 and r2 overlap at age >= 18 and risk low; r3 and r4 at [10..18) high/medium
    ["r1", ">= 18", '"low"', "gold", 10, "first rule"],
    ["r2", ">= 18", "-", "silver", 20, ""],
    ["r3", "< 18", "-", "bronze", 5, "=SUM(A1)"],  # text, never a formula
    ["r4", "[10..30]", '"high", "medium"', "silver", 7, "note, with comma"],
]


def policy_spec(policy: str) -> WorkbookSpec:
    output = "points" if policy in ("C+", "C#", "C<", "C>") else "grade"
    rules = [[r[0], r[1], r[2], r[4] if output == "points" else r[3], r[5]] for r in OVERLAPPING]
    if policy == "U":  # Unique needs rules that do not overlap
        rules = [["r1", ">= 18", '"low"', "gold", ""], ["r2", ">= 18", 'not("low")', "silver", ""],
                 ["r3", "< 18", "-", "bronze", "young"]]
    table = TableSpec("offer", policy, [("age", "input"), ("risk", "input"), (output, "output"),
                                        ("note", "annotation")], rules, title="The offer")
    return WorkbookSpec(GLOSSARY, [table], about={"title": f"Hit policy {policy}"})


# Hand-worked answers. (20, low) matches r1 (gold, 10) and r2 (silver, 20);
# (15, high) matches r3 (bronze, 5) and r4 (silver, 7); (40, medium) matches r2 only.
EXPECTED: dict[str, dict[tuple[int, str], Any]] = {
    "U": {(20, "low"): "gold", (15, "high"): "bronze", (40, "medium"): "silver"},
    "A": {(20, "low"): ConflictingRules, (15, "high"): ConflictingRules,
          (40, "medium"): "silver", (25, "high"): "silver"},
    "P": {(20, "low"): "gold", (15, "high"): "silver", (40, "medium"): "silver"},
    "F": {(20, "low"): "gold", (15, "high"): "bronze", (40, "medium"): "silver",
          (5, "low"): "bronze"},
    "R": {(20, "low"): ["gold", "silver"], (15, "high"): ["bronze", "silver"],
          (40, "medium"): ["silver"]},
    "O": {(20, "low"): ["gold", "silver"], (15, "high"): ["silver", "bronze"],
          (40, "medium"): ["silver"]},
    "C": {(20, "low"): ["gold", "silver"], (15, "high"): ["bronze", "silver"]},
    "C+": {(20, "low"): 30, (15, "high"): 12, (40, "medium"): 20},
    "C#": {(20, "low"): 2, (15, "high"): 2, (40, "medium"): 1},
    "C<": {(20, "low"): 10, (15, "high"): 5},
    "C>": {(20, "low"): 20, (15, "high"): 7},
}
POLICY_WORDS = {"U": ("UNIQUE", None), "A": ("ANY", None), "P": ("PRIORITY", None),
                "F": ("FIRST", None), "R": ("RULE ORDER", None), "O": ("OUTPUT ORDER", None),
                "C": ("COLLECT", None), "C+": ("COLLECT", "SUM"), "C#": ("COLLECT", "COUNT"),
                "C<": ("COLLECT", "MIN"), "C>": ("COLLECT", "MAX")}


def answer(model: Model, age: int, risk: str) -> Any:
    table = model.tables["offer"]
    try:
        return model.evaluate({"age": age, "risk": risk}, "offer")[table.output_names[0]]
    except ConflictingRules:
        return ConflictingRules


@pytest.fixture(scope="module")
def nbcg() -> Model:
    if not NBCG.exists():
        pytest.skip("the NBCG workbook is not in tables/")
    return engine.load(str(NBCG))


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    xmlschema = pytest.importorskip("xmlschema")
    if not (SCHEMAS / "DMN15.xsd").exists():
        pytest.skip(f"the OMG schemas are not at {SCHEMAS}")
    return {v: xmlschema.XMLSchema(str(SCHEMAS / f"DMN{v.replace('.', '')}.xsd"))
            for v in ("1.5", "1.3")}


def roundtrip(model: Model, tmp_path: Path, name: str) -> tuple[Model, Model]:
    """workbook model -> DMN file -> model -> workbook file -> model."""
    dmn = tmp_path / f"{name}.dmn"
    write_dmn(model, str(dmn))
    from_dmn = engine.load(str(dmn))
    xlsx = tmp_path / f"{name}-back.xlsx"
    write_workbook(from_dmn, xlsx)
    return from_dmn, engine.load(str(xlsx))


def meaning(test: Any) -> Any:
    """What a cell means, not how it was spelt (`negative` and `"negative"` are one test)."""
    if test is None:
        return None
    return test.any, test.points, test.intervals, test.null, test.negated


def glossary(model: Model) -> list[tuple[Any, ...]]:
    return [(v.name, v.type, v.values, meaning(v.allowed), v.label, v.description)
            for v in model.variables.values()]


def tables(model: Model) -> list[tuple[Any, ...]]:
    return [(t.name, t.hit_policy, t.title, t.default, t.input_names, t.output_names,
             tuple(c.name for c in t.annotations),
             tuple((r.id, tuple(map(meaning, r.inputs)), r.outputs, r.annotations)
                   for r in t.rules))
            for t in model.tables.values()]


# -- export ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", ["1.5", "1.3"])
def test_nbcg_export_validates_against_the_omg_schema(nbcg: Model, schemas: dict[str, Any],
                                                      version: str) -> None:
    text = export_dmn(nbcg, version)
    errors = list(schemas[version].iter_errors(text))
    assert errors == [], errors[:3]
    root = DET.fromstring(text)
    assert root.tag == q("definitions", MODEL_NS[version])


@pytest.mark.parametrize("policy", list(EXPECTED))
def test_every_hit_policy_exports_valid_dmn(tmp_path: Path, schemas: dict[str, Any],
                                            policy: str) -> None:
    model = engine.load(str(write(policy_spec(policy), tmp_path / "p.xlsx")))
    text = export_dmn(model)
    assert list(schemas["1.5"].iter_errors(text)) == []
    table = DET.fromstring(text).find(f".//{q('decisionTable')}")
    assert table is not None
    word, aggregation = POLICY_WORDS[policy]
    assert (table.get("hitPolicy"), table.get("aggregation")) == (word, aggregation)


def test_export_maps_glossary_inputs_tables_and_graph(nbcg: Model) -> None:
    root = DET.fromstring(export_dmn(nbcg))
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    items = {i.get("name"): i for i in root.findall(q("itemDefinition"))}
    line = items["t_chemotherapy_line"]
    assert line.findtext(q("typeRef")) == "number"
    assert line.get("{urn:guideline-engine:dmn:1}type") == "integer"
    assert line.findtext(f"{q('allowedValues')}/{q('text')}") == ">= 1"
    assert items["t_response"].findtext(f"{q('allowedValues')}/{q('text')}") == \
        '"not_evaluated", "CR", "PR", "SD", "PD"'
    inputs = [i.get("name") for i in root.findall(q("inputData"))]
    assert len(inputs) == 13 and "pathway" not in inputs and "skeletal_event" in inputs
    assert "endocrine_failure" in inputs  # the one input issue 14 added to the dictionary
    decisions = {d.get("name"): d for d in root.findall(q("decision"))}
    assert list(decisions) == ["pathway", "continuation", "bisphosphonate"]
    bis = decisions["bisphosphonate"]
    required = [(r[0].tag.rpartition("}")[2], r[0].get("href"))
                for r in bis.findall(q("informationRequirement"))]
    assert required[0] == ("requiredDecision", "#d_pathway")
    assert sum(kind == "requiredInput" for kind, _ in required) == 6
    assert all(href[1:] in ids for _, href in required)
    table = bis.find(q("decisionTable"))
    assert table is not None
    assert table.get("hitPolicy") == "UNIQUE"
    assert [e.findtext(q("text")) for e in table.iter(q("inputExpression"))][:2] == \
        ["pathway", "chemotherapy_line"]
    outputs = table.findall(q("output"))
    assert [o.get("name") for o in outputs] == ["recommendation", "observation_period",
                                                "strength", "treatment_duration"]
    assert outputs[0].findtext(f"{q('outputValues')}/{q('text')}").startswith(
        '"not_applicable", "consider_now", "start"')  # priority order, from the glossary
    assert [a.get("name") for a in table.findall(q("annotation"))] == \
        ["sources", "merknad", "tolkning"]
    rules = table.findall(q("rule"))
    assert len(rules) == 32 and rules[0].get("label") == "B1"
    first = rules[0]
    assert [e.findtext(q("text")) for e in first.findall(q("inputEntry"))][:2] == \
        ['"no_skeletal_metastases"', "-"]  # the bare word of the cell, quoted as FEEL wants
    assert first.findall(q("annotationEntry"))[0].findtext(q("text")) == "N1, P1"
    pathway = decisions["pathway"].find(q("decisionTable"))
    assert pathway is not None and pathway.find(q("output")).get("name") is None


def test_export_draws_the_decision_graph(nbcg: Model) -> None:
    root = DET.fromstring(export_dmn(nbcg))
    di = DMNDI_NS["1.5"]
    shapes = list(root.iter(q("DMNShape", di)))
    edges = list(root.iter(q("DMNEdge", di)))
    requirements = list(root.iter(q("informationRequirement")))
    assert len(shapes) == 3 + 13
    assert {e.get("dmnElementRef") for e in edges} == {r.get("id") for r in requirements}
    bounds = {s.get("dmnElementRef"): s[0] for s in shapes}
    assert float(bounds["d_bisphosphonate"].get("y")) < float(bounds["d_pathway"].get("y")) \
        < float(bounds["i_therapy"].get("y"))  # inputs below, each decision above its needs
    for edge in edges:
        assert len(edge.findall("{http://www.omg.org/spec/DMN/20180521/DI/}waypoint")) == 2


def test_unary_text_is_canonical_feel() -> None:
    for cell, feel in [("negative", '"negative"'), ('"CR",  "PR"', '"CR", "PR"'),
                       ("not(1, 2)", "not(1, 2)"), ("[12..24)", "[12..24)"), (">=3", ">= 3"),
                       ("0.000001", "0.000001"), ('date("2024-01-31")', 'date("2024-01-31")'),
                       ("null", "null"), ("-", "-")]:
        assert unary_text(parse_unary(cell, words=("negative",))) == feel


def test_a_negation_is_exported_so_that_it_never_matches_null(tmp_path: Path) -> None:
    """FEEL's `not("low")` matches null; ours does not: the export says `not("low", null)`."""
    model = engine.load(str(write(policy_spec("U"), tmp_path / "u.xlsx")))
    with pytest.raises(NoRuleMatched):
        model.evaluate({"age": 30, "risk": None}, "offer")
    root = DET.fromstring(export_dmn(model))
    entries = [e.findtext(q("text")) for e in root.iter(q("inputEntry"))]
    assert entries[3] == 'not("low", null)'
    from_dmn, _ = roundtrip(model, tmp_path, "u")
    with pytest.raises(NoRuleMatched):  # risk unknown: neither "low" nor not("low") holds
        from_dmn.evaluate({"age": 30, "risk": None}, "offer")


def test_export_refuses_a_workbook_with_errors(tmp_path: Path) -> None:
    spec = policy_spec("U")
    spec.tables[0].rules.append(["r9", ">= 18", "maybe", "gold", ""])
    model = engine.load(str(write(spec, tmp_path / "bad.xlsx")), strict=False)
    with pytest.raises(WorkbookInvalid):
        export_dmn(model)


# -- round trips ----------------------------------------------------------------------------------
def test_nbcg_round_trip_keeps_rules_annotations_glossary_and_answers(nbcg: Model,
                                                                      tmp_path: Path) -> None:
    from_dmn, back = roundtrip(nbcg, tmp_path, "nbcg")
    for model in (from_dmn, back):
        assert glossary(model) == glossary(nbcg)
        assert tables(model) == tables(nbcg)
        assert model.about == nbcg.about
        outcomes = [run_case(model, case) for case in nbcg.tests]
        assert [o.failures or o.error for o in outcomes if not o.ok] == []
        assert len(outcomes) == 108
        assert [f for f in model.check() if f.severity != "info" and f.kind != "untested"] == []


def test_nbcg_round_trip_dump_is_identical(nbcg: Model, tmp_path: Path) -> None:
    """The workbook written from the DMN equals the one written from the original model."""
    dump = pytest.importorskip("engine.workbook.dump")
    direct = tmp_path / "direct.xlsx"
    v1 = dataclasses.replace(  # what DMN carries: no unknown declarations, labels, constraints
        nbcg, tests=[], value_labels={}, constraints=[], questions=[],
        variables={n: dataclasses.replace(v, unknown=None) for n, v in nbcg.variables.items()})
    write_workbook(v1, direct, language="en")
    from_dmn, _ = roundtrip(nbcg, tmp_path, "nbcg")
    via_dmn = tmp_path / "via.xlsx"
    write_workbook(from_dmn, via_dmn)  # DMN has no sheet names: English role words
    assert dump.dump_workbook(str(via_dmn)) == dump.dump_workbook(str(direct))


@pytest.mark.parametrize("policy", list(EXPECTED))
def test_hit_policy_round_trip_gives_the_hand_worked_answers(tmp_path: Path,
                                                             policy: str) -> None:
    original = engine.load(str(write(policy_spec(policy), tmp_path / "p.xlsx")))
    from_dmn, back = roundtrip(original, tmp_path, policy.replace("#", "n"))
    for model in (original, from_dmn, back):
        assert tables(model) == tables(original)
        assert glossary(model) == glossary(original)
        for (age, risk), expected in EXPECTED[policy].items():
            assert answer(model, age, risk) == expected, (policy, age, risk)


def test_workbook_keeps_text_that_looks_like_a_formula(tmp_path: Path) -> None:
    model = engine.load(str(write(policy_spec("F"), tmp_path / "f.xlsx")))
    assert model.tables["offer"].rules[2].annotations == ("=SUM(A1)",)
    wb = build_workbook(model)
    cell = wb["offer"]["E6"]
    assert (cell.value, cell.data_type) == ("=SUM(A1)", "s")
    _, back = roundtrip(model, tmp_path, "f")
    assert back.tables["offer"].rules[2].annotations == ("=SUM(A1)",)


def test_written_workbook_is_styled(nbcg: Model) -> None:
    wb = build_workbook(nbcg)
    assert wb.sheetnames == ["Om", "Ordliste", "Verdier", "Begrensninger", "Spor",
                             "Fortsettelse", "Bisfosfonat", "Spørsmål",
                             "Testtilfeller"]  # a Norwegian workbook stays Norwegian
    assert build_workbook(nbcg, "en").sheetnames[:2] == ["About", "Glossary"]
    sheet = wb["Bisfosfonat"]
    assert sheet["A1"].value == "Beslutning" and sheet["B3"].value == "inndata"
    assert sheet.freeze_panes == "B4" and wb["Ordliste"].freeze_panes == "B2"
    assert sheet["B2"].font.b and sheet["A1"].font.b and wb["Ordliste"]["A1"].font.b
    assert sheet.column_dimensions["B"].width > 10
    lists = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert lists["D4:D65"] == '"TRUE,FALSE,-"'  # 32 rules and 30 empty rows
    assert lists["E4:E65"] == ('"progressive,first_detected_observable,first_detected_not_'
                               'observable,known_stable,osteoblastic_or_mixed,none,other,-"')
    assert [sheet.cell(4, c).value for c in range(1, 5)] == ["B1", "no_skeletal_metastases",
                                                             "-", "-"]
    assert wb["Testtilfeller"]["B4"].value is False  # a real boolean, as Excel shows it


# -- reading DMN ----------------------------------------------------------------------------------
def dmn(body: str, items: str = "", ns: str = NS) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{ns}" id="defs" '
            f'name="test" namespace="urn:test">{items}{body}</definitions>')


AGE = '<inputData id="i_age" name="Age"><variable name="Age" typeRef="number"/></inputData>'
RISK = ('<inputData id="i_risk" name="Risk"><variable name="Risk" typeRef="string"/>'
        '</inputData>')


def table(name: str, body: str, policy: str = "UNIQUE", var: str = "") -> str:
    return (f'<decision id="d_{name}" name="{name}">{var}'
            f'<decisionTable id="dt_{name}" hitPolicy="{policy}">{body}</decisionTable>'
            '</decision>')


def rule(rid: str, ins: list[str], outs: list[str], notes: tuple[str, ...] = ()) -> str:
    cells = "".join(f'<inputEntry id="{rid}_i{k}"><text>{t}</text></inputEntry>'
                    for k, t in enumerate(ins))
    cells += "".join(f'<outputEntry id="{rid}_o{k}"><text>{t}</text></outputEntry>'
                     for k, t in enumerate(outs))
    cells += "".join(f"<annotationEntry><text>{t}</text></annotationEntry>" for t in notes)
    return f'<rule id="{rid}">{cells}</rule>'


def load_text(tmp_path: Path, text: str, strict: bool = False) -> Model:
    path = tmp_path / "m.dmn"
    path.write_text(text, encoding="utf-8")
    return engine.load(str(path), strict=strict)


APPROVAL = table("Approval", (
    '<input id="in_age"><inputExpression typeRef="number"><text>Age</text></inputExpression>'
    '</input><input id="in_risk"><inputExpression typeRef="string"><text>Risk</text>'
    '</inputExpression><inputValues><text>"High", "Low"</text></inputValues></input>'
    '<output id="out_status" name="Status" typeRef="string"><outputValues><text>"Approved", '
    '"Declined"</text></outputValues><defaultOutputEntry><text>"Declined"</text>'
    '</defaultOutputEntry></output>'
    '<output id="out_rate" name="Rate" typeRef="number"><defaultOutputEntry><text>0</text>'
    '</defaultOutputEntry></output><annotation name="why"/>'
    + rule("r1", ["&gt;=18", '"Low"'], ['"Approved"', "1.5"], ("adult, low risk",))
    + rule("r2", ["&lt;18", "-"], ['"Declined"', "0"])))


def test_reads_multiple_outputs_defaults_and_annotations(tmp_path: Path) -> None:
    model = load_text(tmp_path, dmn(AGE + RISK + APPROVAL), strict=True)
    t = model.tables["Approval"]
    assert t.output_names == ("Status", "Rate") and t.default == ("Declined", 0)
    assert [c.name for c in t.annotations] == ["why"]
    assert t.rules[0].annotations == ("adult, low risk",) and t.rules[1].annotations == ("",)
    assert model.variables["Risk"].values == ("High", "Low")
    assert model.variables["Status"].values == ("Approved", "Declined")
    assert model.evaluate({"Age": 30, "Risk": "Low"}).outputs == {"Status": "Approved",
                                                                  "Rate": 1.5}
    result = model.evaluate({"Age": 30, "Risk": "High"})  # no rule: the default answers
    assert result.outputs == {"Status": "Declined", "Rate": 0} and result.rules == ()
    findings = model.check()
    assert not [f for f in findings if f.kind == "gap"]  # the default closes every gap
    said = [f for f in findings if f.kind == "default"]
    assert [(f.severity, f.cells) for f in said] == [("info", ("d_Approval",))]
    assert "default" in said[0].message
    assert t.rules[0].input_cells == ("d_Approval/r1/r1_i0", "d_Approval/r1/r1_i1")
    assert t.rules[0].cell == "d_Approval/r1" and t.rules[0].id == "1"


def test_chained_decisions_and_qualified_outputs(tmp_path: Path) -> None:
    offer = table("Offer", (
        '<input id="in1"><inputExpression><text>Approval.Status</text></inputExpression>'
        '</input><output id="o1" typeRef="string"/>'
        + rule("s1", ['"Approved"'], ['"card"']) + rule("s2", ['"Declined"'], ['"none"'])))
    model = load_text(tmp_path, dmn(AGE + RISK + APPROVAL + offer), strict=True)
    assert list(model.tables) == ["Approval", "Offer"]
    assert model.tables["Offer"].input_names == ("Status",)
    assert model.evaluate({"Age": 12, "Risk": "Low"}, "Offer")["Offer"] == "none"
    assert model.evaluate({"Age": 40, "Risk": "High"}, "Offer")["Offer"] == "none"  # default
    assert model.evaluate({"Age": 40, "Risk": "Low"}, "Offer")["Offer"] == "card"


UNSUPPORTED = (
    AGE + RISK
    + '<inputData id="i_when" name="When"><variable name="When" typeRef="time"/></inputData>'
    + '<decision id="d_total" name="Total"><variable name="Total" typeRef="number"/>'
      "<literalExpression><text>Age + 1</text></literalExpression></decision>"
    + '<decision id="d_ctx" name="Ctx"><context id="c1"/></decision>'
    + '<businessKnowledgeModel id="bkm1" name="Rates"><encapsulatedLogic>'
      "<literalExpression><text>1</text></literalExpression></encapsulatedLogic>"
      "</businessKnowledgeModel>"
    + '<decision id="d_five" name="Five"><variable name="Five" typeRef="number"/>'
      "<literalExpression><text>5</text></literalExpression></decision>"
    + table("Names", '<input id="in1"><inputExpression typeRef="number"><text>Age</text>'
            '</inputExpression></input><output id="o1" typeRef="string"/>'
            + rule("n1", ["&gt; Limit"], ['"over"']) + rule("n2", ["-"], ['"any"']))
    + table("Expr", '<input id="in1"><inputExpression typeRef="number"><text>Age * 2</text>'
            '</inputExpression></input><output id="o1" typeRef="string"/>'
            + rule("e1", ["-"], ['"x"']))
    + table("Needs", '<input id="in1"><inputExpression typeRef="number"><text>Total</text>'
            '</inputExpression></input><output id="o1" typeRef="string"/>'
            + rule("t1", ["-"], ['"x"']))
    + table("Clock", '<input id="in1"><inputExpression><text>When</text>'
            '</inputExpression></input><output id="o1" typeRef="string"/>'
            + rule("w1", ["-"], ['"x"']))
    + table("Fine", '<input id="in1"><inputExpression typeRef="string"><text>Risk</text>'
            '</inputExpression></input><output id="o1" typeRef="string"/>'
            + rule("f1", ['"High"'], ['"careful"']) + rule("f2", ['not("High")'], ['"ok"']))
)


def test_unsupported_elements_become_findings_naming_their_ids(tmp_path: Path) -> None:
    model = load_text(tmp_path, dmn(UNSUPPORTED))
    found = {(f.severity, f.kind, f.cells[0]): f.message for f in model.problems}

    def message(severity: str, kind: str, cell: str) -> str:
        assert (severity, kind, cell) in found, sorted(found)
        return found[(severity, kind, cell)]

    assert "Age + 1" in message("warning", "unsupported", "d_total")
    assert "context" in message("warning", "unsupported", "d_ctx")
    assert "business knowledge model" in message("warning", "unsupported", "bkm1")
    assert "'time'" in message("warning", "unsupported", "i_when")
    assert "Limit" in message("error", "unsupported", "d_Names/n1/n1_i0")
    assert "Age * 2" in message("error", "unsupported", "d_Expr/in1")
    assert "Total" in message("error", "unsupported", "d_Needs/in1")
    assert "When" in message("error", "unsupported", "d_Clock/in1")
    assert "constant 5" in message("info", "constant", "d_five/literal")
    # never half-evaluated: a table with an unreadable cell keeps it as unreadable
    assert model.tables["Names"].rules[0].inputs == (None,)
    assert {"Total", "Ctx", "Expr", "Needs", "Clock"}.isdisjoint(model.tables)
    with pytest.raises(WorkbookInvalid):
        model.evaluate({"Risk": "High"}, "Fine")
    with pytest.raises(WorkbookInvalid):
        engine.load(str(tmp_path / "m.dmn"))


def test_warnings_alone_leave_the_rest_usable(tmp_path: Path) -> None:
    text = dmn(AGE + RISK + '<decision id="d_total" name="Total"><literalExpression><text>'
               "Age + 1</text></literalExpression></decision>"
               + table("Fine", '<input id="in1"><inputExpression typeRef="string"><text>Risk'
                       '</text></inputExpression></input><output id="o1" typeRef="string"/>'
                       + rule("f1", ['"High"'], ['"careful"'])
                       + rule("f2", ['not("High")'], ['"ok"'])))
    model = load_text(tmp_path, text, strict=True)
    assert [f.kind for f in model.problems] == ["unsupported"]
    assert model.evaluate({"Risk": "Low"}, "Fine")["Fine"] == "ok"


def test_constant_decisions_are_one_rule_tables(tmp_path: Path) -> None:
    text = dmn('<decision id="d1" name="Greeting"><variable name="Greeting" typeRef="string"/>'
               '<literalExpression><text>"foo bar"</text></literalExpression></decision>'
               '<decision id="d2" name="Rate"><literalExpression><text>-.872</text>'
               "</literalExpression></decision>")
    model = load_text(tmp_path, text, strict=True)
    assert model.evaluate({}, "Greeting")["Greeting"] == "foo bar"
    assert model.evaluate({}, "Rate")["Rate"] == -0.872
    assert model.variables["Rate"].type == "number"


def test_camunda_style_tables_without_input_data(tmp_path: Path) -> None:
    """Camunda 7 files (DMN 1.1) name process variables directly, leave `-` cells empty and
    keep a rule's note in its description."""
    text = dmn(ns="http://www.omg.org/spec/DMN/20151101/dmn.xsd", body=table("dish", (
        '<input id="i1" label="Season"><inputExpression typeRef="string"><text>season</text>'
        '</inputExpression></input><input id="i2"><inputExpression typeRef="integer"><text>'
        "guestCount</text></inputExpression></input>"
        '<output id="o1" name="dish" typeRef="string"/>'
        + rule("c1", ['"Fall"', "&lt;= 8"], ['"Spareribs"'])
        + rule("c2", ['"Winter"', ""], ['"Roastbeef"']).replace(
            "<inputEntry", "<description>Winter: always</description><inputEntry", 1)
        + rule("c3", ['not("Fall", "Winter")', ""], ['"Salad"'])), policy="FIRST"))
    model = load_text(tmp_path, text, strict=True)
    assert model.problems == []
    assert model.variables["guestCount"].type == "integer"
    dish = model.tables["dish"]
    assert [c.name for c in dish.annotations] == ["description"]
    assert [r.annotations for r in dish.rules] == [("",), ("Winter: always",), ("",)]
    assert model.evaluate({"season": "Winter", "guestCount": 20})["dish"] == "Roastbeef"
    assert model.evaluate({"season": "Spring", "guestCount": 2})["dish"] == "Salad"
    with pytest.raises(NoRuleMatched):
        model.evaluate({"season": "Fall", "guestCount": 9})


def test_hostile_or_foreign_xml_is_refused(tmp_path: Path) -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            f'<definitions xmlns="{NS}" name="x" namespace="urn:x">&b;</definitions>')
    for text, words in [(bomb, "entities"), ("<definitions>", "not a readable XML"),
                        ('<model xmlns="urn:other"/>', "not a DMN model")]:
        path = tmp_path / "x.dmn"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(WorkbookError, match=words):
            engine.load(str(path))
    assert main(["check", str(tmp_path / "x.dmn")]) == 2


def test_a_default_output_survives_the_workbook(tmp_path: Path) -> None:
    """The workbook keeps a DMN default as its `default` row: same answers, still no gap."""
    model = load_text(tmp_path, dmn(AGE + RISK + APPROVAL), strict=True)
    out = tmp_path / "approval.xlsx"
    write_workbook(model, out)
    back = engine.load(str(out))
    table = back.tables["Approval"]
    assert table.default == ("Declined", 0) and [r.id for r in table.rules] == ["1", "2"]
    for case in ({"Age": 30, "Risk": "Low"}, {"Age": 30, "Risk": "High"}, {"Age": 10,
                                                                          "Risk": "High"}):
        assert back.evaluate(case).outputs == model.evaluate(case).outputs
    assert back.evaluate({"Age": 30, "Risk": "High"}).rules == ()  # the default answered
    kinds = {(f.kind, f.severity) for f in back.check()}
    assert ("default", "info") in kinds and not any(k == "gap" for k, _ in kinds)


def test_a_first_table_default_is_the_default_row(tmp_path: Path) -> None:
    text = dmn(AGE + table("Band", (
        '<input id="i1"><inputExpression typeRef="number"><text>Age</text></inputExpression>'
        '</input><output id="o1" typeRef="string"><defaultOutputEntry><text>"adult"</text>'
        "</defaultOutputEntry></output>" + rule("b1", ["&lt; 18"], ['"child"'])),
        policy="FIRST"))
    model = load_text(tmp_path, text, strict=True)
    out = tmp_path / "band.xlsx"
    write_workbook(model, out)
    back = engine.load(str(out))
    assert [r.id for r in back.tables["Band"].rules] == ["1"]
    assert back.tables["Band"].default == ("adult",)
    for age, band in [(5, "child"), (18, "adult"), (70, "adult")]:
        assert back.evaluate({"Age": age})["Band"] == model.evaluate({"Age": age})["Band"] == band


# -- the command line -----------------------------------------------------------------------------
def test_cli_export_and_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wb = write(policy_spec("P"), tmp_path / "p.xlsx")
    out = tmp_path / "p.dmn"
    assert main(["export", str(wb), "--to", "dmn", str(out), "--dmn-version", "1.3"]) == 0
    assert MODEL_NS["1.3"] in out.read_text(encoding="utf-8")
    assert main(["export", str(out), "--to", "dmn", str(out)]) == 2  # never over the input
    assert main(["check", str(out)]) == 0
    assert main(["eval", str(out), "--case", '{"age": 15, "risk": "high"}']) == 0
    assert 'grade = "silver"' in capsys.readouterr().out
    back = tmp_path / "back.xlsx"
    assert main(["import", str(out), "--to", str(back)]) == 0
    assert tables(engine.load(str(back))) == tables(engine.load(str(wb)))
    assert main(["import", str(wb), "--to", str(back)]) == 2  # not a .dmn
    assert main(["import", str(out), "--to", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "should end in .xlsx" in err


def test_cli_import_refuses_a_dmn_with_errors(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "u.dmn"
    path.write_text(dmn(UNSUPPORTED), encoding="utf-8")
    assert main(["import", str(path), "--to", str(tmp_path / "u.xlsx")]) == 1
    assert not (tmp_path / "u.xlsx").exists()
    assert "d_Names/n1/n1_i0" in capsys.readouterr().err
    assert main(["check", str(path)]) == 1


def test_an_output_without_default_is_null_for_the_check(tmp_path: Path) -> None:
    """Only one output has a default: the other's default is DMN's null, which B does not
    answer: the check follows A's answers to Age and finds that gap (evaluation agrees)."""
    a = table("A", (
        '<input id="a1"><inputExpression typeRef="number"><text>Age</text></inputExpression>'
        '</input><output id="o1" name="S" typeRef="string"><defaultOutputEntry><text>"no"'
        '</text></defaultOutputEntry></output><output id="o2" name="N" typeRef="number"/>'
        + rule("r1", ["&lt; 18"], ['"yes"', "5"])))
    b = table("B", (
        '<input id="b1"><inputExpression typeRef="number"><text>A.N</text></inputExpression>'
        '</input><output id="ob" typeRef="string"/>'
        + rule("s1", ["&gt; 3"], ['"big"']) + rule("s2", ["&lt;= 3"], ['"small"'])))
    model = load_text(tmp_path, dmn(AGE + a + b), strict=True)
    assert model.tables["A"].default == ("no", None)
    assert model.evaluate({"Age": 40}, "A").outputs == {"S": "no", "N": None}
    found = [(f.kind, f.cells) for f in model.check() if f.severity in ("error", "warning")]
    assert found == [("unreachable", ("d_B/s2/s2_i0",)), ("gap", ("d_B",))]  # N = 5 or null
    with pytest.raises(engine.NoRuleMatched):
        model.evaluate({"Age": 40}, "B")


def test_a_decision_needing_one_left_out_is_left_out_too(tmp_path: Path) -> None:
    top = table("Top", '<input id="t1"><inputExpression><text>Low</text></inputExpression>'
                       '</input><output id="o1" typeRef="string"/>'
                + rule("u1", ["-"], ['"x"']))
    low = table("Low", '<input id="l1"><inputExpression typeRef="number"><text>Age * 2</text>'
                       '</inputExpression></input><output id="o2" typeRef="number"/>'
                + rule("v1", ["-"], ["1"]))
    model = load_text(tmp_path, dmn(AGE + top + low))  # Top comes first in the file
    assert model.tables == {} and list(model.variables) == ["Age"]
    errors = {f.cells[0]: f.message for f in model.errors}
    assert set(errors) == {"d_Low/l1", "d_Top/t1"}
    assert "'Low'" in errors["d_Top/t1"]


def test_feel_numbers_are_written_without_exponents() -> None:
    from engine.dmn.export import feel_literal

    assert [feel_literal(v) for v in (1e20, 2.5e-7, 12.0, 3, -0.5)] == [
        "100000000000000000000", "0.00000025", "12", "3", "-0.5"]
