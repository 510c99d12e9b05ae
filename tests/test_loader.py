"""Load-time problems: each one reported with its kind and exact cell, all of them in one load.

Assertions are on `(kind, cell)` pairs, never on prose; a few also check that a hint is given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from build_examples import first, unique
from workbooks import WorkbookSpec, write

import engine
from engine.verify.testing import run_tests

Book = Any  # openpyxl.Workbook


def _load(spec: WorkbookSpec, path: Path,
          edit: Callable[[Book], None] | None = None) -> engine.Model:
    write(spec, path)
    if edit is not None:
        wb = openpyxl.load_workbook(path)
        edit(wb)
        wb.save(path)
    return engine.load(str(path), strict=False)


def _pairs(model: engine.Model, severity: str = "error") -> set[tuple[str, str]]:
    return {(f.kind, cell) for f in model.problems if f.severity == severity for cell in f.cells}


# -- one problem at a time ------------------------------------------------------------------
def _set(row: int, col: int, value: Any) -> Callable[[WorkbookSpec], None]:
    def change(spec: WorkbookSpec) -> None:
        spec.tables[0].rules[row][col] = value
    return change


def _header(col: int, name: str) -> Callable[[WorkbookSpec], None]:
    def change(spec: WorkbookSpec) -> None:
        spec.tables[0].columns[col] = (name, spec.tables[0].columns[col][1])
    return change


def _glossary(row: tuple[Any, ...]) -> Callable[[WorkbookSpec], None]:
    def change(spec: WorkbookSpec) -> None:
        spec.glossary.append(row)
    return change


def _swap_roles(spec: WorkbookSpec) -> None:
    table = spec.tables[0]
    table.columns = [table.columns[0], table.columns[2], table.columns[1], table.columns[3]]
    table.rules = [[r[0], r[1], r[3], r[2], r[4]] for r in table.rules]


# rules of `unique()` start in row 4: U1 row 4, U2 row 5, ...; columns A id, B age, C smoker,
# D risk, E source
ONE_PROBLEM: list[tuple[str, Callable[[WorkbookSpec], None], tuple[str, str]]] = [
    ("syntax error", _set(0, 1, "[1..5"), ("syntax", "risk!B4")),
    ("empty input cell", _set(1, 1, None), ("empty", "risk!B5")),
    ("empty output cell", _set(1, 3, None), ("empty", "risk!D5")),
    ("unknown variable in a header", _header(1, "smoekr"), ("unknown", "risk!C2")),
    ("unknown glossary type", _glossary(("weight", "kilo", None)), ("type", "Glossary!B5")),
    ("duplicate glossary name", _glossary(("age", "number", None)), ("duplicate", "Glossary!A5")),
    ("bad glossary name", _glossary(("body weight", "number", None)), ("syntax", "Glossary!A5")),
    ("duplicate rule id", _set(2, 0, "U1"), ("duplicate", "risk!A6")),
    ("output outside its domain", _set(3, 3, '"extreme"'), ("domain", "risk!D7")),
    ("input outside its domain", _set(3, 1, "65, 130"), ("domain", "risk!B7")),
    ("input value of the wrong type", _set(0, 1, '"old"'), ("type", "risk!B4")),
    ("boolean column given a number", _set(0, 2, 1), ("type", "risk!C4")),
    ("output value of the wrong type", _set(0, 3, 3), ("type", "risk!D4")),
    ("unknown bare word", _set(0, 3, "lowish"), ("syntax", "risk!D4")),
    ("decimal comma in an input", _set(2, 1, "[40..64,5]"), ("syntax", "risk!B6")),
    ("formula without a saved result", _set(0, 1, "=30+10"), ("formula", "risk!B4")),
    ("roles out of order", _swap_roles, ("structure", "risk!D3")),
    ("unknown hit policy", lambda s: setattr(s.tables[0], "policy", "X"), ("syntax", "risk!A2")),
    ("aggregation of two outputs", lambda s: setattr(s.tables[0], "policy", "C+"),
     ("structure", "risk!A2")),
]


@pytest.mark.parametrize(("what", "change", "expected"), ONE_PROBLEM,
                         ids=[row[0] for row in ONE_PROBLEM])
def test_problem_is_reported_at_its_cell(tmp_path: Path, what: str,
                                         change: Callable[[WorkbookSpec], None],
                                         expected: tuple[str, str]) -> None:
    spec = unique()
    if what == "aggregation of two outputs":
        spec.glossary.append(("risk2", "string", None))
        spec.tables[0].columns.insert(3, ("risk2", "output"))
        spec.tables[0].rules = [[*r[:4], '"x"', r[4]] for r in spec.tables[0].rules]
        spec.tests = None
    change(spec)
    model = _load(spec, tmp_path / "one.xlsx")
    assert expected in _pairs(model)
    with pytest.raises(engine.WorkbookInvalid) as err:
        engine.load(str(tmp_path / "one.xlsx"))
    assert expected in {(f.kind, c) for f in err.value.findings for c in f.cells}


def test_unknown_header_hints_the_closest_name(tmp_path: Path) -> None:
    spec = unique()
    _header(1, "smoekr")(spec)
    [finding] = [f for f in _load(spec, tmp_path / "h.xlsx").problems if f.kind == "unknown"]
    assert 'did you mean "smoker"' in finding.message


def test_unknown_word_hints_the_closest_allowed_value(tmp_path: Path) -> None:
    spec = unique()
    _set(0, 3, "loww")(spec)
    [finding] = _load(spec, tmp_path / "w.xlsx").problems
    assert 'did you mean "low"' in finding.message


def test_decimal_comma_in_the_glossary(tmp_path: Path) -> None:
    spec = first()
    spec.glossary[0] = ("age", "integer", "[0..12,5]", "Alder")
    assert ("syntax", "Glossary!C2") in _pairs(_load(spec, tmp_path / "g.xlsx"))


def test_missing_glossary(tmp_path: Path) -> None:
    path = tmp_path / "noglossary.xlsx"
    model = _load(unique(), path, lambda wb: wb.remove(wb["Glossary"]))
    assert ("structure", str(path)) in _pairs(model)


def test_merged_cells_in_a_table(tmp_path: Path) -> None:
    model = _load(unique(), tmp_path / "m.xlsx", lambda wb: wb["risk"].merge_cells("C6:C7"))
    assert ("structure", "risk!C6") in _pairs(model)


def test_merged_title_above_the_table_is_fine(tmp_path: Path) -> None:
    model = _load(unique(), tmp_path / "t.xlsx", lambda wb: wb["risk"].merge_cells("C1:E1"))
    assert model.problems == []


def test_hidden_rule_row_is_a_warning_and_still_counts(tmp_path: Path) -> None:
    def hide(wb: Book) -> None:
        wb["risk"].row_dimensions[7].hidden = True  # U4: age >= 65

    model = _load(unique(), tmp_path / "hidden.xlsx", hide)
    assert _pairs(model, "warning") == {("hidden", "risk!A7")}
    assert model.errors == []
    engine.load(str(tmp_path / "hidden.xlsx"))  # a warning does not stop a strict load
    assert model.evaluate({"age": 70, "smoker": False})["risk"] == "high"


def test_test_sheet_problems_are_located(tmp_path: Path) -> None:
    spec = unique()
    assert spec.tests is not None
    spec.tests.rows += [["t7", "old", "yes", "extreme"],  # row 10
                        ["t1", 130, True, None],  # row 11: id used twice, age out of range
                        ["t8", "2,5", True, None]]  # row 12: decimal comma
    assert _pairs(_load(spec, tmp_path / "tests.xlsx")) == {
        ("syntax", "Tests!B10"), ("syntax", "Tests!C10"), ("syntax", "Tests!D10"),
        ("duplicate", "Tests!A11"), ("domain", "Tests!B11"), ("syntax", "Tests!B12")}


def test_every_problem_is_reported_in_one_load(tmp_path: Path) -> None:
    spec = unique()
    spec.glossary.append(("weight", "kilo", None))  # Glossary row 5
    _header(1, "smoekr")(spec)  # risk!C2: column C is then not read
    rules = spec.tables[0].rules
    rules[0][1] = "[1..5"  # row 4
    rules[1][1] = None  # row 5
    rules[2][0] = "U1"  # row 6
    rules[3][3] = '"extreme"'  # row 7
    rules.append(["U5", "2,5", "-", "high", None])  # row 8
    rules.append(["U6", '"old"', "-", "old", None])  # row 9
    rules.append(["U7", "=1+1", "-", "high", None])  # row 10

    def hide(wb: Book) -> None:
        wb["risk"].row_dimensions[8].hidden = True

    model = _load(spec, tmp_path / "many.xlsx", hide)
    assert _pairs(model) == {
        ("type", "Glossary!B5"), ("unknown", "risk!C2"), ("syntax", "risk!B4"),
        ("empty", "risk!B5"), ("duplicate", "risk!A6"), ("domain", "risk!D7"),
        ("syntax", "risk!B8"), ("type", "risk!B9"), ("syntax", "risk!D9"),
        ("formula", "risk!B10")}
    assert _pairs(model, "warning") == {("hidden", "risk!A8")}
    with pytest.raises(engine.WorkbookInvalid) as err:
        engine.load(str(tmp_path / "many.xlsx"))
    assert len([f for f in err.value.findings if f.severity == "error"]) == 10
    assert "risk!B4" in str(err.value) and "Glossary!B5" in str(err.value)


# -- accepted as written ------------------------------------------------------------------
def test_cells_as_spreadsheets_write_them_load_cleanly(tmp_path: Path) -> None:
    spec = unique()
    spec.tables[0].rules = [
        ["U1", "<\u00a040 ", False, "low", "S1"],  # NBSP and trailing space, bare allowed word
        ["U2", " < 40", True, "\u201cmedium\u201d", "S1"],  # curly quotes; Excel TRUE
        ["U3", "[40..65)", "\u2013", "medium", "S2"],  # an en dash for "-"
        [4.0, "\u2265 65", "-", '"high"', "S3"],  # an id typed as a number; the >= symbol
    ]
    assert spec.tests is not None
    spec.tests.rows = [
        ["t1", "39", False, "low"],  # a number stored as text
        ["t2", 39, True, "\u201cmedium\u201d"],
        ["t3", 40.0, None, "medium"],  # 40.0 from Excel is the integer 40
        ["t4", " 65\u00a0", True, '"high"'],
    ]
    model = _load(spec, tmp_path / "messy.xlsx")
    assert model.problems == []
    assert [r.id for r in model.tables["risk"].rules] == ["U1", "U2", "U3", "4"]
    assert all(o.ok for o in run_tests(model))
    assert model.evaluate({"age": 39, "smoker": True})["risk"] == "medium"
    assert model.evaluate({"age": 50, "smoker": None}).rules == ("U3",)
    assert model.evaluate({"age": 66, "smoker": False}).rules == ("4",)


def test_numbers_stored_as_text_in_rules(tmp_path: Path) -> None:
    spec = first()
    spec.tables[0].rules = [["F1", "-", True, "1"], ["F2", "50", "-", " 2 "],
                            ["F3", "-", "-", 5.0]]
    spec.tests = None
    model = _load(spec, tmp_path / "text-numbers.xlsx")
    assert [p.kind for p in model.problems] == ["untested"]  # no test sheet: said once
    assert model.evaluate({"age": 50, "family_history": False})["interval_years"] == 2
    assert model.evaluate({"age": 51, "family_history": False})["interval_years"] == 5
    answer = model.evaluate({"age": 20, "family_history": True})["interval_years"]
    assert answer == 1 and isinstance(answer, int)


# -- keywords -----------------------------------------------------------------------------
def _norwegian(path: Path, header_first: bool) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ordliste"
    for row in [("Navn", "Type", "Tillatte verdier", "Etikett", "Beskrivelse"),
                ("alder", "heltall", "[0..120]", "Alder", "år"),
                ("royker", "boolsk", None, "Røykestatus", None),
                ("vekt", "tall", "> 0", "Vekt", "kg"),
                ("status", "tekst", '"positiv", "negativ"', "Reseptorstatus", None),
                ("prove", "dato", None, "Prøvedato", None),
                ("risiko", "tekst", '"høy", "lav"', "Risiko", None)]:
        ws.append(row)
    sh = wb.create_sheet("Risikoark")
    for row in [("Beslutning", "risiko", "Risikovurdering"),
                ("U", "Alder", "røykestatus", "status", "prove", "vekt", "risiko", "kilde"),
                (None, "inndata", "inndata", "inndata", "Inndata", "INNDATA", "utdata",
                 "merknad"),
                ("R1", "< 40", False, "-", "-", "-", "lav", "N1"),
                ("R2", "< 40", True, "-", "-", "-", "høy", "N2"),
                ("R3", ">= 40", "-", "positiv", "-", "-", "høy", "N3"),
                ("R4", ">= 40", "-", "negativ, null", "-", "-", "lav", "N3")]:
        sh.append(row)
    tests = wb.create_sheet("Testtilfeller")
    if not header_first:
        tests.append(("Testtilfeller for risiko",))
    for row in [("id", "alder", "royker", "status", "prove", "vekt", "risiko", "beskrivelse"),
                (None, "inndata", "inndata", "inndata", "inndata", "inndata", "forventet",
                 "merknad"),
                ("t1", 30, False, None, dt.date(2026, 1, 31), 70.5, "lav", "ung"),
                ("t2", 50, True, "positiv", None, None, "høy", None),
                ("t3", 50, None, None, None, None, "lav", "status ukjent: R4 har null")]:
        tests.append(row)
    about = wb.create_sheet("Om")
    about.append(("tittel", "Eksempel"))
    about.append(("versjon", "0.1"))
    wb.save(path)
    return path


@pytest.mark.parametrize("header_first", [True, False])
def test_norwegian_keywords_and_labels(tmp_path: Path, header_first: bool) -> None:
    model = engine.load(str(_norwegian(tmp_path / "norsk.xlsx", header_first)))
    assert model.problems == []
    assert {n: v.type for n, v in model.variables.items()} == {
        "alder": "integer", "royker": "boolean", "vekt": "number", "status": "string",
        "prove": "date", "risiko": "string"}
    table = model.tables["risiko"]
    assert table.title == "Risikovurdering"
    assert table.input_names == ("alder", "royker", "status", "prove", "vekt")  # by label
    assert [c.name for c in table.annotations] == ["kilde"]
    assert [t.id for t in model.tests] == ["t1", "t2", "t3"]
    assert model.tests[0].inputs["prove"] == dt.date(2026, 1, 31)
    assert model.tests[2].description == "status ukjent: R4 har null"
    assert all(o.ok for o in run_tests(model))
    assert model.about == {"tittel": "Eksempel", "versjon": "0.1"}


def test_english_keywords_any_case(tmp_path: Path) -> None:
    def shout(wb: Book) -> None:
        wb["Glossary"].title = "renamed"  # openpyxl refuses a rename that only changes case
        wb["renamed"].title = "GLOSSARY"
        wb["Tests"].title = "test cases"
        wb["risk"]["A1"] = "DECISION"
        wb["risk"]["B3"] = "Input"
        wb["risk"]["D3"] = "OUTPUT"
        wb["risk"]["A2"] = "unique"
        wb["test cases"]["D3"] = "Expected"

    model = _load(unique(), tmp_path / "caps.xlsx", shout)
    assert model.problems == []
    assert model.tables["risk"].hit_policy == "U"
    assert all(o.ok for o in run_tests(model)) and len(model.tests) == 6


@pytest.mark.parametrize(("word", "policy"), [
    ("Unique", "U"), ("any", "A"), ("Priority", "P"), ("first", "F"), ("Rule order", "R"),
    ("Output order", "O"), ("Collect", "C"), ("c+", "C+"), ("collect sum", "C+"),
    ("Collect count", "C#"), ("collect min", "C<"), ("Collect max", "C>"), ("u", "U"),
])
def test_hit_policy_words(tmp_path: Path, word: str, policy: str) -> None:
    spec = first()
    spec.tables[0].policy = word
    spec.tests = None
    assert _load(spec, tmp_path / "p.xlsx").tables["interval_years"].hit_policy == policy


@pytest.mark.parametrize(("word", "vtype"), [
    ("boolean", "boolean"), ("bool", "boolean"), ("boolsk", "boolean"),
    ("sannhetsverdi", "boolean"), ("string", "string"), ("text", "string"),
    ("tekst", "string"), ("number", "number"), ("tall", "number"), ("desimaltall", "number"),
    ("integer", "integer"), ("heltall", "integer"), ("date", "date"), ("dato", "date"),
    ("Integer", "integer"), ("DATO", "date"),
])
def test_type_words(tmp_path: Path, word: str, vtype: str) -> None:
    spec = unique()
    spec.glossary.append(("extra", word, None))
    model = _load(spec, tmp_path / "t.xlsx")
    assert model.variables["extra"].type == vtype and model.problems == []


def test_about_sheet(tmp_path: Path) -> None:
    spec = unique()
    spec.about = {"Title": "Risk", "status": "draft", "date": dt.date(2026, 1, 5)}  # type: ignore[dict-item]
    model = _load(spec, tmp_path / "about.xlsx")
    assert model.about == {"title": "Risk", "status": "draft", "date": "2026-01-05"}


# -- the default row -----------------------------------------------------------------------------
def _default_spec() -> WorkbookSpec:
    from workbooks import TableSpec

    return WorkbookSpec(
        glossary=[("age", "integer", ">= 0"), ("band", "string", '"child", "adult", "unknown"')],
        tables=[TableSpec("band", "U", [("age", "input"), ("band", "output")],
                          [["b1", "< 18", "child"], ["default", "-", "unknown"]])])


def test_a_default_row_answers_when_no_rule_matches(tmp_path: Path) -> None:
    model = _load(_default_spec(), tmp_path / "d.xlsx")
    table = model.tables["band"]
    assert not model.errors
    assert [r.id for r in table.rules] == ["b1"] and table.default == ("unknown",)
    assert model.evaluate({"age": 5})["band"] == "child"
    result = model.evaluate({"age": 40})  # 18 and over: no rule, so the default row answers
    assert result["band"] == "unknown" and result.rules == () and result.trace[-1].default
    kinds = {f.kind for f in model.check()}
    assert "gap" not in kinds and "default" in kinds


def test_a_default_row_with_a_condition_or_twice_is_an_error(tmp_path: Path) -> None:
    spec = _default_spec()
    spec.tables[0].rules[1][1] = ">= 18"
    spec.tables[0].rules.append(["Default", "-", "adult"])
    model = _load(spec, tmp_path / "d.xlsx")
    assert {("structure", "band!B5"), ("duplicate", "band!A6")} <= _pairs(model)
