"""A semantic diff said in words: text for the terminal, Markdown for a pull request, JSON.

Text and Markdown speak the committee's words (`Wording`: labels, ja/nei, «ikke …»); the
JSON keeps the codes and S-FEEL cells that programs read.
"""

from __future__ import annotations

import json
from typing import Any

from ..core.i18n import N_, _
from .diff import json_value, shown_value
from .diff_words import Wording
from .markdown_safe import code, plain


def answer_words(change: Any, side: str, wording: Wording | None = None) -> str:
    return (wording or Wording()).answer(change, side)


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
METHOD_WORDS = {"bulk": N_("bulk"), "per-row": N_("per-row")}


def _method(cohort: Any) -> str:
    return _(METHOD_WORDS.get(cohort.method, cohort.method))


def edit_cells(wording: Wording, edit: Any, arrow: str = "->") -> list[str]:
    """A rule edit's cells in words: `Anbefaling: Avvent bisfosfonat -> Ta stilling …`."""
    said = []
    for c in edit.changes:
        if c.column == "row":
            said.append(_("row {old} -> {new}").format(old=c.old, new=c.new))
        elif c.column in wording.variables:
            said.append(f"{wording.name(c.column)}: {wording.cell(c.column, c.old)} {arrow} "
                        f"{wording.cell(c.column, c.new)}")
        else:
            said.append(f"{c.column}: {c.old} {arrow} {c.new}")
    if edit.row:
        said.append("; ".join(
            f"{wording.name(k)}: {wording.cell(k, v) if k in wording.variables else v}"
            for k, v in edit.row.items() if v))
    return said


def new_value_lines(result: Any, indent: str = "  ") -> list[str]:
    """Each new allowed value once, with a line per region it opens and the rules there."""
    w: Wording = result.wording
    lines = []
    for group in result.new_values:
        values = ", ".join(f"«{w.value(group.variable, v)}»" for v in group.values)
        lines.append(indent + _("new value {values} for {name}: cases with it were refused "
                                "before (not an allowed value); now every rule with - or "
                                "not(…) in that column answers them, in {n} region(s):").format(
                                  values=values, name=w.name(group.variable),
                                  n=len(group.changes)))
        for n, a in enumerate(group.changes, 1):
            region = {k: v for k, v in a.region.items() if k != group.variable}
            lines.append(indent + f"   {n}. " + _("{when}: {answer} (rules {rules})").format(
                when=w.when(region), answer=w.answer(a, "new"), rules=w.rules(a.new_rules)))
    return lines


