"""The NBCG bisphosphonate workbook: traceable to the guideline text, complete, tested, reviewed.

The data dictionary and the expected clinical answers below are copied from, and worked out
by hand against, the guideline text (tables/nbcg-bisfosfonat.paragraphs.md): they are the
contract the workbook must keep, not a snapshot of what the engine happens to answer.
"""

from __future__ import annotations

import functools
import itertools
import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import engine
from engine import Model
from engine.core import i18n
from engine.review.render import read_paragraphs, render
from engine.verify.testing import run_tests

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
PARAGRAPH_FILE = ROOT / "tables" / "nbcg-bisfosfonat.paragraphs.md"
REVIEW = ROOT / "docs" / "nbcg-bisfosfonat.md"
PARAGRAPHS = ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9", "P1", "P2", "P3", "P4")
INTERPRETATION = ("tolkning", "interpretation")

# The data dictionary of the guideline README: name -> (type, values or domain).
DICTIONARY: dict[str, tuple[str, tuple[Any, ...] | str]] = {
    "skeletal_metastases": ("boolean", (True, False)),
    "hormone_receptor_status": ("string", ("positive", "negative")),
    "therapy": ("string", ("chemotherapy", "endocrine")),
    "chemotherapy_line": ("integer", ">= 1"),
    "parenchymal_metastases": ("boolean", (True, False)),
    "osteolytic_metastases": ("string", ("progressive", "first_detected_observable", "other")),
    "skeletal_symptoms": ("boolean", (True, False)),
    "uncontrolled_pain": ("boolean", (True, False)),
    "endocrine_sensitive": ("boolean", (True, False)),
    "response": ("string", ("not_evaluated", "CR", "PR", "SD", "PD")),
    "months_on_bisphosphonate": ("number", ">= 0"),
    "skeletal_event": ("boolean", (True, False)),
}
# Inputs the workbook adds to the fixed dictionary (issue 14), each one a case may leave unknown
# where it is not used: the dictionary's names and values are kept as they are.
EXTENSIONS: dict[str, tuple[str, tuple[Any, ...] | str]] = {
    "endocrine_failure": ("boolean", (True, False)),  # P4: earlier endocrine treatment failed
}
# Values the workbook adds to the dictionary's own inputs (issue 22): every value of the
# README keeps its name and its meaning; these only say what could not be said before.
VALUE_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "therapy": ("none",),  # no systemic therapy (chemotherapy not indicated): not_covered
    "osteolytic_metastases": ("first_detected_not_observable", "known_stable",
                              "osteoblastic_or_mixed", "none"),  # what «other» lumped
}
# Inputs of the dictionary the workbook lets a case leave unknown: name -> issue.
UNKNOWN_ALLOWED = {"chemotherapy_line": 11, "endocrine_sensitive": 11,
                   "endocrine_failure": 14, "hormone_receptor_status": 22}
RECOMMENDATIONS = {"start", "consider_now", "observe", "observe_or_skip", "defer", "consider",
                   "not_covered", "not_applicable"}
CONTINUATIONS = {"continue", "may_stop", "stop"}


@functools.cache
def model() -> Model:
    return engine.load(str(WORKBOOK))


@functools.cache
def review() -> str:
    with i18n.speaking("nb"):  # the review document is the committee's, in Norwegian
        return render(str(WORKBOOK), "markdown")


def sources(table: Any, rule: Any) -> str:
    return table.annotation(rule, "sources")


def interpretation(table: Any, rule: Any) -> str:
    return next((text for col, text in zip(table.annotations, rule.annotations)
                 if col.name.casefold() in INTERPRETATION and text.strip()), "")


def all_rules() -> list[tuple[Any, Any]]:
    return [(t, r) for t in model().tables.values() for r in t.rules]


# -- traceability ------------------------------------------------------------------------------
def test_every_rule_cites_valid_paragraphs() -> None:
    assert len(all_rules()) >= 20
    for table, rule in all_rules():
        text = sources(table, rule)
        assert text.strip(), f"{rule.cell}: rule {rule.id} of {table.name} has no sources"
        ids = [p.strip() for p in text.split(",")]
        assert ids and all(p in PARAGRAPHS for p in ids), f"{rule.cell}: bad sources {text!r}"


