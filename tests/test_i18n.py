"""Messages in Norwegian and English: every message id has a Norwegian translation, the compiled
catalog is what Babel makes of the .po, and the language is chosen as documented (`--lang`,
then `GUIDELINE_LANG`, then the workbook's About row, then English)."""

from __future__ import annotations

import ast
import io
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

babel_extract = pytest.importorskip("babel.messages.extract")
from babel.messages.frontend import parse_mapping_cfg  # noqa: E402
from babel.messages.mofile import read_mo  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

from engine.cli.main import main  # noqa: E402
from engine.core import i18n  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "engine" / "locale" / "nb" / "LC_MESSAGES" / "guideline.po"
MO = PO.with_suffix(".mo")
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
FIELD = re.compile(r"\{([^{}]*)\}")


def _extracted() -> dict[str, tuple[str, int]]:
    """Every message id in the package (Python and templates), as `pybabel extract` finds
    them with the project's babel.cfg: id -> (file, line)."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = dict(babel_extract.DEFAULT_KEYWORDS)
    found: dict[str, tuple[str, int]] = {}
    for filename, lineno, message, _comments, _context in babel_extract.extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        for msgid in (message if isinstance(message, tuple) else (message,)):
            if msgid:
                found.setdefault(msgid, (filename, lineno))
    return found


def _catalog() -> dict[str, object]:
    with open(PO, "rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0]: m for m in read_po(fh) if m.id}


def _fields(text: str) -> set[str]:
    return {f.split("!")[0].split(":")[0] for f in FIELD.findall(text.replace("{{", "")
                                                                 .replace("}}", ""))}


def test_every_message_has_a_norwegian_translation() -> None:
    found, catalog = _extracted(), _catalog()
    assert len(found) > 100  # the extraction really saw the package
    missing = []
    for msgid, (filename, lineno) in sorted(found.items()):
        message = catalog.get(msgid)
        strings = getattr(message, "string", "")
        text = strings[0] if isinstance(strings, tuple) else strings
        if not text or "fuzzy" in getattr(message, "flags", ()):
            missing.append(f"{filename}:{lineno}: {msgid!r}")
    assert not missing, "messages without a Norwegian translation (run pybabel extract/update, " \
                        "translate in the .po, pybabel compile; see docs/translating.md):\n" + \
                        "\n".join(missing)


# the calls that carry a message to a person, and the position(s) of the message among their
# arguments: a bare text or f-string there would reach the committee in English only
MESSAGE_ARGUMENT: dict[str, int | tuple[int, ...]] = {
    "add": 1, "Finding": 2, "ValueProblem": 1, "CaseError": 0, "InvalidInput": 0,
    "MissingInput": 0, "NoRuleMatched": 0, "UsageError": 0, "OutputError": 0,
    # the S-FEEL reader's `self.error(message, hint)` and `SfeelError(message, text, pos, hint)`
    "SfeelError": (0, 3),
    # guideline serve (the JSON API, the CDS services, the request guard, the page's form,
    # the FHIR mapping's questions): `error(kind, message)` shares its name with the S-FEEL
    # reader's, whose message comes first (a kind is one English code, never words, so
    # position 0 holds no message there)
    "error": (0, 1), "error_body": 1, "RequestProblem": 2, "problem": 2, "_refuse": 2,
    "refusal": 2, "_arm": 1, "Unauthorized": 0, "_problem": 0, "ask": 1,
}
LOGGERS = {"log", "logger", "logging"}  # a log line is for the operator, in English


def untranslated_messages(source: str) -> list[int]:
    """Lines of `source` where a message is written as a plain text or f-string, not `_()`
    (`N_()` only marks a text to translate later: as a message argument, it never is)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if isinstance(func, ast.Attribute) and getattr(func.value, "id", None) in LOGGERS:
            continue
        at = MESSAGE_ARGUMENT.get(name or "")
        if at is None:
            continue
        for arg in (node.args[k] for k in (at if isinstance(at, tuple) else (at,))
                    if k < len(node.args)):
            words = isinstance(arg, ast.Constant) and isinstance(arg.value, str) and \
                " " in arg.value
            marked = isinstance(arg, ast.Call) and getattr(arg.func, "id", None) == "N_"
            if words or marked or isinstance(arg, (ast.JoinedStr, ast.BinOp)):
                lines.append(node.lineno)
                break
    return lines


def test_every_message_to_a_person_goes_through_the_catalog() -> None:
    found = {str(path.relative_to(ROOT)): lines for path in sorted((ROOT / "engine").rglob("*.py"))
             if (lines := untranslated_messages(path.read_text(encoding="utf-8")))}
    assert found == {}
    assert untranslated_messages('problems.add("x", f"a {b} c", cell)') == [1]  # it does see
    assert untranslated_messages('problems.add("x", _("a {b} c").format(b=1), cell)') == []
    assert untranslated_messages('raise RequestProblem(400, "Bad", f"the {x} is bad")') == [1]
    assert untranslated_messages('error("Bad", N_("translated later, if ever"))') == [1]
    assert untranslated_messages('raise self.error("a b", _("c"))') == [1]
    assert untranslated_messages('raise self.error(_("a b"), "e.g. x y")') == [1]
    assert untranslated_messages('error("InvalidInput", _("a b"), name)') == []
    assert untranslated_messages('log.error("an operator reads this")') == []


def test_translations_keep_every_placeholder() -> None:
    for msgid, message in _catalog().items():
        string = getattr(message, "string", "")
        text = string[0] if isinstance(string, tuple) else string
        if text:
            assert _fields(text) == _fields(msgid), f"{msgid!r} -> {text!r}"


