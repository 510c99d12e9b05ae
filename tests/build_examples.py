"""Build the example workbooks (format v1): one per DMN hit policy, plus a chained decision.

Every expected answer in the Tests sheets below was worked out by hand from the DMN 1.5
semantics, not copied from the engine; the reasoning is written next to the cases that are
not obvious. `python tests/build_examples.py OUTDIR` writes them all (default: a temp dir).

Conventions of these examples: an empty test-sheet input cell means null (unknown); an empty
expected cell is not checked; a list expectation (`R`, `O`, `C`) is written `"a", "b"`.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from workbooks import TableSpec, TestSpec, WorkbookSpec, write

IN, OUT, EXP, NOTE = "input", "output", "expected", "annotation"


def unique() -> WorkbookSpec:
    """U: the age bands are disjoint and cover 0..120, so exactly one rule fits every case."""
    return WorkbookSpec(
        glossary=[("age", "integer", "[0..120]", "Alder"),
                  ("smoker", "boolean", None, "Røyker"),
                  ("risk", "string", '"high", "medium", "low"', "Risiko")],
        tables=[TableSpec("risk", "U", [("age", IN), ("smoker", IN), ("risk", OUT),
                                        ("source", NOTE)], [
            ["U1", "< 40", False, '"low"', "S1"],
            ["U2", "< 40", True, '"medium"', "S1"],
            ["U3", "[40..65)", "-", '"medium"', "S2"],
            ["U4", ">= 65", "-", '"high"', "S3"],
        ], title="Cardiovascular risk")],
        tests=TestSpec([("age", IN), ("smoker", IN), ("risk", EXP)], [
            ["t1", 39, False, "low"],
            ["t2", 39, True, "medium"],
            ["t3", 40, False, "medium"],  # [40.. is closed: 40 belongs to U3
            ["t4", 64, True, "medium"],
            ["t5", 65, False, "high"],  # ..65) is open: 65 belongs to U4, not U3
            ["t6", 50, None, "medium"],  # smoker unknown: only U3's '-' accepts null
        ]),
    )


def any_() -> WorkbookSpec:
    """A: A1 and A2 overlap (score >= 7 with a red flag) but agree, so the answer is defined."""
    return WorkbookSpec(
        glossary=[("symptom_score", "number", "[0..10]", "Symptomskår"),
                  ("red_flag", "boolean", None, "Alarmsymptom"),
                  ("referral", "boolean", None, "Henvisning")],
        tables=[TableSpec("referral", "A", [("symptom_score", IN), ("red_flag", IN),
                                            ("referral", OUT)], [
            ["A1", ">= 7", "-", True],
            ["A2", "-", True, True],
            ["A3", "< 7", False, False],
        ])],
        tests=TestSpec([("symptom_score", IN), ("red_flag", IN), ("referral", EXP)], [
            ["t1", 8, True, True],  # A1 and A2 both match and agree: true
            ["t2", 3, False, False],
            ["t3", 7, False, True],  # >= 7 is closed: A1
            ["t4", 6.9, True, True],  # A2 only
            ["t5", None, True, True],  # null score: only A2's '-' accepts it
        ]),
    )


def priority() -> WorkbookSpec:
    """P: the priority is the order of each output's allowed values, compared output by output.

    action ranks refer > treat > observe; urgency ranks urgent > routine; follow_up_weeks has
    no listed values and takes no part. Rules are written against priority order on purpose,
    so that F would answer differently.
    """
    return WorkbookSpec(
        glossary=[("severity", "integer", "[0..10]", "Alvorlighet"),
                  ("pain", "boolean", None, "Smerte"),
                  ("action", "string", '"refer", "treat", "observe"', "Tiltak"),
                  ("urgency", "string", '"urgent", "routine"', "Hast"),
                  ("follow_up_weeks", "integer", ">= 0", "Kontroll om uker")],
        tables=[TableSpec("action", "P", [("severity", IN), ("pain", IN), ("action", OUT),
                                          ("urgency", OUT), ("follow_up_weeks", OUT)], [
            ["P1", "-", "-", '"observe"', '"routine"', 12],
            ["P2", "-", True, '"treat"', '"routine"', 4],
            ["P3", ">= 8", "-", '"refer"', '"routine"', 2],
            ["P4", ">= 8", True, '"refer"', '"urgent"', 1],
            ["P5", ">= 9", "-", '"refer"', '"routine"', 3],
        ])],
        tests=TestSpec([("severity", IN), ("pain", IN), ("action", EXP), ("urgency", EXP),
                        ("follow_up_weeks", EXP)], [
            # all five match; refer (P3, P4, P5) beats treat and observe; among those urgent
            # (P4) beats routine: the second output breaks the tie of the first
            ["t1", 9, True, "refer", "urgent", 1],
            # P1, P3 match: refer beats observe although P1 comes first
            ["t2", 8, False, "refer", "routine", 2],
            ["t3", 3, True, "treat", "routine", 4],  # P1, P2: treat beats observe
            ["t4", 3, False, "observe", "routine", 12],  # P1 only
            # P1, P3, P5: P3 and P5 tie on every prioritised output (refer, routine);
            # DMN leaves such a tie open, the engine keeps rule order: P3, 2 weeks
            ["t5", 10, False, "refer", "routine", 2],
        ]),
    )


def first() -> WorkbookSpec:
    """F: the first matching rule in rule order wins; F4 ('-', '-') catches everything else."""
    return WorkbookSpec(
        glossary=[("age", "integer", "[0..120]", "Alder"),
                  ("family_history", "boolean", None, "Familiehistorie"),
                  ("interval_years", "integer", ">= 1", "Intervall i år")],
        tables=[TableSpec("interval_years", "F", [("age", IN), ("family_history", IN),
                                                  ("interval_years", OUT)], [
            ["F1", "-", True, 1],
            ["F2", ">= 50", "-", 2],
            ["F3", ">= 40", "-", 3],
            ["F4", "-", "-", 5],
        ])],
        tests=TestSpec([("age", IN), ("family_history", IN), ("interval_years", EXP)], [
            ["t1", 55, True, 1],  # F1..F4 all match: the first, F1
            ["t2", 55, False, 2],  # F2, F3, F4 match: F2
            ["t3", 50, False, 2],  # >= 50 is closed
            ["t4", 45, False, 3],
            ["t5", 30, False, 5],
            ["t6", 30, None, 5],  # null history: F1's `true` does not accept it; F4 does
        ]),
    )


def _lifestyle_glossary(*extra: tuple[object, ...]) -> list[tuple[object, ...]]:
    return [("smoker", "boolean", None, "Røyker"),
            ("bmi", "number", "[10..80]", "KMI"),
            ("age", "integer", "[0..120]", "Alder"),
            ("advice", "string", '"vaccinate", "stop_smoking", "exercise", "diet"', "Råd"),
            *extra]


def rule_order() -> WorkbookSpec:
    """R: every matching rule's output, as a list in rule order."""
    return WorkbookSpec(
        glossary=_lifestyle_glossary(),
        tables=[TableSpec("advice", "R", [("smoker", IN), ("bmi", IN), ("age", IN),
                                          ("advice", OUT)], [
            ["R1", True, "-", "-", '"stop_smoking"'],
            ["R2", "-", ">= 30", "-", '"diet"'],
            ["R3", "-", ">= 25", "-", '"exercise"'],
            ["R4", "-", "-", ">= 65", '"vaccinate"'],
        ])],
        tests=TestSpec([("smoker", IN), ("bmi", IN), ("age", IN), ("advice", EXP)], [
            # all four match; rule order, not the allowed-values order
            ["t1", True, 31, 70, '"stop_smoking", "diet", "exercise", "vaccinate"'],
            ["t2", False, 27, 40, '"exercise"'],
            ["t3", True, 24.9, 65, '"stop_smoking", "vaccinate"'],
            ["t4", False, 30, 64, '"diet", "exercise"'],  # 30 is both >= 30 and >= 25
            ["t5", False, 22, 40, "[]"],  # nothing matches: the empty list
        ]),
    )


