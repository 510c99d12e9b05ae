"""Workbooks written byte by byte: one sheet whose XML a test gives as it is, with the styles,
number formats and shared strings it names. No spreadsheet library writes these, which is the
point: the two readers (xlsx.py) are compared on XML that only a program or a damaged file has.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def write_raw(path: Path, sheet_data: str, shared: list[str] | None = None,
              formats: dict[int, str] | None = None, styles: list[int] | None = None,
              date1904: bool = False, after: str = "") -> Path:
    """A workbook of one sheet `S`: `sheet_data` is the XML inside `<sheetData>`; `styles` the
    numFmtId of each cell style (style 0 first); `formats` the custom number formats;
    `shared` the shared strings as XML text (escaped by the caller; one starting with `<` is
    the whole inside of its `<si>`, runs and all)."""
    types = (f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
             f'.org/package/2006/content-types"><Default Extension="rels" ContentType="application'
             f'/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
             f'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
             f'"{CT}.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
             f'"{CT}.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType='
             f'"{CT}.styles+xml"/>'
             + (f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"'
                f'/>' if shared is not None else "") + "</Types>")
    rels = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}"><Relationship '
            f'Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    book = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
            + ('<workbookPr date1904="1"/>' if date1904 else "")
            + '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
    book_rels = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
                 f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
                 f'<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/>'
                 + (f'<Relationship Id="rId3" Type="{REL}/sharedStrings" Target="sharedStrings.xml"'
                    f'/>' if shared is not None else "") + "</Relationships>")
    codes = "".join(f'<numFmt numFmtId="{i}" formatCode="{attr(c)}"/>'
                    for i, c in (formats or {}).items())
    xfs = styles or [0]
    style_xml = (f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}">'
                 + (f'<numFmts count="{len(formats)}">{codes}</numFmts>' if formats else "")
                 + '<fonts count="1"><font/></fonts><fills count="1"><fill><patternFill '
                 'patternType="none"/></fill></fills><borders count="1"><border/></borders>'
                 '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
                 f'<cellXfs count="{len(xfs)}">'
                 + "".join(f'<xf numFmtId="{i}" xfId="0" applyNumberFormat="1"/>' for i in xfs)
                 + '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
                 'builtinId="0"/></cellStyles></styleSheet>')
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'
             f"{sheet_data}</sheetData>{after}</worksheet>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", rels)
        zf.writestr("xl/workbook.xml", book)
        zf.writestr("xl/_rels/workbook.xml.rels", book_rels)
        zf.writestr("xl/styles.xml", style_xml)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared is not None:
            zf.writestr("xl/sharedStrings.xml",
                        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'
                        + "".join(f"<si>{s}</si>" if s.startswith("<") else
                                  f"<si><t>{s}</t></si>" for s in shared) + "</sst>")
    return path
