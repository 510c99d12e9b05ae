"""Read a DMN file (1.1 to 1.5) into the same model a workbook gives.

Decision tables with S-FEEL unary tests and literal outputs are read in full: every hit policy
and aggregation, several outputs, default output entries, annotation columns. What the model
cannot hold — FEEL beyond S-FEEL literals, input expressions that are not a plain name,
business knowledge models, contexts, invocations, types such as time or durations — becomes a
finding that names the element id and what it holds: never silently dropped, never half
evaluated. A decision that needs such an element is an error (the model refuses to evaluate);
one that nothing needs is a warning. Cells are element ids: `decision/rule/inputEntry`.
Types are mapped in dmn_types.py and cell texts are read in dmn_cells.py; this module walks
the definitions and builds the Model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from ..core.errors import WorkbookError
from ..core.graph import order_tables
from ..core.model import Column, Model, Rule, Table, Variable
from ..core.problems import Problems
from ..core.safe_io import input_size
from ..core.sfeel import Value, normalise_text
from ..domain.values import ValueProblem, conform
from .cells import Cells, domain_key, kind_of
from .export import EXT_NS
from .types import BUILT_IN, NUMBERS, DmnPart, DmnType, Types, local, type_name

MODEL_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
    "http://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
    "https://www.omg.org/spec/DMN/20211108/MODEL/": "1.4",
    "https://www.omg.org/spec/DMN/20230324/MODEL/": "1.5",
}
MAX_BYTES = 32 * 1024 * 1024  # a DMN model of decision tables is far smaller
HIT_POLICIES = {
    ("UNIQUE", None): "U", ("ANY", None): "A", ("PRIORITY", None): "P", ("FIRST", None): "F",
    ("RULE ORDER", None): "R", ("OUTPUT ORDER", None): "O", ("COLLECT", None): "C",
    ("COLLECT", "SUM"): "C+", ("COLLECT", "COUNT"): "C#", ("COLLECT", "MIN"): "C<",
    ("COLLECT", "MAX"): "C>",
}
PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
LOGIC_TAGS = ("decisionTable", "literalExpression", "context", "invocation", "relation", "list",
              "functionDefinition", "for", "some", "every", "conditional", "filter")


def read_dmn(path: str) -> Model:
    """The model of a DMN file; problems are findings in `Model.problems`."""
    root = parse_file(path)
    return _Reader(path, root).read()


def parse_file(path: str) -> Element:
    """Parse with defusedxml (no entities, no DTDs), refusing what is not a DMN model."""
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    size = input_size(path, "a DMN file")
    if size > MAX_BYTES:
        raise WorkbookError(f"{path}: refused: {size:,} bytes, far beyond any DMN model")
    try:
        parsed = DET.parse(path).getroot()
    except DefusedXmlException as exc:
        raise WorkbookError(f"{path}: refused: the XML declares entities or a DTD "
                            f"({type(exc).__name__}), which a DMN file never needs") from None
    except Exception as exc:  # ParseError and friends: a broken file
        raise WorkbookError(f"{path}: not a readable XML file ({exc})") from None
    if parsed is None:
        raise WorkbookError(f"{path}: the XML file holds no element")
    root: Element = parsed
    ns, _, tag = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
    if tag != "definitions" or ns not in MODEL_NAMESPACES:
        raise WorkbookError(f"{path}: not a DMN model (the root element is {root.tag!r}, not "
                            "a DMN <definitions>)")
    return root


@dataclass
class _Var:
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
class _Decision:
    node: Element
    id: str
    name: str
    outputs: list[str] = field(default_factory=list)  # variable names, for tables
    components: dict[str, str] = field(default_factory=dict)  # output name -> variable


@dataclass
class _Head:
    table: Element | None  # None: a constant decision
    policy: str
    columns: list[Column]


class _Reader(DmnPart):
    """Walks the definitions: input data, then decisions in three passes, into a Model."""

    def __init__(self, path: str, root: Element) -> None:
        super().__init__(root.tag[1:].partition("}")[0], Problems())
        self.path = path
        self.root = root
        self.types = Types(self.ns, self.problems, root)
        self.cells = Cells(self.ns, self.problems,
                           lambda name: name in self.vars or name in self.decisions)
        self.vars: dict[str, _Var] = {}
        self.inputs: set[str] = set()  # variables given by a case
        self.decisions: dict[str, _Decision] = {}
        self.unusable: dict[str, str] = {}  # a name nothing can be computed for -> why
        self.tables: list[Table] = []
        self.left_out: set[str] = set()  # outputs of decisions that cannot be read
        self.columns: set[str] = set()  # every variable a table reads
        self.seen = 0

    # -- variables --------------------------------------------------------------------------
    def declare(self, name: str, vtype: DmnType | None, cell: str, label: str = "",
                description: str = "") -> _Var:
        self.seen += 1
        order = vtype.order if vtype is not None else BUILT_IN
        var = _Var(name, vtype.base if vtype else None, cell, order * 1000 + self.seen,
                   vtype.allowed if vtype else None, vtype.allowed_cell if vtype else "",
                   label or (vtype.label if vtype else ""),
                   description or (vtype.description if vtype else ""))
        self.vars[name] = var
        return var

    def read_input_data(self, node: Element) -> None:
        name = (node.get("name") or "").strip()
        iid = self.eid(node, name)
        variable = self.child(node, "variable")
        ref = variable.get("typeRef") if variable is not None else None
        label, description = node.get("label") or "", self.description(node)
        if name in self.vars:
            self.add("duplicate", f"the input data name {name!r} is used twice", iid)
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
        self.unusable[name] = f"input data {name!r} ({iid}): {resolved}"
        self.add("unsupported", f"input data {name!r} cannot be used: {resolved}", iid,
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
            resolved = self.types.resolve_type(inner) if inner else "it has no type"
            if isinstance(resolved, str):
                self.unusable[cname] = f"component {cname!r} ({cell}): {resolved}"
                continue
            allowed = self.text(self.child(comp, "allowedValues")) or resolved.allowed
            resolved = DmnType(resolved.base, allowed, cell if allowed else resolved.allowed_cell,
                             order)
            self.declare(cname, resolved, cell, label and f"{label}: {comp.get('name')}")
            self.inputs.add(cname)
        return True

    def implicit_input(self, name: str, ref: str | None, cell: str, decision: str) -> _Var:
        """A column reading a name the file never declares: a case input (Camunda's style)."""
        resolved = self.types.resolve_type(ref) if ref else None
        var = self.declare(name, resolved if isinstance(resolved, DmnType) else None, cell)
        self.inputs.add(name)
        if any(True for _ in self.root.iter(self.q("inputData"))):
            self.add("graph", f"{name!r} is neither an input data element nor a decision of "
                              "this model: read as an input the case gives", cell,
                     severity="warning", decision=decision)
        return var

    # -- the file ---------------------------------------------------------------------------
    def read(self) -> Model:
        root = self.root
        for imp in self.children(root, "import"):
            self.add("unsupported", f"the model imports {imp.get('namespace', '?')!r} "
                                    f"({imp.get('locationURI', 'no location')}): imports are "
                                    "not followed, so names from it do not resolve",
                     self.eid(imp, "import"), severity="warning")
        for node in self.children(root, "inputData"):
            self.read_input_data(node)
        for node in self.children(root, "decision"):
            self.declare_decision(node)
        for kind in ("businessKnowledgeModel", "decisionService"):
            for node in self.children(root, kind):
                what = "business knowledge model" if kind != "decisionService" else \
                    "decision service"
                logic = next((local(c.tag) for c in node.iter() if local(c.tag) in LOGIC_TAGS),
                             "no logic")
                self.add("unsupported", f"{what} {node.get('name', '?')!r} (holding {logic}) "
                                        "is not read: only decisions are", self.eid(node, kind),
                         severity="warning")
        heads = self.read_heads()
        variables = self.variables()  # every domain is known now: the cells are read against it
        for d, head in heads:
            self.tables.append(self.read_body(d, head, variables))
        ordered = order_tables(self.tables, variables, self.problems)
        return Model(self.path, variables, {t.name: t for t in ordered}, [], self.about(),
                     self.problems.items)

    def read_heads(self) -> list[tuple[_Decision, _Head]]:
        """Every decision that can be read, and none that needs one that cannot."""
        heads = {d.name: (d, head) for d in self.decisions.values()
                 if d.name not in self.unusable and (head := self.read_head(d)) is not None}
        owner = {v: d.name for d in self.decisions.values() for v in d.outputs}
        changed = True
        while changed:
            changed = False
            for name, (d, head) in list(heads.items()):
                missing = next((c for c in head.columns
                                if c.name in owner and owner[c.name] not in heads), None)
                if missing is None:
                    continue
                up = owner[missing.name]
                self.add("unsupported", f"input {missing.name!r} of decision {name!r} needs "
                                        f"decision {up!r}, which cannot be read (see its "
                                        "finding)", missing.cell, decision=name)
                self.unusable[name] = f"decision {name!r} ({d.id}), which needs {up!r}"
                del heads[name]
                changed = True
        self.left_out = {v for v, name in owner.items() if name not in heads}
        return list(heads.values())

    def about(self) -> dict[str, str]:
        about = {"title": self.root.get("name", "")}
        ext = self.child(self.root, "extensionElements")
        if ext is not None:
            for node in ext.findall(f"{{{EXT_NS}}}about"):
                about[node.get("key", "")] = normalise_text(node.text or "")
        return {k: v for k, v in about.items() if k and v}

    def variables(self) -> dict[str, Variable]:
        out: dict[str, Variable] = {}
        for spec in sorted(self.vars.values(), key=lambda v: v.order):
            if spec.name in self.left_out:
                continue  # the output of a decision that is left out (reported there)
            if spec.type is None:
                if spec.name in self.inputs and spec.name not in self.columns:
                    self.add("type", f"input data {spec.name!r} has no type and no table "
                                     "reads it: it is left out", spec.cell, severity="info")
                continue  # else reported where it is used
            allowed, values = self.cells.domain(spec.name, spec.type, spec.allowed,
                                              spec.allowed_cell or spec.cell)
            out[spec.name] = Variable(spec.name, spec.type, allowed, values, spec.label,
                                      spec.description, spec.cell, unknown=None)  # DMN: null ok
        return out

    # -- decisions --------------------------------------------------------------------------
    def declare_decision(self, node: Element) -> None:
        """First pass: a decision's name and outputs, so that any other may refer to them."""
        name = (node.get("name") or "").strip()
        did = self.eid(node, name)
        if name in self.decisions or name in self.vars:
            self.add("duplicate", f"the name {name!r} is used twice", did)
            return
        d = _Decision(node, did, name)
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
            var = self.declare(name, vtype, f"{did}/literal")
            d.outputs = [var.name]
        else:
            logic = next((local(c.tag) for c in node if local(c.tag) in LOGIC_TAGS), None)
            if logic == "literalExpression":
                shown = " ".join(self.text(literal).split())
                shown = shown if len(shown) <= 80 else shown[:77] + "..."
                why = (f"a FEEL literal expression ({shown!r}); only decision tables and "
                       "single S-FEEL literals are read")
            elif logic is None:
                why = "no decision logic"
            else:
                why = f"a {logic}; only decision tables and single S-FEEL literals are read"
            self.unusable[name] = f"decision {name!r} ({did}) holds {why}"
            self.add("unsupported", f"decision {name!r} holds {why}; it is left out",
                     did, severity="warning", decision=name)
        if self.children(node, "knowledgeRequirement"):
            self.add("unsupported", f"decision {name!r} requires a business knowledge model, "
                                    "which is not read", did, severity="warning", decision=name)

    def declare_outputs(self, d: _Decision, table: Element) -> None:
        outputs = self.children(table, "output")
        for k, out in enumerate(outputs, 1):
            oid = f"{d.id}/{self.eid(out, f'output{k}')}"
            oname = (out.get("name") or "").strip()
            if len(outputs) > 1 and not oname:
                self.add("structure", f"output {k} of decision {d.name!r} has no name; a table "
                                      "with several outputs names each", oid, decision=d.name)
                oname = f"output{k}"
            name = oname or d.name
            if name in self.vars or name in self.unusable:
                qualified = f"{d.name}.{name}"
                self.add("graph", f"the output {name!r} of decision {d.name!r} has the name of "
                                  f"another element: it is called {qualified!r} here", oid,
                         severity="info", decision=d.name)
                name = qualified
            ref = out.get("typeRef")
            vtype: DmnType | str | None = self.types.resolve_type(ref) if ref else None
            if isinstance(vtype, str):
                self.add("unsupported", f"output {name!r}: {vtype}", oid, decision=d.name)
                vtype = None
            typed = self.types.decision_type(d.node, table, oname if len(outputs) > 1 else None)
            if typed is not None and (vtype is None or vtype.order == BUILT_IN) and (
                    vtype is None or {vtype.base, typed.base} <= NUMBERS
                    or vtype.base == typed.base):
                vtype = typed  # the item definition: its domain and its place in the glossary
            if vtype is None:
                vtype = self.cells.infer_output(table, k - 1, out)
            var = self.declare(name, vtype, oid, out.get("label") or "", self.description(out))
            values = self.text(self.child(out, "outputValues"))
            if values:
                var.allowed, var.allowed_cell = values, oid
            d.outputs.append(name)
            d.components[oname or name] = name

    def read_head(self, d: _Decision) -> _Head | None:
        """Second pass: hit policy and input columns, which fix every variable's domain."""
        table = self.child(d.node, "decisionTable")
        if table is None:
            return _Head(None, "U", [])
        policy_word = (table.get("hitPolicy") or "UNIQUE").strip().upper()
        aggregation = (table.get("aggregation") or "").strip().upper() or None
        policy = HIT_POLICIES.get((policy_word, aggregation))
        if policy is None:
            self.add("syntax", f"hit policy {policy_word} {aggregation or ''} is not a DMN hit "
                               "policy", d.id, decision=d.name)
            return None
        columns: list[Column] = []
        for k, clause in enumerate(self.children(table, "input"), 1):
            column = self.input_column(d, clause, k)
            if column is None:
                self.unusable[d.name] = f"decision {d.name!r} ({d.id}), which has an input " \
                                        "that cannot be read"
                return None
            columns.append(column)
        for name in d.outputs:
            spec = self.vars[name]
            if spec.type is None:
                self.add("type", f"the type of output {name!r} cannot be told: give it a "
                                 "typeRef", spec.cell, decision=d.name)
                return None
        return _Head(table, policy, columns)

    def read_body(self, d: _Decision, head: _Head, variables: dict[str, Variable]) -> Table:
        """Third pass: the rules, each cell read against its variable's final domain."""
        sheet = d.node.get(f"{{{EXT_NS}}}sheet") or d.name
        outputs = [variables[n] for n in d.outputs]
        out_cols = tuple(Column(v.name, "output", v.cell, "") for v in outputs)
        table = head.table
        if table is None:
            return self.read_constant(d, outputs[0], out_cols, sheet)
        inputs = [variables[c.name] for c in head.columns]
        notes = [(a.get("name") or f"annotation {k}") for k, a in
                 enumerate(self.children(table, "annotation"), 1)]
        descriptions = not notes and any(self.child(r, "description") is not None
                                         for r in self.children(table, "rule"))
        if descriptions:  # DMN 1.1 modelers keep a rule's note in its description
            notes = ["description"]
        note_cols = tuple(Column(n, "annotation", f"{d.id}/annotation{k}", "")
                          for k, n in enumerate(notes, 1))
        rules = self.cells.read_rules(d.id, d.name, table, inputs, outputs, len(notes),
                                      descriptions)
        if head.policy in ("C+", "C#", "C<", "C>") and len(outputs) > 1:
            self.add("structure", f"hit policy {head.policy} aggregates one output; this table "
                                  f"has {len(outputs)}", d.id, decision=d.name)
        return Table(d.name, head.policy, tuple(head.columns), out_cols, note_cols,
                     tuple(rules), sheet, d.id, self.title(d),
                     self.cells.default(d.id, d.name, table, outputs))

    def read_constant(self, d: _Decision, var: Variable, out_cols: tuple[Column, ...],
                      sheet: str) -> Table:
        literal = self.child(d.node, "literalExpression")
        assert literal is not None
        found = self.cells.constant(literal)
        assert found is not None
        cell = out_cols[0].cell
        value: Value = None
        try:
            value = conform(found[0], var)
        except ValueProblem as exc:
            self.add(exc.kind, exc.message, cell, decision=d.name)
        self.add("constant", f"decision {d.name!r} is the constant {self.text(literal)}: read "
                             "as a table of one rule without inputs", cell, severity="info",
                 decision=d.name)
        rule = Rule("1", 1, (), (value,), (), (), (cell,), cell)
        return Table(d.name, "U", (), out_cols, (), (rule,), sheet, d.id, self.title(d))

    def title(self, d: _Decision) -> str:
        return self.description(d.node) or (d.node.get("label") or "")

    def input_column(self, d: _Decision, clause: Element, k: int) -> Column | None:
        cid = f"{d.id}/{self.eid(clause, f'input{k}')}"
        expr = self.child(clause, "inputExpression")
        text = " ".join(self.text(expr).split()) if expr is not None else ""
        language = (expr.get("expressionLanguage") or "feel") if expr is not None else "feel"
        if "feel" not in language.casefold():
            self.add("unsupported", f"input {k} of decision {d.name!r} is written in "
                                    f"{language!r}; only FEEL names are read", cid,
                     decision=d.name)
            return None
        ref = expr.get("typeRef") if expr is not None else None
        var = self.resolve_name(text, d, cid, ref)
        if var is None:
            return None
        if var.type is None and ref:
            resolved = self.types.resolve_type(ref)
            if isinstance(resolved, DmnType):
                var.type = resolved.base
        if var.type is None:
            var.type = self.cells.infer_input(d.node, k - 1)
        if var.type is None:
            self.add("type", f"the type of input {text!r} cannot be told: give the input data "
                             "or the input expression a typeRef", cid, decision=d.name)
            return None
        values = self.text(self.child(clause, "inputValues"))
        if values and not var.allowed:
            var.allowed, var.allowed_cell = values, cid
        elif values and domain_key(values) != domain_key(var.allowed or ""):
            self.add("domain", f"the input values of {text!r} here ({values}) differ from its "
                               f"type's ({var.allowed}); the type's are used", cid,
                     severity="warning", decision=d.name)
        self.columns.add(var.name)
        return Column(var.name, "input", cid, "")

    def resolve_name(self, text: str, d: _Decision, cid: str, ref: str | None) -> _Var | None:
        """An input expression must name an input, a decision, or `decision.output`."""
        if text in self.inputs:
            return self.vars[text]
        up = self.decisions.get(text)
        if up is not None and up.name != d.name and len(up.outputs) == 1:
            return self.vars[up.outputs[0]]
        head, dot, tail = text.partition(".")
        up = self.decisions.get(head)
        if dot and up is not None and tail in up.components:
            return self.vars[up.components[tail]]
        for name in (text, head):
            if name in self.unusable:
                self.add("unsupported", f"input {text!r} of decision {d.name!r} needs "
                                        f"{self.unusable[name]}", cid, decision=d.name)
                return None
        if up is not None and len(up.outputs) > 1 and not dot:
            self.add("structure", f"decision {text!r} gives several outputs (a context); an "
                                  f"input names one: {text}.{up.outputs[0]}", cid,
                     decision=d.name)
            return None
        if PLAIN_NAME.match(text) and text not in self.decisions and text not in self.vars:
            return self.implicit_input(text, ref, cid, d.name)
        self.add("unsupported", f"input expression {text!r} of decision {d.name!r} is not the "
                                "plain name of an input or decision; FEEL expressions are not "
                                "read", cid, decision=d.name)
        return None
