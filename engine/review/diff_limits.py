"""What cannot occur, for the diff's region walk: each version's constraints as boxes over the
walk's columns, a box cut at their edges, and the refusal of a piece inside one.

A case inside a constraint is refused by `evaluate` whatever the rules say, so where the two
versions' constraints differ, answers change: answered in one, refused in the other.
"""

from __future__ import annotations

from ..core.i18n import _
from ..core.model import Model
from ..domain.atoms import Atoms
from ..verify.regions import Box


def limit_boxes(model: Model, columns: list[str], atoms: dict[str, Atoms]) -> list[tuple[str, Box]]:
    """The model's constraints that evaluation applies to this target's cases (every variable
    they name is a case input on the way), each as (id, box over the walk's columns)."""
    out = []
    for con in model.constraints:
        if not all(n in columns for n in con.names):
            continue
        tests = dict(con.tests)
        box = []
        for name in columns:
            a = atoms[name]
            test = tests.get(name)
            if test is None:
                box.append(a.full | 1 << a.size)
            else:
                box.append(a.mask(test) | (1 << a.size if test.matches(None) else 0))
        out.append((con.id, tuple(box)))
    return out


def refused(limits: list[tuple[str, Box]], piece: Box) -> str | None:
    """Why a piece lying inside one of the constraints is refused (pieces come from `refine`,
    so they lie inside a constraint or outside it, never across its edge)."""
    for cid, cut in limits:
        if all(m & c == m for m, c in zip(piece, cut)):
            return _("this case cannot occur (constraint {id})").format(id=cid)
    return None


def refine(box: Box, cuts: list[Box]) -> list[Box]:
    """The box cut into pieces each inside or outside every cut (box subtraction)."""
    pieces = [box]
    for cut in cuts:
        out: list[Box] = []
        for piece in pieces:
            inter = tuple(m & c for m, c in zip(piece, cut))
            if not all(inter):
                out.append(piece)
                continue
            out.append(inter)
            rest = list(piece)
            for k, (m, c) in enumerate(zip(piece, cut)):
                if m & ~c:  # the part of the remainder outside the cut in column k
                    out.append(tuple(rest[:k]) + (m & ~c,) + tuple(rest[k + 1:]))
                    rest[k] = m & c
        pieces = out
    return pieces