def test_every_paragraph_is_cited_by_some_rule() -> None:
    cited = {p.strip() for t, r in all_rules() for p in sources(t, r).split(",")}
    assert set(PARAGRAPHS) <= cited, f"not cited: {sorted(set(PARAGRAPHS) - cited)}"


def test_the_paragraph_copy_is_the_guideline_text() -> None:
    paragraphs = read_paragraphs(PARAGRAPH_FILE)
    assert tuple(paragraphs) == PARAGRAPHS
    assert paragraphs["N4"].text.startswith("Ved 2 linjes kjemoterapi, hvor forventningen")
    assert paragraphs["P1"].text.endswith("(3 – 4 måneder) før behandling med bisfosfonat "
                                          "vurderes.")
    assert paragraphs["N5"].english.startswith("Patients with progressive osteolytic")


def test_every_interpretation_and_not_covered_rule_is_a_question_for_the_committee() -> None:
    start = review().index("## Spørsmål til faggruppen")
    end = review().index("\n## ", start + 5)
    questions = review()[start:end]
    expected = [(t, r) for t, r in all_rules()
                if interpretation(t, r) or "not_covered" in r.outputs]
    listed = re.findall(r"^\d+\. \*\*(\S+) (\S+)\*\*", questions, flags=re.M)
    asked = [(sheet, qid) for sheet, qid in listed if sheet == "Spørsmål"]
    assert asked == [("Spørsmål", q.id) for q in model().questions]  # the sheet's, first
    assert listed[:len(asked)] == asked
    loaded = model()
    declared = [("Ordliste", v.name.replace("_", "\\_")) for v in loaded.variables.values()
                if v.unknown is True] + [("Begrensning", c.id) for c in loaded.constraints]
    assert declared  # format v2: which inputs may be unknown, which combinations cannot occur
    assert sorted(listed[len(asked):]) == sorted([(t.sheet, r.id) for t, r in expected] + declared)
    # the six open points of the guideline README, each an explicit, flagged rule
    for item in ("Bisfosfonat B5", "Bisfosfonat B17", "Bisfosfonat B15", "Bisfosfonat B7",
                 "Bisfosfonat B12", "Bisfosfonat B18", "Spor S8", "Spor S2"):
        assert f"**{item}**" in questions
    for _, rule in expected:
        if "not_covered" in rule.outputs:
            assert f"{rule.id}** (beslutning" in questions


def test_the_questions_no_rule_raises_are_in_the_questions_sheet() -> None:
    """Issue 14, items 6 and 7: duration, the end of a deferral, late pain, what a response
    is, counting lines, which symptoms, a lesion not easy to observe, an early event; each
    with its paragraphs and the reading followed meanwhile."""
    questions = model().questions
    assert len(questions) >= 10
    for q in questions:
        assert "?" in q.text and q.reading, q.id
        assert q.paragraphs and set(q.paragraphs) <= set(PARAGRAPHS), q.id
    by_paragraph = {p: [q for q in questions if p in q.paragraphs] for p in PARAGRAPHS}
    on_duration = [q for q in by_paragraph["N9"] if ("continuation", "F1") in q.rules
                   or ("continuation", "F4") in q.rules]
    assert len(on_duration) >= 2  # until an event, and a hard stop at 24 months
    for words in ("avventingen", "oppstart", "respons", "linje", "symptomene",
                  "ikke er lett å observere", "skjeletthendelse før"):
        assert any(words in q.text for q in questions), words


# -- the data dictionary and the decisions ------------------------------------------------------
def test_glossary_inputs_are_exactly_the_data_dictionary() -> None:
    m = model()
    inputs = {n: v for n, v in m.variables.items() if m.producer(n) is None}
    assert set(inputs) == set(DICTIONARY) | set(EXTENSIONS)
    for name, (vtype, domain) in {**DICTIONARY, **EXTENSIONS}.items():
        var = inputs[name]
        assert var.type == vtype, name
        if vtype == "string":
            assert set(var.values) == set(domain) | set(VALUE_EXTENSIONS.get(name, ())), name
        elif vtype == "boolean":
            assert var.allowed is None or all(var.allowed.matches(v) for v in (True, False))
        else:
            assert var.allowed is not None and var.allowed.text == domain, name
    assert {n for n, v in inputs.items() if v.unknown} == set(UNKNOWN_ALLOWED)
    assert m.variables["chemotherapy_line"].allowed.matches(1)  # type: ignore[union-attr]
    assert not m.variables["chemotherapy_line"].allowed.matches(0)  # type: ignore[union-attr]
    assert m.variables["months_on_bisphosphonate"].allowed.matches(0)  # type: ignore[union-attr]
    assert not m.variables["months_on_bisphosphonate"].allowed.matches(-0.1)  # type: ignore[union-attr]


