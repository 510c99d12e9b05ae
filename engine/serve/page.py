"""The committee's page: findings and tests of the workbook as saved, and a case form.

Rendered by Jinja2 with autoescape on (every text from the workbook is escaped), in the
workbook's language through `jinja2.ext.i18n`: English msgids, translated by the package's
catalog when there is one (engine/core/i18n.py), else shown as written. The form is made from
the glossary: one field per input the decision reads, named after its variable.
"""

from __future__ import annotations

import gettext
import hashlib
import re
from pathlib import Path
from typing import Any

import jinja2

from ..core import i18n
from ..core.errors import Finding, kind_word, severity_word
from ..core.i18n import _
from ..core.text import MAX_DIGITS, visible
from ..domain.words import approval_words, test_words, value_words
from ..evaluation.explain import questions_on_trace
from ..review.paragraphs import SOURCES
from .answers import evaluate_one
from .schemas import needed_inputs
from .state import Guideline, Rejected, Version

UNKNOWN = "null"  # the form's word for "unknown", as in JSON
# Only 0-9 are digits (docs/hostile-input.md): `\d` would take ١ and １ as 1.
NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
WHOLE = re.compile(r"-?[0-9]+")

_ENVS: dict[str, jinja2.Environment] = {}


def language(version: Version | Rejected | None) -> tuple[str, gettext.NullTranslations]:
    """The page's language and catalog: the package's choice (--lang, GUIDELINE_LANG, the
    workbook's About language, else English), made where the workbook was loaded (with
    --watch, in the reload worker: the version carries it here)."""
    lang = version.lang if version is not None else i18n.language()
    return lang, i18n.catalog(lang)


def environment(lang: str, translations: gettext.NullTranslations) -> jinja2.Environment:
    env = _ENVS.get(lang)
    if env is None:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
            autoescape=True, extensions=["jinja2.ext.i18n"], trim_blocks=True,
            lstrip_blocks=True, undefined=jinja2.StrictUndefined)
        env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
        _ENVS[lang] = env
    return env


# -- the form ------------------------------------------------------------------------------------
def fields(version: Version, decision: str) -> list[dict[str, Any]]:
    """One field per input the decision reads: what control, which choices, which bounds."""
    out = []
    for name in needed_inputs(version.model, decision):
        var = version.model.variables[name]
        labels = version.model.value_labels.get(name, {})
        field: dict[str, Any] = {"name": name, "label": var.label or name, "type": var.type,
                                 "description": var.description,
                                 "unknown": var.unknown is not False}  # null allowed here
        if var.type == "boolean":
            field["control"] = "yesno"
        elif var.type == "string" and var.values:
            field["control"] = "select"
            field["choices"] = [(v, value_words(v, labels)) for v in var.values]
        else:
            field["control"] = {"date": "date", "string": "text"}.get(var.type, "number")
            field["step"] = "1" if var.type == "integer" else "any"
            field.update(_bounds(var))
        out.append(field)
    return out


def _bounds(var: Any) -> dict[str, Any]:
    test = var.allowed
    if test is None or test.any or test.negated or len(test.intervals) != 1 or test.points:
        return {"allowed": test.text if test is not None and not test.any else ""}
    iv = test.intervals[0]
    out: dict[str, Any] = {"allowed": test.text}
    if iv.lo is not None and iv.lo_closed:
        out["min"] = str(iv.lo)
    if iv.hi is not None and iv.hi_closed:
        out["max"] = str(iv.hi)
    return out


