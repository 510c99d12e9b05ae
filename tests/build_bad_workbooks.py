"""Build the corpus of bad workbooks from code: no binary blob is ever committed.

Each entry says what `guideline check` must answer: the exit code (2 unusable, 1 problems,
0 clean or warnings only) and the text the message must hold — the cell (`Advice!B4`) for a
located problem, a phrase for an unreadable file. Run as a script to write the corpus into a
folder and look at the files by hand:

    python tests/build_bad_workbooks.py /tmp/bad
"""

from __future__ import annotations

import datetime as dt
import struct
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from workbooks import TableSpec, TestSpec, WorkbookSpec, write

MILLION = 1_000_000

# -- the good guideline every located problem starts from -----------------------------------
# Advice sheet:  A id | B receptor | C age | D pain | E advice (output) | F sources
#                row 1 Decision, row 2 header, row 3 roles, rules in rows 4-7
GLOSSARY = [
    ("receptor", "string", '"positive", "negative"', "Hormone receptor"),
    ("age", "integer", "[0..120]", "Age"),
    ("pain", "boolean", None, "Pain"),
    ("advice", "string", '"treat", "observe"', "Advice"),
]
RULES = [
    ["1", '"positive"', "-", "-", '"treat"', "N1"],
    ["2", '"negative"', "< 50", "-", '"observe"', "N2"],
    ["3", '"negative"', ">= 50", "true", '"treat"', "N3"],
    ["4", '"negative"', ">= 50", "false", '"observe"', "N3"],
]
TESTS = TestSpec(
    columns=[("receptor", "input"), ("age", "input"), ("pain", "input"),
             ("advice", "expected")],
    rows=[["t1", '"positive"', 30, False, '"treat"'],
          ["t2", '"negative"', 70, True, '"treat"'],
          ["t3", '"negative"', 40, False, '"observe"']],
)


def good_spec() -> WorkbookSpec:
    table = TableSpec("advice", "U", [("receptor", "input"), ("age", "input"),
                                      ("pain", "input"), ("advice", "output"),
                                      ("sources", "annotation")],
                      [list(r) for r in RULES], sheet="Advice")
    return WorkbookSpec(list(GLOSSARY), [table],
                        TestSpec(list(TESTS.columns), [list(r) for r in TESTS.rows]))


def write_good(path: Path, edit: Callable[[Any], None] | None = None) -> Path:
    """The good workbook, then `edit(openpyxl_workbook)` applied to it and saved."""
    write(good_spec(), path)
    if edit is not None:
        wb = openpyxl.load_workbook(path)
        edit(wb)
        wb.save(path)
    return path


def set_cell(sheet: str, ref: str, value: Any) -> Callable[[Any], None]:
    def edit(wb: Any) -> None:
        wb[sheet][ref] = value
    return edit


def _merge(wb: Any) -> None:
    wb["Advice"].merge_cells("E4:E5")


def _hide_row(wb: Any) -> None:
    wb["Advice"].row_dimensions[5].hidden = True


def _hide_sheet(wb: Any) -> None:
    wb["Advice"].sheet_state = "hidden"


def _no_glossary(wb: Any) -> None:
    wb["Glossary"].title = "Words"


# -- zip surgery: replace or add parts of a saved workbook -------------------------------------
Part = bytes | Callable[[Any], None]  # the bytes, or a function writing them to a stream


