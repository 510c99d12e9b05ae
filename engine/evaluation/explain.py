"""An answer in words a clinician reads: which rule decided, which conditions held, its sources."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..core.i18n import _, language
from ..core.model import Model, Question
from ..core.sfeel import literal_text
from ..core.text import visible
from ..domain.words import test_words, value_words
from ..workbook.paragraphs import SOURCES

if TYPE_CHECKING:
    from .evaluate import Result, Step

MEMO_LIMIT = 4096  # steps remembered per table; a server answering many cases stays bounded


def shown(value: Any, labels: dict[Any, str] | None = None) -> str:
    """A value in words (its label, ja/nei, «ukjent»), with its code in quotes beside a label
    so that a programmer finds it in the JSON."""
    if isinstance(value, list):
        return "[" + ", ".join(shown(v, labels) for v in value) + "]"
    if labels and isinstance(value, str | bool | int) and value in labels:
        return f"{labels[value]} ({literal_text(value)})"
    if value is None or isinstance(value, bool):
        return value_words(value)
    return visible(literal_text(value)) if isinstance(value, str) else literal_text(value)


def explain(result: Result) -> str:
    lines = []
    for step in result.trace:
        lines.extend(step_lines(result, step))
        lines.append("")
    lines.extend(question_lines(result))
    if len(result.trace) > 1:
        lines.append(_("(decisions evaluated in order: {join})").format(
                         join=' -> '.join(s.decision for s in result.trace)))
    lines.append(provenance(result.model.provenance()))
    return "\n".join(lines).rstrip() + "\n"


def _tied(model: Model, steps: Iterable[tuple[str, Iterable[str]]],
          ) -> list[tuple[Question, tuple[tuple[str, str], ...]]]:
    """The questions tied to the deciding rules, each once and in sheet order, with those
    rules as (decision, rule id) pairs. `steps` are (decision, deciding rule ids) pairs."""
    tied: dict[str, list[tuple[str, str]]] = {}
    for decision, rules in steps:
        for rule in rules:
            for question in model.questions_on(decision, (rule,)):
                tied.setdefault(question.id, []).append((decision, rule))
    return [(q, tuple(tied[q.id])) for q in model.questions if q.id in tied]


def questions_on_trace(model: Model, steps: Iterable[tuple[str, Iterable[str]]],
                       ) -> list[tuple[Question, tuple[str, ...]]]:
    """The questions sheet's questions tied to the rules that decided an answer, each once and
    in sheet order, with those rules as the committee names them (`Spor S2`): what the
    committee has not yet answered about the very rule a clinician is reading."""
    return [(q, tuple(f"{model.tables[d].sheet} {r}" for d, r in rules))
            for q, rules in _tied(model, steps)]


def questions_behind(result: Result) -> list[tuple[Question, tuple[str, ...]]]:
    """The open questions on the rules that decided this result (see questions_on_trace)."""
    return questions_on_trace(result.model, ((s.decision, s.decided) for s in result.trace))


def questions_json(result: Result) -> list[dict[str, Any]]:
    """The open questions behind a result as JSON, the one shape of `eval --format json` and
    of the API's answers: `rules` are the deciding rules the question is tied to, as
    `decision:rule` for programs (not every rule the question names); `cell` is where the
    committee wrote it."""
    steps = ((s.decision, s.decided) for s in result.trace)
    return [{"id": q.id, "text": q.text, "reading": q.reading, "paragraphs": list(q.paragraphs),
             "rules": [f"{d}:{r}" for d, r in rules], "cell": q.cell}
            for q, rules in _tied(result.model, steps)]


def question_lines(result: Result) -> list[str]:
    """The explanation's block of open questions, with the reading followed meanwhile: the
    same for every case the same rules decide, so written once per language and rules (per
    loaded model, so per version: a server's answers spent a fifth of their time here)."""
    key = (language(), tuple((s.decision, s.decided) for s in result.trace))
    memo: dict[Any, list[str]] = vars(result.model).setdefault("_question_lines", {})
    lines = memo.get(key)
    if lines is None:
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        lines = memo[key] = _question_lines(result)
    return lines


def _question_lines(result: Result) -> list[str]:
    asked = questions_behind(result)
    if not asked:
        return []
    lines = [_("Open questions for the committee behind this answer:")]
    for question, rules in asked:
        lines.append(_("  {id} ({cell}), rules {rules}: {text}").format(
            id=question.id, cell=question.cell, rules=", ".join(rules), text=question.text))
        if question.reading:
            lines.append(_("    reading meanwhile: {reading}").format(reading=question.reading))
    lines.append("")
    return lines


def provenance(about: dict[str, str | None]) -> str:
    """One line naming the guideline that answered, for a printed or stored explanation."""
    return _("(guideline version {version}, status {status}, sha256 {sha256})").format(
        version=about.get("version") or "-", status=about.get("status") or "-",
        sha256=about.get("sha256") or "-")


def step_lines(result: Result, step: Step) -> list[str]:
    """A step's lines, written once per language, rules, inputs and outputs: a server
    explains the same kinds of case over and over, and writing the words was most of the
    cost of an answer (measured: ~110 of ~250 µs)."""
    try:
        key = (language(), *step.explain_key())
        memo = step.explained
        lines = memo.get(key)
    except TypeError:  # an unhashable value (a list in an output): written every time
        return _step(result, step)
    if lines is None:
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        lines = memo[key] = _step(result, step)
    return lines


def _step(result: Result, step: Step) -> list[str]:
    model = result.model
    table = model.tables[step.decision]
    title = f" ({table.title})" if table.title else ""
    answer = ", ".join(f"{_label(model, k)} = {shown(v, model.value_labels.get(k))}"
                       for k, v in step.outputs.items())
    lines = [_("Decision {name}{title}: {answer}").format(name=step.decision, title=title,
                                                          answer=answer)]
    if step.default:
        lines.append(_("  no rule matched; the table's default answer applies"))
        return lines
    if not step.decided:
        lines.append(_("  no rule matched (an empty answer is allowed for this hit "
                       "policy)"))
        return lines
    decided = step.decided  # built on each access, as inputs below
    rules = {r.id: r for r in table.rules if r.id in decided}
    inputs = step.inputs  # built on each access: once per step
    policy = {"U": _("the only matching rule"), "A": _("matching rules agree"),
              "P": _("highest priority among matches"), "F": _("first matching rule")}
    if len(step.matched) > 1 and table.hit_policy in policy:
        lines.append(_("  rules matching: {matched} (hit policy {hit_policy}: {policy})").format(
                         matched=', '.join(step.matched), hit_policy=table.hit_policy,
                         policy=policy[table.hit_policy]))
    for rule_id in decided:
        rule = rules[rule_id]
        lines.append(_("  rule {id} ({cell}) applies because:").format(
                         id=rule.id, cell=rule.cell))
        held = False
        for col, test, cell in zip(table.inputs, rule.inputs, rule.input_cells):
            if test is None or test.any:
                continue
            held = True
            value = inputs.get(col.name)
            up = model.producer(col.name)
            source = _(" (decided by {decision})").format(decision=up.name) if up else ""
            value_text = shown(value, model.value_labels.get(col.name)) + source
            lines.append(_("    - {label} is {value}; the rule asks for {text}  [{cell}]").format(
                             label=_label(model, col.name), value=value_text,
                             text=test_words(test, model.value_labels.get(col.name)),
                             cell=cell))
        if not held:
            lines.append(_("    - it holds for every case (all conditions are '-')"))
        for col, text in zip(table.annotations, rule.annotations):
            if text:
                header = _("sources") if col.name.casefold() in SOURCES else col.name
                lines.append(f"    {header}: {text}")
    return lines


def _label(model: Any, name: str) -> str:
    var = model.variables.get(name)
    if var is not None and var.label and var.label != name:
        return f"{var.label} ({name})"
    return name
