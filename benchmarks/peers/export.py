"""Write a loaded model as the peers read it: GoRules JDM JSON and a pyDMNrules workbook.

Both are built from the same `Model` the engine evaluates, so the peers run the same rules.
Only what the benchmark needs is supported: Unique, Any and First tables (the peers' "first"
hit), collect tables, points, lists, ranges, comparisons, null and not(...).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from engine import Model
from engine.core.model import Table
from engine.core.sfeel import Interval, UnaryTest, Value, literal_text

# -- GoRules zen: JSON Decision Model -------------------------------------------------------------
ZEN_POLICY = {"U": "first", "A": "first", "F": "first", "C": "collect", "R": "collect"}


def zen_literal(value: Value) -> str:
    if isinstance(value, dt.date):
        return f'd("{value.isoformat()}")'
    return literal_text(value)


def zen_interval(iv: Interval) -> str:
    if iv.lo is not None and iv.hi is not None:
        if iv.lo == iv.hi and iv.lo_closed and iv.hi_closed:
            return zen_literal(iv.lo)
        return (f"{'[' if iv.lo_closed else '('}{zen_literal(iv.lo)}.."
                f"{zen_literal(iv.hi)}{']' if iv.hi_closed else ')'}")
    if iv.lo is not None:
        return f"{'>=' if iv.lo_closed else '>'} {zen_literal(iv.lo)}"
    return f"{'<=' if iv.hi_closed else '<'} {zen_literal(iv.hi)}"


def zen_unary(test: UnaryTest) -> str:
    """ZEN's unary forms where they exist (fast paths there), `$` expressions otherwise."""
    if test.any:
        return ""
    parts = [zen_literal(p) for p in test.ordered_points]
    parts += [zen_interval(i) for i in test.intervals]
    if not test.null and not test.negated:
        return ", ".join(parts)
    terms = [f"$ == {zen_literal(p)}" for p in test.ordered_points]
    for iv in test.intervals:
        bounds = []
        if iv.lo is not None:
            bounds.append(f"$ {'>=' if iv.lo_closed else '>'} {zen_literal(iv.lo)}")
        if iv.hi is not None:
            bounds.append(f"$ {'<=' if iv.hi_closed else '<'} {zen_literal(iv.hi)}")
        terms.append("(" + " and ".join(bounds) + ")")
    if test.null:
        terms.append("$ == null")
    either = " or ".join(terms) or "false"
    return f"$ != null and not ({either})" if test.negated else either


def zen_graph(model: Model, decision: str) -> dict[str, Any]:
    """The decision and the ones it requires, chained input -> tables -> output (pass-through)."""
    from engine.core.graph import required

    order = required(model.tables, decision)
    nodes: list[dict[str, Any]] = [_node("request", "inputNode", "Request")]
    for name in order:
        nodes.append(_node(name, "decisionTableNode", name, _zen_table(model.tables[name])))
    nodes.append(_node("response", "outputNode", "Response"))
    edges = [{"id": f"e{i}", "sourceId": a["id"], "targetId": b["id"], "type": "edge"}
             for i, (a, b) in enumerate(zip(nodes, nodes[1:]))]
    return {"contentType": "application/vnd.gorules.decision", "nodes": nodes, "edges": edges}


def _node(node_id: str, kind: str, name: str, content: Any = None) -> dict[str, Any]:
    node = {"id": node_id, "type": kind, "name": name, "position": {"x": 0, "y": 0}}
    if content is not None:
        node["content"] = content
    return node


def _zen_table(table: Table) -> dict[str, Any]:
    if table.hit_policy not in ZEN_POLICY:
        raise NotImplementedError(f"zen has no hit policy like {table.hit_policy}")
    inputs = [{"id": f"in_{c.name}", "name": c.name, "field": c.name} for c in table.inputs]
    outputs = [{"id": f"out_{c.name}", "name": c.name, "field": c.name} for c in table.outputs]
    rules = []
    for rule in table.rules:
        row = {"_id": rule.id}
        for col, test in zip(inputs, rule.inputs):
            assert test is not None
            row[col["id"]] = zen_unary(test)
        for col, value in zip(outputs, rule.outputs):
            row[col["id"]] = zen_literal(value)
        rules.append(row)
    return {"hitPolicy": ZEN_POLICY[table.hit_policy], "passThrough": True,
            "inputs": inputs, "outputs": outputs, "rules": rules}


# -- pyDMNrules: DMN decision tables in an Excel workbook ------------------------------------------
def sfeel_cell(test: UnaryTest) -> str:
    """The test in plain S-FEEL (quoted text: pyDMNrules reads bare words as variables)."""
    if test.any:
        return "-"
    parts = [literal_text(p) for p in test.ordered_points] + [i.to_text() for i in test.intervals]
    if test.null:
        parts.append("null")
    text = ", ".join(parts)
    return f"not({text})" if test.negated else text


def pydmnrules_workbook(model: Model, decision: str, path: Path) -> Path:
    """One sheet per table, rules as rows, double borders where pyDMNrules looks for them."""
    import openpyxl
    from openpyxl.styles import Border, Side

    from engine.core.graph import required

    double = Side(style="double")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in required(model.tables, decision):
        table = model.tables[name]
        sheet = book.create_sheet(name[:31])
        sheet.append([name])
        sheet.append([table.hit_policy, *table.input_names, *table.output_names])
        for col in range(1, len(table.inputs) + len(table.outputs) + 2):
            last_input = col == len(table.inputs) + 1
            sheet.cell(2, col).border = Border(left=Side(), top=Side(), bottom=double,
                                               right=double if last_input else Side())
        for rule in table.rules:
            sheet.append([rule.id, *(sfeel_cell(t) for t in rule.inputs if t is not None),
                          *(literal_text(v) for v in rule.outputs)])
    book.save(path)
    return path