def render_text(result: Any) -> str:
    w: Wording = result.wording
    lines = [_("Comparing {old} (old) with {new} (new)").format(old=result.old, new=result.new)]
    if result.about:
        lines.append("\n" + _("About"))
        empty = _("(empty)")
        lines += [f"  {c.column}: {c.old or empty} -> {c.new or empty}" for c in result.about]
    if result.glossary:
        lines.append("\n" + _("Glossary"))
        lines += [f"  {g}" for g in result.glossary]
    if result.reading:
        lines.append("\n" + _("Labels, descriptions and questions"))
        lines += [f"  {g}" for g in result.reading]
    if result.tables:
        lines.append("\n" + _("Decisions"))
        lines += [f"  {t}" for t in result.tables]
    if result.edits:
        lines.append(_("\nRule edits"))
        for e in result.edits:
            lines.append("  " + _("{decision} rule {rule} {edit} [{cell}]").format(
                decision=e.decision, rule=e.rule, edit=_(EDIT_WORDS.get(e.kind, e.kind)),
                cell=e.cell))
            lines += [f"      {said}" for said in edit_cells(w, e)]
    lines.append(_("\nChanged answers"))
    if not result.answers:
        lines.append(_("  no change in any answer (compared: {value})").format(
                         value=', '.join(result.compared) or '-'))
    for n, a in enumerate(result.listed, 1):
        lines.append(f"  {n}. [{a.decision}] {w.when(a.region)}:")
        lines.append(_("       was {answer_words}, now {answer_words2}").format(
                         answer_words=w.answer(a, 'old'), answer_words2=w.answer(a, 'new')))
        lines.append("       " + _("rules: {old} -> {new}").format(
            old=w.rules(a.old_rules), new=w.rules(a.new_rules)))
        example = ", ".join(f"{k}={shown_value(v)}" for k, v in a.example.items())
        lines.append("       " + _("example: {example}").format(example=example))
    lines += new_value_lines(result)
    for name, why in result.skipped.items():
        lines.append(_("  {name}: not compared: {why}").format(name=name, why=why))
    if result.cohort:
        c = result.cohort
        lines.append(_("\nCohort {path}: {changed} of {rows} case(s) change answer "
                       "({method} evaluation)").format(
                         path=c.path, changed=c.changed, rows=c.rows, method=_method(c)))
        lines += [f"  {c.said.get(k, k)}: {v}"
                  for k, v in sorted(c.transitions.items(), key=lambda x: -x[1])]
    lines.append(f"\n{verdict(result)}")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Workbook text outside a code span: Markdown and HTML escaped (no raw `<script>`)."""
    return plain(text)


def render_markdown(result: Any) -> str:
    w: Wording = result.wording
    out = [
        _("## Guideline diff: {old} → {new}").format(old=code(result.old), new=code(result.new)),
        "",
        f"**{verdict(result)}**",
        "",
    ]
    if result.about:
        out += [_("### About"), "", _("| field | old | new |"), "|---|---|---|"]
        out += [f"| {_md(c.column)} | {_md(c.old)} | {_md(c.new)} |" for c in result.about]
        out.append("")
    if result.glossary or result.tables or result.reading:
        out += [_("### Glossary and decisions"), ""]
        out += [f"- {_md(x)}" for x in [*result.glossary, *result.reading, *result.tables]]
        out.append("")
    if result.edits:
        out += [_("### Rule edits"), "", _("| decision | rule | edit | cells |"),
                "|---|---|---|---|"]
        for e in result.edits:
            cells = "<br>".join(_md(said) for said in edit_cells(w, e, "→"))
            out.append(f"| {e.decision} | {_md(e.rule)} ({_md(e.cell)}) | "
                       f"{_(EDIT_WORDS.get(e.kind, e.kind))} | {cells} |")
        out.append("")
    out += [_("### Changed answers"), ""]
    if not result.answers:
        out.append(_("No change in any answer (compared: {value}).").format(
                       value=', '.join(result.compared) or '-'))
    elif result.listed:
        out += [_("| # | decision | when | was | now | rules | example |"),
                "|---|---|---|---|---|---|---|"]
        for n, a in enumerate(result.listed, 1):
            region = "<br>".join(_md(f"{w.name(k)}: {w.cell(k, v)}")
                                 for k, v in a.region.items()) or _("always")
            example = ", ".join(f"{k}={shown_value(v)}" for k, v in a.example.items())
            rules = f"{w.rules(a.old_rules)} → {w.rules(a.new_rules)}"
            out.append(f"| {n} | {a.decision} | {region} | {_md(w.answer(a, 'old'))} | "
                       f"{_md(w.answer(a, 'new'))} | {rules} | <sub>{_md(example)}</sub> |")
    out += [_md(line) for line in new_value_lines(result, "- ")]
    for name, why in result.skipped.items():
        out.append(_("- {name}: not compared: {md}").format(name=name, md=_md(why)))
    if result.cohort:
        c = result.cohort
        out += ["", _("### Cohort {path}").format(path=code(c.path)), "",
                _("{changed} of {rows} case(s) change answer ({method} evaluation).").format(
                    changed=c.changed, rows=c.rows, method=_method(c)), ""]
        out += [f"- {_md(c.said.get(k, k))}: {v}"
                for k, v in sorted(c.transitions.items(), key=lambda x: -x[1])]
    return "\n".join(out) + "\n"


def to_json(result: Any) -> dict[str, Any]:

    def answer(a: Any) -> dict[str, Any]:
        return {"outputs": {n: json_value(v) for n, v in a.outputs}, "error": a.error}

    return {
        "old": result.old, "new": result.new,  # changed: null when not all could be compared
        "changed": True if result.answers_changed else None if result.skipped else False,
        "summary": verdict(result),
        "about": [c.__dict__ for c in result.about],
        "glossary": result.glossary, "decisions": result.tables, "reading": result.reading,
        "edits": [{"decision": e.decision, "rule": e.rule, "kind": e.kind, "cell": e.cell,
                   "changes": [c.__dict__ for c in e.changes], "row": e.row}
                  for e in result.edits],
        "answers": [{"decision": a.decision, "region": a.region, "old": answer(a.old),
                     "new": answer(a.new), "changed": a.changed,
                     "example": {k: json_value(v) for k, v in a.example.items()},
                     "old_rules": a.old_rules, "new_rules": a.new_rules}
                    for a in result.answers],
        "new_values": [{"variable": g.variable, "values": [json_value(v) for v in g.values],
                        "regions": len(g.changes)} for g in result.new_values],
        "compared": result.compared, "skipped": result.skipped,
        "cohort": result.cohort.__dict__ if result.cohort else None,
    }


def render_json(result: Any) -> str:
    return json.dumps(to_json(result), ensure_ascii=False, indent=2) + "\n"
