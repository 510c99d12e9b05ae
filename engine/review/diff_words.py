"""The diff said in the committee's words: variables by label, values by their Verdier label or
ja/nei, a region's cells as «ikke PD (progresjon)» rather than `not("PD")`.

Text, Markdown and the report say a change through one `Wording`, so the rule cards, the
changed answers and the "when" of a region never mix labels with code syntax; the JSON keeps
the codes and the S-FEEL cells.
"""

from __future__ import annotations

from typing import Any

from ..core.i18n import _
from ..core.model import Model, Variable
from ..domain.words import cell_words, value_words
from ..workbook.labels import in_words


class Wording:
    """Names, cells and answers of two versions, said with the newer version's words."""

    def __init__(self, *models: Model | None) -> None:
        self.variables: dict[str, Variable] = {}
        self.labels: dict[str, dict[Any, str]] = {}
        self.sheets: dict[str, str] = {}
        for model in models:  # the newer one last: its words win
            if model is None:
                continue
            self.variables.update(model.variables)
            self.sheets.update({t.name: t.sheet for t in model.tables.values()})
            for name, labels in model.value_labels.items():
                self.labels.setdefault(name, {}).update(labels)

    def name(self, name: str) -> str:
        var = self.variables.get(name)
        return var.label if var is not None and var.label else name

    def value(self, name: str, value: Any) -> str:
        return value_words(list(value) if isinstance(value, tuple) else value,
                           self.labels.get(name))

    def cell(self, name: str, text: str) -> str:
        """A region's cell (S-FEEL, as the walk renders it) in words."""
        var = self.variables.get(name)
        said = cell_words(var, text, self.labels.get(name))
        return in_words(self.labels.get(name, {}), text) if said == text and var else said

    def when(self, region: dict[str, str]) -> str:
        if not region:
            return _("in every case")
        return _("when {conditions}").format(conditions=self.conditions(region, _(" and ")))

    def conditions(self, region: dict[str, str], sep: str = "; ") -> str:
        return sep.join(_("{name} is {words}").format(name=self.name(k), words=self.cell(k, v))
                        for k, v in region.items())

    def rules(self, rules: list[str]) -> str:
        """Rule ids as the committee finds them: a helper decision's by its sheet (`Spor S2`)."""
        said = []
        for rule in rules:
            decision, _sep, rid = rule.rpartition(":")
            said.append(f"{self.sheets.get(decision, decision)} {rid}" if decision else rid)
        return ", ".join(said) or _("none")

    def answer(self, change: Any, side: str) -> str:
        ans = change.old if side == "old" else change.new
        if ans.error is not None:
            return _("no answer ({error})").format(error=ans.error)
        names = change.changed or [n for n, _v in ans.outputs]
        return "; ".join(f"{self.name(n)}: {self.value(n, ans.get(n))}" for n in names)
