"""A semantic diff said in words: text for the terminal, Markdown for a pull request, JSON."""

from __future__ import annotations

import json
from typing import Any

from ..core.i18n import N_, _
from .diff import json_value, shown_value
from .markdown_safe import code, plain


def when(model_labels: dict[str, str], region: dict[str, str]) -> str:
    if not region:
        return _("in every case")
    return _("when {conditions}").format(conditions=_(" and ").join(
        f"{model_labels.get(k, k)} = {v}" for k, v in region.items()))


def answer_words(change: Any, side: str) -> str:

    ans = change.old if side == "old" else change.new
    if ans.error is not None:
        return _("no answer ({error})").format(error=ans.error)
    names = change.changed or [n for n, _ in ans.outputs]
    return ", ".join(f"{n} {shown_value(ans.get(n))}" for n in names)


def verdict(result: Any) -> str:
    parts = []
    edits = len(result.edits)
    if edits:
        parts.append(_("{edits} rule edit(s)").format(edits=edits))
    if result.answers:
        parts.append(_("answers change in {n_answers} region(s)").format(
                         n_answers=len(result.answers)))
    else:
        parts.append(_("no change in any answer"))
    if result.skipped:
        parts.append(_("{n_skipped} decision(s) not compared").format(
                         n_skipped=len(result.skipped)))
    return "; ".join(parts)


EDIT_WORDS = {"added": N_("added"), "removed": N_("removed"), "changed": N_("changed"),
              "moved": N_("moved")}


