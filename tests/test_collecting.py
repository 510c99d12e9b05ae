"""The cycle collector is held off while a check runs and comes back exactly as it was."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import engine.verify.check as check
from engine.core.collecting import collector_held
from engine.verify.check import check_model
from engine.workbook.loader import load

NBCG = Path(__file__).resolve().parent.parent / "tables" / "nbcg-bisfosfonat.xlsx"


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_off_inside_and_on_again_after_nested_holds() -> None:
    gc.enable()
    with collector_held():
        assert not gc.isenabled()
        with collector_held():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer hold still runs
    assert gc.isenabled()


def test_a_collector_someone_turned_off_stays_off() -> None:
    gc.disable()
    with collector_held():
        pass
    assert not gc.isenabled()


def test_back_on_after_a_failure_inside() -> None:
    gc.enable()
    with pytest.raises(ValueError), collector_held():
        raise ValueError
    assert gc.isenabled()


def test_two_threads_overlapping_leave_it_on() -> None:
    gc.enable()
    inside, leave = threading.Event(), threading.Event()

    def hold() -> None:
        with collector_held():
            inside.set()
            leave.wait(5)

    other = threading.Thread(target=hold)
    other.start()
    inside.wait(5)
    with collector_held():
        leave.set()
        other.join(5)
        assert not gc.isenabled()  # this thread's hold still runs
    assert gc.isenabled()


def test_check_holds_it_while_tables_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    real = check.check_table
    monkeypatch.setattr(check, "check_table", lambda *a: (seen.append(gc.isenabled()),
                                                          real(*a))[1])
    gc.enable()
    check_model(load(str(NBCG)))
    assert seen and not any(seen)
    assert gc.isenabled()
