"""What changed between two versions of a guideline: rule edits, and exactly which answers.

Rule edits are matched by rule id. Changed answers are found region by region by the walk in
review/diff_walk.py; with --cases, a real cohort is run through both versions and counted.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import CaseError
from ..core.graph import required
from ..core.i18n import _
from ..core.model import Constraint, Model, Table, Variable
from ..core.sfeel import Value, literal_text
from ..evaluation.batch import open_source, typed_text
from ..evaluation.bulk import evaluate_frame
from ..evaluation.evaluate import evaluate
from ..verify.testing import unreadable
from .answers import AnswerChange, freeze, same_value, shown_value
from .diff_new_values import NewValue, new_values
from .diff_reading import reading_changes
from .diff_walk import Incomparable, answer_changes
from .diff_words import Wording
from .fhir_section import fhir_changes


# -- records ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class CellChange:
    column: str
    old: str
    new: str


@dataclass
class RuleEdit:
    decision: str
    rule: str
    kind: str  # added, removed, changed, moved (where the order of rows matters)
    cell: str  # the id cell, in the version that has the rule (the new one if both)
    changes: list[CellChange] = field(default_factory=list)  # changed: the cells that differ
    row: dict[str, str] = field(default_factory=dict)  # added/removed: the whole row


@dataclass
class CohortChange:
    path: str
    rows: int
    changed: int
    transitions: dict[str, int]  # "was -> now" -> rows
    method: str  # bulk or per-row
    said: dict[str, str] = field(default_factory=dict)  # a transition in the committee's words


@dataclass
class Diff:
    old: str
    new: str
    about: list[CellChange] = field(default_factory=list)
    glossary: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    edits: list[RuleEdit] = field(default_factory=list)
    answers: list[AnswerChange] = field(default_factory=list)
    compared: list[str] = field(default_factory=list)  # final decisions whose answers were compared
    skipped: dict[str, str] = field(default_factory=dict)  # decision -> why not compared
    errors: dict[str, int] = field(default_factory=dict)  # a version's path -> its load errors
    reading: list[str] = field(default_factory=list)  # labels, descriptions, questions
    new_values: list[NewValue] = field(default_factory=list)  # regions said once, by value
    wording: Wording = field(default_factory=Wording, repr=False, compare=False)

    @property
    def listed(self) -> list[AnswerChange]:
        """The changed answers listed one by one: those a new value explains are said with it."""
        folded = {id(c) for group in self.new_values for c in group.changes}
        return [a for a in self.answers if id(a) not in folded]
    cohort: CohortChange | None = None

    @property
    def answers_changed(self) -> bool:
        return bool(self.answers) or bool(self.cohort and self.cohort.changed)


# -- entry point -------------------------------------------------------------------------------
def diff_models(old: Model, new: Model) -> Diff:
    out = Diff(old.path, new.path, wording=Wording(old, new))
    out.errors = {m.path: len(m.errors) for m in (old, new) if m.errors}
    out.reading = reading_changes(old, new)
    out.about = [CellChange(k, old.about.get(k, ""), new.about.get(k, ""))
                 for k in dict.fromkeys([*old.about, *new.about])
                 if old.about.get(k, "") != new.about.get(k, "")]
    out.glossary = glossary_changes(old, new)
    for name in dict.fromkeys([*old.tables, *new.tables]):
        a, b = old.tables.get(name), new.tables.get(name)
        if a is None and b is not None:
            out.tables.append(_("decision {name} added ({sheet}, {n_rules} rules)").format(
                                  name=name, sheet=b.sheet, n_rules=len(b.rules)))
        elif b is None and a is not None:
            out.tables.append(_("decision {name} removed (was {sheet}, {n_rules} rules)").format(
                                  name=name, sheet=a.sheet, n_rules=len(a.rules)))
        elif a is not None and b is not None:
            out.tables.extend(table_changes(a, b))
            out.edits.extend(rule_edits(a, b))
    unread = [(m.path, unreadable(m), m.tables) for m in (old, new)]
    for target in targets(old, new):
        said = [_("{cells} in {path}").format(cells=", ".join(dict.fromkeys(
                    c for n in [*required(tables, target), ""] for c in cells.get(n, ()))),
                    path=path)  # "": errors outside the tables (the glossary) stop them all
                for path, cells, tables in unread
                if any(n in cells for n in [*required(tables, target), ""])]
        if said:  # a rule that cannot be read: its answers would be guessed, so not compared
            out.skipped[target] = _("{cells} cannot be read (see guideline check); its answers "
                                    "are compared once that is fixed").format(
                                      cells="; ".join(said))
            continue
        try:
            out.answers.extend(answer_changes(old, new, target))
            out.compared.append(target)
        except Incomparable as exc:
            out.skipped[target] = str(exc)
    out.new_values = new_values(old, new, out.answers)
    return out


def targets(old: Model, new: Model) -> list[str]:
    """The final decisions of either version that both versions have."""
    names = [t for t in new.top_decisions() if t in old.tables]
    names += [t for t in old.top_decisions() if t in new.tables and t not in names]
    return names


# -- (a) edits -----------------------------------------------------------------------------------
def glossary_changes(old: Model, new: Model) -> list[str]:
    out = []
    for name in dict.fromkeys([*old.variables, *new.variables]):
        a, b = old.variables.get(name), new.variables.get(name)
        if a is None:
            out.append(_("variable {name} added ({type})").format(
                           name=name, type=b.type if b else ''))
        elif b is None:
            out.append(_("variable {name} removed").format(name=name))
        else:
            if a.type != b.type:
                out.append(_("{name}: type {old} -> {new}").format(name=name, old=a.type,
                                                                  new=b.type))
            if allowed_text(a) != allowed_text(b):
                out.append(_("{name}: allowed values {value} -> {value2}").format(
                               name=name, value=allowed_text(a) or '(any)',
                               value2=allowed_text(b) or '(any)'))
            if a.label != b.label:
                out.append(_("{name}: label {old!r} -> {new!r}").format(name=name, old=a.label,
                                                                       new=b.label))
            if a.unknown != b.unknown:
                out.append(_("{name}: may be unknown: {old} -> {new}").format(
                               name=name, old=_unknown_word(a.unknown),
                               new=_unknown_word(b.unknown)))
    return out + constraint_changes(old, new) + fhir_changes(old, new)


def _unknown_word(unknown: bool | None) -> str:
    if unknown is None:  # a v1 glossary or a DMN file: the check covers known values only
        return _("(not said)")
    return _("yes") if unknown else _("no")


def constraint_changes(old: Model, new: Model) -> list[str]:
    """Constraints added, removed or changed, by id: a change here changes which cases are
    refused as impossible, so the committee sees it beside the glossary's."""
    a = {c.id: _constraint_text(c) for c in old.constraints}
    b = {c.id: _constraint_text(c) for c in new.constraints}
    out = []
    for cid in dict.fromkeys([*a, *b]):
        if cid not in b:
            out.append(_("constraint {id} removed (was: {text})").format(id=cid, text=a[cid]))
        elif cid not in a:
            out.append(_("constraint {id} added: {text}").format(id=cid, text=b[cid]))
        elif a[cid] != b[cid]:
            out.append(_("constraint {id}: {old} -> {new}").format(id=cid, old=a[cid],
                                                                  new=b[cid]))
    return out


