"""The committee guide's example outputs are the real output (issue 21, item 19).

Each example in docs/committee-guide.md that shows what a command prints stands under a marker
`<!-- output: NAME -->`; NAME is one of the runs below. The test runs it as the committee does
(no --lang, no GUIDELINE_LANG: the workbook's `språk = nb`) and compares, so an example can no
longer go stale or stay English. After a deliberate change (a new rule in NBCG, a reworded
message) regenerate them:

    python tests/test_committee_guide.py
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "committee-guide.md"
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
BLOCK = re.compile(r"(<!-- output: (?P<name>[\w-]+) -->\n```text\n)"
                   r"(?P<text>(?:(?!```)[\s\S])*?)(\n```)")  # never past a fence


def _changed_answer(folder: Path) -> None:
    """gammel.xlsx (NBCG), ny.xlsx (the first rule answering defer answers consider), and a
    cohort of the test cases' inputs."""
    import engine
    shutil.copyfile(NBCG, folder / "gammel.xlsx")
    model = engine.load(str(NBCG))
    table = model.tables["bisphosphonate"]
    k = table.output_names.index("recommendation")
    rule = next(r for r in table.rules if r.outputs[k] == "defer")
    wb = openpyxl.load_workbook(NBCG)
    sheet, ref = rule.output_cells[k].split("!")
    wb[sheet][ref] = "consider"
    wb.save(folder / "ny.xlsx")
    names = list(dict.fromkeys(n for case in model.tests for n in case.inputs))
    with open(folder / "kohort.csv", "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(names)
        for case in model.tests:
            out.writerow(["" if case.inputs.get(n) is None else
                          str(case.inputs[n]).lower() if isinstance(case.inputs[n], bool)
                          else case.inputs[n] for n in names])


# name -> (what to make in the folder, the command as the guide shows it)
RUNS: dict[str, tuple[Callable[[Path], None] | None, list[str]]] = {
    "check": (None, ["check", "tables/nbcg-bisfosfonat.xlsx"]),
    "coverage": (None, ["test", "tables/nbcg-bisfosfonat.xlsx", "--coverage",
                        "--min-coverage", "100"]),
    "diff": (_changed_answer, ["diff", "gammel.xlsx", "ny.xlsx", "--cases", "kohort.csv"]),
}


@contextlib.contextmanager
def committee() -> Iterator[Path]:
    """A folder with `tables/` in it, the committee's language, as the guide's commands run."""
    saved = {k: os.environ.pop(k, None) for k in ("GUIDELINE_LANG", "LC_ALL", "LC_MESSAGES",
                                                  "LANG", "LANGUAGE")}
    before = Path.cwd()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "tables").mkdir()
        for path in NBCG.parent.iterdir():
            if path.is_file():
                shutil.copyfile(path, folder / "tables" / path.name)
        os.chdir(folder)
        try:
            yield folder
        finally:
            os.chdir(before)
            for key, value in saved.items():
                if value is not None:
                    os.environ[key] = value


def output(name: str) -> str:
    from engine.cli.main import main
    make, argv = RUNS[name]
    with committee() as folder:
        if make is not None:
            make(folder)
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            main(argv)
    return out.getvalue().rstrip("\n")


def test_every_marked_example_is_the_commands_real_output() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    shown = {m.group("name"): m.group("text") for m in BLOCK.finditer(text)}
    assert set(shown) == set(RUNS), "every run has its example in the guide, and only those"
    for name, example in shown.items():
        assert example == output(name), (
            f"the {name!r} example in docs/committee-guide.md is stale: run "
            "`python tests/test_committee_guide.py`")


def test_the_book_is_not_called_v1() -> None:
    readme = (ROOT / "tables" / "README.md").read_text(encoding="utf-8")
    assert not re.search(r"\bv1\b", readme)


def regenerate() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    GUIDE.write_text(BLOCK.sub(lambda m: m.group(1) + output(m.group("name")) + m.group(4),
                               text), encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    regenerate()