def rewrite_zip(src: Path, dst: Path, parts: dict[str, Part],
                compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """Copy `src` to `dst`, with `parts` replacing (or added to) its members."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression) as zout:
        for info in zin.infolist():
            if info.filename not in parts:
                zout.writestr(info.filename, zin.read(info.filename))
        for name, part in parts.items():
            if isinstance(part, bytes):
                zout.writestr(name, part)
            else:
                with zout.open(name, "w", force_zip64=True) as fh:
                    part(fh)
    return dst


SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
              for i in range(1, 10))
    + "]>\n"
)


def _bomb_workbook_xml(src: Path) -> bytes:
    with zipfile.ZipFile(src) as zf:
        text = zf.read("xl/workbook.xml").decode("utf-8")
    body = text.split("?>", 1)[1] if text.startswith("<?xml") else text
    body = body.replace("<sheets>", "<sheets>&lol9;", 1) if "<sheets>" in body else body
    return (LAUGHS + body).encode("utf-8")


def _sheet_bomb() -> bytes:
    return (LAUGHS + f'<worksheet xmlns="{SHEET_NS}"><sheetData><row r="1"><c r="A1" '
            't="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
            ).encode("utf-8")


def _million_rows(fh: Any) -> None:
    """A data sheet of a million numbered rows, streamed: ~45 MB of XML, never in memory."""
    fh.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{SHEET_NS}">'
             f'<dimension ref="A1:A{MILLION}"/><sheetData>'.encode())
    step = 20_000
    for start in range(1, MILLION + 1, step):
        fh.write("".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>'
                         for i in range(start, start + step)).encode())
    fh.write(b"</sheetData></worksheet>")


def _far_row_sheet(src: Path) -> bytes:
    """The Advice sheet, plus one stray value in Excel's last row (1,048,576)."""
    with zipfile.ZipFile(src) as zf:
        text = zf.read("xl/worksheets/sheet2.xml").decode("utf-8")
    stray = ('<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
             "</sheetData>")
    return text.replace("</sheetData>", stray, 1).encode("utf-8")


def _zeros(size: int) -> Callable[[Any], None]:
    def write_zeros(fh: Any) -> None:
        block = b"\0" * (1 << 20)
        for _ in range(size >> 20):
            fh.write(block)
    return write_zeros


def with_cached_formula(path: Path, ref: str, formula: str, cached: str) -> Path:
    """The good workbook with a formula in Advice!`ref` whose result was saved, as Excel does.

    openpyxl writes formulas without a result; the saved result is put in by zip surgery.
    """
    base = path.with_name(path.name + ".base.xlsx")
    write_good(base, set_cell("Advice", ref, "=" + formula))
    with zipfile.ZipFile(base) as zf:
        text = zf.read("xl/worksheets/sheet2.xml").decode("utf-8")
    old = f'<c r="{ref}"><f>{formula}</f><v /></c>'
    if old not in text:
        raise ValueError(f"openpyxl wrote the formula differently: {text[:300]}")
    new = f'<c r="{ref}" t="str"><f>{formula}</f><v>{cached}</v></c>'
    try:
        return rewrite_zip(base, path, {"xl/worksheets/sheet2.xml":
                                        text.replace(old, new).encode("utf-8")})
    finally:
        base.unlink()


def with_dimension(path: Path, ref: str) -> Path:
    """The good workbook whose Advice sheet claims a wrong size (`<dimension ref=...>`)."""
    base = path.with_name(path.name + ".base.xlsx")
    write_good(base)
    with zipfile.ZipFile(base) as zf:
        text = zf.read("xl/worksheets/sheet2.xml").decode("utf-8")
    try:
        return rewrite_zip(base, path, {"xl/worksheets/sheet2.xml": text.replace(
            '<dimension ref="A1:F7" />', f'<dimension ref="{ref}" />').encode("utf-8")})
    finally:
        base.unlink()


# -- an OLE2 compound file, the container of .xls and of password-protected workbooks -------
def ole_file(streams: dict[str, bytes]) -> bytes:
    """A minimal but well-formed compound file (v3, 512-byte sectors) holding `streams`.

    Each stream is padded to 4096 bytes so that it lives in ordinary sectors (no mini stream).
    """
    sector = 512
    names = list(streams)
    data = [streams[n].ljust(4096, b"\0") for n in names]
    counts = [len(d) // sector for d in data]
    # sector 0: FAT; sector 1: directory; then the streams one after another
    fat = [0xFFFFFFFD, 0xFFFFFFFE]
    starts = []
    for count in counts:
        first = len(fat)
        starts.append(first)
        fat += [first + k + 1 for k in range(count - 1)] + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (sector // 4 - len(fat))
    if len(fat) > sector // 4 or len(names) > 3:
        raise ValueError("ole_file is for a few small streams only")

    def entry(name: str, kind: int, start: int, size: int, child: int = 0xFFFFFFFF,
              right: int = 0xFFFFFFFF) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", 0xFFFFFFFF, right, child) + b"\0" * 16 + b"\0" * 4
                + b"\0" * 16 + struct.pack("<IQ", start, size))

    entries = [entry("Root Entry", 5, 0xFFFFFFFE, 0, child=1)]
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else 0xFFFFFFFF
        entries.append(entry(name, 2, starts[i], len(streams[name]), right=right))
    directory = b"".join(entries).ljust(sector, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
              + struct.pack("<I", 0) + struct.pack("<I", 0xFFFFFFFF) * 108)
    return header + struct.pack(f"<{sector // 4}I", *fat) + directory + b"".join(data)


def _encrypted(path: Path) -> None:
    path.write_bytes(ole_file({
        "EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"<encryption/>",
        "EncryptedPackage": struct.pack("<Q", 1234) + bytes(range(256)) * 4,
    }))


def _legacy_xls(path: Path) -> None:
    path.write_bytes(ole_file({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00" * 64}))


def _truncated(path: Path) -> None:
    whole = path.with_name(path.name + ".whole.xlsx")
    write_good(whole)
    data = whole.read_bytes()
    whole.unlink()
    path.write_bytes(data[: len(data) // 2])


def _corrupt_member(path: Path) -> None:
    """A zip whose sheet part has damaged compressed bytes (CRC or deflate error)."""
    base = path.with_name(path.name + ".base.xlsx")
    write_good(base)
    with zipfile.ZipFile(base) as zf:
        info = zf.getinfo("xl/worksheets/sheet2.xml")
    data = bytearray(base.read_bytes())
    base.unlink()
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(5, min(info.compress_size, 60), 7):
        data[start + k] ^= 0x5A
    path.write_bytes(bytes(data))


def _plain_zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _broken_xml() -> bytes:
    return f'<worksheet xmlns="{SHEET_NS}"><sheetData><row r="1"><c r="A1"'.encode()


# -- the corpus ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Bad:
    """One bad workbook and what `guideline check` must say about it."""

    name: str
    build: Callable[[Path], Any] | None  # None: the file must not exist
    exit: int  # 2 unusable, 1 problems found, 0 clean or warnings only
    where: str  # the cell (located problems) or a phrase (unreadable files)
    hint: str = ""  # a second text the message must hold: the hint
    slow: bool = False  # large files: built once, worth a mention in the report


def _good_then(parts_of: Callable[[Path], dict[str, Part]]) -> Callable[[Path], Any]:
    def build(path: Path) -> Any:
        base = path.with_name(path.name + ".base.xlsx")
        write_good(base)
        try:
            return rewrite_zip(base, path, parts_of(base))
        finally:
            base.unlink()
    return build


def _with_sheet(title: str, content: Part) -> Callable[[Path], Any]:
    """The good workbook plus one more sheet, whose XML is then replaced by `content`."""
    def build(path: Path) -> Any:
        base = path.with_name(path.name + ".base.xlsx")

        def add(wb: Any) -> None:
            wb.create_sheet(title)["A1"] = "x"
        write_good(base, add)
        with zipfile.ZipFile(base) as zf:
            last = max((n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")),
                       key=lambda n: int(n.rsplit("sheet", 1)[1].split(".")[0]))
        try:
            return rewrite_zip(base, path, {last: content})
        finally:
            base.unlink()
    return build


UNREADABLE: list[Bad] = [
    Bad("missing.xlsx", None, 2, "no such file"),
    Bad("empty.xlsx", lambda p: p.write_bytes(b""), 2, "empty"),
    Bad("text.xlsx", lambda p: p.write_text("id;receptor;advice\n1;positive;treat\n",
                                            encoding="utf-8"), 2, "plain text"),
    Bad("folder.xlsx", lambda p: p.mkdir(), 2, "folder"),
    Bad("truncated.xlsx", _truncated, 2, "truncated"),
    Bad("legacy.xls", _legacy_xls, 2, "Excel 97-2003"),
    Bad("legacy-renamed.xlsx", _legacy_xls, 2, "Excel 97-2003"),
    Bad("password.xlsx", _encrypted, 2, "password"),
    Bad("entity-bomb-workbook.xlsx", _good_then(lambda b: {"xl/workbook.xml":
                                                           _bomb_workbook_xml(b)}),
        2, "DOCTYPE"),
    Bad("entity-bomb-sheet.xlsx", _good_then(lambda b: {"xl/worksheets/sheet2.xml":
                                                        _sheet_bomb()}), 2, "DOCTYPE"),
    Bad("zip-bomb.xlsx", _good_then(lambda b: {"xl/media/image1.png": _zeros(80 << 20)}),
        2, "zip bomb", slow=True),
    Bad("zip-ratio-bomb.xlsx", _good_then(lambda b: {"xl/media/image1.png": _zeros(8 << 20)}),
        2, "zip bomb"),
    Bad("corrupt-part.xlsx", _corrupt_member, 2, "damaged"),
    Bad("zip-not-xlsx.xlsx", lambda p: _plain_zip(p, {"readme.txt": b"hello"}), 2,
        "no xl/workbook.xml"),
    Bad("opendocument.xlsx", lambda p: _plain_zip(p, {
        "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
        "content.xml": b"<office:document-content/>"}), 2, "OpenDocument"),
    Bad("binary.xlsb", lambda p: _plain_zip(p, {"[Content_Types].xml": b"<Types/>",
                                                "xl/workbook.bin": b"\0" * 64}), 2,
        "binary workbook"),
    Bad("broken-xml.xlsx", _good_then(lambda b: {"xl/worksheets/sheet2.xml": _broken_xml()}),
        2, "cannot be read"),
]

LOCATED: list[Bad] = [
    Bad("unknown-value.xlsx", lambda p: write_good(p, set_cell("Advice", "B4", "positve")),
        1, "Advice!B4", 'did you mean "positive"'),
    Bad("unknown-output.xlsx", lambda p: write_good(p, set_cell("Advice", "E5", "observ")),
        1, "Advice!E5", 'did you mean "observe"'),
    Bad("unclosed-range.xlsx", lambda p: write_good(p, set_cell("Advice", "C6", "[50..120")),
        1, "Advice!C6", "end it with ]"),
    Bad("unclosed-not.xlsx", lambda p: write_good(p, set_cell("Advice", "C5", "not(>= 50")),
        1, "Advice!C5", "end it with )"),
    Bad("stray-paren.xlsx", lambda p: write_good(p, set_cell("Advice", "C5", "< 50)")),
        1, "Advice!C5", "without a matching ("),
    Bad("empty-input.xlsx", lambda p: write_good(p, set_cell("Advice", "D4", None)),
        1, "Advice!D4", "write -"),
    Bad("duplicate-rule-id.xlsx", lambda p: write_good(p, set_cell("Advice", "A5", "1")),
        1, "Advice!A5", "used twice"),
    Bad("missing-rule-id.xlsx", lambda p: write_good(p, set_cell("Advice", "A6", None)),
        1, "Advice!A6", "no rule id"),
    Bad("unknown-header.xlsx", lambda p: write_good(p, set_cell("Advice", "B2", "recepter")),
        1, "Advice!B2", 'did you mean "receptor"'),
    Bad("unknown-type.xlsx", lambda p: write_good(p, set_cell("Glossary", "B3", "numbr")),
        1, "Glossary!B3", "use boolean, string, number, integer or date"),
    Bad("output-outside-domain.xlsx",
        lambda p: write_good(p, set_cell("Advice", "E4", '"wait"')), 1, "Advice!E4",
        "allowed"),
    Bad("input-outside-domain.xlsx", lambda p: write_good(p, set_cell("Advice", "C4", "150")),
        1, "Advice!C4", "[0..120]"),
    Bad("formula-no-cache.xlsx",
        lambda p: write_good(p, set_cell("Advice", "B4", '=LOWER("POSITIVE")')), 1,
        "Advice!B4", "no saved result"),
    Bad("merged-cells.xlsx", lambda p: write_good(p, _merge), 1, "Advice!E4", "unmerge"),
    Bad("decimal-comma.xlsx", lambda p: write_good(p, set_cell("Advice", "C5", "[0..49,5]")),
        1, "Advice!C5", "write 49.5"),  # (`< 2,5`, a comparison alone, is read as 2.5)
    Bad("text-in-boolean.xlsx", lambda p: write_good(p, set_cell("Advice", "D6", "yes")),
        1, "Advice!D6", "write ja or nei"),
    Bad("boolean-range.xlsx", lambda p: write_good(p, set_cell("Advice", "D6", "< true")),
        1, "Advice!D6", "no order"),
    Bad("boolean-in-number.xlsx", lambda p: write_good(p, set_cell("Advice", "C4", True)),
        1, "Advice!C4", "whole number"),
    Bad("date-in-text.xlsx",
        lambda p: write_good(p, set_cell("Advice", "B4", dt.datetime(2024, 3, 1))), 1,
        "Advice!B4", "text value"),
    Bad("en-dash-range.xlsx", lambda p: write_good(p, set_cell("Advice", "C6", "50–120")),
        1, "Advice!C6", "[50..120]"),
    Bad("bad-hit-policy.xlsx", lambda p: write_good(p, set_cell("Advice", "A2", "Unik")),
        1, "Advice!A2", "not a hit policy"),
    Bad("bad-expected.xlsx", lambda p: write_good(p, set_cell("Tests", "E4", '"treet"')),
        1, "Tests!E4", 'did you mean "treat"'),
    Bad("no-glossary.xlsx", lambda p: write_good(p, _no_glossary), 1, "no glossary sheet",
        "Ordliste"),
    Bad("hidden-row.xlsx", lambda p: write_good(p, _hide_row), 0, "Advice!A5", "still counts"),
    Bad("hidden-sheet.xlsx", lambda p: write_good(p, _hide_sheet), 0, "Advice!A1",
        "still count"),
    Bad("million-rows.xlsx", _with_sheet("Data", _million_rows), 0, "Data!A20001",
        "were not read", slow=True),
    Bad("far-row.xlsx", _good_then(lambda b: {"xl/worksheets/sheet2.xml": _far_row_sheet(b)}),
        0, "Advice!A20001", "were not read"),
]



# -- issue 17: the red team's second round, as categories of the corpus ----------------------
def _part_edit(part: str, old: bytes, new: bytes) -> Callable[[Path], Any]:
    """The good workbook with `old` replaced by `new` in one XML part."""
    return _good_then(lambda src: {part: _replaced(src, part, old, new)})


def _replaced(src: Path, part: str, old: bytes, new: bytes) -> bytes:
    with zipfile.ZipFile(src) as zf:
        data = zf.read(part)
    assert old in data, (part, old)
    return data.replace(old, new)


def _unsaved_role(wb: Any) -> None:
    sheet = wb.copy_worksheet(wb["Advice"])
    sheet.title = "Second"
    sheet["A1"] = '=IF(TRUE,"Decision","")'
    sheet["B1"] = "second"


def _merge_glossary(wb: Any) -> None:
    wb["Glossary"].merge_cells("C2:C3")


def _hide_column(wb: Any) -> None:
    wb["Advice"].column_dimensions["C"].hidden = True


ADVICE = "xl/worksheets/sheet2.xml"
ROW5 = b'<row r="5">'
REDTEAM: list[Bad] = [
    Bad("hidden-row-entity.xlsx", _part_edit(ADVICE, ROW5, b'<row r="5" hidden="&#49;">'),
        0, "Advice!A5", "hidden row"),
    Bad("zero-height-row.xlsx", _part_edit(ADVICE, ROW5, b'<row r="5" ht="0" customHeight="1">'),
        0, "Advice!A5", "hidden row"),
    Bad("hidden-row-gt.xlsx", _part_edit(ADVICE, ROW5,
                                         b'<row r="5" customFormat="a>b" hidden="1">'),
        0, "Advice!A5", "hidden row"),
    Bad("hidden-column.xlsx", lambda p: write_good(p, _hide_column), 0, "Advice!C2",
        "is hidden"),
    Bad("merged-glossary.xlsx", lambda p: write_good(p, _merge_glossary), 1, "Glossary!C2",
        "merged cells in the glossary"),
    Bad("unsaved-role-formula.xlsx", lambda p: write_good(p, _unsaved_role), 1, "Second!A1",
        "no saved result"),
    Bad("strict-ooxml.xlsx", _part_edit("xl/workbook.xml", SHEET_NS.encode(),
                                        b"http://purl.oclc.org/ooxml/spreadsheetml/main"),
        2, "Strict Open XML is not supported"),
    Bad("long-sheet-name.xlsx", _part_edit("xl/workbook.xml", b'name="Advice"',
                                           b'name="' + b"A" * 300_000 + b'"'),
        2, "300,000 characters"),
    Bad("foreign-digits.xlsx", lambda p: write_good(p, set_cell("Advice", "C5", "< \u0665\u0660")),
        1, "Advice!C5", "digits other than 0-9"),
    Bad("zero-width-value.xlsx",
        lambda p: write_good(p, set_cell("Advice", "B4", '"posi\u200btive"')),
        1, "Advice!B4", "\\u200b"),
]



# -- issue 26: the red team's third round, as categories of the corpus -----------------------
TESTS_SHEET = "xl/worksheets/sheet3.xml"
GLOSSARY_SHEET = "xl/worksheets/sheet1.xml"
AGE = b'<c r="C4" t="n"><v>30</v></c>'


def _sheet(title: str, rows: list[list[Any]]) -> Callable[[Any], None]:
    def edit(wb: Any) -> None:
        sheet = wb.create_sheet(title)
        for row in rows:
            sheet.append(row)
    return edit


def _decision_near_miss(wb: Any) -> None:
    sheet = wb.copy_worksheet(wb["Advice"])
    sheet.title = "Second"
    sheet["A1"] = "Decisions"
    sheet["B1"] = "second"


def _twice_in_tests(wb: Any) -> None:
    wb["Tests"]["F2"] = "age"
    wb["Tests"]["F3"] = "input"


ROUND3: list[Bad] = [  # each reader gives one reading: refused on both paths, located
    Bad("number-underscore.xlsx", _part_edit(TESTS_SHEET, AGE, b'<c r="C4" t="n"><v>3_0</v></c>'),
        2, "Tests!C4", "which is not a number"),
    Bad("number-nan.xlsx", _part_edit(TESTS_SHEET, AGE, b'<c r="C4" t="n"><v>NaN</v></c>'),
        2, "Tests!C4", "which is not a number"),
    Bad("number-past-2-53.xlsx", _part_edit(TESTS_SHEET, AGE,
                                            b'<c r="C4" t="n"><v>9007199254740993</v></c>'),
        2, "Tests!C4", "beyond 2**53"),
    Bad("boolean-two.xlsx", _part_edit(TESTS_SHEET, b'<c r="D4" t="b"><v>0</v></c>',
                                       b'<c r="D4" t="b"><v>2</v></c>'), 2, "Tests!D4",
        "not 0 or 1"),
    Bad("control-character-label.xlsx",
        _part_edit(GLOSSARY_SHEET, b"<t>Hormone receptor</t>",
                   b"<t>Hormone_x001B_[2K receptor</t>"), 0, "Glossary!D2",
        "invisible control character"),
    Bad("near-constraints.xlsx", lambda p: write_good(p, _sheet("Constraint", [["id", "pain"]])),
        1, "Constraint!A1", "did you mean 'Constraints'"),
    Bad("near-values.xlsx", lambda p: write_good(p, _sheet("Verdi", [["Variable", "Value"]])),
        1, "Verdi!A1", "did you mean 'Verdier'"),
    Bad("near-unknown-allowed.xlsx",
        lambda p: write_good(p, set_cell("Glossary", "E1", "Unknown-allowed")), 1,
        "Glossary!E1", "did you mean 'unknown allowed'"),
    Bad("near-decision.xlsx", lambda p: write_good(p, _decision_near_miss), 1, "Second!A1",
        "did you mean 'Decision'"),
    Bad("empty-role.xlsx", lambda p: write_good(p, set_cell("Advice", "C3", None)), 1,
        "Advice!C3", "has no role"),
    Bad("variable-twice.xlsx", lambda p: write_good(p, _twice_in_tests), 1, "Tests!F2",
        "has a column already"),
    Bad("about-twice.xlsx", lambda p: write_good(p, _sheet("About", [["språk", "nb"],
                                                                     ["language", "en"]])),
        1, "About!A2", "given twice"),
    Bad("about-unsaved-formula.xlsx",
        lambda p: write_good(p, _sheet("About", [["status", '="draft"']])), 1, "About!B1",
        "no saved result"),
    Bad("count-into-text.xlsx", lambda p: write_good(p, set_cell("Advice", "A2", "C#")), 1,
        "Advice!A2", "C# counts the matching rules"),
    Bad("constraint-rules-out-all.xlsx",
        lambda p: write_good(p, _sheet("Constraints", [["id", "pain"],
                                                       ["C1", "true, false, null"]])),
        1, "Constraints!A2", "rules out every case"),
]

CORPUS: list[Bad] = UNREADABLE + LOCATED + REDTEAM + ROUND3


def build(bad: Bad, folder: Path) -> Path:
    path = folder / bad.name
    if bad.build is not None:
        bad.build(path)
    return path


def build_corpus(folder: Path) -> Iterator[tuple[Bad, Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    for bad in CORPUS:
        yield bad, build(bad, folder)


if __name__ == "__main__":  # pragma: no cover
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "bad-workbooks")
    for entry, where in build_corpus(out):
        print(f"{where}  (exit {entry.exit}: {entry.where})")
