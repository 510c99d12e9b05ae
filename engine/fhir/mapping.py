"""A prefetch becomes a case, or the questions that must be answered first.

Safety rules, in this order, for each input the decision reads:
- data that cannot be read as a value of the variable (a code the glossary lacks, a wrong
  type) → ask;
- rows that give different values (the record and the questionnaire disagree, two active
  orders of different kinds) → ask, never pick one;
- one value → that value (unknown only where the glossary allows it);
- nothing found but data older than the row's maximum age → ask (stale data is never used);
- nothing found → what the FHIR sheet says absence means: `ask` unless the committee wrote
  `unknown` (only where the glossary allows it) or a value. Absence is never "no" by itself.
FHIRPath expressions are compiled once per served version (`Mapper`). Rows of one prefetch
key that start alike (`QuestionnaireResponse.where(…).repeat(item)` before each row's own
`.where(linkId …)`) share that start: it is evaluated once per resource and each row goes on
from its result (`chains`), which is exact for a chain of invocations and halves the cost of a
questionnaire of many items.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fhirpathpy import compile as compile_path
from fhirpathpy.models import models

from ..core.fhir_map import ASK, UNKNOWN, VALUE, FhirRow
from ..core.i18n import _
from ..core.model import Model, Variable
from ..core.sfeel import Value, literal_text
from ..domain.values import ValueProblem, conform
from ..evaluation.evaluate import plan_for
from .chains import shared_prefixes
from .resources import cutoff, reference, resource_date, resources

DAR = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
DAR_UNKNOWN = {"unknown", "asked-unknown", "temp-unknown", "not-applicable"}
R4 = models["r4"]


@dataclass(frozen=True)
class Asked:
    """An input the clinician must give before the guideline can answer, and why."""

    variable: str
    reason: str  # absent, stale, conflict, invalid, must_be_known
    detail: str  # in words, the workbook's language
    question: str


@dataclass
class Mapped:
    case: dict[str, Value] = field(default_factory=dict)
    asked: list[Asked] = field(default_factory=list)
    sources: dict[str, list[str]] = field(default_factory=dict)  # variable -> resources used


@dataclass
class _Found:
    values: list[tuple[Value, str]] = field(default_factory=list)  # (value, resource)
    stale: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


class Mapper:
    """The FHIR sheet of one served version, its FHIRPath compiled once."""

    def __init__(self, model: Model) -> None:
        self.model = model
        split = shared_prefixes(model.fhir)
        self.prefixes = {prefix: compile_path(prefix, model=R4,
                                              options={"returnRawData": True})
                         for prefix, _rest in split.values()}
        self.compiled: dict[int, Any] = {}
        self.starts: dict[int, str] = {}
        for r in model.fhir:
            if not r.path:
                continue
            if id(r) in split:
                self.starts[id(r)], rest = split[id(r)]
                self.compiled[id(r)] = compile_path(rest, model=R4)
            else:
                self.compiled[id(r)] = compile_path(r.path, model=R4)
        self.rows: dict[str, list[FhirRow]] = {}
        for row in model.fhir:
            self.rows.setdefault(row.variable, []).append(row)

    def inputs(self, decision: str) -> list[str]:
        return [name for name, _var in plan_for(self.model, decision).needed]

    def prefetch(self, decision: str) -> dict[str, str]:
        """The prefetch templates a decision needs: key -> FHIR search, in sheet order."""
        needed = set(self.inputs(decision))
        keys = dict.fromkeys(r.prefetch for r in self.model.fhir if r.variable in needed)
        queries: dict[str, str] = {}
        for row in self.model.fhir:
            if row.query and row.prefetch in keys:
                queries.setdefault(row.prefetch, row.query)
        return {key: queries[key] for key in keys if key in queries}

    def case_for(self, decision: str, prefetch: dict[str, Any], now: dt.datetime) -> Mapped:
        out = Mapped()
        walked = {key: resources(value) for key, value in prefetch.items()}
        started: dict[tuple[str, int], list[Any]] = {}  # shared starts, once per resource
        for name in self.inputs(decision):
            var = self.model.variables[name]
            rows = self.rows.get(name, [])
            found = _Found()
            for row in rows:
                self._row(row, var, walked.get(row.prefetch, []), now, found, started)
            self._decide(var, rows, found, out)
        return out

    def evaluate(self, row: FhirRow, resource: dict[str, Any],
                 started: dict[tuple[str, int], list[Any]] | None = None) -> list[Any]:
        """The row's FHIRPath on one resource (through its shared start when it has one)."""
        run = self.compiled.get(id(row))
        if run is None:
            return []
        start = self.starts.get(id(row))
        if start is None:
            return _run(run, resource)
        memo = {} if started is None else started
        key = (start, id(resource))
        if key not in memo:
            memo[key] = _run(self.prefixes[start], resource)
        nodes = memo[key]
        return _run(run, nodes) if nodes else []

    def _row(self, row: FhirRow, var: Variable, items: list[dict[str, Any]], now: dt.datetime,
             found: _Found, started: dict[tuple[str, int], list[Any]]) -> None:
        if id(row) not in self.compiled:
            return
        oldest = cutoff(now, row.max_age) if row.max_age is not None else None
        covered: set[int] = set()
        stale_cover: set[int] = set()
        stale_refs: list[str] = []
        fresh_refs: list[str] = []
        for resource in items:
            result = self.evaluate(row, resource, started)
            if not result:
                continue
            ref = reference(resource)
            when = resource_date(resource) if oldest is not None else None
            fresh = oldest is None or (when is not None and when >= oldest)
            if row.codes:
                hit = {k for k, code in enumerate(row.codes) for item in result
                       for coding in _codings(item)
                       if code.matches(coding.get("system"), coding.get("code"))}
                if not hit:
                    continue
                (covered if fresh else stale_cover).update(hit)
                (fresh_refs if fresh else stale_refs).append(ref)
            elif row.has_value:
                if all(item is False for item in result):
                    continue
                (fresh_refs if fresh else stale_refs).append(ref)
            elif not fresh:
                stale_refs.append(ref)
            else:
                for item in result:
                    self._answer(item, var, ref, row, found)
        if row.codes or row.has_value:
            need = len(row.codes) if row.match_all else 1
            if len(covered) >= need and fresh_refs:
                found.values.extend((row.value, ref) for ref in fresh_refs)
            elif len(covered | stale_cover) >= need and stale_refs:
                found.stale.extend(stale_refs)
        else:
            found.stale.extend(stale_refs)

    def _answer(self, item: Any, var: Variable, ref: str, row: FhirRow, found: _Found) -> None:
        """One value found in the data (a questionnaire's answer), read as the workbook's."""
        if isinstance(item, dict) and item.get("system") == DAR:
            if item.get("code") in DAR_UNKNOWN:
                found.values.append((None, ref))
            return  # not asked, declined, masked: no answer
        raw = item.get("code", item.get("value")) if isinstance(item, dict) else item
        try:
            found.values.append((conform(raw, var), ref))
        except ValueProblem as exc:
            found.invalid.append(_("{ref} ({cell}): {why}").format(ref=ref, cell=row.cell,
                                                                    why=exc.message))

    def _decide(self, var: Variable, rows: list[FhirRow], found: _Found, out: Mapped) -> None:
        name = var.name
        question = next((r.question for r in rows if r.question), "") or var.title()

        def ask(reason: str, detail: str) -> None:
            out.asked.append(Asked(name, reason, detail, question))

        if found.invalid:
            ask("invalid", "; ".join(found.invalid))
            return
        distinct: dict[tuple[str, Any], list[str]] = {}
        for value, ref in found.values:
            distinct.setdefault((type(value).__name__, value), []).append(ref)
        if len(distinct) > 1:
            said = "; ".join(_("{value} in {refs}").format(
                value=_shown(self.model, name, value), refs=", ".join(dict.fromkeys(refs)))
                for (_t, value), refs in distinct.items())
            ask("conflict", _("the data disagree: {said}").format(said=said))
            return
        if distinct:
            ((_t, value), refs), = distinct.items()
            if value is None and var.unknown is False:
                ask("must_be_known", _("the data say unknown, but the guideline needs it "
                                       "known"))
                return
            out.case[name] = value
            out.sources[name] = list(dict.fromkeys(refs))
            return
        if found.stale:
            ages = ", ".join(dict.fromkeys(r.max_age.text for r in rows if r.max_age))
            ask("stale", _("the data found are older than {ages} ({refs})").format(
                ages=ages, refs=", ".join(dict.fromkeys(found.stale))))
            return
        absent = next((r for r in rows if r.absent), None)
        if absent is None or absent.absent == ASK:
            ask("absent", _("not found in the data"))
        elif absent.absent == UNKNOWN and var.unknown is not False:
            out.case[name] = None
            out.sources[name] = [absent.cells.get("absent", absent.cell)]
        elif absent.absent == VALUE:
            out.case[name] = absent.absent_value
            out.sources[name] = [absent.cells.get("absent", absent.cell)]
        else:
            ask("absent", _("not found in the data"))


def _run(run: Any, resource: Any) -> list[Any]:
    try:
        result = run(resource)
    except Exception:  # a FHIRPath that fails on odd data finds nothing in it
        return []
    return result if isinstance(result, list) else [result]


def _codings(item: Any) -> list[dict[str, Any]]:
    if isinstance(item, dict):
        if isinstance(item.get("coding"), list):
            return [c for c in item["coding"] if isinstance(c, dict)]
        return [item]
    return []


def _shown(model: Model, name: str, value: Value) -> str:
    label = model.value_labels.get(name, {}).get(value) if isinstance(
        value, (str, bool, int)) else None
    return f"{label} ({literal_text(value)})" if label else literal_text(value)
