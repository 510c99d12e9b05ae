"""`evaluate_frame` and the batch CLI: row for row the answers and errors of `evaluate`.

The property tests draw frames of good, null and bad values in every dtype pandas may hand
over and compare each row with `evaluate` on the same values (NaN given as None: in a frame
NaN is pandas' missing value). The hand-worked answers come from the example workbooks'
Tests sheets (tests/build_examples.py) and from the small tables built below.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from build_examples import EXAMPLES, collect, unique
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from workbooks import TableSpec, WorkbookSpec, write

import engine
from engine import Model
from engine.cli.main import main
from engine.core.errors import CaseError, MissingInput
from engine.evaluation import bulk
from engine.verify.testing import same

NBCG = Path(__file__).resolve().parents[1] / "tables" / "nbcg-bisfosfonat.xlsx"
NAN = float("nan")


# -- comparing a frame with `evaluate` --------------------------------------------------------
def expected_row(model: Model, case: dict[str, Any], decision: str | None,
                 columns: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(columns)
    try:
        result = model.evaluate(case, decision)
    except CaseError as exc:
        row["error"] = str(exc)
        row["error_kind"] = type(exc).__name__  # the frame names the class evaluate raises
        return row
    for step in result.trace:
        row.update(step.outputs)
        row[f"{step.decision}_rule"] = ", ".join(step.decided) or None
    return row


def py(value: Any) -> Any:
    """A frame cell as the Python value `evaluate` would give (None for every kind of missing)."""
    if isinstance(value, list):
        return value
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def agree(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    return same(expected, actual, unordered=False)


def assert_rows_match(model: Model, frame: pd.DataFrame, cases: list[dict[str, Any]],
                      decision: str | None) -> pd.DataFrame:
    out = model.evaluate_frame(frame, decision)
    assert list(out.index) == list(frame.index)
    for position, case in enumerate(cases):
        want = expected_row(model, case, decision, list(out.columns))
        got = {name: py(out[name].iloc[position]) for name in out.columns}
        bad = {k: (want[k], got[k]) for k in want if not agree(want[k], got[k])}
        assert not bad, f"row {position} {case}: (evaluate, evaluate_frame) differ: {bad}"
    return out


@contextmanager
def mask_path(model: Model) -> Iterator[Model]:
    """Plans built inside use row-wise rule masks instead of the dense table of outcomes."""
    vars(model).pop("_bulk_plans", None)
    saved = bulk.DENSE_LIMIT
    bulk.DENSE_LIMIT = 0
    try:
        yield model
    finally:
        bulk.DENSE_LIMIT = saved


def load_in(path: Path, dense: bool, decisions: list[str | None]) -> Model:
    model = engine.load(str(path))
    if not dense:
        with mask_path(model):
            for decision in decisions:
                bulk.bulk_plan(model, decision)
        assert all(tp.lut is None for p in vars(model)["_bulk_plans"].values()
                   for tp in p.tables)
    return model


# -- drawing frames ---------------------------------------------------------------------------
def boundaries(model: Model, name: str) -> list[Any]:
    """Values on and around every bound that the tables and the glossary write for `name`."""
    var = model.variables[name]
    tests = [r.inputs[t.input_names.index(name)] for t in model.tables.values()
             if name in t.input_names for r in t.rules]
    found: set[Any] = set()
    for test in [*tests, var.allowed]:
        if test is None:
            continue
        for value in test.literals():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                found.update({value, value - 1, value + 1, value - 0.5})
            elif isinstance(value, dt.date):
                found.update({value, value - dt.timedelta(days=1)})
    return sorted(found, key=repr)


BAD: dict[str, list[Any]] = {
    "boolean": [1, 0, "true", "yes", 2.5],
    "string": ["unknown", 3, True, ""],
    "integer": [2.5, "3", True, math.inf, -math.inf],
    "number": ["x", True, math.inf, "1.5"],
    "date": ["2024-13-01", "soon", 5, dt.datetime(2025, 1, 1, 10, 30)],
}


def values_for(model: Model, name: str) -> st.SearchStrategy[Any]:
    var = model.variables[name]
    valid: st.SearchStrategy[Any]
    if var.type == "boolean":
        valid = st.booleans()
    elif var.type == "string":
        valid = st.sampled_from(var.values) if var.values else st.sampled_from(["a", "b", "zz"])
    elif var.type == "integer":
        valid = st.integers(-2, 130)
    elif var.type == "number":
        valid = st.one_of(st.integers(-2, 320), st.floats(-2, 320, allow_nan=False))
    else:
        valid = st.one_of(st.dates(dt.date(2023, 1, 1), dt.date(2026, 12, 31)),
                          st.dates(dt.date(2023, 1, 1), dt.date(2026, 12, 31)).map(
                              lambda d: dt.datetime(d.year, d.month, d.day)),
                          st.dates(dt.date(2023, 1, 1), dt.date(2026, 12, 31)).map(
                              lambda d: d.isoformat()))
    near = boundaries(model, name)
    choices = [valid, valid, valid, st.sampled_from([None, NAN]), st.sampled_from(BAD[var.type])]
    if near:
        choices.append(st.sampled_from(near))
    return st.one_of(*choices)


def as_column(values: list[Any], how: str) -> pd.Series:
    """The values as pandas may hold them: inferred, object, categorical or nullable."""
    present = [v for v in values if not (v is None or (isinstance(v, float) and math.isnan(v)))]
    kinds = {type(v) for v in present}
    if how == "object":
        return pd.Series(values, dtype=object)
    if how == "category" and kinds and (kinds <= {str} or kinds <= {bool}):
        return pd.Series(values, dtype="category")
    if how == "nullable" and kinds:
        if kinds <= {bool}:
            return pd.Series(values, dtype="boolean")
        if kinds <= {int}:
            return pd.Series(values, dtype="Int64")
        if kinds <= {int, float}:
            return pd.Series(values, dtype="Float64")
        if kinds <= {str}:
            return pd.Series(values, dtype="string")
    return pd.Series(values)


@st.composite
def frames(draw: st.DrawFn, model: Model, decision: str | None
           ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    names = [name for name, _ in engine.evaluation.evaluate.plan_for(model, decision).needed]
    size = draw(st.integers(0, 25))
    columns = {name: draw(st.lists(values_for(model, name), min_size=size, max_size=size))
               for name in names}
    index = pd.Index(draw(st.permutations(range(100, 100 + size))))
    frame = pd.DataFrame({name: as_column(columns[name], draw(st.sampled_from(
        ["infer", "object", "category", "nullable"]))).set_axis(index) for name in names},
        index=index)
    frame["patient"] = [f"p{i}" for i in range(size)]  # a column no table reads
    cases = [{name: None if isinstance(v, float) and math.isnan(v) else v
              for name, v in ((n, columns[n][i]) for n in names)} for i in range(size)]
    return frame, cases


PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# -- the property: the NBCG guideline and every example workbook --------------------------------
@pytest.mark.skipif(not NBCG.exists(), reason="the NBCG workbook is not in this checkout")
@pytest.mark.parametrize("dense", [True, False], ids=["dense", "masks"])
@pytest.mark.parametrize("decision", ["bisphosphonate", "continuation"])
def test_nbcg_frames_agree_with_evaluate_row_for_row(dense: bool, decision: str) -> None:
    model = load_in(NBCG, dense, [decision])

    @PROPERTY
    @given(frames(model, decision))
    def check(drawn: tuple[pd.DataFrame, list[dict[str, Any]]]) -> None:
        assert_rows_match(model, drawn[0], drawn[1], decision)

    check()


def _decisions(model: Model) -> list[str | None]:
    return list(model.top_decisions())


@pytest.mark.parametrize("dense", [True, False], ids=["dense", "masks"])
@pytest.mark.parametrize("key", list(EXAMPLES))
def test_example_frames_agree_with_evaluate_row_for_row(examples: dict[str, Path], key: str,
                                                        dense: bool) -> None:
    decisions = _decisions(engine.load(str(examples[key])))
    model = load_in(examples[key], dense, decisions)

    @settings(PROPERTY, max_examples=15)
    @given(st.sampled_from(decisions).flatmap(lambda d: st.tuples(st.just(d), frames(model, d))))
    def check(drawn: tuple[str, tuple[pd.DataFrame, list[dict[str, Any]]]]) -> None:
        decision, (frame, cases) = drawn
        assert_rows_match(model, frame, cases, decision)

    check()


# -- hand-worked answers: the example workbooks' Tests sheets ----------------------------------
@pytest.mark.parametrize("key", list(EXAMPLES))
def test_the_tests_sheet_answers_come_out_of_the_frame(examples: dict[str, Path],
                                                       key: str) -> None:
    model = engine.load(str(examples[key]))
    inputs = [n for n in model.variables if model.producer(n) is None]
    frame = pd.DataFrame([{n: case.inputs.get(n) for n in inputs} for case in model.tests],
                         dtype=object)
    for decision in _decisions(model):
        out = model.evaluate_frame(frame, decision)
        for position, case in enumerate(model.tests):
            for name, expected in case.expected.items():
                if name not in out.columns:
                    continue
                got = py(out[name].iloc[position])
                unordered = model.producer(name).hit_policy == "C"  # type: ignore[union-attr]
                assert same(expected, got, unordered), (key, case.id, name, got)
            assert out["error"].iloc[position] is None


def test_unique_answers_rule_ids_and_errors_by_hand(tmp_path: Path) -> None:
    spec = unique()  # U1 < 40 & false: low; U2 < 40 & true: medium; U3 [40..65): medium; U4 >= 65
    spec.tables[0].rules.append(["U5", ">= 60", True, '"high"', "S4"])  # overlaps U3 and U4
    model = engine.load(str(write(spec, tmp_path / "u.xlsx")))
    frame = pd.DataFrame({"age": [39, 64, 62, None, 121, 30.5, 70],
                          "smoker": [True, False, True, False, True, False, "yes"]},
                         index=list("abcdefg"))
    out = model.evaluate_frame(frame)
    assert list(out.columns) == ["risk", "risk_rule", "error", "error_kind"]
    assert out["risk"].tolist()[:2] == ["medium", "medium"]
    assert out["risk_rule"].tolist()[:2] == ["U2", "U3"]
    assert out.loc["c":, "risk"].isna().all() and out.loc["c":, "risk_rule"].isna().all()
    assert out["error"].tolist() == [
        None, None,
        "decision risk has hit policy Unique, but rules U3, U5 all match this case",
        "no rule of decision risk matches age=null, smoker=false",
        "121 is outside the allowed values of Alder (age) ([0..120])",
        "Alder (age) must be a whole number, not 30.5",
        'Røyker (smoker) must be true or false, not "yes"',
    ]
    assert out["error_kind"].tolist() == [None, None, "ConflictingRules", "NoRuleMatched",
                                          "InvalidInput", "InvalidInput", "InvalidInput"]


def test_any_agrees_or_reports_the_disagreement(examples: dict[str, Path]) -> None:
    model = engine.load(str(examples["A"]))  # A1 >= 7: true; A2 red flag: true; A3 < 7, no: false
    table = model.tables["referral"]
    model.tables["referral"] = replace(table, rules=tuple(
        replace(r, outputs=(False,)) if r.id == "A2" else r for r in table.rules))
    model._compiled, model._plans = None, {}
    out = model.evaluate_frame(pd.DataFrame({"symptom_score": [8, 3, 5],
                                             "red_flag": [False, False, True]}))
    assert out["referral"].tolist()[:2] == [True, False]
    assert out["referral_rule"].tolist()[:2] == ["A1", "A3"]
    assert out["error"].tolist() == [None, None, None]  # 5 with a red flag: A2 alone, false
    both = model.evaluate_frame(pd.DataFrame({"symptom_score": [9.5], "red_flag": [True]}))
    assert both["error"].iloc[0] == ("decision referral has hit policy Any, but the matching "
                                     "rules A1, A2 give different answers")


def test_a_default_answer_has_no_rule(examples: dict[str, Path]) -> None:
    model = engine.load(str(examples["U"]))
    model.tables["risk"] = replace(model.tables["risk"], default=("low",))
    model._compiled, model._plans = None, {}
    out = model.evaluate_frame(pd.DataFrame({"age": [None, 70], "smoker": [True, None]}))
    assert out["risk"].tolist() == ["low", "high"]  # null age: no rule, so the default
    assert pd.isna(out["risk_rule"].iloc[0])
    assert out["risk_rule"].iloc[1] == "U4"


def wide(policy: str) -> WorkbookSpec:
    """70 rules (two 64-bit words of rule bits): rule Wi accepts x in [i..i+5]."""
    out = "count" if policy == "C#" else "band"
    return WorkbookSpec(
        glossary=[("x", "integer", "[0..200]"), ("flag", "boolean", None),
                  (out, "integer", None)],
        tables=[TableSpec(out, policy, [("x", "input"), ("flag", "input"), (out, "output")],
                          [[f"W{i}", f"[{i}..{i + 5}]", "-" if i % 2 else True, i // 10]
                           for i in range(70)])])


@pytest.mark.parametrize("dense", [True, False], ids=["dense", "masks"])
def test_seventy_rules_span_two_words(tmp_path: Path, dense: bool) -> None:
    model = load_in(write(wide("C#"), tmp_path / "wide.xlsx"), dense, [None])
    out = model.evaluate_frame(pd.DataFrame({"x": [10, 10, 0, 69, 74, 75, 200],
                                             "flag": [True, False, False, True, True, True, None]}))
    # x=10 lies in W5..W10: six rules; with flag false only the odd ones (W5, W7, W9) accept
    # it; x=69 lies in W64..W69; x=74 only in W69; x=75 in none; null flag: the odd ones
    assert out["count"].tolist() == [6, 3, 0, 6, 1, 0, 0]
    first = load_in(write(wide("F"), tmp_path / "first.xlsx"), dense, [None])
    out = first.evaluate_frame(pd.DataFrame({"x": [66, 66, 3], "flag": [True, False, None]}))
    assert out["band"].tolist() == [6, 6, 0]  # W61 (odd: any flag) decides 66 either way
    assert out["band_rule"].tolist() == ["W61", "W61", "W1"]


# -- the frame as a whole ------------------------------------------------------------------------
def test_a_missing_column_is_refused_once(examples: dict[str, Path]) -> None:
    model = engine.load(str(examples["chain"]))
    with pytest.raises(MissingInput, match="the cases lack the columns diabetic, age"):
        model.evaluate_frame(pd.DataFrame({"egfr": [50]}), "statin")
    with pytest.raises(CaseError, match="2 final decisions"):
        model.evaluate_frame(pd.DataFrame({"egfr": [50]}))
    with pytest.raises(CaseError, match="more than one column named egfr"):
        model.evaluate_frame(pd.DataFrame([[1, 2, True, 50]],
                                          columns=["egfr", "egfr", "diabetic", "age"]), "statin")


def test_an_empty_frame_has_the_columns_and_types_of_a_full_one(examples: dict[str, Path]) -> None:
    model = engine.load(str(examples["chain"]))
    frame = pd.DataFrame({"egfr": [25.0, 90.0], "diabetic": [False, True], "age": [50, 45],
                          "ckd_stage": ["ignored", "ignored"]})  # decided, not read
    full = model.evaluate_frame(frame, "referral")
    empty = model.evaluate_frame(frame.iloc[:0], "referral")
    assert list(empty.columns) == list(full.columns) == [
        "ckd_stage", "ckd_stage_rule", "risk_group", "risk_group_rule", "follow_up",
        "follow_up_rule", "referral", "referral_rule", "error", "error_kind"]
    assert empty.dtypes.to_dict() == full.dtypes.to_dict()
    assert full["referral"].tolist() == [True, False]  # severe: R1; normal+diabetic: 6 > 3, R3
    assert str(full["follow_up"].dtype) == "Int64" and str(full["referral"].dtype) == "boolean"


def test_dates_in_every_form(tmp_path: Path) -> None:
    model = engine.load(str(write(collect(), tmp_path / "c.xlsx")))  # C4: < 2025-01-01 or null
    stamps = pd.to_datetime(["2024-12-31", "2025-01-01", None, "2024-06-01 08:00"],
                            format="ISO8601")
    frame = pd.DataFrame({"diabetic": False, "age": 40, "last_test": stamps})
    out = model.evaluate_frame(frame)
    assert out["lab_test"].tolist()[:3] == [["full_panel"], [], ["full_panel"]]
    assert out["error"].iloc[3] == ("Siste prøve (last_test) is a date; 2024-06-01 08:00:00 "
                                    "has a time of day")
    text = model.evaluate_frame(frame.assign(last_test=["2024-12-31", "2025-1-1", None, None]))
    assert text["lab_test"].iloc[0] == ["full_panel"]
    assert text["error"].iloc[1] == ("Siste prøve (last_test) must be a date written YYYY-MM-DD, "
                                     "not '2025-1-1'")


def test_mixed_kinds_are_not_merged_by_hashing(examples: dict[str, Path]) -> None:
    model = engine.load(str(examples["U"]))  # True == 1 == 1.0 to a hash table, not to evaluate
    out = model.evaluate_frame(pd.DataFrame({"age": [50, 50, 50, 50],
                                             "smoker": [True, 1, 1.0, np.True_]}, dtype=object))
    assert out["error"].tolist() == [None, "Røyker (smoker) must be true or false, not 1",
                                     "Røyker (smoker) must be true or false, not 1", None]


def test_dask_partitions_give_the_frame_answers(examples: dict[str, Path]) -> None:
    dd = pytest.importorskip("dask.dataframe", reason="dask is an optional extra: "
                                                     "pip install 'guideline-engine[dask]'")
    model = engine.load(str(examples["chain"]))
    frame = pd.DataFrame({"egfr": [25.0, 45, 90, 60, None, 30] * 5,
                          "diabetic": pd.array([False, True, True, False, True, None] * 5,
                                               dtype="boolean"),  # object would become text
                          "age": [50, 72, 45, 69, 50, 30] * 5})
    parts = dd.from_pandas(frame, npartitions=4)
    assert parts.npartitions == 4
    meta = model.evaluate_frame(parts._meta, "referral")  # the empty frame of each partition
    answers = parts.map_partitions(model.evaluate_frame, "referral", meta=meta)
    got = answers.compute(scheduler="sync")
    want = model.evaluate_frame(frame, "referral")
    pd.testing.assert_frame_equal(got, want)


# -- the batch command ---------------------------------------------------------------------------
CHAIN_CSV = (
    "id,egfr,diabetic,age\n"
    "p1,25,false,50\n"  # severe -> high -> 3 -> R1: true
    "p2,90,TRUE,45\n"  # normal, diabetic -> medium (G4) -> 6 -> R3: false
    "=HYPERLINK(1),45,false,30\n"  # moderate -> medium -> 6 -> R3: false; the id is escaped
    "p4,45,,50\n"  # diabetic unknown -> low (G5) -> 12 -> false
    "p5,abc,false,50\n"  # not a number
    "p6,45,yes,50\n"  # not a boolean
)


@pytest.fixture
def chain_wb(examples: dict[str, Path]) -> str:
    return str(examples["chain"])


def run(*argv: str) -> int:
    return main(["eval", *argv])


def test_batch_csv_answers_every_row_and_exits_1_for_bad_rows(
        chain_wb: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text(CHAIN_CSV, encoding="utf-8")
    results = tmp_path / "results.csv"
    assert run(chain_wb, "--decision", "referral", "--input", str(cases), "--output",
               str(results), "--chunk-size", "2") == 1
    out = pd.read_csv(results, dtype=str, keep_default_na=False)
    assert out["id"].tolist() == ["p1", "p2", "'=HYPERLINK(1)", "p4", "p5", "p6"]
    assert out["referral"].tolist() == ["true", "false", "false", "false", "", ""]
    assert out["follow_up"].tolist() == ["3", "6", "6", "12", "", ""]
    assert out["referral_rule"].tolist() == ["R1", "R3", "R3", "R3", "", ""]
    assert out["error"].tolist()[4:] == ['eGFR (egfr) must be a number, not "abc"',
                                         'Diabetes (diabetic) must be true or false, not "yes"']
    printed = capsys.readouterr()
    assert "6 cases: 4 answered, 2 with an error" in printed.out
    # no progress bar (stderr is not a terminal); only the warning that it is not approved
    assert [line for line in printed.err.splitlines() if "not approved" not in line] == []


@pytest.mark.parametrize("kind", [".xlsx", ".parquet"])
def test_batch_xlsx_and_parquet_round_trip(chain_wb: str, tmp_path: Path, kind: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    frame = pd.DataFrame({"id": ["a", "b"], "egfr": [25.0, 90.0], "diabetic": [False, True],
                          "age": [50, 45]})
    cases = tmp_path / f"cases{kind}"
    if kind == ".xlsx":
        frame.to_excel(cases, index=False)
    else:
        frame.to_parquet(cases)
    results = tmp_path / f"results{kind}"
    assert run(chain_wb, "--decision", "statin", "--input", str(cases), "--output",
               str(results)) == 0
    out = pd.read_excel(results) if kind == ".xlsx" else pd.read_parquet(results)
    assert out["id"].tolist() == ["a", "b"]
    assert out["risk_group"].tolist() == ["high", "medium"]  # severe: G1; normal+diabetic: G4
    assert out["statin"].tolist() == [True, True]  # S1; S2 (medium, 45 >= 40)
    assert out["error"].isna().all()
    assert "2 cases: 2 answered, 0 with an error" in capsys.readouterr().out


def test_batch_refuses_unusable_input_with_exit_2(chain_wb: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text(CHAIN_CSV, encoding="utf-8")
    partial = tmp_path / "partial.csv"
    partial.write_text("id,egfr\np1,25\n", encoding="utf-8")
    results = tmp_path / "results.csv"
    assert run(chain_wb, "--decision", "referral", "--input", str(cases), "--output",
               str(cases)) == 2
    assert "refusing to write over the input" in capsys.readouterr().err
    assert run(chain_wb, "--decision", "referral", "--input", str(partial), "--output",
               str(results)) == 2
    assert "lacks the columns diabetic, age" in capsys.readouterr().err
    assert run(chain_wb, "--input", str(cases), "--output", str(results)) == 2
    assert "2 final decisions" in capsys.readouterr().err
    assert run(chain_wb, "--decision", "referral", "--input", str(cases), "--output",
               str(tmp_path / "results.txt")) == 2
    assert run(chain_wb, "--decision", "referral", "--input", str(tmp_path / "none.csv"),
               "--output", str(results)) == 2
    assert not results.exists()
    assert cases.read_text(encoding="utf-8") == CHAIN_CSV


def test_a_failed_batch_leaves_the_old_output_whole(chain_wb: str, tmp_path: Path) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text(CHAIN_CSV + 'p7,"45,false,50\n', encoding="utf-8")  # an unclosed quote
    results = tmp_path / "results.csv"
    results.write_text("old", encoding="utf-8")
    assert run(chain_wb, "--decision", "referral", "--input", str(cases), "--output",
               str(results), "--chunk-size", "2") == 2
    assert results.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.csv", "results.csv"]


def test_the_command_line_runs_without_a_traceback(chain_wb: str, tmp_path: Path) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text("egfr;diabetic;age\n25;false;50\n", encoding="utf-8")  # Excel's ';'
    done = subprocess.run([sys.executable, "-m", "engine.cli.main", "eval", chain_wb, "--decision",
                           "referral", "--input", str(cases), "--output",
                           str(tmp_path / "r.csv")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    sha = hashlib.sha256(Path(chain_wb).read_bytes()).hexdigest()  # the version that answered
    assert (tmp_path / "r.csv").read_text(encoding="utf-8").splitlines()[1] == \
        f"25,false,50,severe,K1,high,G1,3,M1,true,R1,,,,,{sha}"  # no About: version, status empty


def test_a_byte_order_mark_and_a_too_long_sheet(chain_wb: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text("\ufeff" + CHAIN_CSV, encoding="utf-8")  # Excel's byte-order mark
    results = tmp_path / "results.csv"
    assert run(chain_wb, "--decision", "referral", "--input", str(cases), "--output",
               str(results)) == 1
    out = pd.read_csv(results, dtype=str, keep_default_na=False)
    assert out["id"].tolist()[:3] == ["p1", "p2", "'=HYPERLINK(1)"]
    assert out["referral"].tolist() == ["true", "false", "false", "false", "", ""]
    monkeypatch.setattr("engine.evaluation.answer_files.EXCEL_ROWS", 4)  # a header and three cases
    sheet = tmp_path / "results.xlsx"
    assert run(chain_wb, "--decision", "referral", "--input", str(cases), "--output",
               str(sheet), "--chunk-size", "2") == 2
    assert not sheet.exists()


@pytest.mark.parametrize("kind", [".csv", ".xlsx", ".parquet"])
def test_no_cases_still_give_a_file_with_every_column(chain_wb: str, tmp_path: Path,
                                                      kind: str) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text("id,egfr,diabetic,age\n", encoding="utf-8")
    results = tmp_path / f"results{kind}"
    assert run(chain_wb, "--decision", "statin", "--input", str(cases), "--output",
               str(results)) == 0
    out = {".csv": pd.read_csv, ".xlsx": pd.read_excel, ".parquet": pd.read_parquet}[kind](
        results)
    assert len(out) == 0
    assert list(out.columns) == ["id", "egfr", "diabetic", "age", "ckd_stage", "ckd_stage_rule",
                                 "risk_group", "risk_group_rule", "statin", "statin_rule",
                                 "error", "error_kind", "guideline_version", "guideline_status",
                                 "guideline_sha256"]


def test_a_number_column_for_a_date_is_refused_as_evaluate_refuses_it(tmp_path: Path) -> None:
    """Day numbers are not dates: bulk must not answer where evaluate refuses."""
    spec = WorkbookSpec(glossary=[("d", "date", None), ("out", "string", '"a", "b"')],
                        tables=[TableSpec("t", "U", [("d", "input"), ("out", "output")],
                                          [["R1", '< date("2026-01-01")', "a"],
                                           ["R2", '>= date("2026-01-01")', "b"]])])
    model = engine.load(str(write(spec, tmp_path / "d.xlsx")))
    for column in (pd.Series([739000.0, 739001.5]), pd.Series(range(739000, 739000 + 5000))):
        frame = model.evaluate_frame(pd.DataFrame({"d": column}))
        assert frame["error"].notna().all()
        with pytest.raises(engine.InvalidInput) as refused:
            model.evaluate({"d": column.iloc[0]})
        assert frame["error"].iloc[0] == str(refused.value)
        assert set(frame["error_kind"]) == {"InvalidInput"}
