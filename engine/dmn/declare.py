"""The first pass over a DMN file: input data and decisions declared, with their types, before
any table is read, so that every decision may refer to any other and to every input.

A structure of simple components becomes one variable per component (`a.b`); a decision whose
logic is not a decision table or a single S-FEEL literal is recorded as unusable, with why,
so that whatever needs it is an error naming it and nothing else is.
"""

from __future__ import annotations

from dataclasses import replace
from xml.etree.ElementTree import Element

from ..core.i18n import _
from .cells import Cells, kind_of
from .lenient import cell_kind, retyped
from .names import DecisionSpec, Names
from .types import BUILT_IN, NUMBERS, DmnType, local, type_name

LOGIC_TAGS = ("decisionTable", "literalExpression", "context", "invocation", "relation", "list",
              "functionDefinition", "for", "some", "every", "conditional", "filter")


class Declarations(Names):
    """Declares the names of a DMN file; the reader (read.py) then reads the tables."""

    cells: Cells  # set by the reader before the first declaration
    lenient_types: bool  # set by the reader: a typeRef its cells contradict is read leniently

    def read_input_data(self, node: Element) -> None:
        name = (node.get("name") or "").strip()
        iid = self.eid(node, name)
        variable = self.child(node, "variable")
        ref = variable.get("typeRef") if variable is not None else None
        label, description = node.get("label") or "", self.description(node)
        if name in self.vars:
            self.add("duplicate", _("the input data name {name!r} is used twice").format(
                                      name=name), iid)
            return
        if not ref:
            self.declare(name, None, iid, label, description)
            self.inputs.add(name)
            return
        resolved = self.types.resolve_type(ref)
        if isinstance(resolved, DmnType):
            self.declare(name, resolved, iid, label, description)
            self.inputs.add(name)
            return
        if self.flatten(name, iid, type_name(ref), label):
            return
        self.unusable[name] = _("input data {name!r} ({iid}): {resolved}").format(
                                  name=name, iid=iid, resolved=resolved)
        self.add("unsupported", _("input data {name!r} cannot be used: {resolved}").format(
                                    name=name, resolved=resolved), iid,
                 severity="warning")

    def flatten(self, name: str, iid: str, ref: str, label: str) -> bool:
        """A structure of simple components becomes one variable per component: `a.b`."""
        if ref not in self.types.items:
            return False
        order, item = self.types.items[ref]
        comps = self.children(item, "itemComponent")
        if not comps or item.get("isCollection") == "true":
            return False
        for comp in comps:
            cname = f"{name}.{comp.get('name', '')}"
            cell = f"{iid}/{self.eid(comp, comp.get('name', ''))}"
            inner = self.types.typeref_child(comp)
            resolved = self.types.resolve_type(inner) if inner else _("it has no type")
            if isinstance(resolved, str):
                self.unusable[cname] = _("component {name!r} ({cell}): {why}").format(
                                           name=cname, cell=cell, why=resolved)
                continue
            allowed = self.text(self.child(comp, "allowedValues")) or resolved.allowed
            resolved = DmnType(resolved.base, allowed, cell if allowed else resolved.allowed_cell,
                             order)
            self.declare(cname, resolved, cell, label and f"{label}: {comp.get('name')}")
            self.inputs.add(cname)
        return True

    def declare_decision(self, node: Element) -> None:
        """First pass: a decision's name and outputs, so that any other may refer to them."""
        name = (node.get("name") or "").strip()
        did = self.eid(node, name)
        if not name:
            self.add("syntax", _("a decision without a name cannot be asked for or required: "
                                 "give it a name"), did)
            return
        if name in self.decisions or name in self.vars:
            self.add("duplicate", _("the name {name!r} is used twice").format(name=name), did)
            return
        d = DecisionSpec(node, did, name)
        d.requires = [(r.get("href") or "").partition("#")[2]
                      for req in self.children(node, "informationRequirement")
                      for r in self.children(req, "requiredDecision")]
        self.decisions[name] = d
        table = self.child(node, "decisionTable")
        literal = self.child(node, "literalExpression")
        if table is not None:
            self.declare_outputs(d, table)
        elif literal is not None and (found := self.cells.constant(literal)) is not None:
            vtype = self.types.decision_type(node, None)
            kind = kind_of(found[0])
            if vtype is None and kind is not None:
                vtype = DmnType(kind)
            var = self.declare(self.answer_name(d), vtype, f"{did}/literal")
            d.outputs = [var.name]
        else:
            logic = next((local(c.tag) for c in node if local(c.tag) in LOGIC_TAGS), None)
            if logic == "literalExpression":
                shown = " ".join(self.text(literal).split())
                shown = shown if len(shown) <= 80 else shown[:77] + "..."
                why = _("a FEEL literal expression ({shown!r}); only decision tables "
                         "and single S-FEEL literals are read").format(shown=shown)
            elif logic is None:
                why = _("no decision logic")
            else:
                article = "an" if logic[0] in "aeiou" else "a"
                why = _("{article} {logic}; only decision tables and single S-FEEL "
                         "literals are read").format(article=article, logic=logic)
            self.unusable[name] = _("decision {name!r} ({did}), which holds {why}").format(
                                      name=name, did=did, why=why)
            variable = self.child(node, "variable")
            answer = (variable.get("name") or "").strip() if variable is not None else ""
            if answer and answer != name:  # Camunda's tables read it by this name
                self.unusable.setdefault(answer, self.unusable[name])
            self.add("unsupported", _("decision {name!r} holds {why}; it is left out").format(
                                        name=name, why=why),
                     did, severity="warning", decision=name)
        if self.children(node, "knowledgeRequirement"):
            self.add(
                "unsupported",
                _(
                    "decision {name!r} requires a business knowledge model, which is not read"
                ).format(name=name),
                did,
                severity="warning",
                decision=name,
            )

    def answer_name(self, d: DecisionSpec) -> str:
        """The name a decision's single unnamed answer goes by: its variable's (Drools reads
        `Approval Status` from decision `_0004-simpletable-U`), else the decision's own."""
        variable = self.child(d.node, "variable")
        name = (variable.get("name") or "").strip() if variable is not None else ""
        return name or d.name

    def declare_outputs(self, d: DecisionSpec, table: Element) -> None:
        outputs = self.children(table, "output")
        for k, out in enumerate(outputs, 1):
            oid = f"{d.id}/{self.eid(out, f'output{k}')}"
            oname = (out.get("name") or "").strip()
            if len(outputs) > 1 and not oname:
                self.add("structure", _("output {k} of decision {name!r} has no name; "
                                        "a table with several outputs names each").format(
                                          k=k, name=d.name), oid, decision=d.name)
                oname = f"output{k}"
            name = oname or self.answer_name(d)
            if name in self.vars or name in self.unusable:
                qualified = f"{d.name}.{name}"
                self.add("graph", _("the output {name!r} of decision {name2!r} has the "
                                    "name of another element: it is called "
                                    "{qualified!r} here").format(
                                      name=name, name2=d.name, qualified=qualified), oid,
                         severity="info", decision=d.name)
                name = qualified
            ref = out.get("typeRef")
            vtype: DmnType | str | None = self.types.resolve_type(ref) if ref else None
            if isinstance(vtype, str):
                self.add("unsupported", _("output {name!r}: {why}").format(name=name, why=vtype),
                         oid, decision=d.name)
                vtype = None
            typed = self.types.decision_type(d.node, table, oname if len(outputs) > 1 else None)
            if typed is not None and (vtype is None or vtype.order == BUILT_IN) and (
                    vtype is None or {vtype.base, typed.base} <= NUMBERS
                    or vtype.base == typed.base):
                vtype = typed  # the item definition: its domain and its place in the glossary
            if vtype is None:
                vtype = self.cells.infer_output(table, k - 1, out)
            values = self.text(self.child(out, "outputValues"))
            texts = self.cells.column_texts(table, k - 1, "outputEntry") + [
                self.text(self.child(out, "defaultOutputEntry"))]
            lenient = vtype is not None and not vtype.allowed and self.lenient_types
            kind = cell_kind(vtype.base, texts, inputs=False, listed=values) \
                if lenient and vtype else None
            if vtype is not None and kind is not None:  # old Camunda: typeRef="string" on 22
                retyped(self.problems, name, vtype.base, kind, oid, d.name)
                vtype = replace(vtype, base=kind)
            label = out.get("label") or (vtype.label if vtype else "")  # its type is its own
            var = self.declare(name, vtype, oid, label, self.description(out))
            if values:
                var.allowed, var.allowed_cell = values, oid
            d.outputs.append(name)
            d.components[oname or name] = name
