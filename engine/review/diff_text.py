"""A semantic diff said in words: text for the terminal, Markdown for a pull request, JSON."""

from __future__ import annotations

import json
from typing import Any

from .diff import json_value, shown_value


def when(model_labels: dict[str, str], region: dict[str, str]) -> str:
    if not region:
        return "in every case"
    return "when " + " and ".join(f"{model_labels.get(k, k)} = {v}" for k, v in region.items())


def answer_words(change: Any, side: str) -> str:

    ans = change.old if side == "old" else change.new
    if ans.error is not None:
        return f"no answer ({ans.error})"
    names = change.changed or [n for n, _ in ans.outputs]
    return ", ".join(f"{n} {shown_value(ans.get(n))}" for n in names)


def verdict(result: Any) -> str:
    parts = []
    edits = len(result.edits)
    if edits:
        parts.append(f"{edits} rule edit(s)")
    if result.answers:
        parts.append(f"answers change in {len(result.answers)} region(s)")
    else:
        parts.append("no change in any answer")
    if result.skipped:
        parts.append(f"{len(result.skipped)} decision(s) not compared")
    return "; ".join(parts)


def render_text(result: Any) -> str:

    lines = [f"Comparing {result.old} (old) with {result.new} (new)"]
    if result.about:
        lines.append("\nAbout")
        lines += [f"  {c.column}: {c.old or '(empty)'} -> {c.new or '(empty)'}"
                  for c in result.about]
    if result.glossary:
        lines.append("\nGlossary")
        lines += [f"  {g}" for g in result.glossary]
    if result.tables:
        lines.append("\nDecisions")
        lines += [f"  {t}" for t in result.tables]
    if result.edits:
        lines.append("\nRule edits")
        for e in result.edits:
            lines.append(f"  {e.decision} rule {e.rule} {e.kind} [{e.cell}]")
            lines += [f"      {c.column}: {c.old} -> {c.new}" for c in e.changes]
            if e.row:
                lines.append("      " + "; ".join(f"{k}: {v}" for k, v in e.row.items() if v))
    lines.append("\nChanged answers")
    if not result.answers:
        lines.append(f"  no change in any answer (compared: {', '.join(result.compared) or '-'})")
    for n, a in enumerate(result.answers, 1):
        lines.append(f"  {n}. [{a.decision}] {when({}, a.region)}:")
        lines.append(f"       was {answer_words(a, 'old')}, now {answer_words(a, 'new')}")
        lines.append(f"       rules: {', '.join(a.old_rules) or 'none'} -> "
                     f"{', '.join(a.new_rules) or 'none'}")
        example = ", ".join(f"{k}={shown_value(v)}" for k, v in a.example.items())
        lines.append(f"       example: {example}")
    for name, why in result.skipped.items():
        lines.append(f"  {name}: not compared: {why}")
    if result.cohort:
        c = result.cohort
        lines.append(f"\nCohort {c.path}: {c.changed} of {c.rows} case(s) change answer "
                     f"({c.method} evaluation)")
        lines += [f"  {k}: {v}" for k, v in sorted(c.transitions.items(), key=lambda x: -x[1])]
    lines.append(f"\n{verdict(result)}")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(result: Any) -> str:

    out = [f"## Guideline diff: `{result.old}` → `{result.new}`", "", f"**{verdict(result)}**",
           ""]
    if result.about:
        out += ["### About", "", "| field | old | new |", "|---|---|---|"]
        out += [f"| {c.column} | {_md(c.old)} | {_md(c.new)} |" for c in result.about]
        out.append("")
    if result.glossary or result.tables:
        out += ["### Glossary and decisions", ""]
        out += [f"- {_md(x)}" for x in [*result.glossary, *result.tables]]
        out.append("")
    if result.edits:
        out += ["### Rule edits", "", "| decision | rule | edit | cells |", "|---|---|---|---|"]
        for e in result.edits:
            cells = "<br>".join(f"{c.column}: `{_md(c.old)}` → `{_md(c.new)}`"
                                for c in e.changes)
            if e.row:
                cells = "<br>".join(f"{k}: `{_md(v)}`" for k, v in e.row.items() if v)
            out.append(f"| {e.decision} | {e.rule} ({e.cell}) | {e.kind} | {cells} |")
        out.append("")
    out += ["### Changed answers", ""]
    if not result.answers:
        out.append(f"No change in any answer (compared: {', '.join(result.compared) or '-'}).")
    else:
        out += ["| # | decision | when | was | now | rules | example |",
                "|---|---|---|---|---|---|---|"]
        for n, a in enumerate(result.answers, 1):
            region = "<br>".join(f"{k} = `{_md(v)}`" for k, v in a.region.items()) or "always"
            example = ", ".join(f"{k}={shown_value(v)}" for k, v in a.example.items())
            out.append(f"| {n} | {a.decision} | {region} | {_md(answer_words(a, 'old'))} | "
                       f"{_md(answer_words(a, 'new'))} | {', '.join(a.old_rules)} → "
                       f"{', '.join(a.new_rules)} | <sub>{_md(example)}</sub> |")
    for name, why in result.skipped.items():
        out.append(f"- {name}: not compared: {_md(why)}")
    if result.cohort:
        c = result.cohort
        out += ["", f"### Cohort `{c.path}`", "",
                f"{c.changed} of {c.rows} case(s) change answer ({c.method} evaluation).", ""]
        out += [f"- {_md(k)}: {v}" for k, v in sorted(c.transitions.items(), key=lambda x: -x[1])]
    return "\n".join(out) + "\n"


def to_json(result: Any) -> dict[str, Any]:

    def answer(a: Any) -> dict[str, Any]:
        return {"outputs": {n: json_value(v) for n, v in a.outputs}, "error": a.error}

    return {
        "old": result.old, "new": result.new, "changed": result.answers_changed,
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
