"""Write a model as one standard DMN file (1.5, or 1.3 for engines that read only that).

The export is meant to run unchanged in other DMN engines and to open in a modeler: item
definitions from the glossary, input data for the case inputs, one decision per table with its
decision table, the requirements between them, and a DMNDI diagram of the graph. What DMN has
no place for (the integer type, the sheet a table lives on, the About sheet) rides along in
extension attributes and elements of our own namespace, which other tools ignore.
docs/dmn.md lists the mapping.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..core import VERSION
from ..core.i18n import _
from ..core.model import Model, Table, Variable
from ..core.safe_io import write_text
from ..core.sfeel import Interval, UnaryTest, Value, literal_text
from ..core.text import xml_safe

MODEL_NS = {
    "1.5": "https://www.omg.org/spec/DMN/20230324/MODEL/",
    "1.3": "https://www.omg.org/spec/DMN/20191111/MODEL/",
}
DMNDI_NS = {
    "1.5": "https://www.omg.org/spec/DMN/20230324/DMNDI/",
    "1.3": "https://www.omg.org/spec/DMN/20191111/DMNDI/",
}
DC_NS = "http://www.omg.org/spec/DMN/20180521/DC/"
DI_NS = "http://www.omg.org/spec/DMN/20180521/DI/"
EXT_NS = "urn:guideline-engine:dmn:1"  # our extension attributes and elements
VERSIONS = tuple(MODEL_NS)

HIT_POLICY = {
    "U": ("UNIQUE", None), "A": ("ANY", None), "P": ("PRIORITY", None), "F": ("FIRST", None),
    "R": ("RULE ORDER", None), "O": ("OUTPUT ORDER", None), "C": ("COLLECT", None),
    "C+": ("COLLECT", "SUM"), "C#": ("COLLECT", "COUNT"), "C<": ("COLLECT", "MIN"),
    "C>": ("COLLECT", "MAX"),
}
BASE_TYPE = {"boolean": "boolean", "string": "string", "number": "number",
             "integer": "number", "date": "date"}
DECISION_SIZE = (180.0, 80.0)
INPUT_SIZE = (125.0, 45.0)
_NOT_NCNAME = re.compile(r"[^A-Za-z0-9_.-]")


# -- S-FEEL text ----------------------------------------------------------------------------
def feel_literal(value: Value, bare: Collection[str] = ()) -> str:
    """A value as FEEL writes it; `bare` strings are left unquoted (for workbook cells)."""
    if isinstance(value, float) and (not value.is_integer() or abs(value) >= 1e15):
        return format(Decimal(repr(value)), "f")  # FEEL has no exponent notation
    if isinstance(value, str) and value in bare:
        return value
    if isinstance(value, dt.datetime):
        return _('date and time("{value}")').format(value=value.isoformat())
    return literal_text(value)


def interval_text(iv: Interval) -> str:
    lo = feel_literal(iv.lo) if iv.lo is not None else None
    hi = feel_literal(iv.hi) if iv.hi is not None else None
    if lo is None and hi is None:
        return "-"
    if lo is None:
        return f"{'<=' if iv.hi_closed else '<'} {hi}"
    if hi is None:
        return f"{'>=' if iv.lo_closed else '>'} {lo}"
    if iv.lo == iv.hi and iv.lo_closed and iv.hi_closed:
        return lo
    return f"{'[' if iv.lo_closed else '('}{lo}..{hi}{']' if iv.hi_closed else ')'}"


def unary_text(test: UnaryTest, bare: Collection[str] = (), feel: bool = False) -> str:
    """The canonical S-FEEL spelling of a test, whatever the cell held (`no` -> `"no"`).

    With `feel`, a negation also excludes null, as it does in this engine: in FEEL
    `not("a")` matches null (null = "a" is false), so it is written `not("a", null)`.
    """
    if test.any:
        return "-"
    points = list(test.ordered_points)
    if set(points) != set(test.points):
        points = sorted(test.points, key=literal_text)
    parts = [feel_literal(p, bare) for p in points]
    parts += [interval_text(iv) for iv in test.intervals]
    if test.null or (feel and test.negated) or (test.negated and not parts):
        parts.append("null")  # a negation never matches null here: not() is not(null)
    inner = ", ".join(parts)
    return f"not({inner})" if test.negated else inner


def domain_text(var: Variable) -> str | None:
    """A variable's allowed values as S-FEEL unary tests (DMN allowedValues/inputValues)."""
    if var.type == "string" and var.values:
        return ", ".join(feel_literal(v) for v in var.values)
    if var.type != "string" and var.type != "boolean" and var.allowed is not None:
        return unary_text(var.allowed)
    return None


