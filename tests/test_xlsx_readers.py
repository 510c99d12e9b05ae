"""The two workbook readers give one grid.

A plain workbook is read by calamine (fast), anything with a formula or an error cell, or too
large to read whole, by openpyxl in streaming mode. Both must hand the loader the very same
`Sheet`s, or a committee's workbook would mean one thing in the edit–check loop and another
elsewhere. Every readable workbook of the test corpora is read both ways and compared.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from build_bad_workbooks import CORPUS, build
from build_examples import EXAMPLES
from build_examples import build as build_example
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from raw_xlsx import write_raw

from engine.core.errors import WorkbookError
from engine.workbook import xlsx

ROOT = Path(__file__).resolve().parents[1]
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"


def both(path: Path) -> tuple[list[xlsx.Sheet] | None, list[xlsx.Sheet]]:
    return xlsx._read_plain(str(path)), xlsx._read_streaming(str(path))


def test_the_guideline_takes_the_fast_path_and_reads_the_same() -> None:
    fast, slow = both(NBCG)
    assert fast is not None, "NBCG has no formula: calamine should read it"
    assert fast == slow


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_example_workbooks_read_the_same(key: str, tmp_path: Path) -> None:
    fast, slow = both(build_example(key, tmp_path))
    assert fast is not None
    assert fast == slow


@pytest.mark.parametrize("bad", [b for b in CORPUS if not b.slow], ids=lambda b: b.name)
def test_bad_workbooks_read_the_same_or_go_the_streaming_way(bad: object,
                                                             tmp_path: Path) -> None:
    path = build(bad, tmp_path)  # type: ignore[arg-type]
    try:
        xlsx.check_container(str(path))
        slow = xlsx._read_streaming(str(path))
    except (WorkbookError, OSError):
        return  # unusable input: the container checks refuse it before either reader runs
    fast = xlsx._read_plain(str(path))
    assert fast is None or fast == slow


def test_values_of_every_kind_read_the_same(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Values"
    values = [1, -7, 2.5, 1e20, 0.1, True, False, dt.datetime(2024, 1, 2), dt.date(2024, 3, 4),
              dt.datetime(2024, 1, 2, 13, 5), "  text ", " ", "", "12", "2,5", "æøå", "\u00a0x"]
    for i, v in enumerate(values, start=1):
        ws.cell(i, 2, v)
    ws.cell(30, 7, "far away")
    ws.row_dimensions[3].hidden = True
    ws.merge_cells("D1:E2")
    wb.create_sheet("Hidden").sheet_state = "hidden"
    wb["Hidden"]["A1"] = "x"
    path = tmp_path / "values.xlsx"
    wb.save(path)
    fast, slow = both(path)
    assert fast is not None
    assert fast == slow
    assert fast[0].hidden_rows == {3} and fast[0].merged == [(1, 4, 2, 5)] and fast[1].hidden


@pytest.mark.parametrize("cell", ["=1+1", "#DIV/0!"])
def test_a_formula_or_an_error_cell_goes_the_streaming_way(cell: str, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = cell
    path = tmp_path / "special.xlsx"
    wb.save(path)
    assert xlsx._read_plain(str(path)) is None
    assert xlsx.read_sheets(str(path)) == xlsx._read_streaming(str(path))


def test_a_large_workbook_goes_the_streaming_way(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "FAST_BYTES", 10)
    assert xlsx._read_plain(str(NBCG)) is None


# -- the differential test: generated sheet XML that no spreadsheet library writes ------------
NUMBERS = ["1", "-7", "2.5", "1e20", "1E+3", ".5", "5.", "+5", "1_0", "\u0665", "\uff11",
           " 5", "NaN", "inf", "Infinity", "1e999", "9007199254740993", "9007199254740992",
           "-9007199254740993", "100000000000000000000", "-0", "0.1", "", "00012", "1e-400",
           "45000", "0.5", "-5", "-0.5", "2958465", "2958466", "60", "59.5", "1.0", "0x10", "1-2"]
TEXT_PIECES = ["a", "b ", " ", "_x000D_", "_x000d_", "_x005F_x000D_", "_x0001_", "_x001B_[2K",
               "_xD800_", "_x1F600_", "_x00ZZ_", "&amp;", "&lt;", "&#x41;", "\u00e6", "\t",
               "\n", "\u00a0", "\u200b", "=1+1", "TRUE"]
FORMATS = {164: "0*d", 165: '"d"0', 166: "\\d0", 167: "_d0", 168: "[$-414]dd.mm.yyyy",
           169: "0;dd", 170: "[Red]0", 171: "yyyy-mm-dd", 172: '#,##0 "mg"', 173: "[h]:mm",
           174: "mm:ss", 175: "AM/PM 0", 176: "@", 177: "dd.mm.yyyy", 178: "0.00",
           179: "h:mm", 180: "General"}
PLAIN_FORMATS = [0, 1, 2, 14, 22, 171, 177, 178]
ALL_FORMATS = [0, 1, 2, 9, 11, 14, 15, 18, 20, 22, 27, 30, 45, 46, 47, 49, 50, *FORMATS]
ISO = ["2024-01-02", "2024-01-02T10:00:00", "2024-1-2", "2024-02-30", "2024-01-02T25:00:00",
       "0001-01-01", "9999-12-31T23:59:59.5", "2024-01-02Z", "x"]


def _text(pieces: list[str] = TEXT_PIECES) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), max_size=4).map("".join)


@st.composite
def _rich(draw: st.DrawFn) -> str:
    """A shared string's inside: runs of rich text, kept spaces or not, a phonetic run."""
    runs = []
    for text in draw(st.lists(_text().map(_xml_text), min_size=1, max_size=3)):
        keep = ' xml:space="preserve"' if draw(st.booleans()) else ""
        runs.append(f"<r><rPr><b/></rPr><t{keep}>{text}</t></r>")
    if draw(st.booleans()):
        runs.append("<rPh sb=\"0\" eb=\"1\"><t>PH</t></rPh>")
    return "".join(runs)


