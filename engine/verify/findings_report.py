"""The check's findings as text for people, JSON for programs, JUnit XML for CI dashboards."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from ..core.errors import Finding, kind_word, severity_word
from ..core.i18n import N_, _, language
from ..core.model import Model
from ..core.sfeel import literal_text
from ..core.text import xml_safe
from ..domain.words import boolean_cell

ORDER = {"error": 0, "warning": 1, "info": 2}


def render_check(model: Model, findings: list[Finding], fmt: str) -> str:
    if fmt == "json":
        doc = {"workbook": model.path, "language": language(),
               "ok": not any(f.severity == "error" for f in findings),
               "findings": [f.to_dict() for f in findings]}
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if fmt == "junit":
        return junit(model, findings)
    return text(model, findings)


def counts(findings: list[Finding]) -> str:
    n = {s: sum(f.severity == s for f in findings) for s in ORDER}
    return _("{n} error(s), {n2} warning(s), {n3} note(s)").format(
               n=n['error'], n2=n['warning'], n3=n['info'])


def _label(model: Model, name: str) -> str:
    var = model.variables.get(name)
    return f"{var.label} ({name})" if var is not None and var.label else name


REGION_LABEL = {"gap": N_("rule to add"), "default": N_("cases"),
                "overlap": N_("shared cases"), "mergeable": N_("merged rule")}


def table_of(model: Model, f: Finding) -> str | None:
    """The decision a finding belongs to: its own, or the table on the sheet of its cell."""
    if f.decision is not None or not f.cells:
        return f.decision
    sheet = f.cells[0].rpartition("!")[0]
    return next((t.name for t in model.tables.values() if t.sheet == sheet), None)


def text(model: Model, findings: list[Finding]) -> str:
    lines = [f"{model.path}: {counts(findings)}"]
    groups: dict[str | None, list[Finding]] = {}
    for f in findings:
        groups.setdefault(table_of(model, f), []).append(f)
    order = [None, *model.tables]
    for decision in sorted(groups, key=lambda d: order.index(d) if d in order else len(order)):
        table = model.tables.get(decision) if decision else None
        if decision is None:
            lines.append("\n" + _("Workbook"))
        else:
            title = f" — {table.title}" if table and table.title else ""
            where = _(" [sheet {sheet}]").format(sheet=table.sheet) if table else ""
            lines.append("\n" + _("Decision {decision}").format(decision=decision)
                         + f"{title}{where}")
        for f in sorted(groups[decision], key=lambda f: ORDER[f.severity]):
            where = ", ".join(f.cells)
            lines.append(f"  {severity_word(f.severity).upper():8} {kind_word(f.kind):12} "
                         f"{where}: {f.message}")
            if f.region:
                cells = "; ".join(f"{_label(model, k)}: {_cell(model, k, v)}"
                                  for k, v in f.region.items())
                label = _(REGION_LABEL[f.kind]) if f.kind in REGION_LABEL else _("its cases")
                lines.append(f"          {label}: {cells}")
            if f.example:
                ex = ", ".join(f"{k}={_plain(v)}" for k, v in f.example.items())
                decided = [
                    _("{k} is the answer of decision {name}").format(k=k, name=p.name)
                    for k in f.example
                    if (p := model.producer(k)) is not None
                ]
                note = f" ({'; '.join(decided)})" if decided else ""
                lines.append("          " + _("example: {example}").format(example=ex) + note)
    n_errors = sum(f.severity == "error" for f in findings)
    n_warnings = sum(f.severity == "warning" for f in findings)
    if n_errors:
        verdict = _("FAILED: fix the errors above")
    elif n_warnings:
        verdict = _("OK: no errors; {n_warnings} warning(s) above to review").format(
                      n_warnings=n_warnings)
    else:
        verdict = _("OK: every table is complete and consistent")
    lines.append(f"\n{verdict}")
    return "\n".join(lines) + "\n"


def _cell(model: Model, name: str, text: str) -> str:
    """A region's cell as the committee types it: in a yes/no column ja/nei in Norwegian."""
    var = model.variables.get(name)
    if var is None or var.type != "boolean":
        return text
    return re.sub(r"\b(true|false)\b", lambda m: boolean_cell(m.group(1) == "true"), text)


def _plain(value: object) -> str:
    """A value of an example as the committee writes it in a cell: null, true, "text", 2.5."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    return literal_text(value)


def junit(model: Model, findings: list[Finding]) -> str:
    """One test case per decision (and one for the workbook); each error is a failure."""
    suite = ET.Element("testsuite", name=f"guideline check {model.path}", errors="0")
    failures = 0
    for name in [None, *model.tables]:
        mine = [f for f in findings if table_of(model, f) == name and f.severity == "error"]
        case = ET.SubElement(suite, "testcase", classname=model.path,
                             name=f"decision {name}" if name else "workbook")
        if mine:
            failures += 1
            failure = ET.SubElement(case, "failure", message=f"{len(mine)} error(s)", type="check")
            failure.text = "\n".join(f"{', '.join(f.cells)}: [{f.kind}] {f.message}" for f in mine)
    suite.set("tests", str(len(model.tables) + 1))
    suite.set("failures", str(failures))
    for node in suite.iter():  # a control character in a label: text CI can parse
        node.text = xml_safe(node.text) if node.text else node.text
        for key, value in node.attrib.items():
            node.set(key, xml_safe(value))
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