def test_decisions_and_their_outputs() -> None:
    tables = model().tables
    bis = tables["bisphosphonate"]
    assert bis.output_names[0] == "recommendation" and len(bis.output_names) >= 4
    assert {"observation_period", "strength", "treatment_duration"} <= set(bis.output_names)
    assert set(model().variables["recommendation"].values) == RECOMMENDATIONS
    assert tables["continuation"].output_names == ("continuation",)
    assert set(model().variables["continuation"].values) == CONTINUATIONS
    assert all(t.hit_policy == "U" for t in tables.values())


def test_check_reports_no_error_and_no_warning() -> None:
    findings = engine.load(str(WORKBOOK), strict=False).check()
    assert [f for f in findings if f.severity in ("error", "warning")] == []


# -- the tests sheet ----------------------------------------------------------------------------
def test_tests_sheet_passes_and_fires_every_rule() -> None:
    outcomes = run_tests(model())
    assert len(outcomes) >= 40
    assert [o.case.id for o in outcomes if not o.ok] == []
    fired = {(d, r) for o in outcomes for d, rules in o.fired.items() for r in rules}
    missing = [(t.name, r.id) for t, r in all_rules() if (t.name, r.id) not in fired]
    assert missing == []


def test_tests_sheet_holds_the_boundary_cases() -> None:
    cases = model().tests
    months = {c.inputs.get("months_on_bisphosphonate") for c in cases
              if "continuation" in c.expected}
    assert {0, 11.9, 12, 24, 24.1} <= months
    lines = {c.inputs.get("chemotherapy_line") for c in cases
             if c.inputs.get("therapy") == "chemotherapy" and "recommendation" in c.expected}
    assert {1, 2, 3} <= lines


# -- the review document ----------------------------------------------------------------------
def test_the_committed_review_document_is_up_to_date() -> None:
    command = ("guideline render tables/nbcg-bisfosfonat.xlsx --format markdown "
               "-o docs/nbcg-bisfosfonat.md")
    assert REVIEW.exists(), f"docs/nbcg-bisfosfonat.md is missing: run `{command}`"
    assert REVIEW.read_text(encoding="utf-8") == review(), (
        f"docs/nbcg-bisfosfonat.md is out of date with the workbook: run `{command}`")


def test_the_review_document_quotes_each_rules_sources() -> None:
    doc = review()
    assert doc.startswith("# Skjelettmetastaser og bruk av bisfosfonater")
    assert "| Status | draft: ikke godkjent for bruk på pasienter |" in doc
    start = doc.index("**Regel B9**")
    b9 = doc[start:doc.index("**Regel B10**")]
    assert "> **N5** – «Pasienter som har progredierende osteolytiske metastaser, men ikke " \
           "parenchymmetastaser" in b9
    assert "> **N6** – «Man legger her ikke inn en observasjonsperiode" in b9
    assert "*Engelsk: No observation period here" in b9


# -- clinical cases worked out from the guideline text -----------------------------------------
BASE: dict[str, Any] = {
    "skeletal_metastases": True, "hormone_receptor_status": "negative",
    "therapy": "chemotherapy", "chemotherapy_line": 1, "parenchymal_metastases": True,
    "osteolytic_metastases": "other", "skeletal_symptoms": False, "uncontrolled_pain": False,
    "endocrine_sensitive": None, "response": "not_evaluated", "endocrine_failure": None,
}
HR_POSITIVE_ENDOCRINE: dict[str, Any] = {
    "hormone_receptor_status": "positive", "therapy": "endocrine", "chemotherapy_line": None,
    "endocrine_sensitive": True, "endocrine_failure": False,
}
N5_SITUATION = {"parenchymal_metastases": False, "osteolytic_metastases": "progressive"}


def advise(**changes: Any) -> Any:
    return model().evaluate({**BASE, **changes}, "bisphosphonate")