def _constraint_text(con: Constraint) -> str:
    return "; ".join(f"{name} = {test.text}" for name, test in con.tests)


def allowed_text(var: Variable) -> str:
    if var.type == "string":
        return ", ".join(literal_text(v) for v in var.values)
    return var.allowed.text if var.allowed is not None else ""


def table_changes(a: Table, b: Table) -> list[str]:
    out = []
    if a.hit_policy != b.hit_policy:
        out.append(_("decision {name}: hit policy {hit_policy} -> {hit_policy2}").format(
                       name=a.name, hit_policy=a.hit_policy, hit_policy2=b.hit_policy))
    cols_a = [(c.name, c.role) for c in (*a.inputs, *a.outputs, *a.annotations)]
    cols_b = [(c.name, c.role) for c in (*b.inputs, *b.outputs, *b.annotations)]
    for name, role in cols_b:
        if (name, role) not in cols_a:
            out.append(_("decision {name}: {role} column {name2} added").format(
                           name=a.name, role=role, name2=name))
    for name, role in cols_a:
        if (name, role) not in cols_b:
            out.append(_("decision {name}: {role} column {name2} removed").format(
                           name=a.name, role=role, name2=name))
    if a.title != b.title:
        out.append(_("decision {name}: title {title!r} -> {title2!r}").format(
                       name=a.name, title=a.title, title2=b.title))
    return out