def case_from_form(version: Version, decision: str,
                   pairs: list[tuple[str, str]]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The case a filled form means, or the error it holds (typed values, never guessed).
    A field given twice is refused, as the API refuses a key twice: which one is meant?"""
    given: dict[str, list[str]] = {}
    for key, value in pairs:
        if value.strip():
            given.setdefault(key, []).append(value.strip())
    case: dict[str, Any] = {}
    for name, values in given.items():
        if len(values) > 1:
            if UNKNOWN in values and any(v != UNKNOWN for v in values):
                return case, _problem(_("{name} is given both a value and 'unknown': choose "
                                        "one").format(name=visible(name)), name)
            return case, _problem(_("{name} is given {n} times: which one is meant? Give it "
                                    "once").format(name=visible(name), n=len(values)), name)
        value = values[0]
        var = version.model.variables.get(name)
        if var is None:
            case[name] = value  # the answer path refuses it with its name
        elif value == UNKNOWN:
            case[name] = None
        elif var.type == "boolean":
            if value not in ("true", "false"):
                return case, _problem(_("{name} must be yes, no or unknown").format(name=name),
                                      name)
            case[name] = value == "true"
        elif var.type in ("number", "integer"):
            if len(value) > MAX_DIGITS or not NUMBER.fullmatch(value):
                return case, _problem(_('{name}: "{value}" is not a number (digits 0-9, at '
                                        'most {most} of them)').format(
                                          name=name, value=visible(value), most=MAX_DIGITS), name)
            case[name] = int(value) if WHOLE.fullmatch(value) else float(value)
        else:
            case[name] = value
    return case, None


def _problem(message: str, variable: str) -> dict[str, Any]:
    return {"error": {"kind": "InvalidInput", "message": message, "variable": variable,
                      "title": _("Not a valid case")}}


# -- the answer in words ------------------------------------------------------------------------
def answer_view(version: Version, decision: str, case: dict[str, Any]) -> dict[str, Any]:
    """What the page shows for a case: the answer and why, or the error in plain words."""
    status, body = evaluate_one(version, decision, case)
    model = version.model
    if status != 200:
        missing = [n for n in needed_inputs(model, decision) if n not in case]
        return {"error": _error_in_words(model, body["error"], missing)}
    quoted = version.paragraphs  # read with the workbook, bounded: no request reads a file

    def labels(name: str) -> dict[Any, str]:
        return model.value_labels.get(name, {})
    steps = []
    for step in body["trace"]:
        table = model.tables[step["decision"]]
        rules = {r.id: r for r in table.rules}
        deciding: list[dict[str, Any]] = []
        for rule_id in step["rules"]:
            rule = rules[rule_id]
            conditions = [{"label": model.label(col.name),
                           "value": value_words(step["inputs"][col.name], labels(col.name)),
                           "test": test_words(test, labels(col.name)), "cell": cell}
                          for col, test, cell in zip(table.inputs, rule.inputs, rule.input_cells)
                          if test is not None and not test.any]
            notes = [{"header": col.name, "text": text}
                     for col, text in zip(table.annotations, rule.annotations)
                     if text and col.name.casefold() not in SOURCES]
            ids = [pid for col, text in zip(table.annotations, rule.annotations)
                   if col.name.casefold() in SOURCES
                   for pid in re.findall(r"\b[A-Z]{1,3}\d{1,3}\b", text)]
            sources = [{"id": pid, "text": getattr(quoted.get(pid), "text", ""),
                        "english": getattr(quoted.get(pid), "english", "")} for pid in ids]
            deciding.append({"id": rule.id, "cell": rule.cell, "conditions": conditions,
                          "notes": notes, "sources": sources,
                          "outputs": [{"label": model.label(o), "cell": c,
                                       "value": value_words(v, labels(o))}
                                      for o, v, c in zip(table.output_names, rule.outputs,
                                                         rule.output_cells)]})
        steps.append({"decision": step["decision"], "title": table.title or table.sheet,
                      "rules": deciding, "default": step["default"]})
    outputs = [{"label": model.label(k), "name": k, "value": value_words(v, labels(k))}
               for k, v in body["outputs"].items()]
    asked = questions_on_trace(model, ((s["decision"], s["rules"]) for s in body["trace"]))
    questions = [{"id": q.id, "text": q.text, "reading": q.reading, "rules": ", ".join(rules),
                  "cell": q.cell} for q, rules in asked]
    return {"error": None, "outputs": outputs, "rules": body["rules"], "steps": steps,
            "questions": questions, "explanation": body["explanation"],
            "guideline": body["guideline"], "warnings": body["warnings"]}


def _error_in_words(model: Any, error: dict[str, Any], missing: list[str]) -> dict[str, Any]:
    """A refusal as the committee reads it: what kind, in words, the missing inputs by label."""
    kinds = {"MissingInput": _("Information is missing"), "InvalidInput": _("Not a valid case"),
             "NoRuleMatched": _("No rule matches"), "ConflictingRules": _("Rules disagree")}
    out = dict(error)
    out["title"] = kinds.get(str(error.get("kind")), _("No answer"))
    if error.get("kind") == "MissingInput" and missing:
        out["message"] = _("fill in: {labels}").format(
            labels=", ".join(model.label(n) for n in missing))
    return out



# -- the page -------------------------------------------------------------------------------------
def status_view(holder: Guideline) -> dict[str, Any]:
    version, stale = holder.current, holder.stale
    return {"version": version, "stale": stale,
            "counts": version.counts() if version else None,
            "findings": (found := _findings(version, stale)),
            "rows": _rows(version, found),
            "failures": stale.failures if isinstance(stale, Rejected) else ()}


def _findings(version: Version | None, stale: Rejected | None) -> list[Finding]:
    source = stale.findings if stale is not None else version.findings if version else ()
    rank = {"error": 0, "warning": 1, "info": 2}
    return sorted(source, key=lambda f: rank.get(f.severity, 3))


def _rows(version: Version | None, findings: list[Finding]) -> list[dict[str, Any]]:
    """The findings as the page lists them: severity and kind in words, where (the sheet)."""
    tables = version.model.tables if version is not None else {}
    return [{"severity": f.severity, "kind": f.kind, "message": f.message, "cells": f.cells,
             "severity_words": severity_word(f.severity), "kind_words": kind_word(f.kind),
             "where": tables[f.decision].sheet if f.decision in tables else ""}
            for f in findings]


def render_page(holder: Guideline, decision: str | None, answer: dict[str, Any] | None = None,
                values: dict[str, list[str]] | None = None, nonce: str = "",
                fragment: str | None = None) -> str:
    version = holder.current
    lang, translations = language(version or holder.stale)
    with i18n.speaking(lang):  # the words made here too (status, values) in the page's language
        return _render(holder, decision, answer, values, nonce, fragment, lang, translations)


def _render(holder: Guideline, decision: str | None, answer: dict[str, Any] | None,
            values: dict[str, list[str]] | None, nonce: str, fragment: str | None, lang: str,
            translations: gettext.NullTranslations) -> str:
    version = holder.current
    env = environment(lang, translations)
    context: dict[str, Any] = {"lang": lang, "nonce": nonce, "status": status_view(holder),
                               "answer": answer, "values": values or {}, "unknown": UNKNOWN}
    if version is not None:
        model = version.model
        context.update(about=version.about, approved=model.approved,
                       status_words=approval_words(model))
        decisions = [(t.name, t.title or t.sheet or t.name) for t in model.in_sheet_order()]
        if decisions:  # a workbook of a glossary alone has no form to show
            names = [name for name, _title in decisions]
            chosen = decision if decision in names else (model.main_decision() or names[0])
            shown = fields(version, chosen)
            key = hashlib.sha256(repr((chosen, shown)).encode()).hexdigest()[:16]
            context.update(decisions=decisions, decision=chosen, fields=shown, form_key=key)
    template = env.get_template(f"{fragment}.html" if fragment else "page.html")
    return template.render(context)