# -- ids ------------------------------------------------------------------------------------
@dataclass
class _Ids:
    """Unique NCName ids made from names: every element can be referred to and found."""

    taken: set[str] = field(default_factory=set)

    def make(self, *parts: str) -> str:
        base = "_".join(_NOT_NCNAME.sub("_", p) for p in parts if p) or "id"
        if not (base[0].isalpha() or base[0] == "_"):
            base = "_" + base
        candidate, n = base, 2
        while candidate in self.taken:
            candidate, n = f"{base}_{n}", n + 1
        self.taken.add(candidate)
        return candidate


# -- the document ---------------------------------------------------------------------------
@dataclass
class _Writer:
    model: Model
    ns: str
    dmndi: str
    ids: _Ids = field(default_factory=_Ids)
    type_of: dict[str, str] = field(default_factory=dict)  # variable -> itemDefinition name
    result_of: dict[str, str] = field(default_factory=dict)  # table -> its result's type
    input_ids: dict[str, str] = field(default_factory=dict)  # case input -> inputData id
    decision_ids: dict[str, str] = field(default_factory=dict)  # table -> decision id
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # (req id, from, to)

    def el(self, parent: ET.Element | None, tag: str, text: str | None = None,
           **attrs: str | None) -> ET.Element:
        clean = {k: v for k, v in attrs.items() if v is not None}
        name = f"{{{self.ns}}}{tag}"
        node = ET.Element(name, clean) if parent is None else ET.SubElement(parent, name, clean)
        if text is not None:
            node.text = text
        return node

    def texted(self, parent: ET.Element, tag: str, text: str, **attrs: str | None) -> None:
        holder = self.el(parent, tag, **attrs)
        self.el(holder, "text", text)

    def described(self, node: ET.Element, description: str) -> None:
        if description:
            self.el(node, "description", description)

    # -- parts ------------------------------------------------------------------------------
    def document(self) -> ET.Element:
        m = self.model
        title = m.about.get("title") or Path(m.path).stem or "guideline"
        root = self.el(None, "definitions", id=self.ids.make("definitions", _slug(title)),
                       name=title, namespace=f"urn:guideline:{_slug(title)}",
                       exporter="guideline-engine", exporterVersion=_version())
        if m.about:
            ext = self.el(root, "extensionElements")
            for key, value in m.about.items():
                node = ET.SubElement(ext, f"{{{EXT_NS}}}about", {"key": key})
                node.text = value
        produced = {o for t in m.tables.values() for o in t.output_names}
        for var in m.variables.values():
            self.item_definition(root, var)
        for table in m.tables.values():
            self.result_type(root, table)
        for name in m.tables:
            self.decision_ids[name] = self.ids.make("d", name)
        for var in m.variables.values():
            if var.name not in produced:
                self.input_ids[var.name] = self.ids.make("i", var.name)
        for table in m.tables.values():
            self.decision(root, table)
        for var in m.variables.values():
            if var.name in self.input_ids:
                self.input_data(root, var)
        self.diagram(root)
        return root

    def item_definition(self, root: ET.Element, var: Variable) -> None:
        name = self.ids.make("t", var.name)
        self.type_of[var.name] = name
        item = self.el(root, "itemDefinition", id=name, name=name, label=var.label or None)
        self.described(item, var.description)  # the glossary entry, for outputs too
        if var.type == "integer":
            item.set(f"{{{EXT_NS}}}type", "integer")
        self.el(item, "typeRef", BASE_TYPE[var.type])
        allowed = domain_text(var)
        if allowed is not None:
            self.texted(item, "allowedValues", allowed)

    def result_type(self, root: ET.Element, table: Table) -> None:
        """A multi-output decision gives a context; R, O and C give a list: say so in a type."""
        many = table.hit_policy in ("R", "O", "C")
        if len(table.outputs) == 1 and not many:
            return
        name = self.ids.make("t", table.name, "result")
        self.result_of[table.name] = name
        item = self.el(root, "itemDefinition", id=name, name=name,
                       isCollection="true" if many else None)
        if len(table.outputs) == 1:
            self.el(item, "typeRef", self.type_of[table.outputs[0].name])
            return
        for col in table.outputs:
            comp = self.el(item, "itemComponent", id=self.ids.make(name, col.name),
                           name=col.name)
            self.el(comp, "typeRef", self.type_of[col.name])

    def decision_type(self, table: Table) -> str:
        if table.hit_policy == "C#":
            return "number"
        return self.result_of.get(table.name) or self.type_of[table.outputs[0].name]

    def input_expression(self, name: str) -> str:
        """How another decision's output is named in FEEL: `d` for one output, else `d.o`."""
        up = self.model.producer(name)
        if up is None:
            return name
        return up.name if len(up.outputs) == 1 else f"{up.name}.{name}"

    def decision(self, root: ET.Element, table: Table) -> None:
        did = self.decision_ids[table.name]
        node = self.el(root, "decision", id=did, name=table.name)
        node.set(f"{{{EXT_NS}}}sheet", table.sheet)
        self.described(node, table.title)
        self.el(node, "variable", id=self.ids.make(did, "variable"), name=table.name,
                typeRef=self.decision_type(table))
        seen: set[str] = set()
        for col in table.inputs:
            up = self.model.producer(col.name)
            target = self.decision_ids[up.name] if up else self.input_ids[col.name]
            if target in seen:
                continue
            seen.add(target)
            rid = self.ids.make("ir", table.name, str(len(seen)))
            req = self.el(node, "informationRequirement", id=rid)
            self.el(req, "requiredDecision" if up else "requiredInput", href=f"#{target}")
            self.edges.append((rid, target, did))
        self.decision_table(node, table, did)

    def decision_table(self, parent: ET.Element, table: Table, did: str) -> None:
        policy, aggregation = HIT_POLICY[table.hit_policy]
        dt_id = self.ids.make("dt", table.name)
        node = self.el(parent, "decisionTable", id=dt_id, hitPolicy=policy,
                       aggregation=aggregation, outputLabel=table.name)
        variables = self.model.variables
        for k, col in enumerate(table.inputs, 1):
            var = variables[col.name]
            clause = self.el(node, "input", id=f"{dt_id}_in{k}")  # its label is the input's
            self.texted(
                clause,
                "inputExpression",
                self.input_expression(col.name),
                id=f"{dt_id}_in{k}_expr",
                typeRef=BASE_TYPE[var.type],
            )
            domain = domain_text(var)
            if domain is not None:  # a case may always say "unknown": null is an input value
                self.texted(clause, "inputValues", f"{domain}, null")
        for k, col in enumerate(table.outputs, 1):
            var = variables[col.name]
            single = len(table.outputs) == 1 and col.name == table.name
            clause = self.el(node, "output", id=f"{dt_id}_out{k}",  # DMN: one output is unnamed
                             name=None if single else col.name,
                             typeRef=self.type_of[col.name])
            domain = domain_text(var)
            if domain is not None:
                self.texted(clause, "outputValues", domain)
            if table.default is not None:
                self.texted(clause, "defaultOutputEntry", feel_literal(table.default[k - 1]))
        for col in table.annotations:
            self.el(node, "annotation", name=col.name)
        for n, rule in enumerate(table.rules, 1):
            rid = f"{dt_id}_r{n}"
            rnode = self.el(node, "rule", id=rid, label=rule.id)
            for k, test in enumerate(rule.inputs, 1):
                assert test is not None  # a valid model has every cell read
                self.texted(rnode, "inputEntry", unary_text(test, feel=True),
                            id=f"{rid}_i{k}")
            for k, value in enumerate(rule.outputs, 1):
                self.texted(rnode, "outputEntry", feel_literal(value), id=f"{rid}_o{k}")
            for text in rule.annotations:
                self.texted(rnode, "annotationEntry", text)

    def input_data(self, root: ET.Element, var: Variable) -> None:
        iid = self.input_ids[var.name]
        node = self.el(root, "inputData", id=iid, name=var.name, label=var.label or None)
        self.described(node, var.description)
        self.el(node, "variable", id=self.ids.make(iid, "variable"), name=var.name,
                typeRef=self.type_of[var.name])

    # -- the diagram ------------------------------------------------------------------------
    def diagram(self, root: ET.Element) -> None:
        """Inputs on the bottom row, each decision one row above everything it requires."""
        level: dict[str, int] = dict.fromkeys(self.input_ids.values(), 0)
        needs: dict[str, list[str]] = {}
        for _edge, source, target in self.edges:
            needs.setdefault(target, []).append(source)
        for did in self.decision_ids.values():  # tables are in evaluation order
            level[did] = 1 + max((level.get(s, 0) for s in needs.get(did, [])), default=0)
        top = max(level.values(), default=0)
        rows: dict[int, list[str]] = {}
        for element, lv in level.items():
            rows.setdefault(lv, []).append(element)
        widest = max((len(r) for r in rows.values()), default=1)
        boxes: dict[str, tuple[float, float, float, float]] = {}
        for lv, elements in rows.items():
            offset = (widest - len(elements)) * 100.0
            for i, element in enumerate(elements):
                w, h = INPUT_SIZE if lv == 0 else DECISION_SIZE
                x = 60.0 + offset + i * 200.0 + (DECISION_SIZE[0] - w) / 2
                y = 60.0 + (top - lv) * 160.0 + (DECISION_SIZE[1] - h) / 2
                boxes[element] = (x, y, w, h)
        di = ET.SubElement(root, f"{{{self.dmndi}}}DMNDI")
        diagram = ET.SubElement(di, f"{{{self.dmndi}}}DMNDiagram",
                                {"id": self.ids.make("DMNDiagram"), "name": "DRD"})
        for element, (x, y, w, h) in boxes.items():
            shape = ET.SubElement(diagram, f"{{{self.dmndi}}}DMNShape",
                                  {"id": self.ids.make(element, "di"),
                                   "dmnElementRef": element})
            ET.SubElement(shape, f"{{{DC_NS}}}Bounds", {"height": _num(h), "width": _num(w),
                                                       "x": _num(x), "y": _num(y)})
        for rid, source, target in self.edges:
            edge = ET.SubElement(diagram, f"{{{self.dmndi}}}DMNEdge",
                                 {"id": self.ids.make(rid, "di"), "dmnElementRef": rid})
            sx, sy, sw, _sh = boxes[source]
            tx, ty, tw, th = boxes[target]
            ET.SubElement(edge, f"{{{DI_NS}}}waypoint", {"x": _num(sx + sw / 2), "y": _num(sy)})
            ET.SubElement(edge, f"{{{DI_NS}}}waypoint",
                          {"x": _num(tx + tw / 2), "y": _num(ty + th)})


