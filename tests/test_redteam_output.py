"""Red team, round two (issue 17): output paths and signals. A signal leaves no temporary file,
a long legal name works, a folder, a FIFO or /dev/stdout is never replaced by a regular file,
thresholds are percentages, and openpyxl's own warnings never reach the user."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from redteam_files import good, run_cli

from engine.cli.main import main
from engine.core.safe_io import OutputError, write_text

GUIDELINE = [sys.executable, "-c", "import sys; from engine.cli.main import main; "
             "sys.exit(main())"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_a_batch_leaves_no_temporary_file(tmp_path: Path, signum: int) -> None:
    wb = good(tmp_path)
    cases = tmp_path / "cases.csv"
    cases.write_text("receptor,age,pain\n" + "negative,70,true\npositive,30,false\n" * 100_000,
                     encoding="utf-8")
    out = tmp_path / "out.csv"
    proc = subprocess.Popen([*GUIDELINE, "eval", str(wb), "--input", str(cases), "--output",
                             str(out), "--chunk-size", "500"], stderr=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".out.csv.") for p in tmp_path.iterdir()):
        assert proc.poll() is None and time.monotonic() < deadline, "the batch never started"
        time.sleep(0.01)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, err
    assert b"stopped by signal" in err and b"Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.csv", "good.xlsx"]


def test_a_legal_long_output_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / ("r" * 247 + ".md")  # 250 characters: legal on every file system
    code, text = run_cli(["render", str(good(tmp_path)), "-o", str(out)], capsys)
    assert code == 0 and out.read_text(encoding="utf-8").startswith("#")


def test_an_output_that_is_a_folder_is_named_plainly(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "out.md"
    folder.mkdir()
    code, text = run_cli(["render", str(good(tmp_path)), "-o", str(folder)], capsys)
    assert code == 2 and "is a folder" in text and ".tmp" not in text
    assert folder.is_dir() and not list(folder.iterdir())


def test_a_fifo_is_written_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_text(fifo, "hello\n")
    reader.join(10)
    assert got == [b"hello\n"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_symlink_to_stdout_is_written_not_replaced(tmp_path: Path) -> None:
    link = tmp_path / "out.md"
    link.symlink_to("/dev/stdout")
    wb = good(tmp_path)
    done = subprocess.run([*GUIDELINE, "render", str(wb), "-o", str(link)], capture_output=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"#") and link.is_symlink()


def test_a_symlink_to_a_file_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    write_text(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"
    with pytest.raises(OutputError, match="is a folder"):
        write_text(tmp_path, "x")


@pytest.mark.parametrize("value", ["nan", "-1", "100.5", "inf", "lots"])
def test_min_coverage_is_a_percentage(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      value: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["test", str(good(tmp_path)), "--min-coverage", value])
    assert caught.value.code == 2 and "--min-coverage" in capsys.readouterr().err


def test_min_coverage_bounds_are_accepted(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    wb = str(good(tmp_path))
    assert run_cli(["test", wb, "--min-coverage", "0"], capsys)[0] == 0
    assert run_cli(["test", wb, "--min-coverage", "100"], capsys)[0] == 1  # 3 of 4 rules fire


def test_openpyxl_warnings_do_not_reach_the_user(tmp_path: Path) -> None:
    """A cases workbook with a stray defined name makes openpyxl warn; the user sees none."""
    cases = tmp_path / "cases.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["receptor", "age", "pain"])
    book.active.append(["negative", 70, True])
    book.save(cases)
    bare = tmp_path / "bare.xlsx"
    with zipfile.ZipFile(cases) as zin, zipfile.ZipFile(bare, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/workbook.xml":  # a defined name for a sheet that is not there
                data = data.replace(b"<definedNames />", b'<definedNames><definedName name="x" '
                                    b'localSheetId="5">Sheet!$A$1</definedName></definedNames>')
            zout.writestr(info.filename, data)
    with pytest.warns(UserWarning):
        openpyxl.load_workbook(bare, read_only=True)
    done = subprocess.run([*GUIDELINE, "eval", str(good(tmp_path)), "--input", str(bare),
                           "--output", str(tmp_path / "o.csv")], capture_output=True,
                          timeout=120)
    assert done.returncode == 0 and b"Warning" not in done.stderr, done.stderr
