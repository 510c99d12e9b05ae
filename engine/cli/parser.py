"""Every `guideline` subcommand's arguments, in one place; each names the function that runs it.

The functions are named as "module:function" inside this package and imported only when their
command runs (see `main.run_command`): `guideline check` never pays for pandas or the diff.
The parser is built after the language is chosen (`cli/argparse_words.py`), so every help
text, and argparse's own words, come in the committee's language.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..core.i18n import _
from ..serve.command import add_parser as add_serve


def percent(text: str) -> float:
    """A threshold from 0 to 100: `nan` would never fail a gate, and 150 always would."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{text!r} is not a number").format(
                                             text=text)) from None
    if not 0 <= value <= 100:  # also false for nan
        raise argparse.ArgumentTypeError(_("{text!r} is not a percentage from 0 to 100").format(
                                             text=text))
    return value


def lang_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=("nb", "en"), default=None,
                        help=_("the language of the messages (default: GUIDELINE_LANG, else "
                               "the About sheet's language / språk row, else en)"))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="guideline", description=_(
        "Check, test and evaluate clinical guideline decision tables kept in .xlsx workbooks."))
    lang_option(p)
    sub = p.add_subparsers(dest="command", required=True, metavar=_("COMMAND"),
                           title=_("commands"))

    e = sub.add_parser("eval", help=_("evaluate a case (or a file of cases) against a workbook"))
    e.add_argument("workbook", metavar=_("WORKBOOK"))
    e.add_argument("--decision", help=_("the decision to evaluate (needed if there are several)"))
    e.add_argument("--case", help=_("the case as JSON, or @file.json"))
    e.add_argument("--explain", action="store_true", help=_("say which rules decided and why"))
    e.add_argument("--format", choices=("text", "json"), default="text")
    e.add_argument("--input", help=_("a file of cases: .csv, .xlsx or .parquet"))
    e.add_argument("--output", help=_("where to write the answers: .csv, .xlsx or .parquet"))
    e.add_argument("--chunk-size", type=int, default=200_000, help=argparse.SUPPRESS)
    e.add_argument("--strict", action="store_true",
                   help=_("read a DMN file by the letter of the standard: what is otherwise "
                          "read leniently, with a warning, is an error"))
    e.set_defaults(run="cli.cmd_eval:cmd_eval")

    t = sub.add_parser("test", help=_("run the workbook's own test cases"))
    t.add_argument("workbook", metavar=_("WORKBOOK"))
    t.add_argument("--coverage", action="store_true",
                   help=_("report which rules the cases fire"))
    t.add_argument("--min-coverage", type=percent, default=None, metavar="N",
                   help=_("fail when fewer than N percent of the rules are fired"))
    t.add_argument("--allow-empty", action="store_true",
                   help=_("pass a workbook with decision tables but no test cases (else exit 1)"))
    t.set_defaults(run="cli.cmd_test:cmd_test")

    c = sub.add_parser("check", help=_("prove every table complete and consistent"))
    c.add_argument("workbook", metavar=_("WORKBOOK"))
    c.add_argument("--format", choices=("text", "json", "junit"), default="text")
    c.add_argument("--annotate", metavar="OUT.xlsx",
                   help=_("write a copy of the workbook with every finding marked"))
    c.add_argument("--strict", action="store_true",
                   help=_("read a DMN file by the letter of the standard: what is otherwise "
                          "read leniently, with a warning, is an error"))
    c.set_defaults(run="cli.cmd_check:cmd_check")

    d = sub.add_parser("dump", help=_("print every sheet as stable plain text (for git diff)"))
    d.add_argument("workbook", metavar=_("WORKBOOK"))
    d.set_defaults(run="workbook.dump:cmd_dump")

    r = sub.add_parser("render", help=_("write a review document of the workbook"))
    r.add_argument("workbook", metavar=_("WORKBOOK"))
    r.add_argument("--format", choices=("markdown", "html"), default="markdown")
    r.add_argument("-o", "--output", help=_("the file to write (default: standard output)"))
    r.add_argument("--guideline", help=_("the guideline README with the paragraph texts"))
    r.set_defaults(run="cli.cmd_review:cmd_render")
    _review_commands(sub)
    _dmn_commands(sub)
    add_serve(sub)
    for command in sub.choices.values():
        lang_option(command)
    return p


def _review_commands(sub: Any) -> None:
    d = sub.add_parser("diff", help=_("what changed between two versions, rule by rule and "
                                      "answer by answer"))
    d.add_argument("workbooks", nargs="+", metavar=_("WORKBOOK"),
                   help=_("OLD.xlsx NEW.xlsx, or one workbook with --rev"))
    d.add_argument("--rev", metavar="GITREV",
                   help=_("compare the workbook with its committed version at this git "
                          "revision"))
    d.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    d.add_argument("--cases", metavar="COHORT",
                   help=_("a file of real cases (.csv, .xlsx, .parquet): count those whose "
                          "answer changes"))
    d.add_argument("--fail-on-change", action="store_true",
                   help=_("exit 1 when any answer changes, or a decision could not be "
                          "compared"))
    d.add_argument("-o", "--output",
                   help=_("write the diff to this file instead of printing it"))
    d.set_defaults(run="cli.cmd_review:cmd_diff")

    r = sub.add_parser("report", help=_("write one self-contained HTML page for the committee"))
    r.add_argument("workbook", metavar=_("WORKBOOK"))
    r.add_argument("-o", "--output", required=True, metavar="REPORT.html")
    r.add_argument("--diff", metavar="OLD.xlsx",
                   help=_("include what changed since this version"))
    r.add_argument("--rev", metavar="GITREV",
                   help=_("include what changed since this git revision of the workbook"))
    r.add_argument("--guideline", help=_("the guideline README with the paragraph texts"))
    r.set_defaults(run="cli.cmd_review:cmd_report")

    i = sub.add_parser("init", help=_("create a new, empty guideline workbook in our format"))
    i.add_argument("output", metavar="OUT.xlsx")
    i.add_argument("--title", default="", help=_("the guideline's title (About sheet)"))
    i.set_defaults(run="cli.cmd_review:cmd_init")


def _dmn_commands(sub: Any) -> None:
    e = sub.add_parser("export", help=_("write the workbook as a standard DMN file"),
                       description=_("Write the workbook's glossary, decision tables and "
                                     "decision graph as one DMN file, with a diagram for "
                                     "modelers."))
    e.add_argument("workbook", metavar=_("WORKBOOK"))
    e.add_argument("--to", choices=("dmn",), required=True, help=_("the format (dmn)"))
    e.add_argument("output", metavar="OUT.dmn")
    e.add_argument("--dmn-version", choices=("1.5", "1.3"), default="1.5",
                   help=_("1.5 (default), or 1.3 for engines that read only 1.3 (Camunda 7)"))
    e.set_defaults(run="cli.cmd_dmn:cmd_export")

    i = sub.add_parser("import", help=_("write a DMN file as a workbook in our format"),
                       description=_("Read a DMN file's decision tables and write them as a "
                                     "workbook (glossary, one sheet per table)."))
    i.add_argument("model", metavar="MODEL.dmn")
    i.add_argument("--to", required=True, metavar="OUT.xlsx", help=_("the workbook to write"))
    i.add_argument("--strict", action="store_true",
                   help=_("read a DMN file by the letter of the standard: what is otherwise "
                          "read leniently, with a warning, is an error"))
    i.set_defaults(run="cli.cmd_dmn:cmd_import")
