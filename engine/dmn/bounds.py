"""What a DMN file may hold before it is read: names and texts of sane length, one namespace.

Kept apart from the reader: these checks walk the parsed tree once, before any decision is
looked at, and put every name and text in NFC (core/text.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from xml.etree.ElementTree import Element

from ..core.errors import WorkbookError
from ..core.i18n import _
from ..core.text import MAX_NAME, MAX_TEXT, nfc
from .types import local


def bound_model(path: str, root: Element, namespaces: Mapping[str, str]) -> None:
    """An id, a name or a text far beyond what a modeler writes is refused before it is
    copied into every cell name and message (a 2,000,000-character id cost 4 GB). So is a
    model whose elements are in another DMN version's namespace than its <definitions>:
    none of them would be read, and the check would pass an empty model."""
    own = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else ""
    for node in root.iter():
        ns = node.tag[1:].partition("}")[0] if isinstance(node.tag, str) and \
            node.tag.startswith("{") else ""
        if ns != own and ns in namespaces:
            raise WorkbookError(_("{path}: refused: <{tag}> is in the namespace {ns} (DMN "
                                  "{version}) but <definitions> in {own}: nothing in it would "
                                  "be read; use one DMN namespace throughout").format(
                                    path=path, tag=local(node.tag), ns=ns,
                                    version=namespaces[ns], own=own))
        for key, value in list(node.attrib.items()):
            node.attrib[key] = value = nfc(value)  # one spelling of "på" (core/text.py)
            limit = MAX_NAME if local(key) in ("id", "name", "label", "typeRef", "href") \
                else MAX_TEXT
            if len(value) > limit:
                raise WorkbookError(_("{path}: refused: the {key} of a <{tag}> is {n:,} "
                                      "characters long (at most {limit:,})").format(
                                        path=path, key=local(key), tag=local(node.tag),
                                        n=len(value), limit=limit))
        if node.text is not None:
            node.text = nfc(node.text)
        if node.text is not None and len(node.text) > MAX_TEXT:
            raise WorkbookError(_("{path}: refused: a <{tag}> holds a text of {n:,} characters "
                                  "(at most {limit:,})").format(path=path, tag=local(node.tag),
                                                               n=len(node.text), limit=MAX_TEXT))
