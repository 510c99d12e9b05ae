"""Hostile and messy input: every bad workbook and bad case gets a clear, located answer.

Nothing crashes, hangs or is lost. The bad workbooks are built from code by
tests/build_bad_workbooks.py; each says what `guideline check` must answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import workbooks
from build_bad_workbooks import (
    CORPUS,
    LOCATED,
    Bad,
    build,
    with_cached_formula,
    with_dimension,
    write_good,
)
from workbooks import TableSpec, WorkbookSpec, write

import engine
from engine import CaseError, InvalidInput, MissingInput, WorkbookError
from engine.cli.main import build_parser, main
from engine.core.safe_io import (
    OutputError,
    escape_formula,
    refuse_overwrite,
    write_text,
    write_with,
)
from engine.workbook import sheet_scan, xlsx
from engine.workbook.number_formats import Styles

GOOD_CASE = {"receptor": "negative", "age": 70, "pain": True}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Bad, Path]]:
    folder = tmp_path_factory.mktemp("bad")
    return {bad.name: (bad, build(bad, folder)) for bad in CORPUS}


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_good(tmp_path_factory.mktemp("good") / "good.xlsx")


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out + out.err


# -- 7. the whole corpus through the CLI ------------------------------------------------------
def test_the_good_workbook_is_clean(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run_cli(["check", str(good)], capsys)
    assert code == 0, text
    assert "0 error(s), 0 warning(s)" in text
    assert engine.load(str(good)).evaluate(GOOD_CASE)["advice"] == "treat"


def test_every_bad_workbook_gets_its_exit_code_and_located_sentence(
        corpus: dict[str, tuple[Bad, Path]], capsys: pytest.CaptureFixture[str]) -> None:
    assert len(corpus) >= 40
    wrong = []
    for bad, path in corpus.values():
        code, text = run_cli(["check", str(path)], capsys)
        if (code != bad.exit or bad.where not in text or bad.hint not in text
                or "Traceback" in text or "internal error" in text):
            wrong.append(f"{bad.name}: exit {code} (want {bad.exit}), want {bad.where!r} and "
                         f"{bad.hint!r} in:\n{text[:600]}")
    assert not wrong, "\n\n".join(wrong)


def test_unreadable_files_are_one_sentence(corpus: dict[str, tuple[Bad, Path]],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    for bad, path in corpus.values():
        if bad.exit != 2:
            continue
        _, text = run_cli(["check", str(path)], capsys)
        lines = [line for line in text.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), (bad.name, text)
        assert str(path) in lines[0] or bad.name == "missing.xlsx"


@pytest.mark.parametrize("name", ["text.xlsx", "password.xlsx", "entity-bomb-sheet.xlsx",
                                  "unknown-value.xlsx", "million-rows.xlsx"])
def test_the_installed_command_answers_within_bounded_memory(
        corpus: dict[str, tuple[Bad, Path]], name: str) -> None:
    """Through a real process, with the address space capped at 1 GB: a file that made the
    reader load everything (a million rows, an expanded entity bomb) would die here."""
    bad, path = corpus[name]

    def cap_memory() -> None:  # pragma: no cover - runs in the child
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    done = subprocess.run([sys.executable, "-m", "engine.cli.main", "check", str(path)],
                          capture_output=True, text=True, timeout=300, check=False,
                          preexec_fn=cap_memory)
    text = done.stdout + done.stderr
    assert done.returncode == bad.exit, text
    assert bad.where in text and "Traceback" not in text


# -- 1. unreadable files: refused before and behind openpyxl -------------------------------------
def test_defusedxml_is_in_force_for_openpyxl() -> None:
    import defusedxml.ElementTree
    from openpyxl.worksheet import _reader
    from openpyxl.xml import DEFUSEDXML, LXML, functions

    assert DEFUSEDXML is True
    assert _reader.iterparse is defusedxml.ElementTree.iterparse  # every sheet is read so
    if not LXML:
        assert functions.fromstring is defusedxml.ElementTree.fromstring  # workbook.xml too


def _defused(exc: BaseException | None) -> bool:
    from defusedxml import DefusedXmlException

    while exc is not None:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


@pytest.mark.parametrize("name", ["entity-bomb-workbook.xlsx", "entity-bomb-sheet.xlsx"])
def test_an_entity_bomb_is_refused_by_defusedxml_even_behind_our_check(
        corpus: dict[str, tuple[Bad, Path]], name: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Our prolog check names the bomb; with it switched off, defusedxml still refuses it."""
    path = str(corpus[name][1])
    with pytest.raises(WorkbookError, match="DOCTYPE"):
        xlsx.check_container(path)
    with pytest.raises(Exception) as caught:
        wb = openpyxl.load_workbook(path, read_only=True)
        for ws in wb.worksheets:
            list(ws.iter_rows())
    assert _defused(caught.value), repr(caught.value)
    monkeypatch.setattr(xlsx, "check_container", lambda p: None)
    with pytest.raises(WorkbookError, match="cannot be read as a workbook"):
        xlsx.read_sheets(path)


