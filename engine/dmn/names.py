"""Names in a DMN file: variables, decisions, and what each input expression reads.

An input expression names an input data element, a decision with one output, `decision.output`,
or (Camunda's convention) the output of a decision it requires; a plain name nothing declares
is an input the case gives. Anything else is a finding naming the clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from ..core.i18n import _
from ..core.problems import Problems
from .types import BUILT_IN, DmnPart, DmnType, Types

PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
LITERAL = re.compile(r'(true|false|null|-?\d+(\.\d+)?|"[^"]*")$')  # an input expression: a value


@dataclass
class VarSpec:
    """A variable while it is being read: its domain may still come from an input clause."""

    name: str
    type: str | None
    cell: str
    order: int
    allowed: str | None = None
    allowed_cell: str = ""
    label: str = ""
    description: str = ""


@dataclass
class DecisionSpec:
    node: Element
    id: str
    name: str
    outputs: list[str] = field(default_factory=list)  # variable names, for tables
    components: dict[str, str] = field(default_factory=dict)  # output name -> variable
    requires: list[str] = field(default_factory=list)  # ids of the decisions it requires


class Names(DmnPart):
    """The names of a DMN file: its variables and decisions, and what an input expression
    reads. The reader (read.py) walks the file; this part declares and resolves names."""

    def __init__(self, ns: str, problems: Problems, root: Element) -> None:
        super().__init__(ns, problems)
        self.root = root
        self.types = Types(ns, problems, root)
        self.vars: dict[str, VarSpec] = {}
        self.inputs: set[str] = set()  # variables given by a case
        self.implicit: set[str] = set()  # those only an input expression names (Camunda's style)
        self.decisions: dict[str, DecisionSpec] = {}
        self.unusable: dict[str, str] = {}  # a name nothing can be computed for -> why
        self.seen = 0

    def declare(self, name: str, vtype: DmnType | None, cell: str, label: str = "",
                description: str = "") -> VarSpec:
        self.seen += 1
        order = vtype.order if vtype is not None else BUILT_IN
        var = VarSpec(name, vtype.base if vtype else None, cell, order * 1000 + self.seen,
                   vtype.allowed if vtype else None, vtype.allowed_cell if vtype else "",
                   label,  # the element's own: a shared type's label names the type (tAge)
                   description or (vtype.description if vtype else ""))
        self.vars[name] = var
        return var

    def implicit_input(self, name: str, ref: str | None, cell: str, decision: str) -> VarSpec:
        """A column reading a name the file never declares: a case input (Camunda's style)."""
        resolved = self.types.resolve_type(ref) if ref else None
        var = self.declare(name, resolved if isinstance(resolved, DmnType) else None, cell)
        self.inputs.add(name)
        self.implicit.add(name)
        if any(True for _ in self.root.iter(self.q("inputData"))):
            self.add("graph", _("{name!r} is neither an input data element nor a "
                                "decision of this model: read as an input the case "
                                "gives").format(name=name), cell,
                     severity="warning", decision=decision)
        return var

    def required_output(self, text: str, d: DecisionSpec, cid: str) -> tuple[bool, VarSpec | None]:
        """Camunda's convention: an input expression that names the output of a decision this
        one requires reads that output. (False, None): the name is no decision's output."""
        owners = [u for u in self.decisions.values() if u is not d and text in u.components]
        if not owners:
            return False, None
        names = ", ".join(repr(u.name) for u in owners)
        if len(owners) > 1:
            self.add("graph", _("input {text!r} of decision {name!r} could be the "
                                "output of decisions {names}: give the outputs "
                                "different names").format(text=text, name=d.name, names=names), cid,
                     decision=d.name)
            return True, None
        if owners[0].name not in self.required(d):
            self.add("graph", _("input {text!r} of decision {name!r} names the output "
                                "of decision {names}, which {name!r} does not require: "
                                "add the requirement, or give the input another name "
                                "if the case gives it").format(
                                  text=text, name=d.name, names=names), cid, decision=d.name)
            return True, None
        return True, self.vars[owners[0].components[text]]

    def requirement_loops(self) -> None:
        """Decisions that require themselves, directly or through others: none can go first."""
        reported: set[str] = set()
        for d in self.decisions.values():
            if d.name in reported or d.name not in self.required(d):
                continue
            loop = [u for u in self.decisions.values()
                    if u.name in self.required(d) and d.name in self.required(u)]
            reported.update(u.name for u in loop)
            shown = ", ".join(repr(u.name or u.id) for u in loop)
            what = (
                _(
                    "decision {shown} requires itself (informationRequirement): it "
                    "can never be decided"
                ).format(shown=shown)
                if len(loop) == 1
                else _(
                    "decisions {shown} require "
                    "each other in a loop "
                    "(informationRequirement): "
                    "none of them can be decided "
                    "first"
                ).format(shown=shown)
            )
            self.add("graph", what, d.id, decision=d.name)

    def required(self, d: DecisionSpec) -> set[str]:
        """The names of the decisions d requires, directly or through others."""
        by_id = {u.id: u for u in self.decisions.values()}
        seen: set[str] = set()
        todo = list(d.requires)
        while todo:
            up = by_id.get(todo.pop())
            if up is not None and up.name not in seen:
                seen.add(up.name)
                todo.extend(up.requires)
        return seen

    def known_head(self, head: str) -> bool:
        """`head` names a variable, a decision, an output or a declared structure of this
        model (not the common head of names only input expressions give: `person.age`)."""
        return (head in self.vars or head in self.decisions or head in self.unusable
                or any(head in u.components for u in self.decisions.values())
                or any(v.startswith(head + ".") for v in self.vars if v not in self.implicit))

    def resolve_name(self, text: str, d: DecisionSpec, cid: str, ref: str | None) -> VarSpec | None:
        """An input expression must name an input, a decision, or `decision.output`."""
        if text in self.inputs:
            return self.vars[text]
        if not text:  # a modeler's new column, never filled in
            self.add(
                "structure",
                _(
                    "an input column of decision {name!r} has no input "
                    "expression: name the input it reads"
                ).format(name=d.name),
                cid,
                decision=d.name,
            )
            return None
        if LITERAL.match(text):
            self.add("unsupported", _("input expression {text!r} of decision {name!r} is the "
                                      "FEEL literal {text}: DMN reads that value in every case, "
                                      "not an input, and a column of one constant is not "
                                      "read").format(text=text, name=d.name), cid,
                     decision=d.name)
            return None
        if text == d.name:  # its own variable is not in scope inside it: a case input (Camunda)
            if text in self.vars:
                self.add("graph", _("input expression {text!r} of decision {name!r} is the "
                                    "decision's own name, which its answer also has: give the "
                                    "output or the input another name").format(
                                      text=text, name=d.name), cid, decision=d.name)
                return None
            return self.implicit_input(text, ref, cid, d.name)
        up = self.decisions.get(text)
        if up is not None and up.name != d.name and len(up.outputs) == 1:
            return self.vars[up.outputs[0]]
        head, dot, tail = text.partition(".")
        up = self.decisions.get(head)
        if dot and up is not None and tail in up.components:
            return self.vars[up.components[tail]]
        owned, found = self.required_output(text, d, cid)
        if owned:
            return found
        for name in (text, head):
            if name in self.unusable:
                self.add(
                    "unsupported",
                    _("input {text!r} of decision {name!r} needs {unusable}").format(
                        text=text, name=d.name, unusable=self.unusable[name]
                    ),
                    cid,
                    decision=d.name,
                )
                return None
        if up is not None and len(up.outputs) > 1 and not dot:
            self.add("structure", _("decision {text!r} gives several outputs (a "
                                    "context); an input names one: {text}.{outputs}").format(
                                      text=text, outputs=up.outputs[0]), cid,
                     decision=d.name)
            return None
        if dot and self.known_head(head):
            self.add("unsupported", _("input expression {text!r} of decision {name!r} reads "
                                      "{tail!r} of {head!r}, which is not a component this "
                                      "model holds: FEEL paths into a value are not "
                                      "read").format(text=text, name=d.name, tail=tail, head=head),
                     cid, decision=d.name)
            return None
        if PLAIN_NAME.match(text) and text not in self.decisions and text not in self.vars:
            return self.implicit_input(text, ref, cid, d.name)
        self.add(
            "unsupported",
            _(
                "input expression {text!r} of decision {name!r} is "
                "not the plain name of an input or decision; FEEL "
                "expressions are not read"
            ).format(text=text, name=d.name),
            cid,
            decision=d.name,
        )
        return None
