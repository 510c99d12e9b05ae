"""The decision graph: which decision needs which, ordered once at load, cycles refused."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .i18n import _
from .model import SINGLE_HIT, Table, Variable, producers

if TYPE_CHECKING:
    from .problems import Problems


def order_tables(tables: list[Table], variables: dict[str, Variable],
                 problems: Problems) -> list[Table]:
    """Required decisions first (DMN's DRD); a cycle is an error naming its decisions."""
    by_name: dict[str, Table] = {}
    producer: dict[str, Table] = {}
    for table in tables:
        if table.name in by_name:
            problems.add(
                "duplicate",
                _("the decision name {name} is used twice (also {cell})").format(
                    name=table.name, cell=by_name[table.name].cell
                ),
                table.cell,
                decision=table.name,
            )
            continue
        by_name[table.name] = table
        for col in table.outputs:
            if col.name in producer:
                problems.add("graph", _("{name} is decided by two tables ({name2} and "
                                        "{name3})").format(
                                          name=col.name, name2=producer[col.name].name,
                                          name3=table.name),
                             col.cell, decision=table.name)
            else:
                producer[col.name] = table
    needs: dict[str, set[str]] = {}
    for table in by_name.values():
        needs[table.name] = set()
        for col in table.inputs:
            up = producer.get(col.name)
            if up is None:
                continue
            needs[table.name].add(up.name)
            if up.hit_policy not in SINGLE_HIT + ("C+", "C#", "C<", "C>"):
                problems.add(
                    "graph",
                    _(
                        "{name} comes from {name2}, whose hit policy "
                        "{hit_policy} gives a list; a table input "
                        "needs one value"
                    ).format(name=col.name, name2=up.name, hit_policy=up.hit_policy),
                    col.cell,
                    decision=table.name,
                )
    ordered: list[Table] = []
    done: set[str] = set()
    pending = list(by_name)
    while pending:
        ready = [n for n in pending if needs[n] <= done]
        if not ready:
            cells = tuple(by_name[n].cell for n in pending)
            problems.add("graph", _("these decisions require each other in a circle, "
                                    "so none can be decided first: {pending}").format(
                                      pending=', '.join(pending)), *cells)
            ordered.extend(by_name[n] for n in pending)
            break
        for name in ready:
            ordered.append(by_name[name])
            done.add(name)
        pending = [n for n in pending if n not in done]
    return ordered


def required(tables: dict[str, Table], decision: str) -> list[str]:
    """The decisions that must be evaluated for `decision`, in evaluation order."""
    producer = {o: t.name for o, t in producers(tables.values()).items()}
    wanted: set[str] = set()
    stack = [decision]
    while stack:
        name = stack.pop()
        if name in wanted:
            continue
        wanted.add(name)
        stack.extend(producer[c] for c in tables[name].input_names if c in producer)
    return [n for n in tables if n in wanted]
