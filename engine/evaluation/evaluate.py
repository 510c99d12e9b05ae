"""Evaluate one case through the decision graph, and say why: rules, cells, sources."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import Any

from ..core.errors import CaseError, InvalidInput, MissingInput, NoRuleMatched
from ..core.graph import required
from ..core.i18n import _, language
from ..core.model import SINGLE_HIT, Constraint, Model, Table, Variable
from ..core.sfeel import Value, literal_text
from ..core.text import nfc, safe_str, visible
from ..domain.atoms import bits
from ..domain.values import ValueProblem, conform
from .compiled import CompiledTable, compile_model
from .dispatch import Compiled, compile_decision
from .explain import explain
from .hitpolicy import AGGREGATES, HANDLERS, empty_answer, refuse_aggregate
from .possible import Projection, projection_for

LIST_POLICIES = ("R", "O", "C")  # a list of answers, one per matching rule


class Step:
    """One decision evaluated on the way: what it read, which rules matched, what it gave.

    Rule ids and cells are looked up only when asked for: most callers want the answer, and
    building the trace eagerly was most of the time of a single evaluation.
    """

    __slots__ = ("_ct", "_values", "_matches", "_decided", "outputs", "default")

    def __init__(self, ct: CompiledTable, values: list[Value], matches: list[int],
                 decided: list[int], outputs: dict[str, Any], default: bool = False) -> None:
        self._ct = ct
        self._values = values
        self._matches = matches
        self._decided = decided
        self.outputs = outputs
        self.default = default

    @property
    def decision(self) -> str:
        return self._ct.table.name

    @property
    def inputs(self) -> dict[str, Value]:
        return dict(zip(self._ct.table.input_names, self._values))

    @property
    def matched(self) -> tuple[str, ...]:
        return tuple(self._ct.ids[i] for i in self._matches)

    @property
    def decided(self) -> tuple[str, ...]:
        return tuple(self._ct.ids[i] for i in self._decided)

    @property
    def cells(self) -> tuple[str, ...]:
        """The id cells of the deciding rules."""
        return tuple(self._ct.cells[i] for i in self._decided)

    def explain_key(self) -> tuple[Any, ...]:
        """What the step's explanation depends on: deciding rules, the inputs (with their
        types: 1 and True are equal keys but are written differently), outputs, default."""
        return (tuple(self._decided), self.default,
                tuple((type(v), v) for v in self._values),
                tuple((k, type(v), v) for k, v in self.outputs.items()))

    @property
    def explained(self) -> dict[tuple[Any, ...], list[str]]:
        """The table's memo of explanation lines (per loaded model, so per version)."""
        return self._ct.explained

    def __repr__(self) -> str:
        return (f"Step(decision={self.decision!r}, decided={self.decided!r}, "
                f"outputs={self.outputs!r})")


@dataclass(slots=True, eq=False)
class Result(Mapping[str, Any]):
    decision: str
    outputs: dict[str, Any]
    trace: tuple[Step, ...]
    model: Model = field(repr=False, compare=False)

    @property
    def rules(self) -> tuple[str, ...]:
        """The rules that decided the asked decision."""
        return self.trace[-1].decided

    def __getitem__(self, key: str) -> Any:
        return self.outputs[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.outputs)

    def __len__(self) -> int:
        return len(self.outputs)

    def explain(self) -> str:
        return explain(self)

    def to_dict(self, explanation: bool = True) -> dict[str, Any]:
        """The result as JSON-ready data: the answer, the deciding rules, every step on the
        way (its inputs, matching and deciding rules, their id cells, its outputs), the
        explanation, and which guideline answered (About version and status, file sha256)."""
        out: dict[str, Any] = {
            "decision": self.decision,
            "outputs": {k: json_value(v) for k, v in self.outputs.items()},
            "rules": list(self.rules),
            "trace": [{"decision": s.decision,
                       "inputs": {k: json_value(v) for k, v in s.inputs.items()},
                       "matched": list(s.matched), "rules": list(s.decided),
                       "cells": list(s.cells),
                       "outputs": {k: json_value(v) for k, v in s.outputs.items()},
                       "default": s.default} for s in self.trace],
            "guideline": self.model.provenance(),
        }
        if explanation:
            out["explanation"] = self.explain()
        return out