def output_order() -> WorkbookSpec:
    """O: the matching rules sorted by output priority (allowed-values order), ties in rule order.

    advice ranks vaccinate > stop_smoking > exercise > diet; code shows which rule gave each.
    """
    return WorkbookSpec(
        glossary=_lifestyle_glossary(("code", "integer", None, "Kode")),
        tables=[TableSpec("advice", "O", [("smoker", IN), ("bmi", IN), ("age", IN),
                                          ("advice", OUT), ("code", OUT)], [
            ["O1", True, "-", "-", '"stop_smoking"', 1],
            ["O2", "-", ">= 30", "-", '"diet"', 2],
            ["O3", "-", ">= 25", "-", '"exercise"', 3],
            ["O4", "-", "-", ">= 65", '"vaccinate"', 4],
            ["O5", "-", "-", ">= 80", '"vaccinate"', 5],
        ])],
        tests=TestSpec([("smoker", IN), ("bmi", IN), ("age", IN), ("advice", EXP),
                        ("code", EXP)], [
            # all five match: vaccinate (O4, O5 in rule order), stop_smoking, exercise, diet
            ["t1", True, 31, 85, '"vaccinate", "vaccinate", "stop_smoking", "exercise", "diet"',
             "4, 5, 1, 3, 2"],
            ["t2", False, 26, 70, '"vaccinate", "exercise"', "4, 3"],  # O3, O4 reordered
            ["t3", True, 20, 40, '["stop_smoking"]', "[1]"],  # FEEL's brackets are fine too
            ["t4", False, 20, 30, "[]", "[]"],
        ]),
    )


