"""Everything the committee reads is Norwegian (issue 21, item 16): every command, on NBCG and
on copies the committee edited and LibreOffice saved, with `--lang nb` and through the
workbook's own `språk = nb`, says nothing in English outside codes and quotes.

The scan removes what is not the program's own prose: the committee's texts (every text cell of
the workbook, the guideline's paragraphs), quoted and code spans, paths, cell names, options,
codes (identifiers, ALL-CAPS words such as TRUE/SANN or placeholders) and S-FEEL. What is
left is checked against words that are English and never Norwegian; a test plants English into
real output and sees the scan catch it, so a scan that can no longer fail would fail that test.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from libreoffice import delete_row, saved

import engine
from engine.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
CASE = ROOT / "docs" / "example-case.json"
Capture = pytest.CaptureFixture[str]

# English words that are not Norwegian words too (so "test", "status", "data", "i", "to", "at",
# "by", "be", "do", "no", "alle" are not here)
ENGLISH = frozenset(re.findall(r"\S+", """
the and or of with without which that this these those from into than then when where what
why how is are was were been has have had not yes if it its on as an will would should could
can cannot must might does did done rule rules error errors warning warnings note notes case
cases passed failed fail fails wrote written already exists choose allowed sources source
column columns added removed changed moved usage options positional arguments argument show help
message exit true false unique any every each both none unknown value values decision decisions
table tables check checked workbook sheet cell cells row rows file found missing expected got
answer answers region regions example because new old changes change compared comparing
interrupted internal please default invalid choice required following unrecognized expecting
report document approved about added removed glossary question questions label labels
description after before given gives read written nothing something only also still
"""))

QUOTED = re.compile(r'"[^"\n]*"|\'[^\'\n]*\'|«[^»\n]*»|`[^`\n]*`|“[^”\n]*”|„[^“\n]*“')
CODE_LIKE = re.compile(
    r"\b\w+=\S*"  # k=v (examples: codes)
    r"|\S*/\S*"  # paths, URLs, a/b pairs
    r"|\S+\.(?:xlsx|xlsm|dmn|md|html|json|csv|parquet|py)\b"  # file names
    r"|\b[A-Za-z_][\w]*_[\w]*\b"  # identifiers with an underscore (codes)
    r"|\b[\wæøåÆØÅ]+[!][A-Z]{1,3}\d+\b"  # cell names Sheet!B7
    r"|--?[a-z][\w-]*"  # options
    r"|\bguideline(?: \w+)?"  # the command and its subcommand
    r"|\bnot\("  # S-FEEL
    r"|\bsha256\b|\b[0-9a-f]{12,64}\b")
WORD = re.compile(r"[A-Za-zÆØÅæøå]+")


COMMANDS = re.compile(r"^\s+(?:eval|test|check|dump|render|diff|report|init|export|import|"
                      r"serve)\s", re.M)  # the command list of --help: names, not words
SEGMENT = re.compile(r"[\n|:;/.()«»\"]+")


def english_words(text: str, own: list[str]) -> list[str]:
    """The English words of `text` that are the program's own, not the committee's texts."""
    text = re.sub(r"\\([_*`|\\#<>\[\]-])", r"\1", text)  # Markdown's escapes undone
    text = COMMANDS.sub(" ", text)
    covered = bytearray(len(text))  # what is not the program's prose, wherever it stands
    for piece in own:  # the committee's texts (overlapping ones too)
        start = text.find(piece)
        while start >= 0:
            covered[start:start + len(piece)] = b"\1" * len(piece)
            start = text.find(piece, start + 1)
    for pattern in (QUOTED, CODE_LIKE):  # quotes, codes, paths, cells, options, S-FEEL
        for m in pattern.finditer(text):
            covered[m.start():m.end()] = b"\1" * (m.end() - m.start())
    text = "".join(" " if hit else ch for ch, hit in zip(text, covered))
    found = []
    for word in WORD.findall(text):
        if word.isupper() and len(word) > 1:
            continue  # TRUE, SANN, U, ARBEIDSBOK, CR: codes and placeholders
        if word.casefold() in ENGLISH:
            found.append(word)
    return found


def workbook_texts(*paths: Path) -> list[str]:
    """Every text the committee wrote: cells of every sheet, the guideline's paragraphs."""
    texts: set[str] = set()
    for path in paths:
        if path.suffix == ".md":
            texts.update(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
            texts.update(c.strip() for line in path.read_text(encoding="utf-8").splitlines()
                         for c in line.split("|"))
            continue
        for ws in openpyxl.load_workbook(path, read_only=True).worksheets:
            for row in ws.iter_rows(values_only=True):
                texts.update(str(v).strip() for v in row if isinstance(v, str))
    pieces = {p.strip() for t in texts for p in SEGMENT.split(t)}  # as documents cut them
    return sorted((t for t in texts | pieces if len(t) > 3), key=len, reverse=True)


def page_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<code>.*?</code>", " ", html, flags=re.S)  # code spans
    html = re.sub(r"<wbr\s*/?>", "", html)  # a break opportunity inside a word
    return unescape(re.sub(r"<[^>]+>", " ", html))


def cells_text(path: Path) -> str:
    """What the annotated copy adds: comments and the findings sheet."""
    wb = openpyxl.load_workbook(path)
    out = []
    last = wb.worksheets[-1]  # the findings sheet
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None:
                    out.append(cell.comment.text)
                if ws is last and isinstance(cell.value, str):
                    out.append(cell.value)
    return "\n".join(out)


# -- the scan can fail -----------------------------------------------------------------------
def test_the_scan_catches_a_planted_english_word(capsys: Capture, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUIDELINE_LANG")
    own = workbook_texts(NBCG, NBCG.with_suffix(".paragraphs.md"))
    main(["check", str(NBCG)])
    out = capsys.readouterr().out
    assert english_words(out, own) == []
    planted = out.replace("OK: ", "OK: the check found ", 1)
    assert english_words(planted, own) == ["the", "check", "found"]
    assert english_words("regel B3 er holdt utenfor kontrollen; rules: B2", own) == ["rules"]
    # codes, quotes and the committee's own words are not the program's English
    assert english_words('svar "not_evaluated", `guideline check`, Spor!B8, x=true', own) == []


# -- the committee's copies, as LibreOffice saved them ------------------------------------------
def _edit(edit: Callable[[Any], None]) -> Callable[[Path, Path], Path]:
    def make(folder: Path, out: Path) -> Path:
        wb = openpyxl.load_workbook(NBCG)
        edit(wb)
        wb.save(out)
        return saved(out, folder / "lo")
    return make


def _rule(decision: str, pick: Callable[[Any], bool]) -> Any:
    model = engine.load(str(NBCG))
    table = model.tables[decision]
    return table, next(r for r in table.rules if pick(r))


def _typo(wb: Any) -> None:
    table, rule = _rule("bisphosphonate", lambda r: r.inputs[0] is not None
                        and len(r.inputs[0].points) == 1)
    sheet, ref = rule.input_cells[0].split("!")
    wb[sheet][ref] = str(next(iter(rule.inputs[0].points)))[:-1]


def _copied_rule(wb: Any) -> None:
    table, rule = _rule("bisphosphonate", lambda r: True)
    ws = wb[table.sheet]
    free = ws.max_row + 1
    for col in range(1, ws.max_column + 1):
        ws.cell(free, col).value = ws.cell(rule.row, col).value


def _deleted_rule(wb: Any) -> None:
    table, rule = _rule("bisphosphonate", lambda r: r.id != "B1")
    wb[table.sheet].delete_rows(rule.row)


def _new_value(wb: Any) -> None:
    for row in wb["Ordliste"].iter_rows(min_row=2):
        if row[0].value == "response":
            row[2].value = f'{row[2].value}, "NE"'


def _stale_question(wb: Any) -> None:
    q = engine.load(str(NBCG)).questions[0]
    sheet, ref = q.cells["rules"].split("!")
    wb[sheet][ref] = "B99"


def _ambiguous_comma(wb: Any) -> None:
    table, rule = _rule("continuation", lambda r: bool(r.inputs[0].intervals))
    sheet, ref = rule.input_cells[0].split("!")
    wb[sheet][ref] = "[12..24,5]"


def _tests_gone(wb: Any) -> None:
    wb["Testtilfeller"].title = "Eksempler"


EDITS: dict[str, Callable[[Path, Path], Path]] = {
    "typo": _edit(_typo), "copied-rule": _edit(_copied_rule),
    "deleted-rule": _edit(_deleted_rule), "new-value": _edit(_new_value),
    "stale-question": _edit(_stale_question), "ambiguous-comma": _edit(_ambiguous_comma),
    "tests-gone": _edit(_tests_gone),
}


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("copies")
    out = {name: make(folder, folder / f"{name}.xlsx") for name, make in EDITS.items()}
    model = engine.load(str(NBCG))
    out["row-deleted"] = delete_row(NBCG, folder / "row-deleted.xlsx", "Testtilfeller",
                                    max(c.row for c in model.tests))
    return out


@pytest.fixture
def by_workbook(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No --lang, no GUIDELINE_LANG: the workbook's `språk = nb` decides."""
    from engine.core import i18n
    monkeypatch.delenv("GUIDELINE_LANG", raising=False)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    before = i18n.language()
    yield
    i18n.install(before)  # the workbooks installed Norwegian: the next test reads English


def say(capsys: Capture, *argv: str) -> str:
    with contextlib.suppress(SystemExit):  # --help and usage errors end in argparse
        main(list(argv))
    out, err = capsys.readouterr()
    return out + "\n" + err


def outputs(capsys: Capture, path: Path, folder: Path, lang: list[str]) -> dict[str, str]:
    """What every command says of one workbook (text, Markdown, HTML as read, the copy)."""
    said: dict[str, str] = {}
    said["check"] = say(capsys, "check", str(path), *lang)
    annotated = folder / f"{path.stem}-sjekk.xlsx"
    said["check --annotate"] = say(capsys, "check", str(path), "--annotate", str(annotated),
                                   *lang)
    if annotated.exists():
        said["the annotated copy"] = cells_text(annotated)
    said["test"] = say(capsys, "test", str(path), "--coverage", *lang)
    said["eval"] = say(capsys, "eval", str(path), "--decision", "bisphosphonate", "--case",
                       f"@{CASE}", "--explain", *lang)
    said["render"] = say(capsys, "render", str(path), "--format", "markdown", *lang)
    html = folder / f"{path.stem}.html"
    said["render html"] = say(capsys, "render", str(path), "--format", "html", "-o",
                              str(html), *lang)
    if html.exists():
        said["render html file"] = page_text(html.read_text(encoding="utf-8"))
    report = folder / f"{path.stem}-rapport.html"
    said["report"] = say(capsys, "report", str(path), "-o", str(report), "--diff", str(NBCG),
                         *lang)
    if report.exists():
        said["report file"] = page_text(report.read_text(encoding="utf-8"))
    for fmt in ("text", "markdown"):
        said[f"diff {fmt}"] = say(capsys, "diff", str(NBCG), str(path), "--format", fmt, *lang)
    said["--help"] = say(capsys, "check", str(path), "--help", *lang)
    return said


def scan(said: dict[str, str], own: list[str]) -> dict[str, list[str]]:
    return {what: words for what, text in said.items() if (words := english_words(text, own))}


def test_every_command_on_nbcg_speaks_norwegian(capsys: Capture, tmp_path: Path,
                                                by_workbook: None) -> None:
    own = workbook_texts(NBCG, NBCG.with_suffix(".paragraphs.md"))
    for lang in ([], ["--lang", "nb"]):  # the workbook's språk, then --lang
        said = outputs(capsys, NBCG, tmp_path, lang)
        said["dmn export"] = say(capsys, "export", str(NBCG), "--to", "dmn",
                                 str(tmp_path / "n.dmn"), *lang)
        said["bad case"] = say(capsys, "eval", str(NBCG), "--case", '{"a": }', *lang)
        assert scan(said, own) == {}, lang
    # no workbook to say its language (or refused before it is read): --lang says it
    nb = ["--lang", "nb"]
    said = {"dmn import": say(capsys, "import", str(tmp_path / "n.dmn"), "--to",
                              str(tmp_path / "back.xlsx"), *nb),
            "init": say(capsys, "init", str(tmp_path / "ny.xlsx"), *nb),
            "init again": say(capsys, "init", str(tmp_path / "ny.xlsx"), *nb),
            "usage error": say(capsys, "check", *nb),
            "report over its input": say(capsys, "report", str(NBCG), "-o", str(NBCG), *nb),
            "guideline --help": say(capsys, "--help", *nb)}
    for command in ("eval", "test", "check", "dump", "render", "diff", "report", "init",
                    "export", "import", "serve"):
        said[f"{command} --help"] = say(capsys, command, "--help", *nb)
    assert scan(said, own) == {}
    assert "bruk:" in said["usage error"] and "bruk:" in said["guideline --help"]


def test_every_command_on_the_committees_copies_speaks_norwegian(
        capsys: Capture, tmp_path: Path, copies: dict[str, Path], by_workbook: None) -> None:
    own = workbook_texts(NBCG, NBCG.with_suffix(".paragraphs.md"), *copies.values())
    found = {}
    for name, path in copies.items():
        found.update({f"{name}: {what}": words
                      for what, words in scan(outputs(capsys, path, tmp_path, []), own).items()})
    assert found == {}


def test_the_page_speaks_norwegian(by_workbook: None) -> None:
    from engine.serve.page import answer_view, render_page
    from engine.serve.state import Guideline
    own = workbook_texts(NBCG, NBCG.with_suffix(".paragraphs.md"))
    holder = Guideline(str(NBCG))
    holder.reload()
    assert holder.current is not None and holder.current.lang == "nb"
    case = json.loads(CASE.read_text())
    answer = answer_view(holder.current, "bisphosphonate", case)
    said = {"page": page_text(render_page(holder, None)),
            "answer": page_text(render_page(holder, "bisphosphonate", answer,
                                            fragment="answer")),
            "refusal": page_text(render_page(holder, "bisphosphonate", answer_view(
                holder.current, "bisphosphonate", {}), fragment="answer"))}
    assert scan(said, own) == {}


# -- numbers and counts as Norwegian writes them ------------------------------------------------
def test_numbers_are_grouped_and_counts_said_as_norwegian_writes_them() -> None:
    from engine.core import i18n
    from engine.core.errors import Finding
    from engine.review.report import status_line
    message = "rows after {truncated_at:,} were not read: a guideline table is never that long"
    with i18n.speaking("nb"):
        said = i18n._(message).format(truncated_at=20_000)
        model = engine.load(str(NBCG))
        line = status_line(model, [Finding("hidden", "warning", "x")], [], None)
    assert "20\u00a0000" in said and "20,000" not in said
    with i18n.speaking("en"):  # English keeps its comma
        assert i18n._(message).format(truncated_at=20_000).count("20,000") == 1
    assert any(s.text == "Kontroll: 0 feil, 1 advarsel(er)" for s in line), line
