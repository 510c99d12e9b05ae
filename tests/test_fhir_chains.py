"""Shared starts of FHIRPath chains are exact: every NBCG row on every resource of every test
case's prefetch gives what fhirpathpy gives for the whole expression."""

from __future__ import annotations

from pathlib import Path

import pytest
from fhir_prefetch import prefetch
from fhirpathpy import compile as compile_path

import engine
from engine.fhir.chains import steps
from engine.fhir.mapping import R4, Mapper
from engine.fhir.resources import resources

NBCG = Path(__file__).resolve().parent.parent / "tables" / "nbcg-bisfosfonat.xlsx"


@pytest.mark.parametrize("path, expected", [
    ("A.where(x = 'a.b').repeat(item).value", ["A", "where(x = 'a.b')", "repeat(item)", "value"]),
    ("A.b = 1", None), ("A.b and B.c", None), ("A.b | B.c", None), ("%resource.id", None),
    ("A.where(b", None), ("code.coding", ["code", "coding"])])
def test_steps_split_only_pure_chains(path: str, expected: list[str] | None) -> None:
    assert steps(path) == expected


def test_shared_starts_give_what_the_whole_expression_gives() -> None:
    model = engine.load(str(NBCG))
    mapper = Mapper(model)
    assert mapper.starts  # the questionnaire rows share their start
    whole = {id(r): compile_path(r.path, model=R4) for r in model.fhir}
    compared = 0
    for test in model.tests:
        data = prefetch({k: v for k, v in test.inputs.items()})
        for row in model.fhir:
            for resource in resources(data.get(row.prefetch)):
                assert mapper.evaluate(row, resource) == whole[id(row)](resource), row.cell
                compared += 1
    assert compared > 1000
