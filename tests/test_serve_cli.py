"""`guideline serve` as a command: refusals are one clear line and an exit code, never a trace."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from engine.cli.main import main

NBCG = Path(__file__).resolve().parent.parent / "tables" / "nbcg-bisfosfonat.xlsx"


def test_a_missing_file_is_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["serve", str(tmp_path / "none.xlsx")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_a_broken_workbook_is_refused_with_its_cells(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(NBCG)
    wb["Bisfosfonat"]["I6"] = "observ"
    path = tmp_path / "broken.xlsx"
    wb.save(path)
    assert main(["serve", str(path)]) == 1
    err = capsys.readouterr().err
    assert "cannot be served" in err and "Bisfosfonat!I6" in err and "Traceback" not in err


def test_a_taken_port_is_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "engine.cli.main", "serve", str(NBCG),
                               "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(("make", "said"), [
    (os.mkfifo, "is a named pipe (FIFO), not a file"),
    (os.mkdir, "is a folder, not a file"),
    (lambda p: os.symlink("/dev/zero", p), "is a character device, not a file"),
])
def test_what_is_not_a_file_is_named_as_what_it_is(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path, make: Any,
                                                    said: str) -> None:
    """A FIFO given to `serve` was 'no such file'."""
    path = tmp_path / "nbcg.xlsx"
    make(str(path))
    assert main(["serve", str(path)]) == 2
    err = capsys.readouterr().err
    assert said in err and "no such file" not in err and "Traceback" not in err
