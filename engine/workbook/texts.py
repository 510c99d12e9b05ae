"""Text cells as the file holds them: shared strings, `_xHHHH_` escapes, surrounding space.

openpyxl reads shared strings its own way (it drops every `x005F_`, so `_x005F_x000D_`, a
written-out `_x000D_`, becomes a line break) and keeps a text's spaces where calamine drops
them. The openpyxl path therefore takes its shared strings from here, read as calamine reads
them (ECMA-376: a `<t>` keeps its outer spaces only with `xml:space="preserve"`; phonetic runs
are not text), and both paths decode the escapes once, with `unescape`.
"""

from __future__ import annotations

import re
import zipfile
from typing import Any

XML_SPACE = " \t\r\n"
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_PRESERVE = "{http://www.w3.org/XML/1998/namespace}space"
_PKG_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def unescape(text: str) -> str:
    """ECMA-376's `_xHHHH_` escapes (Excel writes a line's CR as `_x000D_`), decoded once, as
    calamine decodes them: a surrogate stays as written."""
    if "_x" not in text:
        return text
    return _ESCAPED.sub(lambda m: m.group(0) if 0xD800 <= int(m.group(1), 16) <= 0xDFFF
                        else chr(int(m.group(1), 16)), text)


def shared_strings(zf: zipfile.ZipFile) -> list[str]:
    """The workbook's shared strings, escapes still written out (`unescape` decodes them)."""
    from defusedxml.ElementTree import fromstring, iterparse

    part = "xl/sharedStrings.xml"
    if "xl/_rels/workbook.xml.rels" in zf.namelist():
        rels = fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        for rel in rels.iter(f"{_PKG_NS}Relationship"):
            if (rel.get("Type") or "").endswith("/sharedStrings"):
                target = rel.get("Target") or ""
                part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    if part not in zf.namelist():
        return []
    out: list[str] = []
    with zf.open(part) as fh:
        for _event, node in iterparse(fh):
            if _local(node.tag) != "si":
                continue
            parts = []
            for child in node:
                tag = _local(child.tag)
                if tag == "t":
                    parts.append(_text(child))
                elif tag == "r":  # a run of rich text; `rPh` (phonetic) runs are not text
                    parts += [_text(t) for t in child if _local(t.tag) == "t"]
            out.append("".join(parts))
            node.clear()
    return out


def _text(node: Any) -> str:
    text = node.text or ""
    return text if node.get(_PRESERVE) == "preserve" else text.strip(XML_SPACE)


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]