def row_texts(table: Table, index: int) -> dict[str, str]:
    """A rule's cells as the text a person reads, keyed by column header."""
    rule = table.rules[index]
    out: dict[str, str] = {}
    for col, test in zip(table.inputs, rule.inputs):
        out[col.name] = test.text if test is not None else _("(cannot be read)")
    for col, value in zip(table.outputs, rule.outputs):
        out[col.name] = literal_text(value)
    for col, text in zip(table.annotations, rule.annotations):
        out[col.name] = text
    return out


def rule_edits(a: Table, b: Table) -> list[RuleEdit]:
    old = {r.id: i for i, r in enumerate(a.rules)}
    new = {r.id: i for i, r in enumerate(b.rules)}
    out = []
    for rid, i in old.items():
        if rid not in new:
            out.append(RuleEdit(a.name, rid, "removed", a.rules[i].cell, row=row_texts(a, i)))
    for rid, j in new.items():
        if rid not in old:
            out.append(RuleEdit(b.name, rid, "added", b.rules[j].cell, row=row_texts(b, j)))
            continue
        before, after = row_texts(a, old[rid]), row_texts(b, j)
        changes = [CellChange(col, before[col], after[col]) for col in after
                   if col in before and before[col] != after[col]]
        if changes:
            out.append(RuleEdit(b.name, rid, "changed", b.rules[j].cell, changes))
    if b.hit_policy in ORDERED:
        common = [rid for rid in new if rid in old]
        stay = set(longest_increasing([old[rid] for rid in common], common))
        for rid in common:
            if rid not in stay:
                was, now = a.rules[old[rid]].row, b.rules[new[rid]].row
                out.append(RuleEdit(b.name, rid, "moved", b.rules[new[rid]].cell, [
                    CellChange("row", str(was), str(now))]))
    return out


ORDERED = ("F", "R", "O", "C")  # hit policies where the order of the rows matters


def longest_increasing(keys: list[int], ids: list[str]) -> list[str]:
    """The ids whose keys form a longest increasing run: the rules that did not move."""
    best: list[list[str]] = []
    for k, (key, rid) in enumerate(zip(keys, ids)):
        chain = max((best[i] for i in range(k) if keys[i] < key), key=len, default=[])
        best.append([*chain, rid])
    return max(best, key=len, default=[])


# -- (b) answers: the walk is review/diff_walk.py; values for the CLI ------------------------
def json_value(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


# -- a real cohort ---------------------------------------------------------------------------
def read_cohort(path: str, variables: dict[str, Variable]) -> Any:
    """A file of cases as one DataFrame, read as `guideline eval --input` reads it
    (evaluation/batch.py: .csv with , or ;, .xlsx, .parquet); CSV text gets the glossary's types."""
    import pandas as pd

    source = open_source(path, 200_000)
    try:
        frames = [chunk.cases for chunk in source.chunks()]
    finally:
        source.close()
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=source.columns)
    if not source.typed:
        for name in frame.columns:
            if name in variables:
                frame[name] = typed_text(frame[name], variables[name])
    return frame


