"""What a clinician reads changed, though no answer did: the Verdier labels, the glossary's
descriptions and labels, the committee's questions.

`git diff` of `dump` showed a reworded label or a new question; `guideline diff` and the
report's changes said nothing. They are part of the guideline: the words behind every answer.
"""

from __future__ import annotations

from ..core.i18n import _
from ..core.model import Model, Question
from ..core.sfeel import literal_text


def reading_changes(old: Model, new: Model) -> list[str]:
    """Labels of values, descriptions of variables, and questions: added, removed, reworded."""
    return [*_label_changes(old, new), *_description_changes(old, new),
            *_question_changes(old, new)]


def _label_changes(old: Model, new: Model) -> list[str]:
    out = []
    for name in dict.fromkeys([*old.value_labels, *new.value_labels]):
        a, b = old.value_labels.get(name, {}), new.value_labels.get(name, {})
        for value in dict.fromkeys([*a, *b]):
            code = literal_text(value)
            if value not in b:
                out.append(_("{name}: the words for {code} removed (were «{old}»)").format(
                    name=name, code=code, old=a[value]))
            elif value not in a:
                out.append(_("{name}: words for {code} added: «{new}»").format(
                    name=name, code=code, new=b[value]))
            elif a[value] != b[value]:
                out.append(_("{name}: the words for {code}: «{old}» -> «{new}»").format(
                    name=name, code=code, old=a[value], new=b[value]))
    return out


def _description_changes(old: Model, new: Model) -> list[str]:
    out = []
    for name, b in new.variables.items():
        a = old.variables.get(name)
        if a is not None and a.description != b.description:
            out.append(_("{name}: description «{old}» -> «{new}»").format(
                name=name, old=a.description or _("(empty)"), new=b.description or _("(empty)")))
    return out


def _said(q: Question) -> str:
    rules = ", ".join(rule for _decision, rule in q.rules)
    parts = [q.text]
    if q.paragraphs:
        parts.append(_("paragraphs {ids}").format(ids=", ".join(q.paragraphs)))
    if rules:
        parts.append(_("rules {ids}").format(ids=rules))
    if q.reading:
        parts.append(_("reading meanwhile: {reading}").format(reading=q.reading))
    return "; ".join(parts)


def _question_changes(old: Model, new: Model) -> list[str]:
    a = {q.id: q for q in old.questions}
    b = {q.id: q for q in new.questions}
    out = []
    for qid in dict.fromkeys([*a, *b]):
        if qid not in b:
            out.append(_("question {id} removed (was: {text})").format(id=qid,
                                                                       text=_said(a[qid])))
        elif qid not in a:
            out.append(_("question {id} added: {text}").format(id=qid, text=_said(b[qid])))
        elif _said(a[qid]) != _said(b[qid]):
            out.append(_("question {id}: {old} -> {new}").format(id=qid, old=_said(a[qid]),
                                                                 new=_said(b[qid])))
    return out