PLAIN = (str, bool, int, float, type(None))


def json_value(value: Any) -> Any:
    """A value as JSON holds it: dates as ISO text, lists item by item."""
    if type(value) in PLAIN:
        return value
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def resolve_decision(model: Model, decision: str | None) -> str:
    if decision is not None and not isinstance(decision, str):
        raise CaseError(_("a decision is named by its text, not by {kind} {value}; the "
                          "decisions are: {names}").format(kind=type(decision).__name__,
                                                           value=safe_str(decision),
                                                           names=", ".join(model.tables)))
    if decision is not None:
        decision = nfc(decision)
        if decision not in model.tables:
            left_out(model, decision)
            close = get_close_matches(decision[:200], list(model.tables), n=1)
            hint = _(' (did you mean "{close}"?)').format(close=close[0]) if close else ""
            raise CaseError(_("there is no decision {decision!r}{hint}; the decisions "
                              "are: {tables}").format(
                                decision=safe_str(decision), hint=hint,
                                tables=', '.join(model.tables) or _("none")))
        return decision
    tops = model.top_decisions()
    if len(tops) == 1:
        return tops[0]
    raise CaseError(_("this guideline has {n_tops} final decisions; say which one: "
                      "{tops}").format(n_tops=len(tops), tops=', '.join(tops)))


def left_out(model: Model, decision: str) -> None:
    """A decision the file holds but the reader left out: name it, and say why."""
    why = next((p for p in model.problems if (p.decision == decision or decision in p.cells)
                and p.severity in ("error", "warning")), None)
    if why is not None:
        raise CaseError(_("decision {decision!r} is in {path} but was left out when it was "
                          "read: {why}; the decisions that can be evaluated are: {tables}").format(
                            decision=safe_str(decision), path=model.path, why=why,
                            tables=", ".join(model.tables) or _("none")))


