"""What cannot occur, for the diff's region walk: each version's constraints as boxes over the
walk's columns, a box cut at their edges, and the refusal of a piece inside one.

A case inside a constraint is refused by `evaluate` whatever the rules say, so where the two
versions' constraints differ, answers change: answered in one, refused in the other. As in
`evaluate`, a version applies the constraints naming only inputs its target reads directly,
and the others projected onto those inputs (`verify.projected`): a box where every value of
the inputs it does not read lies inside some of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.i18n import _
from ..core.model import Model
from ..core.sfeel import UnaryTest
from ..domain.atoms import Atoms
from ..verify.projected import project
from ..verify.regions import Box


@dataclass
class _Column:
    """A walk column as the projection reads it: the shared atoms, null the last."""

    atoms: Atoms
    domain: int

    def mask(self, test: UnaryTest | None) -> int:
        if test is None:
            return 0
        return (self.atoms.mask(test) & self.atoms.full) | (
            1 << self.atoms.size if test.matches(None) else 0)


def limit_boxes(model: Model, columns: list[str], atoms: dict[str, Atoms],
                read: list[str] | None = None,
                domain: list[int] | None = None) -> list[tuple[str, Box]]:
    """The model's constraints that evaluation applies to this target's cases, each as
    (ids, box over the walk's columns): those naming only inputs the version reads (`read`,
    default every column), then the others projected onto them (`domain`: per column, the
    atoms and null bit this version allows)."""
    read = columns if read is None else read
    whole = [atoms[n].full | 1 << atoms[n].size for n in columns]
    out = []
    for con in model.constraints:
        if not all(n in read for n in con.names):
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
    allowed = whole if domain is None else domain
    names = [n for n in columns if n in read]
    found = project(model, names, [_Column(atoms[n], allowed[columns.index(n)]) for n in names])
    for why, part in found.boxes:
        lifted = list(whole)
        for name, m in zip(names, part):
            lifted[columns.index(name)] = m
        out.append((", ".join(c.id for c in why), tuple(lifted)))
    return out


def refused(limits: list[tuple[str, Box]], piece: Box) -> str | None:
    """Why a piece lying inside one of the constraints is refused (pieces come from `refine`,
    so they lie inside a constraint or outside it, never across its edge)."""
    for cid, cut in limits:
        if all(m & c == m for m, c in zip(piece, cut)):
            if ", " in cid:
                return _("this case cannot occur (constraints {ids}, together)").format(ids=cid)
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