def collect() -> WorkbookSpec:
    """C: every matching rule's output, order not promised (compared as a multiset).

    C2 and C3 give the same value: a collect list keeps both. C4's `null` accepts an unknown
    date of the last test.
    """
    return WorkbookSpec(
        glossary=[("diabetic", "boolean", None, "Diabetes"),
                  ("age", "integer", "[0..120]", "Alder"),
                  ("last_test", "date", None, "Siste prøve"),
                  ("lab_test", "string", '"hba1c", "lipids", "full_panel"', "Prøve")],
        tables=[TableSpec("lab_test", "C", [("diabetic", IN), ("age", IN), ("last_test", IN),
                                            ("lab_test", OUT)], [
            ["C1", True, "-", "-", '"hba1c"'],
            ["C2", "-", ">= 50", "-", '"lipids"'],
            ["C3", True, ">= 50", "-", '"lipids"'],
            ["C4", "-", "-", '< date("2025-01-01"), null', '"full_panel"'],
        ])],
        tests=TestSpec([("diabetic", IN), ("age", IN), ("last_test", IN), ("lab_test", EXP)], [
            # C1, C2, C3: written in another order than the rules, still equal as a multiset
            ["t1", True, 60, dt.date(2025, 6, 1), '"lipids", "hba1c", "lipids"'],
            ["t2", False, 40, dt.date(2024, 12, 31), '"full_panel"'],  # C4: before 2025
            ["t3", False, 40, None, '"full_panel"'],  # C4's null accepts the unknown date
            ["t4", False, 55, dt.date(2025, 1, 1), '"lipids"'],  # C4's < is strict
            ["t5", False, 40, dt.date(2025, 6, 1), "[]"],
        ]),
    )


def _points_glossary(out_type: str, out_allowed: str | None) -> list[tuple[object, ...]]:
    return [("age", "integer", "[0..120]", "Alder"),
            ("smoker", "boolean", None, "Røyker"),
            ("sbp", "number", "[50..300]", "Systolisk blodtrykk"),
            ("points", out_type, out_allowed, "Poeng")]


_POINTS_COLUMNS = [("age", IN), ("smoker", IN), ("sbp", IN), ("points", OUT)]
_POINTS_CASES = [("age", IN), ("smoker", IN), ("sbp", IN), ("points", EXP)]


def collect_sum() -> WorkbookSpec:
    """C+: the sum of the matching rules' outputs; no match gives null (FEEL sum([]))."""
    return WorkbookSpec(
        glossary=_points_glossary("number", None),
        tables=[TableSpec("points", "C+", _POINTS_COLUMNS, [
            ["S1", ">= 60", "-", "-", 2],
            ["S2", "-", True, "-", 3],
            ["S3", "-", "-", ">= 140", 1.5],
        ])],
        tests=TestSpec(_POINTS_CASES, [
            ["t1", 65, True, 150, 6.5],  # 2 + 3 + 1.5
            ["t2", 65, False, 120, 2],
            ["t3", 40, True, 140, 4.5],  # 3 + 1.5 (>= 140 is closed)
            ["t4", 40, False, 120, "null"],  # nothing matches: sum of nothing is null
        ]),
    )