def test_n1_n2_first_line_with_parenchymal_metastases_observes_2_to_3_months() -> None:
    result = advise()
    assert result["recommendation"] == "observe"
    assert result["observation_period"] == "2_3_months"
    assert result["strength"] == "should"  # «bør observeres»


def test_n3_good_response_defers() -> None:
    for response in ("CR", "PR"):
        assert advise(response=response)["recommendation"] == "defer"


def test_n4_second_line_may_shorten_or_omit_the_observation() -> None:
    result = advise(chemotherapy_line=2)
    assert result["recommendation"] == "observe_or_skip"
    assert result["strength"] == "may"  # «kan ... forkortes eller sløyfes»


def test_n5_progressive_osteolytic_without_parenchymal_metastases_starts_at_once() -> None:
    for line in (1, 2, 3):
        result = advise(parenchymal_metastases=False, osteolytic_metastases="progressive",
                        chemotherapy_line=line)
        assert result["recommendation"] == "start"
        assert result["strength"] == "shall"  # «skal anbefales»
        assert result["observation_period"] == "none"  # N6: no observation period
        assert result["treatment_duration"] == "12_24_months_or_skeletal_event"


def test_pain_takes_precedence_over_observing_and_deferring() -> None:
    situations: list[dict[str, Any]] = [
        {},  # N1 would observe
        {"parenchymal_metastases": False, "osteolytic_metastases": "first_detected_observable"},
        {"parenchymal_metastases": False, "osteolytic_metastases": "other"},
        {"response": "CR"},  # N3 would defer
        {"parenchymal_metastases": True, "osteolytic_metastases": "progressive"},  # N1, not N5
        HR_POSITIVE_ENDOCRINE,  # P1 would observe
        {**HR_POSITIVE_ENDOCRINE, "endocrine_failure": None},  # P2 holds whatever the history
        {**HR_POSITIVE_ENDOCRINE, "endocrine_failure": True},  # P4: N1 would observe
        {**HR_POSITIVE_ENDOCRINE, **N5_SITUATION},  # N5 needs chemotherapy: P2 (issue 22)
        {**HR_POSITIVE_ENDOCRINE, **N5_SITUATION, "endocrine_failure": True},  # was S13
    ]
    for situation in situations:
        result = advise(uncontrolled_pain=True, **situation)
        assert result["recommendation"] == "consider_now", situation
        assert result["strength"] == "should_consider", situation  # «bør … vurderes»


def trace_sources(result: Any) -> set[str]:
    tables = model().tables
    return {p.strip() for step in result.trace for rule in step.decided
            for p in tables[step.decision].annotation(
                next(r for r in tables[step.decision].rules if r.id == rule), "sources")
            .split(",")}


@pytest.mark.parametrize("situation", [
    {},  # HR-negative on chemotherapy
    {"hormone_receptor_status": "positive", "chemotherapy_line": 2},  # P4, on chemotherapy
    {"hormone_receptor_status": None},  # unknown status on chemotherapy (issue 22)
])
def test_n5_shall_stands_with_pain_and_n8_is_cited_too(situation: dict[str, Any]) -> None:
    """Issue 14, item 1: N8's «også» adds a reason, it does not remove N5's «skal»."""
    result = advise(uncontrolled_pain=True, **{**situation, **N5_SITUATION})
    assert (result["recommendation"], result["strength"]) == ("start", "shall")
    assert {"N5", "N8"} <= trace_sources(result)


@pytest.mark.parametrize("failure", [True, False, None])
def test_pain_at_the_start_of_endocrine_treatment_is_p2_even_where_n5_would_say_skal(
        failure: bool | None) -> None:
    """Issue 22, item 1: N5 holds «hvor kjemoterapi er indisert»; a new endocrine line does
    not meet it, so pain there gets P2's «bør … vurderes», not N5's «skal» (was S13)."""
    result = advise(uncontrolled_pain=True,
                    **{**HR_POSITIVE_ENDOCRINE, **N5_SITUATION, "endocrine_failure": failure})
    assert (result["recommendation"], result["strength"]) == ("consider_now", "should_consider")
    assert "P2" in trace_sources(result) and "N5" not in trace_sources(result)


