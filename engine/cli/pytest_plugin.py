"""pytest collects every workbook under `tables/`: one item per test case, one for the check.

Registered as a pytest11 entry point, so any guideline repository that installs the engine
gets its workbooks tested by a bare `pytest`, without a conftest.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..core.errors import EngineError
from ..core.i18n import _
from ..review.coverage import measure, summary_line
from ..verify.check import check_model
from ..verify.testing import describe_failure, run_case
from ..workbook.loader import load

_COVERAGE: pytest.StashKey[dict[str, Any]] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("guideline_tables", "folder name whose .xlsx workbooks are collected",
                  default="tables")
    parser.addini("guideline_allow_empty", "pass a workbook with decision tables but no test "
                  "cases (like guideline test --allow-empty)", type="bool", default=False)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    folder = parent.config.getini("guideline_tables")
    if (file_path.suffix.lower() == ".xlsx" and not file_path.name.startswith("~$")
            and folder in file_path.parent.parts[-1:]):
        return WorkbookFile.from_parent(parent, path=file_path)
    return None


class WorkbookFailure(Exception):
    """A test case or the check failed; the message is the report."""


class WorkbookFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        try:
            model = load(str(self.path), strict=False)
        except EngineError as exc:
            yield GuidelineItem.from_parent(self, name="load", run=_raise(str(exc)))
            return
        yield GuidelineItem.from_parent(self, name="check", run=lambda: _check(model))
        if model.errors:
            return
        if model.tables and not model.tests and not self.config.getini("guideline_allow_empty"):
            yield GuidelineItem.from_parent(self, name="tests", run=_raise(_(
                "nothing was tested: the workbook has decision tables but no test cases; add "
                "a 'Testtilfeller' (or 'Tests') sheet, or pass --allow-empty")))
            return
        record = _recorder(self.config, model)
        for case in model.tests:
            yield GuidelineItem.from_parent(self, name=f"case[{case.id}]",
                                            run=_case_runner(model, case, record))


def _recorder(config: pytest.Config, model: Any) -> Any:
    """Keep each case's outcome, so that the summary can report rule coverage per workbook."""
    seen = config.stash.setdefault(_COVERAGE, {})
    outcomes: list[Any] = []
    seen[str(model.path)] = (model, outcomes)
    return outcomes.append


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int,
                            config: pytest.Config) -> None:
    seen = {path: pair for path, pair in config.stash.get(_COVERAGE, {}).items() if pair[1]}
    if not seen:
        return
    terminalreporter.section(_("guideline rule coverage"))
    for path, (model, outcomes) in seen.items():
        shown = Path(path)
        if shown.is_relative_to(config.rootpath):
            shown = shown.relative_to(config.rootpath)
        terminalreporter.write_line(f"{shown}: {summary_line(measure(model, outcomes))}")


def _raise(message: str) -> Any:
    def run() -> None:
        raise WorkbookFailure(message)

    return run


def _check(model: Any) -> None:
    errors = [f for f in check_model(model) if f.severity == "error"]
    if errors:
        lines = [_("{n_errors} error(s) in {path}:").format(
                     n_errors=len(errors), path=model.path)]
        lines += [f"  {f.kind}: {f}" for f in errors]
        raise WorkbookFailure("\n".join(lines))


def _case_runner(model: Any, case: Any, record: Any = None) -> Any:
    def run() -> None:
        outcome = run_case(model, case)
        if record is not None:
            record(outcome)
        if not outcome.ok:
            raise WorkbookFailure("\n".join(describe_failure(outcome)))

    return run


class GuidelineItem(pytest.Item):
    def __init__(self, *, run: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._run = run

    def runtest(self) -> None:
        self._run()

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, WorkbookFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.path.name}::{self.name}"