def collect_count() -> WorkbookSpec:
    """C#: how many rules matched; no match gives 0 (FEEL count([])). A count is a whole
    number, so the output is an integer (each rule's cell says it counts one)."""
    return WorkbookSpec(
        glossary=_points_glossary("integer", ">= 0"),
        tables=[TableSpec("points", "C#", _POINTS_COLUMNS, [
            ["N1", ">= 60", "-", "-", 1],
            ["N2", "-", True, "-", 1],
            ["N3", "-", "-", ">= 140", 1],
        ])],
        tests=TestSpec(_POINTS_CASES, [
            ["t1", 65, True, 150, 3],
            ["t2", 60, False, 140, 2],  # both bounds closed
            ["t3", 59, False, 139.9, 0],  # nothing matches: a count of 0, not null
            ["t4", 30, None, 200, 1],  # null smoker does not match `true`
        ]),
    )


def collect_min() -> WorkbookSpec:
    """C<: the smallest output of the matching rules; no match gives null."""
    return WorkbookSpec(
        glossary=[("hba1c", "number", "[3..20]", "HbA1c"),
                  ("egfr", "number", "[0..200]", "eGFR"),
                  ("review_weeks", "number", "> 0", "Kontroll om uker")],
        tables=[TableSpec("review_weeks", "C<", [("hba1c", IN), ("egfr", IN),
                                                 ("review_weeks", OUT)], [
            ["M1", ">= 8.5", "-", 4],
            ["M2", "[7..8.5)", "-", 12],
            ["M3", "-", "< 45", 8],
        ])],
        tests=TestSpec([("hba1c", IN), ("egfr", IN), ("review_weeks", EXP)], [
            ["t1", 9, 30, 4],  # M1, M3: min(4, 8)
            ["t2", 7, 40, 8],  # M2, M3: min(12, 8)
            ["t3", 8.5, 90, 4],  # 8.5 is in >= 8.5 (M1), not in [7..8.5) (M2)
            ["t4", 6.9, 45, "null"],  # nothing matches (< 45 is strict)
        ]),
    )


def collect_max() -> WorkbookSpec:
    """C>: the largest output of the matching rules; no match gives null."""
    return WorkbookSpec(
        glossary=[("weight", "number", "[1..300]", "Vekt"),
                  ("age", "integer", "[0..120]", "Alder"),
                  ("dose_mg", "integer", "> 0", "Dose (mg)")],
        tables=[TableSpec("dose_mg", "C>", [("weight", IN), ("age", IN), ("dose_mg", OUT)], [
            ["X1", "< 50", "-", 500],
            ["X2", "[50..80]", "-", 1000],
            ["X3", "> 80", "-", 1500],
            ["X4", "-", ">= 75", 750],
        ])],
        tests=TestSpec([("weight", IN), ("age", IN), ("dose_mg", EXP)], [
            ["t1", 90, 80, 1500],  # X3, X4: max(1500, 750)
            ["t2", 40, 80, 750],  # X1, X4: max(500, 750)
            ["t3", 80, 20, 1000],  # ..80] is closed: X2
            ["t4", None, 80, 750],  # unknown weight: only X4's '-' accepts it
            ["t5", None, 30, "null"],  # nothing matches
        ]),
    )