def _num(x: float) -> str:
    return f"{x:.1f}"


def _slug(text: str) -> str:
    return _NOT_NCNAME.sub("_", text.strip())[:60] or "guideline"


def _version() -> str:
    return VERSION


# -- entry points -----------------------------------------------------------------------------
def export_dmn(model: Model, version: str = "1.5") -> str:
    """The model as DMN XML text. The model must be valid: refuse to export broken tables."""
    if version not in MODEL_NS:
        raise ValueError(_("DMN version {version!r}: use one of {versions}").format(
                             version=version, versions=', '.join(VERSIONS)))
    model.require_valid()
    ns, dmndi = MODEL_NS[version], DMNDI_NS[version]
    for prefix, uri in (("", ns), ("dmndi", dmndi), ("dc", DC_NS), ("di", DI_NS),
                        ("guideline", EXT_NS)):
        ET.register_namespace(prefix, uri)
    root = _Writer(model, ns, dmndi).document()
    for node in root.iter():  # a control character in a label: XML that every reader parses
        node.text = xml_safe(node.text) if node.text else node.text
        for key, value in node.attrib.items():
            node.set(key, xml_safe(value))
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def write_dmn(model: Model, path: str, version: str = "1.5") -> None:
    """Write the DMN file atomically (never a half-written file in place of an old one)."""
    write_text(path, export_dmn(model, version))