# calamine decodes an escaped `_` twice in a cell's own text (sheet_scan.py sends it the
# streaming way); in shared strings it is decoded once, as it should be
INLINE_PLAIN = [p for p in TEXT_PIECES if not p.startswith("_x005F")]


def _xml_text(text: str) -> str:
    """Text for an XML element: the entity pieces stay as written, the rest is escaped."""
    out = text.replace("&amp;", "\0a").replace("&lt;", "\0l").replace("&#x41;", "\0x")
    out = out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return out.replace("\0a", "&amp;").replace("\0l", "&lt;").replace("\0x", "&#x41;")


def _cell(kind: str, value: str, ref: str | None, style: int) -> str:
    where = f' r="{ref}"' if ref else ""
    styled = f' s="{style}"' if style else ""
    if kind == "inlineStr":
        return f'<c{where}{styled} t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'
    if kind == "inlineRaw":  # no xml:space: calamine drops the outer spaces
        return f'<c{where}{styled} t="inlineStr"><is><t>{value}</t></is></c>'
    if kind == "inlineRich":
        return (f'<c{where}{styled} t="inlineStr"><is><r><t>{value}</t></r><r><t '
                f'xml:space="preserve"> {value} </t></r></is></c>')
    typed = "" if kind == "none" else f' t="{kind}"'
    return f"<c{where}{styled}{typed}><v>{value}</v></c>"


@st.composite
def sheets(draw: st.DrawFn, plain: bool) -> dict[str, object]:
    strings = draw(st.lists(st.one_of(_text().map(_xml_text), _rich()), max_size=4))
    if plain:
        kinds = st.sampled_from(["none", "n", "s", "inlineStr", "b", "d"])
        numbers: st.SearchStrategy[str] = st.one_of(
            st.integers(-10**15, 10**15).map(str),
            st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr),
            st.sampled_from(["2.5", "-7", "45000", "0.5", "1E+3", "00012"]))
        formats = PLAIN_FORMATS
    else:
        kinds = st.sampled_from(["none", "n", "s", "str", "inlineStr", "inlineRaw",
                                 "inlineRich", "b", "d", "x"])
        numbers = st.one_of(st.sampled_from(NUMBERS), st.integers(-10**17, 10**17).map(str),
                            st.floats(allow_nan=False, allow_infinity=False).map(repr))
        formats = ALL_FORMATS
    styles = [0, *draw(st.lists(st.sampled_from(formats), max_size=4))]
    rows = draw(st.lists(st.tuples(st.integers(1, 6), st.booleans(),
                                   st.lists(st.tuples(st.integers(1, 5), kinds,
                                                      st.integers(0, len(styles) - 1),
                                                      st.booleans(), st.data()),
                                            max_size=4)),
                         max_size=6))
    if plain:  # rows and cells in order, as spreadsheet programs write them
        rows = sorted({r[0]: r for r in rows}.values(), key=lambda r: r[0])
    xml = []
    for number, numbered, cells in rows:
        if plain:
            cells = sorted({c[0]: c for c in cells}.values(), key=lambda c: c[0])
        body = []
        for col, kind, style, with_ref, data in cells:
            if kind in ("none", "n"):
                value = data.draw(numbers)
            elif kind == "s":
                value = str(data.draw(st.integers(0, max(len(strings) - 1, 0)))) if plain \
                    else data.draw(st.sampled_from(["0", "1", "3", "-1", "1.0", "+1", "1_0"]))
            elif kind in ("str", "inlineStr", "inlineRaw", "inlineRich", "x"):
                value = _xml_text(data.draw(_text(INLINE_PLAIN if plain else TEXT_PIECES)))
            elif kind == "b":
                value = data.draw(st.sampled_from(["0", "1"] if plain else
                                                  ["0", "1", "2", "true", " 1", "-0"]))
            else:
                value = data.draw(st.sampled_from(ISO[:2] if plain else ISO))
            ref = f"{xlsx.column_letter(col)}{number}" if with_ref or plain else None
            body.append(_cell(kind, value, ref, style))
        where = f' r="{number}"' if numbered or plain else ""
        xml.append(f"<row{where}>{''.join(body)}</row>")
    if plain and any('t="s"' in x for x in xml) and not strings:
        strings = ["x"]
    return {"sheet_data": "".join(xml), "shared": strings or None,
            "formats": {i: FORMATS[i] for i in styles if i in FORMATS},
            "styles": styles, "date1904": draw(st.booleans())}


