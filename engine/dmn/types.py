"""The DMN reader's shared look-ups, and the mapping of DMN types onto ours.

`DmnPart` is what every part of the reader needs: namespace-aware element look-ups and a place
for findings. `Types` turns a typeRef (built in, `feel:` prefixed, or an item definition with
its allowed values) into one of our types — boolean, string, number, integer, date — or into a
sentence saying why it has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element

from ..core.i18n import _
from ..core.problems import Problems
from ..core.sfeel import normalise_text
from .export import EXT_NS

BUILTIN = {
    "string": "string", "number": "number", "boolean": "boolean", "date": "date",
    "integer": "integer", "int": "integer", "long": "integer", "double": "number",
    "decimal": "number",
}
UNSUPPORTED_TYPES = ("time", "date and time", "datetime", "days and time duration",
                     "years and months duration", "duration", "context", "list", "any",
                     "function", "range")
NUMBERS = {"number", "integer"}
BUILT_IN = 10**6  # the order of a type that is no item definition: after all of those


def local(tag: str) -> str:
    return tag.rpartition("}")[2]


def type_name(ref: str | None) -> str:
    """`feel:number` (DMN 1.1) and `number` name the same type."""
    if not ref:
        return ""
    ref = ref.strip()
    prefix, colon, rest = ref.partition(":")
    return rest.strip() if colon and " " not in prefix else ref


@dataclass
class DmnType:
    base: str  # boolean, string, number, integer, date
    allowed: str | None = None  # the allowed values as unary tests
    allowed_cell: str = ""
    order: int = BUILT_IN  # the item definition's place in the file: glossary order
    label: str = ""
    description: str = ""


class DmnPart:
    """Look-ups in the file's DMN namespace, and the findings they lead to."""

    def __init__(self, ns: str, problems: Problems) -> None:
        self.ns = ns
        self.problems = problems

    def q(self, tag: str) -> str:
        return f"{{{self.ns}}}{tag}"

    def children(self, node: Element, tag: str) -> list[Element]:
        return node.findall(self.q(tag))

    def child(self, node: Element, tag: str) -> Element | None:
        return node.find(self.q(tag))

    def text(self, node: Element | None, tag: str = "text") -> str:
        if node is None:
            return ""
        inner = node.find(self.q(tag))
        return (inner.text or "").strip() if inner is not None else ""

    def description(self, node: Element) -> str:
        d = self.child(node, "description")
        return normalise_text(d.text or "") if d is not None else ""

    def eid(self, node: Element, fallback: str) -> str:
        return node.get("id") or fallback

    def add(self, kind: str, message: str, cell: str, severity: str = "error",
            decision: str | None = None, rules: tuple[str, ...] = ()) -> None:
        self.problems.add(kind, message, cell, severity=severity, decision=decision,
                          rules=rules)


class Types(DmnPart):
    """The file's item definitions, by name, with their place in the file."""

    def __init__(self, ns: str, problems: Problems, root: Element) -> None:
        super().__init__(ns, problems)
        self.items: dict[str, tuple[int, Element]] = {}
        for i, item in enumerate(self.children(root, "itemDefinition")):
            self.items[item.get("name", "")] = (i, item)

    def resolve_type(self, ref: str, depth: int = 0) -> DmnType | str:
        """Our type for a typeRef, or a sentence saying why it has none."""
        name = type_name(ref)
        if name.casefold() in BUILTIN and name not in self.items:
            return DmnType(BUILTIN[name.casefold()])
        if name.casefold() in UNSUPPORTED_TYPES and name not in self.items:
            return _("the type {name!r} is not supported (boolean, string, number and "
                     "date are)").format(name=name)
        if name not in self.items:
            return _("the type {name!r} is not defined in this file").format(name=name)
        order, item = self.items[name]
        if depth > 20:
            return _("the type {name!r} refers to itself").format(name=name)
        if item.get("isCollection") == "true":
            return _("the type {name!r} is a list, not a single value").format(name=name)
        if self.children(item, "itemComponent"):
            return _("the type {name!r} is a structure of several components").format(name=name)
        inner_ref = self.typeref_child(item)
        if not inner_ref:
            return _("the type {name!r} has no base type").format(name=name)
        inner = self.resolve_type(inner_ref, depth + 1)
        if isinstance(inner, str):
            return inner
        cell = self.eid(item, name)
        allowed = self.text(self.child(item, "allowedValues")) or None
        base = inner.base
        if item.get(f"{{{EXT_NS}}}type") == "integer" and base == "number":
            base = "integer"
        return DmnType(base, allowed or inner.allowed, cell if allowed else inner.allowed_cell,
                       order, item.get("label") or "", self.description(item))

    def typeref_child(self, item: Element) -> str:
        ref = self.child(item, "typeRef")
        return (ref.text or "").strip() if ref is not None else ""

    def decision_type(self, node: Element, table: Element | None,
                      component: str | None = None) -> DmnType | None:
        """The type the decision's variable (or its table) declares for an output."""
        variable = self.child(node, "variable")
        refs = [variable.get("typeRef") if variable is not None else None]
        if table is not None:
            refs.insert(0, table.get("typeRef"))
        for ref in refs:
            if not ref:
                continue
            name = type_name(ref)
            if name in self.items:
                order, item = self.items[name]
                comps = self.children(item, "itemComponent")
                if component is not None and comps:
                    comp = next((c for c in comps if c.get("name") == component), None)
                    inner = self.typeref_child(comp) if comp is not None else ""
                    resolved = self.resolve_type(inner) if inner else None
                    if isinstance(resolved, DmnType):
                        return resolved
                    continue
                if item.get("isCollection") == "true" and not comps:
                    inner = self.typeref_child(item)
                    resolved = self.resolve_type(inner) if inner else None
                    if isinstance(resolved, DmnType):
                        return resolved
                    continue
            if component is None:
                resolved = self.resolve_type(ref)
                if isinstance(resolved, DmnType):
                    return resolved
        return None
