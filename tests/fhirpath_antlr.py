"""The oracle for engine/workbook/fhirpath_syntax.py: the check it replaced, by fhirpathpy's
generated ANTLR parser (what the engine used before it had its own recogniser).

fhirpathpy's own `parse` recovers from syntax errors silently (`Condition.where(` compiles and
fails only when run), so the sheet is checked here with the same ANTLR grammar and a listener
that keeps every error, reading the whole text (`entireExpression`, up to EOF). The functions
called are then looked up in fhirpathpy's table, with their number of arguments, so that a
typo (`exist()`) is found when the workbook is checked, not at a patient's bedside.

The words of a syntax error are ANTLR's; the tests compare whether an expression is refused,
and the function findings word for word.
"""

from __future__ import annotations

from typing import Any

from antlr4 import CommonTokenStream, InputStream
from antlr4.error.ErrorListener import ErrorListener
from fhirpathpy.engine.invocations import invocation_registry
from fhirpathpy.parser import parse
from fhirpathpy.parser.generated.FHIRPathLexer import FHIRPathLexer
from fhirpathpy.parser.generated.FHIRPathParser import FHIRPathParser

from engine.core.i18n import _


class _Collect(ErrorListener):
    def __init__(self) -> None:
        self.errors: list[str] = []

    def syntaxError(self, recognizer: Any, offending: Any, line: int, column: int, msg: str,
                    e: Any) -> None:
        if len(msg) > 80:  # ANTLR lists every token it would take: the first words say enough
            msg = msg.split(" expecting {")[0]
        self.errors.append(_("at character {pos}: {msg}").format(pos=column + 1, msg=msg))


def problems(text: str) -> list[str]:
    """What is wrong with the expression, in words; empty when it parses and every function
    it calls exists with that many arguments."""
    listener = _Collect()
    lexer = FHIRPathLexer(InputStream(text))
    lexer.removeErrorListeners()
    lexer.addErrorListener(listener)
    parser = FHIRPathParser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(listener)
    parser.entireExpression()
    if listener.errors:
        return listener.errors[:1]
    try:
        tree = parse(text)
    except Exception as exc:  # the grammar accepted it; the tree builder did not
        return [str(exc)]
    return [p for node in _functions(tree) if (p := _unknown(node))]


def _functions(node: Any) -> list[Any]:
    found, stack = [], [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("type") == "Functn":
                found.append(item)
            stack.extend(item.get("children", ()))
    return found


def _unknown(node: dict[str, Any]) -> str:
    children = node.get("children", [])
    name = next((c.get("text", "") for c in children if c.get("type") == "Identifier"), "")
    params = next((c for c in children if c.get("type") == "ParamList"), None)
    count = len(params.get("children", [])) if params else 0
    entry: dict[str, Any] | None = invocation_registry.get(name)  # type: ignore[assignment]
    if entry is None:
        return _("{name}() is not a FHIRPath function the evaluator knows").format(name=name)
    arity = list(entry.get("arity", {}))
    if (count == 0 and (not arity or 0 in arity)) or count in arity:
        return ""
    return _("{name}() takes {counts} argument(s), not {count}").format(
        name=name, counts=" or ".join(str(n) for n in arity) or "0", count=count)
