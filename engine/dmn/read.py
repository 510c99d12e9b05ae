"""Read a DMN file (1.1 to 1.6) into the same model a workbook gives.

Decision tables with S-FEEL unary tests and literal outputs are read in full: every hit policy
and aggregation, several outputs, default output entries, annotation columns. What the model
cannot hold — FEEL beyond S-FEEL literals, input expressions that are not a plain name,
business knowledge models, contexts, invocations, types such as time or durations — becomes a
finding that names the element id and what it holds: never silently dropped, never half
evaluated. A decision that needs such an element is an error (the model refuses to evaluate);
one that nothing needs is a warning. Cells are element ids: `decision/rule/inputEntry`.
Types are mapped in types.py, cell texts are read in cells.py, names are declared in
declare.py (the first pass) and resolved in names.py; this module walks the definitions and
builds the Model.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from xml.etree.ElementTree import Element

from ..core.errors import WorkbookError
from ..core.graph import order_tables
from ..core.i18n import _
from ..core.model import Column, Model, Rule, Table, Variable
from ..core.problems import Problems
from ..core.safe_io import input_size
from ..core.sfeel import Value, normalise_text
from ..domain.values import ValueProblem, conform
from .bounds import bound_model
from .cells import Cells, domain_key, narrowed
from .declare import LOGIC_TAGS, Declarations
from .export import EXT_NS
from .lenient import camunda_written, cell_kind, retyped, strictly
from .names import DecisionSpec
from .types import DmnType, local

MODEL_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
    "http://www.omg.org/spec/DMN/20151101": "1.1",  # Flowable 6.0 to 6.4 wrote this
    "http://www.omg.org/spec/DMN/20151101/dmn11.xsd": "1.1",  # Camunda 7.4 to 7.12 wrote this
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
    "http://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
    "https://www.omg.org/spec/DMN/20211108/MODEL/": "1.4",
    "https://www.omg.org/spec/DMN/20230324/MODEL/": "1.5",
    "https://www.omg.org/spec/DMN/20240513/MODEL/": "1.6",  # decision tables as in 1.5
}
DRAFTS = {"http://www.omg.org/spec/DMN/20130901": "a 2013 draft of DMN"}
FLOWABLE = "http://flowable.org/dmn"  # its forceDMN11 attribute changes COLLECT's aggregation
MAX_BYTES = 32 * 1024 * 1024  # a DMN model of decision tables is far smaller
HIT_POLICIES = {
    ("UNIQUE", None): "U", ("ANY", None): "A", ("PRIORITY", None): "P", ("FIRST", None): "F",
    ("RULE ORDER", None): "R", ("OUTPUT ORDER", None): "O", ("COLLECT", None): "C",
    ("COLLECT", "SUM"): "C+", ("COLLECT", "COUNT"): "C#", ("COLLECT", "MIN"): "C<",
    ("COLLECT", "MAX"): "C>",
}

def read_dmn(path: str, strict: bool = False) -> Model:
    """The model of a DMN file; problems are findings in `Model.problems`. With `strict`, a
    reading beyond the letter of DMN (lenient.py) is an error, not a warning."""
    root = parse_file(path)
    model = _Reader(path, root).read()
    if strict:
        model.problems[:] = strictly(model.problems)
    return model


def parse_file(path: str) -> Element:
    """Parse with defusedxml (no entities, no DTDs), refusing what is not a DMN model."""
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    size = input_size(path, "a DMN file")
    if size > MAX_BYTES:
        raise WorkbookError(_("{path}: refused: {size:,} bytes, far beyond any DMN "
                              "model").format(path=path, size=size))
    try:
        parsed = DET.parse(path).getroot()
    except DefusedXmlException as exc:
        raise WorkbookError(_("{path}: refused: the XML declares entities or a DTD "
                              "({name}), which a DMN file never needs").format(
                                path=path, name=type(exc).__name__)) from None
    except Exception as exc:  # ParseError and friends: a broken file
        raise WorkbookError(_("{path}: not a readable XML file ({exc})").format(
                                path=path, exc=exc)) from None
    if parsed is None:
        raise WorkbookError(_("{path}: the XML file holds no element").format(path=path))
    root: Element = parsed
    bound_model(path, root, MODEL_NAMESPACES)
    ns, _brace, tag = (root.tag[1:].partition("}") if root.tag.startswith("{")
                       else ("", "", root.tag))
    if ns in DRAFTS:
        raise WorkbookError(_("{path}: refused: written in {drafts} (namespace {ns}), "
                              "a draft before the standard; save it as DMN 1.1 or later").format(
                                path=path, drafts=DRAFTS[ns], ns=ns))
    if tag == "definitions" and ns not in MODEL_NAMESPACES and "/spec/DMN/" in ns:
        raise WorkbookError(_("{path}: refused: the DMN namespace {ns} is not one this "
                              "reads; DMN 1.1 to 1.6 are read in these namespaces: "
                              "{known}").format(path=path, ns=ns,
                                                known=", ".join(MODEL_NAMESPACES)))
    if tag != "definitions" or ns not in MODEL_NAMESPACES:
        raise WorkbookError(_("{path}: not a DMN model (the root element is {tag!r}, "
                              "not a DMN <definitions>)").format(path=path, tag=root.tag))
    return root


@dataclass
class _Head:
    table: Element | None  # None: a constant decision
    policy: str
    columns: list[Column]
    limits: dict[int, str] = field(default_factory=dict)  # column -> its own inputValues


class _Reader(Declarations):
    """Walks the definitions: input data, then decisions in three passes, into a Model."""

    def __init__(self, path: str, root: Element) -> None:
        super().__init__(root.tag[1:].partition("}")[0], Problems(), root)
        self.path = path
        self.cells = Cells(self.ns, self.problems,
                           lambda name: name in self.vars or name in self.decisions)
        self.cells.language = (root.get("expressionLanguage") or "").strip() or "feel"
        self.lenient_types = camunda_written(root)
        self.tables: list[Table] = []
        self.left_out: set[str] = set()  # outputs of decisions that cannot be read
        self.columns: set[str] = set()  # every variable a table reads
        self.readers: dict[str, set[str]] = {}  # variable -> the decisions that read it

    # -- the file ---------------------------------------------------------------------------
    def read(self) -> Model:
        root = self.root
        for imp in self.children(root, "import"):
            self.add("unsupported", _("the model imports {get!r} ({get2}): imports are "
                                      "not followed, so names from it do not resolve").format(
                                        get=imp.get('namespace', '?'),
                                        get2=imp.get('locationURI', 'no location')),
                     self.eid(imp, "import"), severity="warning")
        for node in self.children(root, "inputData"):
            self.read_input_data(node)
        for node in self.children(root, "decision"):
            self.declare_decision(node)
        self.requirement_loops()
        for kind in ("businessKnowledgeModel", "decisionService"):
            for node in self.children(root, kind):
                what = _("business knowledge model") if kind != "decisionService" else \
                    _("decision service")
                logic = next((local(c.tag) for c in node.iter() if local(c.tag) in LOGIC_TAGS),
                             _("no logic"))
                self.add(
                    "unsupported",
                    _("{what} {get!r} (holding {logic}) is not read: only decisions are").format(
                        what=what, get=node.get("name", "?"), logic=logic
                    ),
                    self.eid(node, kind),
                    severity="warning",
                )
        heads = self.read_heads()
        variables = self.variables()  # every domain is known now: the cells are read against it
        for d, head in heads:
            self.tables.append(self.read_body(d, head, variables))
        self.cells.limits_met(self.tables)
        ordered = order_tables(self.tables, variables, self.problems)
        return Model(self.path, variables, {t.name: t for t in ordered}, [], self.about(),
                     self.problems.items)

    def read_heads(self) -> list[tuple[DecisionSpec, _Head]]:
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
                self.add(
                    "unsupported",
                    _(
                        "input {name!r} of decision {name2!r} needs "
                        "decision {up!r}, which cannot be read (see "
                        "its finding)"
                    ).format(name=missing.name, name2=name, up=up),
                    missing.cell,
                    decision=name,
                )
                self.unusable[name] = _("decision {name!r} ({id}), which needs {up!r}").format(
                                          name=name, id=d.id, up=up)
                del heads[name]
                changed = True
        self.left_out = {v for v, name in owner.items() if name not in heads}
        for name in sorted(self.inputs):  # read only where it cannot be used: say so, once
            readers = self.readers.get(name, set())
            if readers and not readers & heads.keys():
                self.left_out.add(name)
                self.add(
                    "graph",
                    _(
                        "input data {name!r} is read only by decision(s) "
                        "{map}, left out (see above): it is left out too"
                    ).format(name=name, map=", ".join(map(repr, sorted(readers)))),
                    self.vars[name].cell,
                    severity="info",
                )
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
                    self.add(
                        "type",
                        _(
                            "input data {name!r} has no type and no table reads it: it is left out"
                        ).format(name=spec.name),
                        spec.cell,
                        severity="info",
                    )
                continue  # else reported where it is used
            allowed, values = self.cells.domain(spec.name, spec.type, spec.allowed,
                                              spec.allowed_cell or spec.cell)
            out[spec.name] = Variable(spec.name, spec.type, allowed, values, spec.label,
                                      spec.description, spec.cell, unknown=None)  # DMN: null ok
        return out

    # -- decisions --------------------------------------------------------------------------
    def read_head(self, d: DecisionSpec) -> _Head | None:
        """Second pass: hit policy and input columns, which fix every variable's domain."""
        table = self.child(d.node, "decisionTable")
        if table is None:
            return _Head(None, "U", [])
        policy_word = (table.get("hitPolicy") or "UNIQUE").strip().upper()
        aggregation = (table.get("aggregation") or "").strip().upper() or None
        policy = HIT_POLICIES.get((policy_word, aggregation))
        if policy is None:
            self.add(
                "syntax",
                _("hit policy {policy_word} {value} is not a DMN hit policy").format(
                    policy_word=policy_word, value=aggregation or ""
                ),
                d.id,
                decision=d.name,
            )
            return None
        if policy in ("C+", "C#") and (d.node.get(f"{{{FLOWABLE}}}forceDMN11") or "").strip() \
                == "true":  # DMN 1.1 summed and counted distinct outputs only; 1.2 on, all
            self.add("unsupported", _("decision {name!r} is marked flowable:forceDMN11: its "
                                      "COLLECT {aggregation} takes each distinct output once, as "
                                      "DMN 1.1 did, which is not read; it is left out").format(
                                        name=d.name, aggregation=aggregation), d.id,
                     decision=d.name)
            self.unusable[d.name] = _("decision {name!r} ({id}), which is marked "
                                      "flowable:forceDMN11").format(name=d.name, id=d.id)
            return None
        foreign = self.foreign(table)
        if foreign:
            self.add("unsupported", _("decision {name!r} is written in {foreign!r} "
                                      "(the model's expressionLanguage); only FEEL is "
                                      "read, so it is left out").format(
                                        name=d.name, foreign=foreign), d.id, decision=d.name)
            self.unusable[d.name] = _("decision {name!r} ({id}), written in {foreign!r}").format(
                                        name=d.name, id=d.id, foreign=foreign)
            return None
        if not d.outputs:  # a workbook refuses the same: a table must answer something
            self.add("structure", _("decision {name!r} has a decision table with no "
                                    "output column: add the output it decides").format(
                                      name=d.name), d.id, decision=d.name)
            self.unusable[d.name] = _("decision {name!r} ({id}), which has no output").format(
                                        name=d.name, id=d.id)
            return None
        columns: list[Column | None] = []
        limits: dict[int, str] = {}
        for k, clause in enumerate(self.children(table, "input"), 1):  # each reports its own
            columns.append(self.input_column(d, clause, k, limits))
        if None in columns:
            self.unusable[d.name] = _("decision {name!r} ({id}), which has an "
                                      "input that cannot be read").format(name=d.name, id=d.id)
            return None
        for name in d.outputs:
            spec = self.vars[name]
            if spec.type is None:
                self.add("type", _("the type of output {name!r} cannot be told: give "
                                   "it a typeRef").format(name=name), spec.cell, decision=d.name)
                return None
        return _Head(table, policy, [c for c in columns if c is not None], limits)

    def foreign(self, table: Element) -> str | None:
        """The model's expressionLanguage when it is not FEEL and a cell of the table does not
        say otherwise: such a table (JUEL, say) cannot be read cell by cell as FEEL."""
        language = self.cells.language
        if "feel" in language.casefold():
            return None
        tags = ("inputExpression", "inputEntry", "outputEntry", "defaultOutputEntry")
        cells = [e for tag in tags for e in table.iter(self.q(tag))]
        if any("feel" not in (e.get("expressionLanguage") or language).casefold()
               for e in cells):
            return language
        return None

    def read_body(self, d: DecisionSpec, head: _Head, variables: dict[str, Variable]) -> Table:
        """Third pass: the rules, each cell read against its variable's final domain."""
        sheet = d.node.get(f"{{{EXT_NS}}}sheet") or d.name
        outputs = [variables[n] for n in d.outputs]
        out_cols = tuple(Column(v.name, "output", v.cell, "") for v in outputs)
        table = head.table
        if table is None:
            return self.read_constant(d, outputs[0], out_cols, sheet)
        columns = [replace(c, allowed=self.cells.column_limit(variables[c.name], head.limits[k],
                                                             c.cell, d.name))
                   if k in head.limits else c for k, c in enumerate(head.columns)]
        inputs = [variables[c.name] if c.allowed is None else narrowed(variables[c.name], c.allowed)
                  for c in columns]
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
        if head.policy in ("P", "O") and not any(v.ranking for v in outputs):  # as Drools
            listed = next((v for v in outputs if self.vars[v.name].allowed), None)
            self.add("structure", _("decision {name!r} has hit policy {policy}, which ranks "
                                    "the answers by the order of an output's values, and no "
                                    "output lists its output values: give one its "
                                    "outputValues, highest priority first").format(
                                      name=d.name, policy=head.policy) if listed is None else
                     _("decision {name!r} has hit policy {policy}, which ranks the answers by "
                       "the order of an output's values, and the output values of {output} "
                       "({values}) are not values of its type ({type}): write them as the "
                       "rules write its answers").format(
                         name=d.name, policy=head.policy, output=listed.name,
                         values=self.vars[listed.name].allowed, type=listed.type),
                     (listed or outputs[0]).cell, decision=d.name)
        if head.policy in ("C+", "C#", "C<", "C>") and len(outputs) > 1:
            self.add(
                "structure",
                _("hit policy {policy} aggregates one output; this table has {n_outputs}").format(
                    policy=head.policy, n_outputs=len(outputs)
                ),
                d.id,
                decision=d.name,
            )
        if head.policy == "C+" and any(v.type not in ("number", "integer") for v in outputs):
            self.add("type", _("hit policy C+ (COLLECT SUM) adds up the answers, so the output "
                               "must be a number"), d.id, decision=d.name)  # as the workbook says
        if head.policy in ("C<", "C>") and any(v.type == "boolean" for v in outputs):
            self.add("type", _("hit policy {policy} takes the smallest or largest answer; "
                               "true and false have no order").format(policy=head.policy),
                     d.id, decision=d.name)
        return Table(d.name, head.policy, tuple(columns), out_cols, note_cols,
                     tuple(rules), sheet, d.id, self.title(d),
                     self.cells.default(d.id, d.name, table, outputs))

    def read_constant(self, d: DecisionSpec, var: Variable, out_cols: tuple[Column, ...],
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
        self.add("constant", _("decision {name!r} is the constant {text}: read as a "
                               "table of one rule without inputs").format(
                                 name=d.name, text=self.text(literal)), cell, severity="info",
                 decision=d.name)
        rule = Rule("1", 1, (), (value,), (), (), (cell,), cell)
        return Table(d.name, "U", (), out_cols, (), (rule,), sheet, d.id, self.title(d))

    def title(self, d: DecisionSpec) -> str:
        return self.description(d.node) or (d.node.get("label") or "")

    def input_column(self, d: DecisionSpec, clause: Element, k: int,
                     limits: dict[int, str]) -> Column | None:
        cid = f"{d.id}/{self.eid(clause, f'input{k}')}"
        expr = self.child(clause, "inputExpression")
        text = " ".join(self.text(expr).split()) if expr is not None else ""
        language = (expr.get("expressionLanguage") if expr is not None else None) or \
            self.cells.language
        if "feel" not in language.casefold():
            self.add("unsupported", _("input {k} of decision {name!r} is written in "
                                      "{language!r}; only FEEL names are read").format(
                                        k=k, name=d.name, language=language), cid,
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
            self.add(
                "type",
                _(
                    "the type of input {text!r} cannot be told: give the "
                    "input data or the input expression a typeRef"
                ).format(text=text),
                cid,
                decision=d.name,
            )
            return None
        values = self.text(self.child(clause, "inputValues"))
        table = self.child(d.node, "decisionTable")
        lenient = not var.allowed and table is not None and self.lenient_types
        kind = cell_kind(var.type, self.cells.column_texts(table, k - 1), inputs=True,
                         listed=values) if lenient and table is not None else None
        if kind is not None:  # old Camunda: typeRef="string" over cells comparing numbers
            retyped(self.problems, var.name, var.type, kind, cid, d.name)
            var.type = kind
        if values and var.name in self.inputs and not var.allowed:
            var.allowed, var.allowed_cell = values, cid  # a case input: what a case may give
        elif values and domain_key(values) != domain_key(var.allowed or ""):
            limits[k - 1] = values  # this column's own: a decided value, or narrower than its type
        self.columns.add(var.name)
        self.readers.setdefault(var.name, set()).add(d.name)
        return Column(var.name, "input", cid, "")