@dataclass(frozen=True)
class Plan:
    """What evaluating one decision needs, worked out once per decision and kept."""

    target: str
    tables: tuple[CompiledTable, ...]  # required decisions first
    needed: tuple[tuple[str, Variable], ...]  # case inputs read on the way
    case_inputs: frozenset[str]  # every name a case may give
    constraints: tuple[Constraint, ...] = ()  # those naming only inputs read on the way
    projection: Projection | None = None  # the others, where together they can refuse a case
    # the decision as one generated function (dispatch.py), made at the first `evaluate`
    # (a frame, a check or a diff that never evaluates one case does not pay for it)
    fast: Compiled | None = None
    compiled: bool = False

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the generated function (a reload in a worker process sends the
        model over): it is made again at the first `evaluate` on the other side."""
        return {**self.__dict__, "fast": None, "compiled": False}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)


def must_be_known(name: str) -> str:
    return _("{name} is unknown (null), but the glossary says it must be known (its 'Unknown "
             "allowed' cell is empty or no): give its value").format(name=name)


def impossible(constraint: Constraint) -> str:
    return _("this case cannot occur: it lies inside constraint {constraint}").format(
        constraint=constraint.said())


def impossible_together(constraints: tuple[Constraint, ...], read: frozenset[str]) -> str:
    """Why a case is refused when constraints naming inputs it does not give rule it out."""
    names = ", ".join(dict.fromkeys(n for c in constraints for n in c.names if n not in read))
    if len(constraints) == 1:
        return _("this case cannot occur: whatever the value of {names}, it lies inside "
                 "constraint {constraint}").format(names=names, constraint=constraints[0].said())
    return _("this case cannot occur: whatever the values of {names}, it lies inside one of "
             "the constraints {constraints}").format(
                 names=names, constraints=", ".join(c.said() for c in constraints))


def plan_for(model: Model, decision: str | None) -> Plan:
    cache = model._plans
    plan: Plan | None = cache.get(decision)
    if plan is None:
        compiled: dict[str, CompiledTable] = compile_model(model)
        target = resolve_decision(model, decision)
        order = required(model.tables, target)
        produced = model.producers
        needed = dict.fromkeys(c.name for name in order for c in model.tables[name].inputs
                               if c.name not in produced)
        tables = tuple(compiled[n] for n in order)
        inputs = tuple((n, model.variables[n]) for n in needed)
        case_inputs = frozenset(v for v in model.variables if v not in produced)
        constraints = tuple(c for c in model.constraints if all(n in needed for n in c.names))
        plan = Plan(target, tables, inputs, case_inputs, constraints,
                    projection_for(model, needed))
        cache[decision] = plan
    return plan


def draft_message(model: Model) -> str:
    """The path, then why the answers are not approved (callers that show no path split it)."""
    return f"{model.path}: {unapproved_reason(model)}"


_REASONS: dict[tuple[str, str], str] = {}  # (language, status) -> the words, written once


def unapproved_reason(model: Model) -> str:
    """Why the answers are not approved; said with every answer of a draft, so the words are
    made once per language and status (a server answering thousands a second said them anew)."""
    key = (language(), model.about.get("status") or "")
    said = _REASONS.get(key)
    if said is None:
        if len(_REASONS) > 256:
            _REASONS.clear()
        said = _REASONS[key] = _unapproved_reason(model)
    return said


def _unapproved_reason(model: Model) -> str:
    status = (model.about.get("status") or "").strip()
    if not status:
        return _("the guideline has no status (About sheet): its answers are not approved for "
                 "use with patients; only 'approved' / 'godkjent' approves them")
    return _("the guideline's status is {status} (About sheet): its answers are not approved "
             "for use with patients").format(status=repr(visible(status)))


def unknown_key(model: Model, plan: Plan, case: Mapping[str, Any]) -> CaseError:
    for name in case:
        if not isinstance(name, str) or name not in model.variables:
            text = safe_str(name)
            close = get_close_matches(text, sorted(plan.case_inputs), n=1)
            hint = _(' (did you mean "{close}"?)').format(close=close[0]) if close else ""
            return InvalidInput(_("unknown input {name!r}{hint}").format(name=text, hint=hint),
                                inputs=(text,))
        if name not in plan.case_inputs:
            return InvalidInput(_("{name} is decided by the guideline, not given by a "
                                  "case").format(name=name),
                                inputs=(name,))
    raise AssertionError("unknown_key called on a valid case")  # pragma: no cover


def evaluate(model: Model, case: Mapping[str, Any], decision: str | None = None) -> Result:
    """The answer to one case: by the decision's generated function when it is sure of the
    case (dispatch.py), else by the general path below, which also says why it refuses."""
    plan = plan_for(model, decision)
    if not plan.compiled:
        generate(model, plan)
    if plan.fast is not None:
        result: Result | None = plan.fast.answer(case)
        if result is not None:
            return result
    return general(model, plan, case)


def generate(model: Model, plan: Plan) -> None:
    """Make the plan's generated function, once (the plan is frozen: set in place). Where
    constraints on inputs the decision does not read can refuse a case together (a
    projection), the general path answers every case: the generated one does not know them."""
    fast = None
    if plan.projection is None:
        fast = compile_decision(model, plan.tables, plan.needed, plan.case_inputs,
                                plan.constraints, plan.target, run_table, Step, Result)
    object.__setattr__(plan, "fast", fast)
    object.__setattr__(plan, "compiled", True)


def evaluate_reference(model: Model, case: Mapping[str, Any],
                       decision: str | None = None) -> Result:
    """The general path alone, for comparing it with the generated one."""
    return general(model, plan_for(model, decision), case)


def general(model: Model, plan: Plan, case: Mapping[str, Any]) -> Result:
    """Read, check and match the case step by step; every refusal is raised from here."""
    if not isinstance(case, Mapping):
        raise CaseError(_("a case is a mapping of input names to values, not {name}").format(
                            name=type(case).__name__))
    if not all(type(name) is str and name.isascii() for name in case):  # NFC names, as loaded
        case = {nfc(n) if isinstance(n, str) else n: v for n, v in case.items()}
    if not plan.case_inputs.issuperset(case.keys()):
        raise unknown_key(model, plan, case)
    known: dict[str, Value] = {}
    missing = []
    for name, var in plan.needed:
        if name not in case:
            missing.append(name)
            continue
        try:
            value = known[name] = conform(case[name], var)
        except ValueProblem as exc:
            raise InvalidInput(exc.message, plan.target, (name,)) from None
        if value is None and var.unknown is False:
            raise InvalidInput(must_be_known(name), plan.target, (name,))
    if missing:
        raise MissingInput(
            _("the case lacks {missing} (give null when unknown)").format(
                missing=", ".join(sorted(missing))
            ),
            plan.target,
            tuple(sorted(missing)),
        )
    for constraint in plan.constraints:
        if constraint.matches(known):
            raise InvalidInput(impossible(constraint), plan.target, constraint.names)
    if plan.projection is not None:
        together = plan.projection.refusal(known)
        if together is not None:
            raise InvalidInput(impossible_together(together, plan.projection.read), plan.target,
                               tuple(dict.fromkeys(n for c in together for n in c.names
                                                   if n in known)))
    steps = tuple(run_table(ct, known) for ct in plan.tables)
    last = steps[-1]
    return Result(plan.target, last.outputs, steps, model)


def run_table(ct: CompiledTable, known: dict[str, Value], guard: bool = True) -> Step:
    """Match one table against known values and apply its hit policy; adds its outputs.
    `guard`: refuse a value its column's input values leave out (bulk checks those itself)."""
    table = ct.table
    names = table.input_names
    values = [known[n] for n in names]
    for k, col, allowed in table.guards if guard else ():
        if values[k] is not None and not allowed.matches(values[k]):
            raise InvalidInput(outside(table.name, col.name, values[k], allowed.text),
                               table.name, (col.name,))
    matches = bits(ct.match(values))
    default = False
    decided: list[int]
    if not matches and table.default is not None:
        outputs, decided, default = default_answer(table), [], True
    elif not matches and table.hit_policy in SINGLE_HIT:
        shown = ", ".join(f"{n}={visible(literal_text(v))}"  # bounded, invisibles shown
                          for n, v in zip(table.input_names, values))
        raise NoRuleMatched(_("no rule of decision {name} matches {value}").format(
                                name=table.name, value=shown or _('this case')),
                            table.name, table.input_names)
    elif not matches:
        outputs, decided = empty_answer(ct), []
    else:
        decided, outputs = HANDLERS[table.hit_policy](ct, matches)
        if table.hit_policy in AGGREGATES:
            refuse_aggregate(ct, matches, outputs)
    known.update(outputs)
    return Step(ct, values, matches, decided, outputs, default)


def default_answer(table: Table) -> dict[str, Any]:
    """The default row's answer: for R, O and C a list of one, as when one rule matches."""
    if table.hit_policy in LIST_POLICIES:
        return {name: [value] for name, value in zip(table.output_names, table.default or ())}
    return dict(zip(table.output_names, table.default or ()))


def outside(decision: str, name: str, value: Value, allowed: str) -> str:
    """A value the column's input values leave out: DMN makes the decision an error."""
    return _("{value} is not among the input values of {name} in decision {decision} "
             "({allowed})").format(value=visible(literal_text(value)), name=name,
                                   decision=decision,
                                   allowed=allowed)