def plain(value: Any) -> Value:
    """A cell of a data frame as the value a case holds: NaN is null, numpy scalars are Python."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    elif hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value


def case_inputs(model: Model, target: str) -> list[str]:
    order = required(model.tables, target)
    produced = {o for t in order for o in model.tables[t].output_names}
    names = [n for t in order for n in model.tables[t].input_names if n not in produced]
    return list(dict.fromkeys(names))


def has_bulk() -> bool:
    return importlib.util.find_spec("engine.bulk") is not None


def row_answers(model: Model, frame: Any, target: str) -> list[tuple[Any, ...] | str]:
    """Per row, the target's outputs, or the reason there is none. Uses bulk evaluation when
    the engine has it (evaluation/bulk.py), else one case at a time."""
    names = case_inputs(model, target)
    outputs = model.tables[target].output_names
    if has_bulk():
        return bulk_answers(model, frame, target, names, outputs)
    columns = [n for n in names if n in frame.columns]
    answers: list[tuple[Any, ...] | str] = []
    for values in frame[columns].itertuples(index=False, name=None):
        case = {n: plain(v) for n, v in zip(columns, values)}
        try:
            result = evaluate(model, case, target)
        except CaseError as exc:
            answers.append(str(exc))
            continue
        answers.append(tuple(freeze(result[o]) for o in outputs))
    return answers


def bulk_answers(model: Model, frame: Any, target: str, names: list[str],
                 outputs: tuple[str, ...]) -> list[tuple[Any, ...] | str]:
    columns = [n for n in names if n in frame.columns]
    try:
        result = evaluate_frame(model, frame[columns], target)
    except CaseError as exc:  # a column the version needs is missing: no row has an answer
        return [str(exc)] * len(frame)
    errors = result["error"] if "error" in result.columns else None
    answers: list[tuple[Any, ...] | str] = []
    for i, values in enumerate(result[list(outputs)].itertuples(index=False, name=None)):
        error = plain(errors.iloc[i]) if errors is not None else None
        answers.append(str(error) if error else tuple(freeze(plain(v)) for v in values))
    return answers


def cohort_changes(old: Model, new: Model, path: str, decisions: list[str]) -> CohortChange:
    frame = read_cohort(path, {**old.variables, **new.variables})
    changed: set[int] = set()
    transitions: dict[str, int] = {}
    said: dict[str, str] = {}
    wording = Wording(old, new)
    method = "bulk" if has_bulk() else "per-row"
    for target in decisions:
        before, after = row_answers(old, frame, target), row_answers(new, frame, target)
        shared = [o for o in new.tables[target].output_names
                  if o in old.tables[target].output_names]
        for i, (a, b) in enumerate(zip(before, after)):
            word = transition(old.tables[target].output_names, new.tables[target].output_names,
                              shared, a, b)
            if word:
                changed.add(i)
                transitions[word] = transitions.get(word, 0) + 1
                said[word] = transition(old.tables[target].output_names,
                                        new.tables[target].output_names, shared, a, b, wording)
    return CohortChange(path, len(frame), len(changed), transitions, method, said)


def transition(old_names: tuple[str, ...], new_names: tuple[str, ...], shared: list[str],
               a: tuple[Any, ...] | str, b: tuple[Any, ...] | str,
               wording: Wording | None = None) -> str:
    """How one row's answer changed (codes; in words with `wording`); empty when it did not."""
    if isinstance(a, str) or isinstance(b, str):
        if isinstance(a, str) and isinstance(b, str):
            return ""
        return f"{_('no answer') if isinstance(a, str) else _('an answer')} -> " \
               f"{_('no answer') if isinstance(b, str) else _('an answer')}"
    x, y = dict(zip(old_names, a)), dict(zip(new_names, b))
    if wording is not None:
        return "; ".join(f"{wording.name(n)}: {wording.value(n, x[n])} -> "
                         f"{wording.value(n, y[n])}" for n in shared if not same_value(x[n], y[n]))
    parts = [f"{n} {shown_value(x[n])} -> {shown_value(y[n])}" for n in shared
             if not same_value(x[n], y[n])]
    return "; ".join(parts)