def test_n7_first_detected_observable_defers_unless_symptoms_say_otherwise() -> None:
    quiet = advise(parenchymal_metastases=False, osteolytic_metastases="first_detected_observable")
    assert quiet["recommendation"] == "defer"
    loud = advise(parenchymal_metastases=False, osteolytic_metastases="first_detected_observable",
                  skeletal_symptoms=True)
    assert loud["recommendation"] not in ("defer", "observe", "not_applicable")


def test_p1_endocrine_sensitive_disease_awaits_3_to_4_months() -> None:
    result = advise(**HR_POSITIVE_ENDOCRINE)
    assert result["recommendation"] == "observe"
    assert result["observation_period"] == "3_4_months"
    assert result["strength"] == "should"  # «bør avvente»


def same_answer(a: Any, b: Any) -> bool:
    return all(a[k] == b[k] for k in ("recommendation", "observation_period", "strength"))


@pytest.mark.parametrize("sensitive", [True, False, None])
def test_p4_endocrine_failure_gets_the_left_column_as_if_starting_chemotherapy(
        sensitive: bool | None) -> None:
    """Issue 14, item 2: PD on endocrine treatment is assessed as HR-negative disease (P4), so
    «endocrine, PD» and «chemotherapy, line 1» give the same observation for the same patient;
    issue 22, item 6: whatever «antatt endokrin følsom» says."""
    findings = {"parenchymal_metastases": True, "osteolytic_metastases": "other"}  # N1
    on_endocrine = advise(**{**HR_POSITIVE_ENDOCRINE, **findings, "response": "PD",
                             "endocrine_sensitive": sensitive})
    on_chemotherapy = advise(**{**findings, "hormone_receptor_status": "positive"})
    assert same_answer(on_endocrine, on_chemotherapy)
    assert on_endocrine["recommendation"] == "observe"


@pytest.mark.parametrize("sensitive", [True, False, None])
def test_p4_on_pd_gives_no_skal_until_chemotherapy_is_recorded(sensitive: bool | None) -> None:
    """Issue 22, items 1 and 6: P4 brings in N5, but N5 holds «hvor kjemoterapi er indisert»;
    the next treatment is not recorded, so P1's own verb: consider («vurderes»), not start."""
    on_endocrine = advise(**{**HR_POSITIVE_ENDOCRINE, **N5_SITUATION, "response": "PD",
                             "endocrine_sensitive": sensitive})
    assert (on_endocrine["recommendation"], on_endocrine["strength"]) == \
        ("consider", "not_specified")
    chemotherapy_started = advise(**{**N5_SITUATION, "hormone_receptor_status": "positive",
                                     "endocrine_failure": True})
    assert (chemotherapy_started["recommendation"], chemotherapy_started["strength"]) == \
        ("start", "shall")


def test_p4_a_new_endocrine_line_after_failure_is_not_sent_through_p1_again() -> None:
    """Issue 14, item 3: with earlier endocrine failure, P4 instead of P1's 3–4 months."""
    after = advise(**{**HR_POSITIVE_ENDOCRINE, "endocrine_failure": True})
    assert (after["recommendation"], after["observation_period"]) == ("observe", "2_3_months")
    assert after.trace[0].outputs["pathway"] == "endocrine_failure_assessment"
    # issue 22, item 1: but not N5's «skal», which holds where chemotherapy is indicated
    for state in ("progressive", "first_detected_not_observable"):
        new_line = advise(**{**HR_POSITIVE_ENDOCRINE, "endocrine_failure": True,
                             **N5_SITUATION, "osteolytic_metastases": state})
        assert new_line["recommendation"] == "not_covered", state
    unknown = advise(**{**HR_POSITIVE_ENDOCRINE, "endocrine_failure": None})
    assert unknown["recommendation"] == "not_covered"  # P1 or P4: the text cannot choose
    # where it is not used, an unknown history changes nothing
    assert same_answer(advise(endocrine_failure=None), advise(endocrine_failure=True))


def test_n7_deferral_ends_with_progression() -> None:
    """Issue 14, item 4: N7 defers for a lesion one can watch; PD ends the deferral."""
    lesion = {"parenchymal_metastases": False, "osteolytic_metastases": "first_detected_observable"}
    assert advise(**lesion, response="SD")["recommendation"] == "defer"
    assert advise(**lesion, response="PD")["recommendation"] == "consider"


