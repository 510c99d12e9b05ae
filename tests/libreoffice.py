"""Workbooks as the committee has them: last saved by LibreOffice.

LibreOffice writes what openpyxl never does (booleans as `=TRUE()` formulas with their value
saved beside them, an empty `<row r="1048576">` after a row is deleted, its own styles), so a
test of "the committee edits, then checks" saves its copy through LibreOffice itself:
`saved(path)` opens and saves it as .xlsx (`--convert-to xlsx`), `delete_row(...)` deletes a row
the way the committee does, with LibreOffice's own row deletion (a Basic macro run headless).
Without `soffice` on the machine the tests that need it are skipped.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Edits"
 script:language="StarBasic">
Sub DeleteRow(sIn As String, sOut As String, sSheet As String, nRow As Long)
  Dim args(0) As New com.sun.star.beans.PropertyValue
  args(0).Name = &quot;Hidden&quot;
  args(0).Value = True
  oDoc = StarDesktop.loadComponentFromURL(ConvertToURL(sIn), &quot;_blank&quot;, 0, args())
  oDoc.Sheets.getByName(sSheet).Rows.removeByIndex(nRow - 1, 1)
  Dim save(0) As New com.sun.star.beans.PropertyValue
  save(0).Name = &quot;FilterName&quot;
  save(0).Value = &quot;Calc MS Excel 2007 XML&quot;
  oDoc.storeToURL(ConvertToURL(sOut), save())
  oDoc.close(True)
End Sub
</script:module>
"""
_LIBRARY = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard"
 library:readonly="false" library:passwordprotected="false">
 <library:element library:name="Edits"/>
</library:library>
"""


def soffice() -> str:
    """The LibreOffice command, or the test is skipped."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.skip("LibreOffice (soffice) is needed to save the workbook as the committee does")
    return found


def _run(profile: Path, *args: str) -> None:
    proc = subprocess.run([soffice(), "--headless", "--norestore",
                           f"-env:UserInstallation=file://{profile}", *args],
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr


def saved(path: Path, outdir: Path) -> Path:
    """`path` opened and saved as .xlsx by LibreOffice, in `outdir` (same file name)."""
    outdir.mkdir(parents=True, exist_ok=True)
    _run(outdir / ".profile", "--convert-to", "xlsx", "--outdir", str(outdir), str(path))
    out = outdir / path.name
    assert out.exists(), f"LibreOffice wrote no {out}"
    return out


def delete_row(path: Path, out: Path, sheet: str, row: int) -> Path:
    """`path` with one row of `sheet` deleted by LibreOffice (Rows.removeByIndex, as the menu
    Sheet > Delete Rows does), saved as .xlsx at `out`."""
    profile = out.parent / ".profile-macro"
    basic = profile / "user" / "basic" / "Standard"
    if not (basic / "Edits.xba").exists():
        _run(profile, "--terminate_after_init")  # LibreOffice lays out a fresh profile first
        basic.mkdir(parents=True, exist_ok=True)
        (basic / "Edits.xba").write_text(_MACRO, encoding="utf-8")
        (basic / "script.xlb").write_text(_LIBRARY, encoding="utf-8")
    _run(profile, f'macro:///Standard.Edits.DeleteRow("{path}","{out}","{sheet}",{row})')
    assert out.exists(), f"LibreOffice wrote no {out}"
    return out
