"""The committee's review commands: `diff`, `report`, `init` (registered by engine.cli).

`diff` prints what changed between two versions as text, markdown (for a pull request) or
JSON; the computing is engine/diff.py. Exit codes as everywhere: 0, 1 for findings (here: an
answer changed, with --fail-on-change), 2 for unusable input.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .safe_io import write_text

OK, FOUND = 0, 1


def register(sub: Any) -> None:
    """Add this module's subcommands to the `guideline` parser."""
    d = sub.add_parser("diff", help="what changed between two versions, rule by rule and "
                                    "answer by answer")
    d.add_argument("workbooks", nargs="+", metavar="WORKBOOK",
                   help="OLD.xlsx NEW.xlsx, or one workbook with --rev")
    d.add_argument("--rev", metavar="GITREV",
                   help="compare the workbook with its committed version at this git revision")
    d.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    d.add_argument("--cases", metavar="COHORT",
                   help="a file of real cases (.csv, .xlsx, .parquet): count those whose "
                        "answer changes")
    d.add_argument("--fail-on-change", action="store_true",
                   help="exit 1 when any answer changes")
    d.add_argument("-o", "--output", help="write the diff to this file instead of printing it")
    d.set_defaults(run=_unusable(cmd_diff))

    r = sub.add_parser("report", help="write one self-contained HTML page for the committee")
    r.add_argument("workbook")
    r.add_argument("-o", "--output", required=True, metavar="REPORT.html")
    r.add_argument("--diff", metavar="OLD.xlsx", help="include what changed since this version")
    r.add_argument("--rev", metavar="GITREV",
                   help="include what changed since this git revision of the workbook")
    r.set_defaults(run=_unusable(cmd_report))

    i = sub.add_parser("init", help="create a new, empty guideline workbook in our format")
    i.add_argument("output", metavar="OUT.xlsx")
    i.add_argument("--title", default="", help="the guideline's title (About sheet)")
    i.set_defaults(run=_unusable(cmd_init))


def _usage(message: str) -> Exception:
    from .cli import UsageError

    return UsageError(message)


def _unusable(run: Any) -> Any:
    """An output the command may not write is unusable input: exit 2, like a bad argument."""
    def wrapped(args: argparse.Namespace) -> int:
        from .safe_io import OutputError

        try:
            return int(run(args))
        except OutputError as exc:
            raise _usage(str(exc)) from None

    return wrapped


# -- diff ------------------------------------------------------------------------------------
def committed_copy(path: str, rev: str, folder: str) -> str:
    """`git show REV:path` into a file in `folder`; the path is taken relative to the repository."""
    target = Path(path).resolve()
    top = subprocess.run(["git", "-C", str(target.parent), "rev-parse", "--show-toplevel"],
                         capture_output=True, text=True)
    if top.returncode != 0:
        raise _usage(f"{path} is not inside a git repository, so --rev cannot be used")
    rel = target.relative_to(Path(top.stdout.strip()).resolve()).as_posix()
    shown = subprocess.run(["git", "-C", top.stdout.strip(), "show", f"{rev}:{rel}"],
                           capture_output=True)
    if shown.returncode != 0:
        reason = shown.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _usage(f"git has no {rel} at revision {rev}"
                     f"{': ' + reason[0] if reason else ''}")
    out = Path(folder) / f"{rev.replace('/', '_')}-{target.name}"
    out.write_bytes(shown.stdout)
    return str(out)


def load_pair(workbooks: list[str], rev: str | None, folder: str) -> tuple[Any, Any]:
    from .loader import load

    if rev is not None:
        if len(workbooks) != 1:
            raise _usage("with --rev give one workbook: it is compared with its version at "
                         "that revision")
        old_path, new_path = committed_copy(workbooks[0], rev, folder), workbooks[0]
    else:
        if len(workbooks) != 2:
            raise _usage("give two workbooks, OLD.xlsx NEW.xlsx (or one with --rev GITREV)")
        old_path, new_path = workbooks
    old, new = load(old_path), load(new_path)
    if rev is not None:
        old.path = f"{workbooks[0]}@{rev}"
    return old, new


def compute(workbooks: list[str], rev: str | None, cases: str | None) -> Any:
    from .diff import cohort_changes, diff_models

    with tempfile.TemporaryDirectory(prefix="guideline-diff-") as folder:
        old, new = load_pair(workbooks, rev, folder)
        result = diff_models(old, new)
    if cases:
        result.cohort = cohort_changes(old, new, cases, result.compared)
    return result


def cmd_diff(args: argparse.Namespace) -> int:
    if args.output:  # refused before any work: the workbooks and the cohort are inputs
        from .safe_io import refuse_overwrite

        refuse_overwrite(args.output, *args.workbooks, *([args.cases] if args.cases else []))
    result = compute(args.workbooks, args.rev, args.cases)
    render = {"text": render_text, "markdown": render_markdown, "json": render_json}
    text = render[args.format](result)
    if args.output:
        write_text(args.output, text)
    else:
        sys.stdout.write(text)
    return FOUND if args.fail_on_change and result.answers_changed else OK


def when(model_labels: dict[str, str], region: dict[str, str]) -> str:
    if not region:
        return "in every case"
    return "when " + " and ".join(f"{model_labels.get(k, k)} = {v}" for k, v in region.items())


def answer_words(change: Any, side: str) -> str:
    from .diff import shown_value

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
    from .diff import shown_value

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
    from .diff import shown_value

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
    from .diff import json_value

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


# -- report and init -------------------------------------------------------------------------------
def cmd_report(args: argparse.Namespace) -> int:
    from .loader import load
    from .render import default_paragraphs
    from .report_html import build_report
    from .safe_io import refuse_overwrite

    if args.diff and args.rev:
        raise _usage("give --diff OLD.xlsx or --rev GITREV, not both")
    refuse_overwrite(args.output, args.workbook, default_paragraphs(args.workbook),
                     *([args.diff] if args.diff else []))
    model = load(args.workbook, strict=False)
    change = None
    if args.diff or args.rev:
        if model.errors:
            raise _usage("the workbook has errors, so it cannot be compared: run "
                         "`guideline check` first")
        change = compute([args.diff, args.workbook] if args.diff else [args.workbook],
                         None if args.diff else args.rev, None)
    write_text(args.output, build_report(model, change))
    print(f"wrote {args.output}")
    return OK


def cmd_init(args: argparse.Namespace) -> int:
    from .init_template import create

    create(args.output, args.title)
    print(f"created {args.output}: edit it in Excel or LibreOffice, then run "
          f"`guideline check {args.output}`")
    return OK


__all__ = ["register"]