def render_text(result: Any) -> str:

    lines = [_("Comparing {old} (old) with {new} (new)").format(old=result.old, new=result.new)]
    if result.about:
        lines.append("\n" + _("About"))
        empty = _("(empty)")
        lines += [f"  {c.column}: {c.old or empty} -> {c.new or empty}" for c in result.about]
    if result.glossary:
        lines.append("\n" + _("Glossary"))
        lines += [f"  {g}" for g in result.glossary]
    if result.tables:
        lines.append("\n" + _("Decisions"))
        lines += [f"  {t}" for t in result.tables]
    if result.edits:
        lines.append(_("\nRule edits"))
        for e in result.edits:
            lines.append("  " + _("{decision} rule {rule} {edit} [{cell}]").format(
                decision=e.decision, rule=e.rule, edit=_(EDIT_WORDS.get(e.kind, e.kind)),
                cell=e.cell))
            lines += [f"      {c.column}: {c.old} -> {c.new}" for c in e.changes]
            if e.row:
                lines.append("      " + "; ".join(f"{k}: {v}" for k, v in e.row.items() if v))
    lines.append(_("\nChanged answers"))
    if not result.answers:
        lines.append(_("  no change in any answer (compared: {value})").format(
                         value=', '.join(result.compared) or '-'))
    for n, a in enumerate(result.answers, 1):
        lines.append(f"  {n}. [{a.decision}] {when({}, a.region)}:")
        lines.append(_("       was {answer_words}, now {answer_words2}").format(
                         answer_words=answer_words(a, 'old'),
                         answer_words2=answer_words(a, 'new')))
        none = _("none")
        lines.append("       " + _("rules: {old} -> {new}").format(
            old=", ".join(a.old_rules) or none, new=", ".join(a.new_rules) or none))
        example = ", ".join(f"{k}={shown_value(v)}" for k, v in a.example.items())
        lines.append("       " + _("example: {example}").format(example=example))
    for name, why in result.skipped.items():
        lines.append(_("  {name}: not compared: {why}").format(name=name, why=why))
    if result.cohort:
        c = result.cohort
        lines.append(_("\nCohort {path}: {changed} of {rows} case(s) change answer "
                       "({method} evaluation)").format(
                         path=c.path, changed=c.changed, rows=c.rows, method=c.method))
        lines += [f"  {k}: {v}" for k, v in sorted(c.transitions.items(), key=lambda x: -x[1])]
    lines.append(f"\n{verdict(result)}")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Workbook text outside a code span: Markdown and HTML escaped (no raw `<script>`)."""
    return plain(text)


def render_markdown(result: Any) -> str:

    out = [
        _("## Guideline diff: {old} → {new}").format(old=code(result.old), new=code(result.new)),
        "",
        f"**{verdict(result)}**",
        "",
    ]
    if result.about:
        out += ["### About", "", _("| field | old | new |"), "|---|---|---|"]
        out += [f"| {_md(c.column)} | {_md(c.old)} | {_md(c.new)} |" for c in result.about]
        out.append("")
    if result.glossary or result.tables:
        out += [_("### Glossary and decisions"), ""]
        out += [f"- {_md(x)}" for x in [*result.glossary, *result.tables]]
        out.append("")
    if result.edits:
        out += [_("### Rule edits"), "", _("| decision | rule | edit | cells |"),
                "|---|---|---|---|"]
        for e in result.edits:
            cells = "<br>".join(f"{c.column}: {code(c.old)} → {code(c.new)}"
                                for c in e.changes)
            if e.row:
                cells = "<br>".join(f"{k}: {code(v)}" for k, v in e.row.items() if v)
            out.append(f"| {e.decision} | {_md(e.rule)} ({_md(e.cell)}) | {e.kind} | {cells} |")
        out.append("")
    out += [_("### Changed answers"), ""]
    if not result.answers:
        out.append(_("No change in any answer (compared: {value}).").format(
                       value=', '.join(result.compared) or '-'))
    else:
        out += [_("| # | decision | when | was | now | rules | example |"),
                "|---|---|---|---|---|---|---|"]
        for n, a in enumerate(result.answers, 1):
            region = "<br>".join(f"{k} = {code(v)}" for k, v in a.region.items()) or "always"
            example = ", ".join(f"{k}={shown_value(v)}" for k, v in a.example.items())
            rules = f"{', '.join(a.old_rules)} → {', '.join(a.new_rules)}"
            out.append(f"| {n} | {a.decision} | {region} | {_md(answer_words(a, 'old'))} | "
                       f"{_md(answer_words(a, 'new'))} | {rules} | <sub>{_md(example)}</sub> |")
    for name, why in result.skipped.items():
        out.append(_("- {name}: not compared: {md}").format(name=name, md=_md(why)))
    if result.cohort:
        c = result.cohort
        out += ["", f"### Cohort {code(c.path)}", "",
                _("{changed} of {rows} case(s) change answer ({method} evaluation).").format(
                    changed=c.changed, rows=c.rows, method=c.method), ""]
        out += [f"- {_md(k)}: {v}" for k, v in sorted(c.transitions.items(), key=lambda x: -x[1])]
    return "\n".join(out) + "\n"


def to_json(result: Any) -> dict[str, Any]:

    def answer(a: Any) -> dict[str, Any]:
        return {"outputs": {n: json_value(v) for n, v in a.outputs}, "error": a.error}

    return {
        "old": result.old, "new": result.new,  # changed: null when not all could be compared
        "changed": True if result.answers_changed else None if result.skipped else False,
        "summary": verdict(result),
        "about": [c.__dict__ for c in result.about],
        "glossary": result.glossary, "decisions": result.tables,
        "edits": [{"decision": e.decision, "rule": e.rule, "kind": e.kind, "cell": e.cell,
                   "changes": [c.__dict__ for c in e.changes], "row": e.row}
                  for e in result.edits],
        "answers": [{"decision": a.decision, "region": a.region, "old": answer(a.old),
                     "new": answer(a.new), "changed": a.changed,
                     "example": {k: json_value(v) for k, v in a.example.items()},
                     "old_rules": a.old_rules, "new_rules": a.new_rules}
                    for a in result.answers],
        "compared": result.compared, "skipped": result.skipped,
        "cohort": result.cohort.__dict__ if result.cohort else None,
    }


def render_json(result: Any) -> str:
    return json.dumps(to_json(result), ensure_ascii=False, indent=2) + "\n"
