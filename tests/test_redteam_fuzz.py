"""Hostile-input categories the red team found gaps in, generated rather than listed, so the
next red team finds less: Unicode forms at every comparison, digit scripts, nesting and size on
the case JSON and CSV paths, and atomic writes under signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redteam_files import good
from workbooks import TableSpec, WorkbookSpec, write

import engine
from engine import CaseError, SfeelError
from engine.cli.cmd_eval import _parse_case
from engine.cli.main import main
from engine.core.errors import UsageError
from engine.core.sfeel import parse_unary

# letters that have a composed and a decomposed spelling, marks, invisible characters
LETTERS = "aeoåøæéèüñçÅØÆÉ"
MARKS = "\u0300\u0301\u0308\u030a\u0327"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
FORMS = ("NFC", "NFD")
HERE = Path(__file__).parent


def _word() -> st.SearchStrategy[str]:
    return st.text(alphabet=LETTERS, min_size=1, max_size=6)


@pytest.fixture(scope="module")
def words_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, list[str]]:
    words = ["på", "ære", "Øst", "né", "ñu", "Åse"]
    spelled = [unicodedata.normalize("NFD", w) for w in words]  # the workbook is all NFD
    allowed = ", ".join(f'"{w}"' for w in spelled)
    glossary = [("w", "string", allowed, "W"), ("out", "string", allowed, "Out")]
    rules = [[str(i + 1), f'"{w}"', f'"{w}"'] for i, w in enumerate(spelled)]
    table = TableSpec("out", "U", [("w", "input"), ("out", "output")], rules)
    path = write(WorkbookSpec(glossary, [table]),  # type: ignore[arg-type]
                 tmp_path_factory.mktemp("w") / "w.xlsx")
    return engine.load(str(path)), words


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_spelling_of_an_allowed_value_is_that_value(words_model: tuple[Any, list[str]],
                                                        data: st.DataObject) -> None:
    model, words = words_model
    word = data.draw(st.sampled_from(words))
    form = data.draw(st.sampled_from(FORMS))
    typed = unicodedata.normalize(form, word)
    assert model.evaluate({"w": typed})["out"] == unicodedata.normalize("NFC", word)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_a_look_alike_is_refused_and_its_difference_shown(words_model: tuple[Any, list[str]],
                                                          data: st.DataObject) -> None:
    model, words = words_model
    word = data.draw(st.sampled_from(words))
    at = data.draw(st.integers(0, len(word)))
    extra = data.draw(st.sampled_from(INVISIBLE))
    typed = word[:at] + extra + word[at:]
    with pytest.raises(CaseError) as caught:
        model.evaluate({"w": typed})
    message = str(caught.value)
    assert f"\\u{ord(extra):04x}" in message and extra not in message


DIGITS = "0123456789\u0660\u0665\u06f5\u0966\u09e6\uff10\uff15\u0e50"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=DIGITS + ".-[]()<>=, ", max_size=20))
def test_only_ascii_digits_are_ever_read_as_numbers(text: str) -> None:
    try:
        test = parse_unary(text, numeric=True)
    except SfeelError:
        return
    foreign = [ch for ch in text if ch.isdecimal() and not ch.isascii()]
    assert not foreign, (text, test)


def _nested(depth: int, leaf: Any) -> Any:
    for _ in range(depth):
        leaf = [leaf]
    return leaf


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40_000), st.sampled_from([1, "x", None, 10**300, 2**53 + 1, "\ud800"]))
def test_case_json_of_any_depth_is_usage_or_case_error(depth: int, leaf: Any) -> None:
    text = '{"age": ' + "[" * depth + json.dumps(leaf) + "]" * depth + "}"
    try:
        case = _parse_case(text)
    except UsageError:
        assert depth > 500 or (isinstance(leaf, int) and len(str(leaf)) > 400)
        return
    model = _model()
    try:
        model.evaluate({"receptor": "negative", "pain": True, **case})
    except CaseError:
        return
    assert depth == 0 and leaf in (1, None)  # a plain valid age, or unknown


_MODELS: dict[str, Any] = {}


def _model() -> Any:
    if "good" not in _MODELS:
        folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"redteam-fuzz-{os.getpid()}"
        folder.mkdir(exist_ok=True)
        _MODELS["good"] = engine.load(str(good(folder)))
    return _MODELS["good"]


CSV_PIECES = [b"negative", b"positive", b"70", b"true", b",", b";", b"\n", b"\r\n", b'"', b"\0",
              b"\xff", "på".encode(), unicodedata.normalize("NFD", "på").encode(), b"x" * 5000,
              b"=1+1", b"\xef\xbb\xbf", b"9" * 400]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(CSV_PIECES), max_size=60))
def test_any_csv_of_cases_gets_an_answer_or_one_sentence(pieces: list[bytes]) -> None:
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"redteam-csv-{os.getpid()}"
    folder.mkdir(exist_ok=True)
    wb = folder / "good.xlsx" if (folder / "good.xlsx").exists() else good(folder)
    cases = folder / "cases.csv"
    cases.write_bytes(b"receptor,age,pain\n" + b"".join(pieces))
    out = folder / "out.csv"
    if out.exists():
        out.unlink()
    import contextlib
    import io
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["eval", str(wb), "--input", str(cases), "--output", str(out)])
    assert code in (0, 1, 2) and "internal error" not in err.getvalue(), err.getvalue()
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.2, 0.5])
@pytest.mark.parametrize("command", ["render", "report"])
def test_a_signal_at_any_moment_leaves_the_old_output_whole(tmp_path: Path, delay: float,
                                                            command: str) -> None:
    wb = good(tmp_path)
    out = tmp_path / "out.html"
    out.write_text("old", encoding="utf-8")
    argv = [sys.executable, "-c", "import sys; from engine.cli.main import main; "
            "sys.exit(main())", command, str(wb), "-o", str(out)]
    if command == "render":
        argv += ["--format", "html"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(delay)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    text = out.read_text(encoding="utf-8")
    assert text == "old" or text.startswith("<!")  # the old file, or the whole new one
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.xlsx", "out.html"]
