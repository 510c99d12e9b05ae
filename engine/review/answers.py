"""One region's answer before and after an edit, and how it is said."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..core.sfeel import Value, literal_text
from ..domain.atoms import OTHER, Atoms, bits


# -- records ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    """What one version answers in a region: the outputs of every decision on the way, or why
    there is no answer."""

    outputs: tuple[tuple[str, Any], ...]
    error: str | None = None

    def get(self, name: str) -> Any:
        return dict(self.outputs).get(name)


@dataclass
class AnswerChange:
    decision: str  # the final decision compared
    region: dict[str, str]  # input -> S-FEEL cell; inputs that may be anything are left out
    old: Answer
    new: Answer
    changed: list[str]  # the outputs that differ (empty when one side has no answer)
    example: dict[str, Value]
    old_rules: list[str]
    new_rules: list[str]


def freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def same_answer(a: Answer, b: Answer) -> bool:
    if (a.error is None) != (b.error is None):
        return False
    if a.error is not None:
        return True  # no answer in either version: nothing a patient would see change
    return len(a.outputs) == len(b.outputs) and all(
        x[0] == y[0] and same_value(x[1], y[1]) for x, y in zip(a.outputs, b.outputs))


def same_value(x: Any, y: Any) -> bool:
    if isinstance(x, tuple) and isinstance(y, tuple):
        return len(x) == len(y) and all(same_value(p, q) for p, q in zip(x, y))
    return type(x) is type(y) and x == y or (
        isinstance(x, (int, float)) and isinstance(y, (int, float))
        and not isinstance(x, bool) and not isinstance(y, bool) and x == y)


def answer_key(a: Answer) -> tuple[Any, ...]:
    return (a.error is not None, tuple((n, repr(v)) for n, v in a.outputs))


def ordered_rules(rules: Iterable[str]) -> list[str]:
    """Helper decisions' rules (`decision:rule`) after the final decision's own."""
    unique = list(dict.fromkeys(rules))
    return [r for r in unique if ":" not in r] + sorted(r for r in unique if ":" in r)


def render_mask(atoms: Atoms, mask: int, null_ok: bool = True) -> str:
    """A column of a region as an S-FEEL cell; null is the bit above the atoms (`null_ok`:
    whether null can occur at all; where it cannot, every known value is `-`)."""
    null = bool(mask >> atoms.size & 1)
    known = mask & atoms.domain
    if known == atoms.domain:
        if null or not null_ok:
            return "-"
        if atoms.discrete and OTHER not in atoms.values:  # name every value: easier to read
            return ", ".join(literal_text(atoms.values[i]) for i in bits(known))
        return "not(null)"
    if not known:
        return "null"
    text = atoms.render(known)
    if null and text.startswith("not("):  # not(...) takes no list: name the values instead
        text = ", ".join(literal_text(atoms.values[i]) for i in bits(known)) if atoms.discrete \
            else ", ".join(iv.to_text() for iv in atoms.intervals(known))
    return f"{text}, null" if null else text


def shown_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal_text(v) for v in value) + "]"
    return literal_text(value)