def test_compiled_catalog_is_the_po_compiled() -> None:
    """The .mo kept in the repository is what `pybabel compile` makes of the .po today."""
    with open(MO, "rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if m.id}
    with open(PO, "rb") as fh:
        source = {m.id: m.string for m in read_po(fh) if m.id and m.string and not m.fuzzy}
    assert compiled == source, "engine/locale/nb/LC_MESSAGES/guideline.mo is stale: run " \
                               "pybabel compile -d engine/locale -D guideline"


def test_no_message_is_stale_in_the_catalog() -> None:
    """A translation whose message is gone from the code is dead weight a translator trips on."""
    found = _extracted()
    stale = [msgid for msgid in _catalog() if msgid not in found]
    assert not stale, f"obsolete entries in {PO.name} (pybabel update drops them): {stale}"


# -- choosing the language ---------------------------------------------------------------------
@pytest.fixture
def fresh_language(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv(i18n.ENV, raising=False)
    i18n.set_explicit(None)
    yield
    i18n.set_explicit(None)
    i18n.install("en")  # what the rest of the suite reads (conftest sets GUIDELINE_LANG=en)


@pytest.mark.parametrize(("word", "code"), [
    ("nb", "nb"), ("NB", "nb"), ("norsk", "nb"), ("Bokmål", "nb"), ("nb_NO", "nb"),
    ("en", "en"), ("English", "en"), ("engelsk", "en"), ("tysk", None), ("", None),
])
def test_language_words(word: str, code: str | None) -> None:
    assert i18n.language_code(word) == code


def test_order_flag_then_environment_then_workbook_then_english(
        fresh_language: None, monkeypatch: pytest.MonkeyPatch) -> None:
    i18n.use_workbook_language(None)
    assert i18n.language() == "en"
    i18n.use_workbook_language("nb")
    assert i18n.language() == "nb" and i18n._("error") == "feil"
    monkeypatch.setenv(i18n.ENV, "en")
    i18n.use_workbook_language("nb")
    assert i18n.language() == "en" and i18n._("error") == "error"
    i18n.set_explicit("nb")
    i18n.use_workbook_language("en")
    assert i18n.language() == "nb"


def test_unknown_language_in_the_environment_is_refused(
        fresh_language: None, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(i18n.ENV, "klingon")
    assert main(["check", str(NBCG)]) == 2
    err = capsys.readouterr().err
    assert "GUIDELINE_LANG=klingon" in err and "nb" in err and "en" in err


# -- what the committee sees -------------------------------------------------------------------
def _edited_nbcg(tmp_path: Path, language: str | None) -> Path:
    """NBCG with the three everyday mistakes: rule B3 deleted, B9 duplicated as B9b, and a typo
    in B13's response cell (Bisfosfonat!H15 once B3's row is gone; far from B3's cases, so
    B3's gap is not folded under it as a gap B13 may be meant for); the About sheet says which
    language the committee reads."""
    path = tmp_path / "nbcg-edited.xlsx"
    shutil.copyfile(NBCG, path)
    wb = openpyxl.load_workbook(path)
    about = wb["Om"]
    for row in range(about.max_row, 0, -1):  # whatever the bundled workbook says now
        if str(about.cell(row, 1).value).casefold() in ("språk", "language"):
            about.delete_rows(row)
    if language is not None:
        about.append(["språk", language])
    ws = wb["Bisfosfonat"]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    b9 = [c.value for c in ws[rows["B9"]]]
    response = [c.value for c in ws[2]].index("response") + 1
    ws.cell(rows["B13"], response, "not_evaluatd")
    ws.delete_rows(rows["B3"])
    ws.append(["B9b", *b9[1:]])
    wb.save(path)
    return path


def typo_cell(path: Path) -> str:
    ws = openpyxl.load_workbook(path)["Bisfosfonat"]
    (cell,) = [c.coordinate for row in ws.iter_rows() for c in row if c.value == "not_evaluatd"]
    return f"Bisfosfonat!{cell}"


def test_check_speaks_the_workbooks_language(fresh_language: None, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = _edited_nbcg(tmp_path, "nb")
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert typo_cell(path) in out  # the typo, named by its cell
    assert "mente du" in out and "feil" in out
    assert "ingen regel passer" in out  # the deleted rule's gap
    assert "gjentar regel" in out  # the duplicated rule
    assert "did you mean" not in out and "no rule matches" not in out


def test_check_in_english_on_request(fresh_language: None, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = _edited_nbcg(tmp_path, "nb")
    assert main(["check", str(path), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert typo_cell(path) in out and "did you mean" in out
    assert "no rule matches" in out and "repeats rule" in out
    assert "mente du" not in out


def test_without_an_about_language_check_speaks_english(
        fresh_language: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _edited_nbcg(tmp_path, None)
    assert main(["check", str(path)]) == 1
    assert "no rule matches" in capsys.readouterr().out


def test_json_keeps_english_codes_and_adds_the_translated_message(
        fresh_language: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    path = _edited_nbcg(tmp_path, "nb")
    assert main(["check", str(path), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    findings = doc["findings"] if isinstance(doc, dict) else doc
    gap = next(f for f in findings if f["kind"] == "gap")
    assert gap["severity"] == "error"  # codes stay English for programs
    assert "ingen regel passer" in gap["message"]


def test_an_unknown_about_language_is_a_finding(fresh_language: None, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = _edited_nbcg(tmp_path, "tysk")
    main(["check", str(path)])
    out = capsys.readouterr().out
    assert "tysk" in out and "Om!B" in out


def test_catalog_loads_from_the_package() -> None:
    assert MO.exists() and MO.parents[2] == i18n.LOCALE_DIR
    assert io.BytesIO(MO.read_bytes()).read(4) in (b"\xde\x12\x04\x95", b"\x95\x04\x12\xde")