def test_after_p1s_months_a_bisphosphonate_is_considered_whatever_the_effect() -> None:
    """Issue 14, item 5: P1 awaits the «effekt», P4 acts on «manglende respons», so SD is an
    effect like CR/PR; issue 22, item 4: after the wait P1's own verb is «vurderes» (consider),
    not N3's «avvente», which belongs to the HR-negative column."""
    for response in ("CR", "PR", "SD"):
        result = advise(**{**HR_POSITIVE_ENDOCRINE, "response": response})
        assert (result["recommendation"], result["strength"]) == ("consider", "not_specified")
        assert "P1" in trace_sources(result) and "N3" not in trace_sources(result)


def test_hr_negative_disease_on_endocrine_treatment_gets_no_answer_the_text_does_not_give() -> None:
    """Issue 14, item 8: not covered, with pain too; only the pain rules' own columns apply."""
    for pain in (False, True):
        result = advise(therapy="endocrine", chemotherapy_line=None, uncontrolled_pain=pain)
        assert result["recommendation"] == "not_covered", pain


# Each strength code and the words of the text that say it: a rule answering the code must cite
# a paragraph whose verbatim text holds the words (tables/nbcg-bisfosfonat.paragraphs.md).
STRENGTH_WORDS = {
    "shall": r"\bskal anbefales\b",
    "should": r"\bbør (?:observeres|avvente)\b",  # N1, P1: observe, await
    "should_consider": r"\bbør også bisfosfonat vurderes\b",  # N8, P2: consider (issue 22)
    "may": r"\bkan denne observasjonstiden\b",
    "reasonable": r"\brimelig\b",
    "grounds": r"\bgrunnlag for\b",
}


def test_every_strength_word_is_said_by_a_paragraph_the_rule_cites() -> None:
    """Issue 14, item 9: «rimelig» is N3's word; a rule that says it must rest on N3. Issue
    22, item 7: «bør … vurderes» (N8, P2) has its own code, never N1's «bør» (observe)."""
    text = read_paragraphs(PARAGRAPH_FILE)
    bis = model().tables["bisphosphonate"]
    col = bis.output_names.index("strength")
    assert set(model().variables["strength"].values) == \
        set(STRENGTH_WORDS) | {"not_specified", "not_applicable"}
    used = set()
    for rule in bis.rules:
        word = rule.outputs[col]
        cited = [p.strip() for p in sources(bis, rule).split(",")]
        if word in STRENGTH_WORDS:
            used.add(word)
            assert any(re.search(STRENGTH_WORDS[word], text[p].text) for p in cited), \
                (rule.id, word, cited)
    assert used == set(STRENGTH_WORDS)  # every code is in use, so every pattern is tested


def test_consider_now_is_always_bor_vurderes_and_never_plain_bor() -> None:
    """Issue 22, item 7: a consumer reading only `strength` cannot mistake «consider» for
    «should give»: every rule that answers consider_now says should_consider, and only they."""
    bis = model().tables["bisphosphonate"]
    rec, strength = (bis.output_names.index(n) for n in ("recommendation", "strength"))
    for rule in bis.rules:
        assert (rule.outputs[rec] == "consider_now") == \
            (rule.outputs[strength] == "should_consider"), rule.id


# -- every allowed case (issue 22): what no rule may answer, proved over the whole domain -------
N5_STATES = {"progressive", "first_detected_not_observable"}  # N5, and N5–N7's one box (Q9)
LINE_TESTS = {"-", "1", "2", ">= 2", ">= 3", "null", "not(null)"}  # so 1, 2, 3, null cover it
ANSWER = ("recommendation", "observation_period", "strength", "treatment_duration")