def chain() -> WorkbookSpec:
    """A decision graph of four levels and a diamond, with two final decisions.

    ckd_stage (egfr) -> risk_group (ckd_stage, diabetic) -> follow_up (risk_group, age)
    -> referral (ckd_stage, follow_up); statin (risk_group, age) is a second final decision.
    referral needs ckd_stage twice over (directly and through follow_up): evaluated once.
    """
    stages = '"severe", "moderate", "normal"'
    return WorkbookSpec(
        glossary=[("egfr", "number", "[0..200]", "eGFR"),
                  ("diabetic", "boolean", None, "Diabetes"),
                  ("age", "integer", "[18..120]", "Alder"),
                  ("ckd_stage", "string", stages, "CKD-stadium"),
                  ("risk_group", "string", '"high", "medium", "low"', "Risikogruppe"),
                  ("follow_up", "integer", ">= 1", "Kontroll om måneder"),
                  ("referral", "boolean", None, "Henvisning"),
                  ("statin", "boolean", None, "Statin")],
        tables=[
            TableSpec("ckd_stage", "U", [("egfr", IN), ("ckd_stage", OUT)], [
                ["K1", "< 30", '"severe"'],
                ["K2", "[30..60)", '"moderate"'],
                ["K3", ">= 60", '"normal"'],
            ], sheet="Stage"),
            TableSpec("risk_group", "F", [("ckd_stage", IN), ("diabetic", IN),
                                          ("risk_group", OUT)], [
                ["G1", '"severe"', "-", '"high"'],
                ["G2", '"moderate"', True, '"high"'],
                ["G3", '"moderate"', False, '"medium"'],
                ["G4", '"normal"', True, '"medium"'],
                ["G5", "-", "-", '"low"'],
            ], sheet="Risk"),
            TableSpec("follow_up", "U", [("risk_group", IN), ("age", IN), ("follow_up", OUT)], [
                ["M1", '"high"', "-", 3],
                ["M2", '"medium"', "-", 6],
                ["M3", '"low"', "< 70", 12],
                ["M4", '"low"', ">= 70", 6],
            ], sheet="Follow-up"),
            TableSpec("referral", "U", [("ckd_stage", IN), ("follow_up", IN),
                                        ("referral", OUT)], [
                ["R1", '"severe"', "-", True],
                ["R2", 'not("severe")', "<= 3", True],
                ["R3", 'not("severe")', "> 3", False],
            ], sheet="Referral"),
            TableSpec("statin", "U", [("risk_group", IN), ("age", IN), ("statin", OUT)], [
                ["S1", '"high"', "-", True],
                ["S2", '"medium"', ">= 40", True],
                ["S3", '"medium"', "< 40", False],
                ["S4", '"low"', "-", False],
            ], sheet="Statin"),
        ],
        tests=TestSpec([("egfr", IN), ("diabetic", IN), ("age", IN), ("ckd_stage", EXP),
                        ("risk_group", EXP), ("follow_up", EXP), ("referral", EXP),
                        ("statin", EXP)], [
            # severe -> G1 high (G5 matches too, F takes the first) -> 3 -> R1; S1
            ["t1", 25, False, 50, "severe", "high", 3, True, True],
            # moderate, diabetic -> G2 high -> 3 -> not severe and <= 3: R2
            ["t2", 45, True, 72, "moderate", "high", 3, True, True],
            ["t3", 45, False, 30, "moderate", "medium", 6, False, False],  # S3: age < 40
            ["t4", 90, True, 45, "normal", "medium", 6, False, True],  # G4; S2
            ["t5", 90, False, 75, "normal", "low", 6, False, False],  # G5; M4: age >= 70
            ["t6", 60, False, 69, "normal", "low", 12, False, False],  # >= 60 closed; M3
            ["t7", 30, False, 50, "moderate", "medium", 6, False, True],  # [30.. closed
            # diabetic unknown: G2, G3 and G4 need true/false; only G5's '-' accepts null
            ["t8", 45, None, 50, "moderate", "low", 12, False, False],
        ]),
    )


EXAMPLES: dict[str, tuple[str, Callable[[], WorkbookSpec]]] = {
    "U": ("unique.xlsx", unique),
    "A": ("any.xlsx", any_),
    "P": ("priority.xlsx", priority),
    "F": ("first.xlsx", first),
    "R": ("rule_order.xlsx", rule_order),
    "O": ("output_order.xlsx", output_order),
    "C": ("collect.xlsx", collect),
    "C+": ("collect_sum.xlsx", collect_sum),
    "C#": ("collect_count.xlsx", collect_count),
    "C<": ("collect_min.xlsx", collect_min),
    "C>": ("collect_max.xlsx", collect_max),
    "chain": ("chain.xlsx", chain),
}


def build(key: str, folder: Path) -> Path:
    """Write one example (a hit-policy code, or "chain") into `folder`; return its path."""
    filename, spec = EXAMPLES[key]
    return write(spec(), Path(folder) / filename)


def build_all(folder: Path) -> dict[str, Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return {key: build(key, folder) for key in EXAMPLES}


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path(tempfile.mkdtemp(prefix="guideline-examples-"))
    for key, path in build_all(folder).items():
        print(f"{key:6} {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