def test_the_total_size_and_part_count_limits(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_good(tmp_path / "good.xlsx")
    monkeypatch.setattr(xlsx, "MAX_TOTAL_BYTES", 10_000)
    with pytest.raises(WorkbookError, match="in all"):
        xlsx.check_container(str(path))
    monkeypatch.setattr(xlsx, "MAX_TOTAL_BYTES", 1 << 30)
    monkeypatch.setattr(xlsx, "MAX_MEMBERS", 5)
    with pytest.raises(WorkbookError, match="parts"):
        xlsx.check_container(str(path))


def test_a_zip_encrypted_part_is_refused(tmp_path: Path) -> None:
    path = write_good(tmp_path / "good.xlsx")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    for info in infos:  # set the 'encrypted' flag in local and central headers
        data[info.header_offset + 6] |= 1
    central = data.rfind(b"PK\x05\x06")
    offset = int.from_bytes(data[central + 16:central + 20], "little")
    while data[offset:offset + 4] == b"PK\x01\x02":
        data[offset + 8] |= 1
        offset += 46 + int.from_bytes(data[offset + 28:offset + 30], "little") + \
            int.from_bytes(data[offset + 30:offset + 32], "little") + \
            int.from_bytes(data[offset + 32:offset + 34], "little")
    path.write_bytes(bytes(data))
    with pytest.raises(WorkbookError, match="encrypted"):
        xlsx.check_container(str(path))


def test_a_real_encrypted_workbook_when_msoffcrypto_is_installed(tmp_path: Path) -> None:
    msoffcrypto = pytest.importorskip("msoffcrypto", reason="msoffcrypto-tool is optional")
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_good(tmp_path / "plain.xlsx")
    locked = tmp_path / "locked.xlsx"
    with open(plain, "rb") as src, open(locked, "wb") as dst:
        OOXMLFile(src).encrypt("secret", dst)
    assert msoffcrypto is not None
    with pytest.raises(WorkbookError, match="password-protected"):
        xlsx.read_sheets(str(locked))


def test_a_stale_dimension_does_not_hide_cells(tmp_path: Path) -> None:
    """openpyxl's streaming mode trusts the sheet's stated size; a stale one must not cut rows."""
    model = engine.load(str(with_dimension(tmp_path / "dim.xlsx", "A1:B2")))
    assert [r.id for r in model.tables["advice"].rules] == ["1", "2", "3", "4"]
    assert model.evaluate(GOOD_CASE)["advice"] == "treat"


def test_a_formula_with_a_saved_result_is_read_as_that_result(tmp_path: Path) -> None:
    path = with_cached_formula(tmp_path / "f.xlsx", "B4", 'LOWER("POSITIVE")', "positive")
    model = engine.load(str(path))
    assert model.evaluate({"receptor": "positive", "age": 1, "pain": False}).rules == ("1",)
    empty = with_cached_formula(tmp_path / "e.xlsx", "D4", 'IF(1," ","x")', " ")
    problems = engine.load(str(empty), strict=False).problems
    assert [(p.kind, p.cells) for p in problems] == [("empty", ("Advice!D4",))]


def test_merged_and_hidden_rows_are_found_in_any_spelling_and_across_chunks(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    xml = (b'<x:worksheet xmlns:x="urn:x"><x:sheetData><x:row r="3" spans="1:2"/>'
           b'<x:row customHeight="1" r="7" hidden="true" ht="0"><x:c r="A7"/></x:row>'
           b"<x:row r='9' hidden='0'/><x:row r=\"12\" hidden=\"1\"/></x:sheetData>"
           b'<x:mergeCells count="2"><x:mergeCell ref="$B$4:C5"/><x:mergeCell ref="D9"/>'
           b"</x:mergeCells></x:worksheet>")
    path = tmp_path / "layout.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("sheet.xml", xml)
    for chunk in (1 << 20, 7, 1):
        monkeypatch.setattr(sheet_scan, "CHUNK", chunk)
        sheet = xlsx.Sheet("S")
        with zipfile.ZipFile(path) as zf:
            sheet_scan.scan_sheet(zf, "sheet.xml", sheet, Styles())
        assert sheet.hidden_rows == {7, 12}, chunk
        assert sorted(sheet.merged) == [(4, 2, 5, 3), (9, 4, 9, 4)], chunk


def test_a_damaged_part_is_refused_without_a_crash(corpus: dict[str, tuple[Bad, Path]]) -> None:
    with pytest.raises(WorkbookError, match="damaged"):
        xlsx.check_container(str(corpus["corrupt-part.xlsx"][1]))


# -- 2. located problems: each finding carries its cell -----------------------------------------
@pytest.mark.parametrize("bad", [b for b in LOCATED if not b.slow], ids=lambda b: b.name)
def test_each_located_problem_is_a_finding_with_its_cell(bad: Bad, tmp_path: Path) -> None:
    path = build(bad, tmp_path)
    model = engine.load(str(path), strict=False)
    findings = model.check() if bad.exit == 0 else model.problems
    hits = [f for f in findings if bad.where in f.cells or bad.where in f.message]
    assert hits, [str(f) for f in findings]
    severity = "error" if bad.exit == 1 else "warning"
    assert any(f.severity == severity and bad.hint in str(f) for f in hits), \
        [str(f) for f in hits]
    if bad.exit == 1:
        with pytest.raises(engine.WorkbookInvalid):
            engine.load(str(path))


def test_json_findings_carry_the_cell(corpus: dict[str, tuple[Bad, Path]],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run_cli(["check", str(corpus["decimal-comma.xlsx"][1]), "--format", "json"],
                         capsys)
    doc = json.loads(text)
    assert code == 1 and doc["ok"] is False
    (finding,) = [f for f in doc["findings"] if f["kind"] == "syntax"]
    assert finding["cells"] == ["Advice!C5"] and "49.5" in finding["message"]


def test_a_hidden_rule_still_counts(corpus: dict[str, tuple[Bad, Path]]) -> None:
    model = engine.load(str(corpus["hidden-row.xlsx"][1]))
    result = model.evaluate({"receptor": "negative", "age": 30, "pain": True})
    assert result.rules == ("2",) and result["advice"] == "observe"


# -- 3. accepted as written -------------------------------------------------------------------
MESSY_RULES = [
    # id, receptor, age, pain, change, advice, dose
    [1, "\u201cpositive\u201d", "-", True, "\u2013", "treat", 2.5],
    ["2 ", "positive\u00a0", "-", False, "-", '"observe"  ', "2.5"],
    [3, '"negative"', "< 50", "-", "< \u22125", "refer", 0],
    [4, "negative", "<50", "-", "[\u20135..5]", "observe", "1"],
    [5, "negative", " < 50 ", "-", "> 5", "treat", "\u22121"],
    [6, "negative", 50, "-", "-", "treat", 3],
    [7, "negative", "\u2265 51", "-", "-", "observe", "3.0"],
]


def messy_workbook(path: Path) -> Path:
    spec = WorkbookSpec(
        glossary=[("receptor ", "String", "\u201cpositive\u201d, \u201cnegative\u201d"),
                  ("age", "integer ", "[0..120]"), ("pain", "Boolean", None),
                  ("change", "number", None), ("advice", "string", '"treat", "observe", refer'),
                  ("dose", "number", ">= \u22125")],
        tables=[TableSpec("advice", "U", [("receptor", "input "), ("age", "Input"),
                                          ("pain", "input"), ("change", "input"),
                                          ("advice\u00a0", "output"), ("dose", "output")],
                          [list(r) for r in MESSY_RULES], sheet="Advice")],
        tests=workbooks.TestSpec([("receptor", "input"), ("age", "input"), ("pain", "input"),
                        ("change", "input"), ("advice", "expected"), ("dose", "expected")],
                       [["t1", "positive", "30", True, "\u22126", "treat", "2,5"],
                        ["t2", "\u201cnegative\u201d", 50, "false", 0, "treat", 3]]))
    return write(spec, path)


def test_messy_cells_are_read_as_written(tmp_path: Path) -> None:
    path = messy_workbook(tmp_path / "messy.xlsx")
    model = engine.load(str(path), strict=False)
    # the test sheet's "2,5" for a number is ambiguous: never guessed, even there
    assert [(p.kind, p.cells) for p in model.problems] == [("syntax", ("Tests!G4",))]
    texts = [[t.text for t in r.inputs] for r in model.tables["advice"].rules]
    assert texts[0] == ['"positive"', "-", "true", "-"]
    assert texts[1][0] == "positive" and texts[1][2] == "false"
    assert texts[2][3] == "< -5" and texts[3][3] == "[-5..5]" and texts[6][1] == ">= 51"
    assert [r.id for r in model.tables["advice"].rules] == ["1", "2", "3", "4", "5", "6", "7"]
    outputs = [r.outputs for r in model.tables["advice"].rules]
    assert outputs == [("treat", 2.5), ("observe", 2.5), ("refer", 0), ("observe", 1),
                       ("treat", -1), ("treat", 3), ("observe", 3)]


@pytest.mark.parametrize(("case", "rule", "advice", "dose"), [
    ({"receptor": "positive", "age": 30, "pain": True, "change": 100}, "1", "treat", 2.5),
    ({"receptor": "positive", "age": 30, "pain": False, "change": -100}, "2", "observe", 2.5),
    ({"receptor": "negative", "age": 30, "pain": True, "change": -6}, "3", "refer", 0),
    ({"receptor": "negative", "age": 30, "pain": True, "change": -5.5}, "3", "refer", 0),
    ({"receptor": "negative", "age": 49, "pain": False, "change": -5}, "4", "observe", 1),
    ({"receptor": "negative", "age": 0, "pain": None, "change": 5}, "4", "observe", 1),
    ({"receptor": "negative", "age": 30, "pain": True, "change": 5.5}, "5", "treat", -1),
    ({"receptor": "negative", "age": 50, "pain": True, "change": 0}, "6", "treat", 3),
    ({"receptor": "negative", "age": 51, "pain": False, "change": -9}, "7", "observe", 3),
    ({"receptor": "negative", "age": 120, "pain": True, "change": 1}, "7", "observe", 3),
])
def test_messy_workbook_evaluates_to_the_hand_worked_answer(
        tmp_path: Path, case: dict[str, Any], rule: str, advice: str, dose: float) -> None:
    path = messy_workbook(tmp_path / "messy.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Tests"]["G4"] = "2.5"  # the one ambiguous cell fixed: the rest is accepted as written
    wb.save(path)
    model = engine.load(str(path))
    assert not [f for f in model.check() if f.severity == "error"]
    result = model.evaluate(case)
    assert (result.rules, result["advice"], result["dose"]) == ((rule,), advice, dose)


# -- 4. bad cases -------------------------------------------------------------------------------
@pytest.mark.parametrize(("case", "error", "named", "words"), [
    ({"receptor": "negative", "age": 70}, MissingInput, "pain", "lacks pain"),
    ({**GOOD_CASE, "pian": True}, InvalidInput, "pian", 'did you mean "pain"'),
    ({**GOOD_CASE, "advice": "treat"}, InvalidInput, "advice", "decided by the guideline"),
    ({**GOOD_CASE, "age": "70"}, InvalidInput, "age", "whole number"),
    ({**GOOD_CASE, "age": True}, InvalidInput, "age", "whole number"),
    ({**GOOD_CASE, "age": 70.5}, InvalidInput, "age", "whole number"),
    ({**GOOD_CASE, "age": math.nan}, InvalidInput, "age", "NaN"),
    ({**GOOD_CASE, "age": math.inf}, InvalidInput, "age", "infinite"),
    ({**GOOD_CASE, "age": 150}, InvalidInput, "age", "[0..120]"),
    ({**GOOD_CASE, "pain": "true"}, InvalidInput, "pain", "true or false"),
    ({**GOOD_CASE, "pain": 1}, InvalidInput, "pain", "true or false"),
    ({**GOOD_CASE, "receptor": "Positive"}, InvalidInput, "receptor", 'did you mean "positive"'),
    ({**GOOD_CASE, "receptor": ["positive"]}, InvalidInput, "receptor", "text value"),
    ({**GOOD_CASE, "receptor": dt.date(2024, 1, 1)}, InvalidInput, "receptor", "text value"),
])
def test_a_bad_case_is_a_case_error_naming_the_input(good: Path, case: dict[str, Any],
                                                     error: type, named: str,
                                                     words: str) -> None:
    model = engine.load(str(good))
    with pytest.raises(error) as caught:
        model.evaluate(case)
    assert named in caught.value.inputs and words in str(caught.value)


def test_unknown_is_never_answered_with_a_default(good: Path) -> None:
    model = engine.load(str(good))
    with pytest.raises(CaseError, match="no rule"):
        model.evaluate({**GOOD_CASE, "receptor": None})
    with pytest.raises(CaseError):
        model.evaluate(["receptor", "negative"])  # type: ignore[arg-type]


@pytest.mark.parametrize(("case", "code", "words"), [
    ('{"receptor": "negative", "age": 70, "pain": true, "age": 71}', 2,
     "'age' is given twice"),
    ('{"receptor": "negative", "age": 70, "pain": tru}', 2, "not valid JSON"),
    ('{"receptor": "negative", "age": 70, "pain": true', 2, "not valid JSON"),
    ('{"receptor": "negative", "age": NaN, "pain": true}', 2, "NaN is not a value"),
    ('{"receptor": "negative", "age": Infinity, "pain": true}', 2, "Infinity"),
    ('["receptor", "negative"]', 2, "JSON object"),
    ("", 2, "not valid JSON"),
    ('{"receptor": "negative", "age": 70}', 1, "pain"),
    ('{"receptor": "negative", "age": 70, "pain": true, "pian": 1}', 1, "pian"),
    ('{"receptor": "negative", "age": "70", "pain": true}', 1, "age"),
    ('{"receptor": "negativ", "age": 70, "pain": true}', 1, 'did you mean "negative"'),
    ('{"receptor": "negative", "age": 1e400, "pain": true}', 1, "infinite"),
])
def test_a_bad_case_on_the_command_line(good: Path, case: str, code: int, words: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    got, text = run_cli(["eval", str(good), "--case", case], capsys)
    assert (got, words in text, "Traceback" in text) == (code, True, False), text
    got, text = run_cli(["eval", str(good), "--case", case, "--format", "json"], capsys)
    assert got == code and "Traceback" not in text


def test_a_case_file_that_cannot_be_read(good: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run_cli(["eval", str(good), "--case", f"@{tmp_path / 'nope.json'}"], capsys)
    assert code == 2 and "nope.json" in text
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"receptor": "négative"}'.encode("latin-1"))
    code, text = run_cli(["eval", str(good), "--case", f"@{latin}"], capsys)
    assert code == 2 and "latin.json" in text and "Traceback" not in text


# -- 5. nothing lost ------------------------------------------------------------------------------
def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _commands() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return set(sub.choices or ())


OVERWRITES = [  # (command, argv with {wb} the workbook and {out} the output) — out is wb
    ("check", ["check", "{wb}", "--annotate", "{out}"]),
    ("render", ["render", "{wb}", "-o", "{out}"]),
    ("render", ["render", "{wb}", "--format", "html", "-o", "{out}"]),
    ("report", ["report", "{wb}", "-o", "{out}"]),
    ("diff", ["diff", "{wb}", "{wb}", "-o", "{out}"]),
    ("eval", ["eval", "{wb}", "--input", "{cases}", "--output", "{cases}"]),
]


@pytest.mark.parametrize(("command", "argv"), OVERWRITES, ids=lambda v: str(v))
@pytest.mark.parametrize("alias", ["same", "symlink", "dotted"])
def test_no_command_writes_over_its_input(command: str, argv: list[str], alias: str,
                                          tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    if command not in _commands():
        pytest.skip(f"the {command} command is not there yet")
    wb = write_good(tmp_path / "guideline.xlsx")
    cases = tmp_path / "cases.csv"
    cases.write_text("receptor,age,pain\nnegative,70,true\n", encoding="utf-8")
    target = wb if "{out}" in argv else cases
    out = {"same": target, "symlink": tmp_path / f"link{target.suffix}",
           "dotted": tmp_path / "." / ".." / tmp_path.name / target.name}[alias]
    if alias == "symlink":
        out.symlink_to(target)
    before = {p: _digest(p) for p in (wb, cases)}
    args = [a.format(wb=wb, out=out, cases=cases if alias == "same" or "{out}" in argv else out)
            for a in argv]
    code, text = run_cli(args, capsys)
    assert code == 2 and "refusing to write over" in text, text
    assert {p: _digest(p) for p in (wb, cases)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["guideline.xlsx", "cases.csv"] + (["link" + target.suffix] if alias == "symlink"
                                           else []))


READ_ONLY_COMMANDS = [["check", "{wb}"], ["check", "{wb}", "--format", "json"], ["test", "{wb}"],
                      ["eval", "{wb}", "--case", json.dumps(GOOD_CASE)], ["dump", "{wb}"],
                      ["render", "{wb}"]]


@pytest.mark.parametrize("argv", READ_ONLY_COMMANDS, ids=lambda v: v[0])
def test_reading_commands_leave_the_workbook_untouched(argv: list[str], tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    if argv[0] not in _commands():
        pytest.skip(f"the {argv[0]} command is not there yet")
    wb = write_good(tmp_path / "guideline.xlsx")
    before, mtime = _digest(wb), wb.stat().st_mtime_ns
    code, text = run_cli([a.replace("{wb}", str(wb)) for a in argv], capsys)
    assert code == 0, text
    assert (_digest(wb), wb.stat().st_mtime_ns) == (before, mtime)
    assert [p.name for p in tmp_path.iterdir()] == ["guideline.xlsx"]  # no stray files


def test_refuse_overwrite_sees_through_other_spellings(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "in.xlsx"
    source.write_bytes(b"x")
    (tmp_path / "hard.xlsx").hardlink_to(source)
    (tmp_path / "soft.xlsx").symlink_to(source)
    monkeypatch.chdir(tmp_path)
    for out in ["in.xlsx", str(source), "./in.xlsx", f"../{tmp_path.name}/in.xlsx",
                "hard.xlsx", "soft.xlsx"]:
        with pytest.raises(OutputError, match="refusing to write over"):
            refuse_overwrite(out, source)
    refuse_overwrite(tmp_path / "other.xlsx", source)  # a new file is fine


def test_writes_are_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.md"
    target.write_text("old", encoding="utf-8")

    def crash(tmp: str) -> None:
        Path(tmp).write_text("half", encoding="utf-8")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_with(target, crash)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]  # the temporary file is gone
    renames: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: Any, dst: Any) -> None:
        renames.append((str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    ((src, dst),) = renames
    assert Path(src).parent == tmp_path and Path(src) != target and dst == str(target)
    with pytest.raises(OutputError, match="does not exist"):
        write_text(tmp_path / "missing" / "out.md", "x")


@pytest.mark.parametrize(("value", "written"), [
    ("=1+1", "'=1+1"), ("+41 22", "'+41 22"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("a=b", "a=b"), ("", ""), (-2, -2), (None, None),
])
def test_escape_formula(value: Any, written: Any) -> None:
    assert escape_formula(value) == written


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_batch_output_escapes_formulas(good: Path, tmp_path: Path, suffix: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    if "eval" not in _commands() or not _has_module("engine.evaluation.batch"):
        pytest.skip("batch evaluation is not there yet")
    cases = tmp_path / "cases.csv"
    cases.write_text('id,receptor,age,pain\n"=HYPERLINK(""http://x"")",negative,70,true\n'
                     "@cmd,positive,30,false\n", encoding="utf-8")
    out = tmp_path / f"answers{suffix}"
    code, text = run_cli(["eval", str(good), "--input", str(cases), "--output", str(out)],
                         capsys)
    assert code == 0, text
    if suffix == ".csv":
        ids = [line.split(",")[0] for line in out.read_text(encoding="utf-8").splitlines()[1:]]
        assert ids == ['"\'=HYPERLINK(""http://x"")"', "'@cmd"]
    else:
        ws = openpyxl.load_workbook(out).active
        assert ws is not None
        cells = [ws.cell(r, 1) for r in (2, 3)]
        assert [c.data_type for c in cells] == ["s", "s"]  # text, never a formula
        assert [c.value for c in cells] == ["'=HYPERLINK(\"http://x\")", "'@cmd"]


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def test_the_corpus_builder_runs_as_a_script(tmp_path: Path) -> None:
    script = Path(__file__).resolve().parent / "build_bad_workbooks.py"
    probe = ("import sys, runpy; sys.argv = [sys.argv[0], sys.argv[1]]; "
             "import build_bad_workbooks as b; b.CORPUS[:] = b.CORPUS[:3]; "
             "from pathlib import Path; print(len(list(b.build_corpus(Path(sys.argv[1])))))")
    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "c")],
                          capture_output=True, text=True, cwd=script.parent, timeout=60,
                          check=False)
    assert done.returncode == 0 and done.stdout.strip() == "3", done.stderr
