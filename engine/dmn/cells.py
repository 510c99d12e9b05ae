"""The DMN reader's cells: rule rows, input and output entries, allowed and default values.

Each cell text becomes our UnaryTest or value, read against its variable's final domain; a text
that is not S-FEEL of literals becomes a finding that says what FEEL it uses (a function call,
another input or decision, a name), so the author knows why the decision is left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from xml.etree.ElementTree import Element

from ..core.errors import SfeelError
from ..core.i18n import _
from ..core.model import Rule, Table, Variable
from ..core.problems import Problems
from ..core.sfeel import ANY, UnaryTest, Value, literal_text, parse_literal, parse_unary
from ..domain.values import ValueProblem, check_test, conform
from .export import unary_text
from .types import DmnPart, DmnType


class Cells(DmnPart):
    """Reads cells; `known` says whether a name is an input or decision of the file."""

    def __init__(self, ns: str, problems: Problems, known: Callable[[str], bool]) -> None:
        super().__init__(ns, problems)
        self.known = known
        self.language = "feel"  # the model's expressionLanguage: the default of every cell

    def domain(self, name: str, vtype: str | None, allowed: str | None,
               cell: str) -> tuple[UnaryTest | None, tuple[Value, ...]]:
        if vtype == "boolean":
            return None, (True, False)
        if not allowed:
            return None, ()
        try:
            test = parse_unary(allowed)
            check_test(test, Variable(name, vtype or "string"))
        except (SfeelError, ValueProblem) as exc:
            why = exc.describe() if isinstance(exc, SfeelError) else exc.message
            self.add("unsupported", _("the allowed values of {name} ({allowed!r}) are "
                                      "not S-FEEL we read: {why}; the domain is left "
                                      "open").format(name=name, allowed=allowed, why=why),
                     cell, severity="warning")
            return None, ()
        if test.null and not test.negated:  # null (unknown) is always allowed for an input
            test = replace(test, null=False)
            test = replace(test, text=unary_text(test))
        if vtype != "string":
            return test, ()
        if test.negated or test.intervals or test.any:
            self.add("unsupported", _("the allowed values of {name} ({allowed!r}) are "
                                      "not a list of texts; the domain is left open").format(
                                        name=name, allowed=allowed), cell,
                     severity="warning")
            return None, ()
        return None, tuple(test.ordered_points)

    def column_limit(self, var: Variable, text: str, cell: str,
                     decision: str) -> UnaryTest | None:
        """A column's own inputValues: a value they leave out makes the decision an error."""
        try:
            test = parse_unary(text)
            check_test(test, var)
        except (SfeelError, ValueProblem) as exc:
            why = exc.describe() if isinstance(exc, SfeelError) else exc.message
            self.add(
                "unsupported",
                _(
                    "the input values of {name} here ({text!r}) are "
                    "not S-FEEL we read: {why}; the column takes any "
                    "value of {name}"
                ).format(name=var.name, text=text, why=why),
                cell,
                severity="warning",
                decision=decision,
            )
            return None
        if test.null and not test.negated:  # null (unknown) is always allowed for an input
            test = replace(test, null=False)
            test = replace(test, text=unary_text(test))
        return test

    def limits_met(self, tables: list[Table]) -> None:
        """A decision that can answer what a column's input values leave out: DMN errs there."""
        produced = {name: t for t in tables for name in t.output_names}
        for table in tables:
            for _guard, col, allowed in table.guards:
                up = produced.get(col.name)
                if up is None:
                    continue
                k = up.output_names.index(col.name)
                answers = [r.outputs[k] for r in up.rules] + \
                    ([up.default[k]] if up.default is not None else [])
                left = list(dict.fromkeys(v for v in answers
                                          if v is not None and not allowed.matches(v)))
                if left:
                    self.add(
                        "domain",
                        _(
                            "decision {name!r} can answer {join}, which "
                            "the input values of {name2} in decision "
                            "{name3!r} ({text}) leave out: with those, "
                            "{name3!r} is an error, as in DMN"
                        ).format(
                            name=up.name,
                            join=", ".join(literal_text(v) for v in left),
                            name2=col.name,
                            name3=table.name,
                            text=allowed.text,
                        ),
                        col.cell,
                        severity="warning",
                        decision=table.name,
                    )

    def infer_output(self, table: Element, k: int, out: Element) -> DmnType | None:
        """With no type anywhere, the literals of the column say it (all of one kind)."""
        texts = [self.text(self.children(r, "outputEntry")[k])
                 for r in self.children(table, "rule") if len(self.children(r, "outputEntry")) > k]
        texts.append(self.text(self.child(out, "defaultOutputEntry")))
        kinds: set[str | None] = set()
        for text in texts:
            if not text:
                continue
            try:
                value = parse_literal(text)
            except SfeelError:
                continue
            kinds.add(kind_of(value))
        kinds.discard(None)
        kind = kinds.pop() if len(kinds) == 1 else None
        return DmnType(kind) if kind is not None else None

    def constant(self, literal: Element) -> tuple[Value] | None:
        """A literal expression that is one S-FEEL literal: a constant decision."""
        text = self.text(literal)
        language = literal.get("expressionLanguage") or self.language
        if not text or "feel" not in language.casefold():
            return None
        try:
            return (parse_literal(text),)
        except SfeelError:
            return None

    def column_texts(self, table: Element, k: int, tag: str = "inputEntry") -> list[str]:
        """The texts of column k (0-based) of a table's rules: its input or output entries."""
        return [self.text(entries[k]) for rule in self.children(table, "rule")
                if len(entries := self.children(rule, tag)) > k]

    def infer_input(self, decision: Element, k: int) -> str | None:
        table = self.child(decision, "decisionTable")
        assert table is not None
        kinds: set[str | None] = set()
        for text in self.column_texts(table, k):
            try:
                test = parse_unary(text or "-")
            except SfeelError:
                continue
            kinds.update(kind_of(v) for v in test.literals())
        kinds.discard(None)
        return kinds.pop() if len(kinds) == 1 else None

    def read_rules(self, did: str, decision: str, table: Element, inputs: list[Variable],
                   outputs: list[Variable], n_notes: int, descriptions: bool) -> list[Rule]:
        rules: list[Rule] = []
        taken: set[str] = set()
        for n, node in enumerate(self.children(table, "rule"), 1):
            cell = f"{did}/{self.eid(node, f'rule{n}')}"
            rule_id = (node.get("label") or "").strip() or str(n)
            if rule_id in taken:
                rule_id = f"{rule_id}@{n}"
            taken.add(rule_id)
            ins = self.children(node, "inputEntry")
            outs = self.children(node, "outputEntry")
            tests: list[UnaryTest | None] = [None] * len(inputs)
            values: list[Value] = [None] * len(outputs)
            in_cells = [f"{cell}/{self.eid(e, f'inputEntry{k}')}" for k, e in enumerate(ins, 1)]
            out_cells = [f"{cell}/{self.eid(e, f'outputEntry{k}')}"
                         for k, e in enumerate(outs, 1)]
            if len(ins) != len(inputs) or len(outs) != len(outputs):
                self.add(
                    "structure",
                    _(
                        "rule {rule_id} has {n_ins} input and {n_outs} "
                        "output entries; the table has {n_inputs} "
                        "inputs and {n_outputs} outputs"
                    ).format(
                        rule_id=rule_id,
                        n_ins=len(ins),
                        n_outs=len(outs),
                        n_inputs=len(inputs),
                        n_outputs=len(outputs),
                    ),
                    cell,
                    decision=decision,
                    rules=(rule_id,),
                )
                in_cells = (in_cells + [cell] * len(inputs))[:len(inputs)]
                out_cells = (out_cells + [cell] * len(outputs))[:len(outputs)]
            else:
                for k, (entry, var) in enumerate(zip(ins, inputs)):
                    tests[k] = self.input_entry(entry, var, decision, rule_id, in_cells[k])
                for k, (entry, var) in enumerate(zip(outs, outputs)):
                    values[k] = self.output_entry(entry, var, decision, rule_id, out_cells[k])
            if descriptions:
                notes: tuple[str, ...] = (self.description(node),)
            else:
                texts = [self.text(a).replace("\u00a0", " ").strip()  # kept as typed
                         for a in self.children(node, "annotationEntry")]
                notes = tuple((texts + [""] * n_notes)[:n_notes])
            rules.append(Rule(rule_id, n, tuple(tests), tuple(values), notes, tuple(in_cells),
                              tuple(out_cells), cell))
        return rules

    def input_entry(self, entry: Element, var: Variable, decision: str, rule_id: str,
                    cell: str) -> UnaryTest | None:
        text = self.text(entry)
        language = entry.get("expressionLanguage") or self.language
        if "feel" not in language.casefold():
            self.add("unsupported", _("rule {rule_id}: the condition on {name} is "
                                      "written in {language!r}; only S-FEEL is read").format(
                                        rule_id=rule_id, name=var.name, language=language), cell,
                     decision=decision, rules=(rule_id,))
            return None
        if not text:
            return ANY  # Camunda's modeler writes an empty cell for "-"
        try:
            test = parse_unary(text)
            check_test(test, var)
            if test.negated and test.null:  # `not(x, null)`: a negation never matches null here
                test = replace(test, null=False)
            return test
        except SfeelError as exc:
            self.add("unsupported", _("rule {rule_id}: the condition on {name} holds "
                                      "{text!r}, which is not an S-FEEL unary test of "
                                      "literals (the only kind read): {why}").format(
                                        rule_id=rule_id, name=var.name, text=text,
                                        why=self.why(text, exc)), cell,
                     decision=decision, rules=(rule_id,))
        except ValueProblem as exc:
            self.add(exc.kind, _("rule {id}: {why}").format(id=rule_id, why=exc.message), cell,
                     decision=decision, rules=(rule_id,))
        return None

    def why(self, text: str, exc: SfeelError) -> str:
        """Say what FEEL the text uses, when it names another input, a decision or a function."""
        bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
        quoted = re.search(r"'([^']*)'", bare)
        if quoted:  # Flowable and JUEL write text in single quotes; FEEL does not read them
            return _("FEEL writes text in double quotes: write \"{word}\", not "
                     "'{word}'").format(word=quoted.group(1))
        spaced = re.search(r"\b(date and time|days and time duration|years and months duration)"
                           r"\s*\(", bare)
        if spaced:  # FEEL's function names with spaces
            return _("it calls the FEEL function {group}()").format(group=spaced.group(1))
        for m in re.finditer(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(\s*\()?", bare):
            word, call = m.group(0).rstrip("( "), m.group(1)
            if word in ("true", "false", "null", "not", "date"):
                continue
            if call:
                return _("it calls the FEEL function {word}()").format(word=word)
            if self.known(word) or self.known(word.split(".")[0]):
                return _("it compares with {word}, another input or decision").format(word=word)
            return _("it refers to the name {word}").format(word=word)
        return exc.describe()

    def output_entry(self, entry: Element, var: Variable, decision: str, rule_id: str,
                     cell: str) -> Value:
        text = self.text(entry)
        if not text:  # Camunda, Flowable and dmn-eval-js all give no value: null
            self.add("lenient", _("rule {rule_id} gives no value for {name}: read as null (no "
                                  "value), as Camunda, Flowable and dmn-eval-js read an empty "
                                  "output entry; write null to say so").format(
                                    rule_id=rule_id, name=var.name), cell, severity="warning",
                     decision=decision, rules=(rule_id,))
            return None
        try:
            return conform(parse_literal(text), var)
        except SfeelError as exc:
            self.add("unsupported", _("rule {rule_id}: the output {name} holds "
                                      "{text!r}, which is not a single S-FEEL literal "
                                      "(the only kind read): {why}").format(
                                        rule_id=rule_id, name=var.name, text=text,
                                        why=self.why(text, exc)), cell, decision=decision,
                     rules=(rule_id,))
        except ValueProblem as exc:
            self.add(exc.kind, _("rule {id}: {why}").format(id=rule_id, why=exc.message), cell,
                     decision=decision, rules=(rule_id,))
        return None

    def default(self, did: str, decision: str, table: Element,
                outputs: list[Variable]) -> tuple[Value, ...] | None:
        """DMN's defaultOutputEntry: an output without one defaults to null."""
        found: list[Value] = []
        present = False
        for k, (clause, var) in enumerate(zip(self.children(table, "output"), outputs), 1):
            entry = self.child(clause, "defaultOutputEntry")
            if entry is None:
                found.append(None)
                continue
            present = True
            cell = f"{did}/{self.eid(clause, f'output{k}')}/defaultOutputEntry"
            found.append(self.output_entry(entry, var, decision, "default", cell))
        return tuple(found) if present else None


def narrowed(var: Variable, test: UnaryTest) -> Variable:
    """The variable as one column sees it, its cells read against the column's input values."""
    if var.type == "string" and not (test.negated or test.intervals or test.any):
        return replace(var, values=tuple(test.ordered_points))
    return replace(var, allowed=test)


def domain_key(text: str) -> Any:
    """What a domain means, whatever its spelling; null aside (always allowed)."""
    try:
        test = parse_unary(text)
    except SfeelError:
        return " ".join(text.split())
    return test.any, test.points, test.intervals, test.negated


def kind_of(value: Any) -> str | None:
    import datetime as dt

    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dt.date):
        return "date"
    return None
