"""`evaluate_frame`'s refusal of rows that cannot occur because constraints naming inputs the
decision does not read rule them out together (`possible`): the same answer `evaluate` gives,
asked once per distinct set of constraints the rows' values accept."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from .columns import Column
from .evaluate import impossible_together
from .possible import Projection


def impossible_rows(projection: Projection, columns: Mapping[str, Column], n: int
                    ) -> tuple[np.ndarray, Callable[[np.ndarray], tuple[np.ndarray, list[str]]]]:
    """Per row: refused; and for refused rows, why (as `_Run.fail` takes it)."""
    chosen = np.full(n, projection.every, dtype=object)
    for axis in projection.read_axes:
        codes = columns[axis.name].atom_codes(axis.atoms)
        chosen = chosen & np.asarray(axis.accept, dtype=object)[codes]
    if not n:
        return np.zeros(0, dtype=bool), lambda rows: (rows, [])
    sets, which = np.unique(chosen, return_inverse=True)
    found = [projection.refusal_of(int(s)) for s in sets]
    refused = np.array([f is not None for f in found], dtype=bool)[which.reshape(-1)]

    def why(rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
        texts = [impossible_together(f, projection.read) if f is not None else ""
                 for f in found]
        return which.reshape(-1)[rows], texts

    return refused, why