def _outcome(read: Any, path: Path) -> Any:
    """What a reader makes of the file: its grids (value types included), or its refusal."""
    try:
        found = read(str(path))
    except WorkbookError as exc:
        return ("refused", str(exc))
    if found is None:
        return None
    return [(s.name, {k: (type(v).__name__, v) for k, v in s.cells.items()}, s.hidden_rows,
             s.merged, s.truncated_at, s.formulas) for s in found]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets(plain=False))
def test_any_sheet_xml_has_one_reading_whichever_reader_reads_it(spec: dict[str, Any]) -> None:
    """Hostile XML: out-of-order rows and cells, `1_0`, Arabic-Indic digits, NaN, 2**53 + 1,
    dates before 1900, `0*d`, `_x000D_`... Each reader gives the same grid or the same
    refusal, never anything else (calamine may decline and leave the file to openpyxl)."""
    with tempfile.TemporaryDirectory() as folder:
        path = write_raw(Path(folder) / "raw.xlsx", **spec)  # type: ignore[arg-type]
        slow = _outcome(xlsx._read_streaming, path)
        fast = _outcome(xlsx._read_plain, path)
    assert slow is not None
    assert fast is None or fast == slow, (spec, fast, slow)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets(plain=True))
def test_a_plain_sheet_takes_the_fast_path_and_reads_the_same(spec: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write_raw(Path(folder) / "raw.xlsx", **spec)  # type: ignore[arg-type]
        slow = _outcome(xlsx._read_streaming, path)
        fast = _outcome(xlsx._read_plain, path)
    assert fast is not None, spec
    assert fast == slow, (spec, fast, slow)


# -- each disagreement the red team found (issue 26), now one reading on both paths -----------
ONE_READING = [  # sheet XML, extra write_raw arguments, the grid or the refusal both give
    ('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', {"shared": ["a_x000D_b_x005F_x000D_"]},
     {(1, 1): "a\rb_x000D_"}),
    ('<row r="3"><c r="A3"><v>3</v></c></row><row r="1"><c r="A1"><v>1</v></c></row>', {},
     {(1, 1): 1, (3, 1): 3}),  # openpyxl's iter_rows dropped row 1
    ('<row r="1"><c r="C1"><v>3</v></c><c r="A1"><v>1</v></c></row>', {},
     {(1, 1): 1, (1, 3): 3}),  # and C1, written before A1
    ('<row r="1"><c r="A1"><v>1_0</v></c></row>', {}, "holds '1_0', which is not a number"),
    ('<row r="1"><c r="A1"><v>\u0665</v></c></row>', {}, "which is not a number"),
    ('<row r="1"><c r="A1"><v>NaN</v></c></row>', {}, "holds 'NaN', which is not a number"),
    ('<row r="1"><c r="A1"><v>9007199254740993</v></c></row>', {}, "beyond 2**53"),
    ('<row r="1"><c r="A1"><v>9007199254740992</v></c></row>', {}, {(1, 1): 2**53}),
    ('<row r="1"><c r="A1" s="1"><v>-5</v></c></row>', {"styles": [0, 14]},
     "formatted as a date but holds -5"),
    ('<row r="1"><c r="A1" s="1"><v>0</v></c><c r="B1" s="1"><v>5</v></c></row>',
     {"styles": [0, 164], "formats": {164: "0*d"}}, {(1, 1): 0, (1, 2): 5}),  # `*d` is a fill
    ('<row r="1"><c r="A1" s="1"><v>45000</v></c></row>', {"styles": [0, 14]},
     {(1, 1): dt.datetime(2023, 3, 15)}),
    ('<row r="1"><c r="A1" t="b"><v>2</v></c></row>', {}, "holds '2', not 0 or 1"),
    ('<row r="1"><c r="A1"><v>1</v></c></row><row r="1"><c r="A1"><v>2</v></c></row>', {},
     "S!A1: this cell is written twice"),
]


@pytest.mark.parametrize("xml, extra, reading", ONE_READING)
def test_what_the_readers_read_differently_now_has_one_reading(
        tmp_path: Path, xml: str, extra: dict[str, Any], reading: Any) -> None:
    path = write_raw(tmp_path / "one.xlsx", xml, **extra)
    outcomes = []
    for read in (xlsx._read_streaming, xlsx.read_sheets):
        try:
            outcomes.append({k: (type(v), v) for k, v in read(str(path))[0].cells.items()})
        except WorkbookError as exc:
            outcomes.append(str(exc))
    if isinstance(reading, str):
        assert all(isinstance(o, str) and reading in o and "S!A1" in o for o in outcomes), outcomes
    else:
        assert outcomes == [{k: (type(v), v) for k, v in reading.items()}] * 2
