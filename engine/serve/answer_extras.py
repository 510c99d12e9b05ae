"""What every answer and refusal of the JSON API carries beyond `Result.to_dict`.

- `paragraphs`: the guideline paragraphs the deciding rules cite (`sources`), each with its id,
  its verbatim text and English reading from the text beside the workbook;
- `questions`: the committee's open questions on those rules, in the shape `eval --format json`
  gives them (`explain.questions_json`);
- a refusal lists **every** problem of the case (`errors`), not only the first, and a case
  inside a constraint names it (`constraint`).
"""

from __future__ import annotations

from collections.abc import Collection
from difflib import get_close_matches
from typing import Any

from ..core.i18n import _
from ..core.model import Model
from ..core.text import visible
from ..domain.values import ValueProblem, conform
from ..evaluation.evaluate import Result, impossible, must_be_known, plan_for
from ..evaluation.explain import questions_json
from ..review.paragraphs import source_ids
from .state import Version

SOURCES = ("sources", "source", "kilder", "kilde")
MAX_CLOSE = 200  # "did you mean" only for a key this short (difflib is quadratic)


def error(kind: str, message: str, variable: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": kind, "message": message}
    if variable is not None:
        body["variable"] = variable
    return {"error": body}


def paragraphs(version: Version) -> dict[str, Any]:
    """The guideline text beside the workbook, by paragraph id: read once with the workbook's
    bytes, bounded (`Version.paragraphs`), so no request ever reads a file."""
    return version.paragraphs


def explained(version: Version, result: Result) -> dict[str, Any]:
    key = "explained:" + repr([(s.decision, s.decided) for s in result.trace])
    found: dict[str, Any] = version.memo(key, lambda: _explained(version, result))
    return found


def _explained(version: Version, result: Result) -> dict[str, Any]:
    model = version.model
    text = paragraphs(version)
    cited: dict[str, list[str]] = {}
    for step in result.trace:
        table = model.tables[step.decision]
        for rule in (r for r in table.rules if r.id in step.decided):
            for col, note in zip(table.annotations, rule.annotations):
                if col.name.casefold() in SOURCES:
                    for pid in source_ids(note):
                        cited.setdefault(pid, []).append(f"{step.decision}:{rule.id}")
    return {"paragraphs": [{"id": pid, "text": getattr(text.get(pid), "text", None),
                            "english": getattr(text.get(pid), "english", None), "rules": rules}
                           for pid, rules in cited.items()],
            "questions": questions_json(result)}


def key_problem(model: Model, needed: Collection[str], decision: str,
                key: str) -> dict[str, Any] | None:
    """Why a key of a case is refused, or None when the decision reads it: decided by the
    guideline (read on the way, perhaps, but never given), not read here, or unknown (quoted
    cut to 80 characters, `core.text.visible`, however long it is)."""
    if key in needed:
        return None
    producer = model.producer(key)
    if producer is not None:
        return error("InvalidInput", _("{key} is decided by the guideline (decision "
                                       "{decision}), not given by a case: leave it out").format(
                                           key=key, decision=producer.name), key)
    if key in model.variables:
        return error("InvalidInput", _("{key} is not read by the decision {decision}: "
                                       "leave it out").format(key=key, decision=decision), key)
    shown = visible(key)
    close = get_close_matches(key, list(needed), n=1) if len(key) <= MAX_CLOSE else []
    hint = _(' (did you mean "{close}"?)').format(close=close[0]) if close else ""
    return error("InvalidInput", _("unknown input {name!r}{hint}").format(name=shown, hint=hint),
                 shown)


def case_problems(version: Version, decision: str, case: Any) -> list[dict[str, Any]]:
    """Every reason the API refuses this case, in the engine's words; empty when none."""
    model = version.model
    if not isinstance(case, dict):
        return []  # check_keys says what a case is
    plan = plan_for(model, decision)
    needed = dict(plan.needed)
    found = []
    for key in case:
        problem = key_problem(model, needed, decision, key)
        if problem is not None:
            found.append(problem)
    known: dict[str, Any] = {}
    for name, var in needed.items():
        if name not in case:
            found.append(error("MissingInput", _("the case lacks {missing} (give null when "
                                                 "unknown)").format(missing=name), name))
            continue
        try:
            known[name] = conform(case[name], var)
        except ValueProblem as exc:
            found.append(error("InvalidInput", exc.message, name))
            continue
        if known[name] is None and var.unknown is False:
            found.append(error("InvalidInput", must_be_known(name), name))
    if len(known) == len(needed):
        for constraint in plan.constraints:
            if constraint.matches(known):
                refusal = error("InvalidInput", impossible(constraint), constraint.names[0])
                refusal["error"]["constraint"] = constraint.id
                refusal["error"]["variables"] = list(constraint.names)
                found.append(refusal)
    return found
