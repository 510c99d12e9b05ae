"""DMN files as Camunda, Drools, dmn-check and Kogito write them (tests/dmn_corpus, see NOTICE).

Each file goes through `check`, `import`, `check` on the workbook and `export`: never an
internal error or a traceback, exit 2 only for a file refused by name, and the same analysis
findings before and after each round trip. Where the upstream repositories' tests state
answers (expected.json), the DMN file and the imported workbook give them.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import engine
from engine.cli.main import main
from engine.core.errors import WorkbookInvalid
from engine.core.model import Model, Table
from engine.workbook.write import renamed

CORPUS = Path(__file__).resolve().parent / "dmn_corpus"
FILES = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*.dmn"))
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
REFUSED: dict[str, str] = EXPECTED["refused"]
CRASH = ("internal error", "Traceback")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    rc = main(list(argv))
    captured = capsys.readouterr()
    text = captured.out + captured.err
    for word in CRASH:
        assert word not in text, f"{argv}: {text}"
    return rc, text


def analysis(model: Model, names: dict[str, str] | None = None) -> Counter[tuple[Any, ...]]:
    """The check's own findings (not the reader's), by kind, severity, decision and rules."""
    names = names or {}
    loaded = {id(p) for p in model.problems}
    return Counter((f.kind, f.severity, names.get(f.decision or "", f.decision), f.rules)
                   for f in model.check() if id(f) not in loaded)


def test_the_corpus_is_there() -> None:
    sources = Counter(f.split("/")[0] for f in FILES)
    assert len(FILES) >= 40, FILES
    assert set(sources) == {"camunda-bpm-platform", "camunda-bpm-examples", "dmn-check", "drools",
                            "kogito-examples"}
    notice = (CORPUS / "NOTICE").read_text(encoding="utf-8")
    assert all(f"{f}  <-  " in notice for f in FILES), "every file is listed in NOTICE"
    assert (CORPUS / "LICENSE-Apache-2.0").read_text(encoding="utf-8").lstrip().startswith(
        "Apache License")


@pytest.mark.parametrize("rel", FILES)
def test_check_import_check_export(rel: str, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = str(CORPUS / rel)
    rc, text = run(capsys, "check", path)
    if rel in REFUSED:
        assert rc == 2 and REFUSED[rel] in text, text
        return
    assert rc in (0, 1), text
    model = engine.load(path, strict=False)
    xlsx = tmp_path / "model.xlsx"
    rc, text = run(capsys, "import", path, "--to", str(xlsx))
    if model.errors or not model.tables:  # nothing read: a workbook of no table is refused
        assert rc == 1 and not xlsx.exists(), text
        return
    assert rc == 0, text
    names = renamed(model)
    for old, new in names.items():
        assert f"{old!r} -> {new}" in text, f"the import says {old!r} became {new}: {text}"
    rc, text = run(capsys, "check", str(xlsx))
    assert rc in (0, 1), text
    workbook = engine.load(str(xlsx), strict=False)
    assert not workbook.errors, [str(p) for p in workbook.errors]
    assert analysis(workbook) == analysis(model, names)
    back = tmp_path / "back.dmn"
    rc, text = run(capsys, "export", str(xlsx), "--to", "dmn", str(back))
    assert rc == 0, text
    rc, text = run(capsys, "check", str(back))
    assert rc in (0, 1), text
    assert analysis(engine.load(str(back), strict=False)) == analysis(workbook)


def _table(model: Model, decision_id: str) -> Table:
    (table,) = [t for t in model.tables.values() if t.cell == decision_id]
    return table


def _same(got: Any, want: Any, order: str) -> bool:
    if isinstance(want, list) and order == "any":
        return isinstance(got, list) and Counter(got) == Counter(want)
    return bool(got == want)


@pytest.mark.parametrize("case", EXPECTED["cases"],
                         ids=[f"{c['file']}:{c['decision_id']}:{i}"
                              for i, c in enumerate(EXPECTED["cases"])])
def test_upstream_answers_from_the_dmn_and_the_workbook(case: dict[str, Any], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    path = str(CORPUS / case["file"])
    model = engine.load(path)
    table = _table(model, case["decision_id"])
    result = model.evaluate(case["inputs"], decision=table.name)
    for name, want in case["expected"].items():
        assert _same(result[name], want, case["order"]), (name, result[name], want)
    assert result.trace[-1].decision == table.name
    xlsx = tmp_path / "model.xlsx"
    rc, _ = run(capsys, "import", path, "--to", str(xlsx))
    assert rc == 0
    names = renamed(model)
    workbook = engine.load(str(xlsx))
    given = {names.get(k, k): v for k, v in case["inputs"].items()}
    again = workbook.evaluate(given, decision=names.get(table.name, table.name))
    for name, want in case["expected"].items():
        assert _same(again[names.get(name, name)], want, case["order"])


@pytest.mark.parametrize("item", EXPECTED["unsupported"], ids=lambda u: u["file"])
def test_what_is_not_read_is_reported_never_answered(item: dict[str, Any]) -> None:
    path = str(CORPUS / item["file"])
    model = engine.load(path, strict=False)
    assert model.errors, item["why"]
    with pytest.raises(WorkbookInvalid):
        engine.load(path)


@pytest.mark.parametrize("item", EXPECTED["reported"], ids=lambda u: u["file"])
def test_upstream_errors_are_reported_on_the_same_element(item: dict[str, Any]) -> None:
    model = engine.load(str(CORPUS / item["file"]), strict=False)
    assert any(item["cell"] in p.cells for p in model.errors), [str(p) for p in model.problems]