@functools.cache
def every_case() -> list[dict[str, Any]]:
    """Every allowed case of `bisphosphonate` with its answer: each input over its glossary
    values (and unknown where the glossary allows it), the chemotherapy line over 1, 2, 3 and
    unknown (the rules and constraints cut it only at 1, 2 and >= 3: asserted here). Cases
    inside a constraint are refused by evaluation and left out."""
    m = model()
    line_tests = {x.text for t in m.tables.values() for r in t.rules
                  for name, x in zip(t.input_names, r.inputs) if name == "chemotherapy_line"}
    line_tests |= {x.text for c in m.constraints for n, x in c.tests if n == "chemotherapy_line"}
    assert line_tests <= LINE_TESTS, line_tests - LINE_TESTS  # else widen the values below
    names = [n for n in BASE if m.producer(n) is None]
    domains = []
    for name in names:
        var = m.variables[name]
        values: list[Any] = [True, False] if var.type == "boolean" else \
            list(var.values) if var.values else [1, 2, 3]
        domains.append(values + [None] * bool(var.unknown))
    frame = pd.DataFrame(list(itertools.product(*domains)), columns=names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", engine.DraftWarning)
        out = m.evaluate_frame(frame, "bisphosphonate")
    assert set(out["error_kind"].dropna()) == {"InvalidInput"}  # constraints only: no gaps
    both = pd.concat([frame, out], axis=1)
    cases = both[both["error_kind"].isna()].replace({float("nan"): None})
    rows = [{k: (None if v is pd.NA else v) for k, v in row.items()}
            for row in cases.to_dict("records")]
    assert len(rows) > 50_000
    return rows


def n5_conditions(case: dict[str, Any]) -> bool:
    """N5's own conditions: chemotherapy recorded (indicated), skeletal disease that is
    progressive osteolytic (or first detected, not easy to observe), no parenchymal
    metastases."""
    return (case["skeletal_metastases"] is True and case["therapy"] == "chemotherapy"
            and case["parenchymal_metastases"] is False
            and case["osteolytic_metastases"] in N5_STATES)


def test_no_rule_gives_skal_unless_chemotherapy_is_recorded_and_n5s_conditions_hold() -> None:
    """Issue 22, item 1: «skal» (shall) only where N5 says it: read off the rules themselves
    (a shall rule's conditions, and the pathway rules that lead to it), then over every case."""
    m = model()
    bis, spor = m.tables["bisphosphonate"], m.tables["pathway"]
    col = {n: i for i, n in enumerate(bis.input_names)}
    therapies = [*m.variables["therapy"].values, None]
    shall_rules = [r for r in bis.rules
                   if r.outputs[bis.output_names.index("strength")] == "shall"]
    assert shall_rules
    for rule in shall_rules:
        parenchymal = rule.inputs[col["parenchymal_metastases"]]
        assert [v for v in (True, False, None) if parenchymal.matches(v)] == [False], rule.id
        osteolytic = rule.inputs[col["osteolytic_metastases"]]
        states = {v for v in [*m.variables["osteolytic_metastases"].values, None]
                  if osteolytic.matches(v)}
        assert states <= N5_STATES, (rule.id, states - N5_STATES)
        pathways = {v for v in m.variables["pathway"].values
                    if rule.inputs[col["pathway"]].matches(v)}
        for leading in (r for r in spor.rules if r.outputs[0] in pathways):
            therapy = leading.inputs[spor.input_names.index("therapy")]
            assert [v for v in therapies if therapy.matches(v)] == ["chemotherapy"], \
                (rule.id, leading.id)
    for case in every_case():
        if case["strength"] == "shall" or case["recommendation"] == "start":
            assert n5_conditions(case), case
        if n5_conditions(case):  # and where they hold, N5 stands, with pain too (N8 «også»)
            assert (case["recommendation"], case["strength"]) == ("start", "shall"), case


def test_no_systemic_therapy_is_not_covered_whatever_else_holds() -> None:
    """Issue 22, item 2: a patient for whom chemotherapy is not indicated can be entered, and
    gets not_covered (a question, Q20), never N5's «skal» nor the pain rules' start."""
    seen = 0
    for case in every_case():
        if case["therapy"] == "none" and case["skeletal_metastases"]:
            assert case["recommendation"] == "not_covered", case
            seen += 1
    assert seen


def test_other_never_answers_more_than_the_four_situations_it_held() -> None:
    """Issue 22, item 3: «other» held four situations with different answers. It now answers
    not_covered («say which»), or an answer each of the four also gets, or the pain rule's
    consider_now, which N8/P2 give whatever the skeletal disease; never start."""
    split = VALUE_EXTENSIONS["osteolytic_metastases"]
    by_rest: dict[tuple[Any, ...], dict[str, tuple[Any, ...]]] = {}
    for case in every_case():
        rest = tuple(v for k, v in case.items() if k in BASE and k != "osteolytic_metastases")
        by_rest.setdefault(rest, {})[case["osteolytic_metastases"]] = \
            tuple(case[k] for k in ANSWER)
    checked = 0
    for answers in by_rest.values():
        if "other" not in answers or not all(v in answers for v in split):
            continue  # e.g. no skeletal metastases: C2 leaves only «none» and «other»
        other = answers["other"]
        assert other[0] != "start", answers
        assert other[0] in ("not_covered", "consider_now") or \
            all(answers[v] == other for v in split), answers
        checked += 1
    assert checked > 1000


def test_hormone_receptor_status_may_be_unknown_where_it_changes_nothing() -> None:
    """Issue 22, item 9: on chemotherapy both statuses give the same assessments (S5, S6), so
    an unknown status gets them too; on endocrine treatment it decides, so unknown is
    not_covered."""
    answers: dict[tuple[Any, ...], dict[Any, tuple[Any, ...]]] = {}
    for case in every_case():
        if case["therapy"] == "chemotherapy":
            rest = tuple(v for k, v in case.items() if k in BASE
                         and k != "hormone_receptor_status")
            answers.setdefault(rest, {})[case["hormone_receptor_status"]] = \
                tuple(case[k] for k in ANSWER)
        elif case["therapy"] == "endocrine" and case["skeletal_metastases"] \
                and case["hormone_receptor_status"] is None:
            assert case["recommendation"] == "not_covered", case
    assert answers and all(len(set(a.values())) == 1 and len(a) == 3 for a in answers.values())


def test_pd_on_endocrine_treatment_is_p4_whatever_endocrine_sensitivity_says() -> None:
    """Issue 22, item 6: «Ved manglende respons på endokrin behandling» does not ask whether
    the disease was presumed endocrine-sensitive (T41: not_covered before, P4 now)."""
    answers: dict[tuple[Any, ...], set[tuple[Any, ...]]] = {}
    for case in every_case():
        if case["pathway"] == "endocrine_assessment" and case["response"] == "PD":
            rest = tuple(v for k, v in case.items() if k in BASE
                         and k != "endocrine_sensitive")
            answers.setdefault(rest, set()).add(tuple(case[k] for k in ANSWER))
    assert answers and all(len(a) == 1 for a in answers.values())


def test_an_unknown_chemotherapy_line_observes_as_n1_says() -> None:
    """Issue 22, item 5: N1 has no line restriction, N2 says «spesielt», N4 only permits
    shortening: an unknown line observes 2–3 months (bør), not not_covered."""
    result = advise(chemotherapy_line=None)
    assert (result["recommendation"], result["observation_period"], result["strength"]) == \
        ("observe", "2_3_months", "should")
    assert {"N1", "N4"} <= trace_sources(result)


@pytest.mark.parametrize("therapy", ["endocrine", "none"])
def test_a_chemotherapy_line_without_chemotherapy_is_refused_with_how_to_fix_it(
        therapy: str) -> None:
    """Issue 22, item 10: the line is the line of the chemotherapy given now; the refusal of C1
    names it by its label and tells the user to leave it empty."""
    with pytest.raises(engine.InvalidInput) as refused:
        advise(therapy=therapy, chemotherapy_line=2)
    message = str(refused.value)
    assert "C1" in message and "stå tomt" in message
    assert model().label("chemotherapy_line") == \
        "Linje for kjemoterapien som gis nå (tom ellers)"
    assert f"feltet \"{model().label('chemotherapy_line').split(' (')[0]}\" stå tomt" in message


def test_p4_hormone_receptor_positive_on_chemotherapy_is_assessed_as_negative() -> None:
    assert advise(hormone_receptor_status="positive")["recommendation"] == \
        advise()["recommendation"] == "observe"


def test_no_skeletal_metastases_is_out_of_scope() -> None:
    assert advise(skeletal_metastases=False, uncontrolled_pain=True)["recommendation"] == \
        "not_applicable"


@pytest.mark.parametrize(("months", "event", "expected"), [
    (0, False, "continue"), (11.9, False, "continue"), (12, False, "may_stop"),
    (18, False, "may_stop"), (24, False, "may_stop"), (24.1, False, "stop"),
    (6, True, "stop"), (0, True, "stop"),
])
def test_n9_p3_continuation_12_to_24_months_or_first_skeletal_event(
        months: float, event: bool, expected: str) -> None:
    result = model().evaluate({"months_on_bisphosphonate": months, "skeletal_event": event},
                              "continuation")
    assert result["continuation"] == expected
