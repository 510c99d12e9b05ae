"""`guideline check` on a plain workbook imports only what it uses (issue 25: the edit–check
loop starts fast): no pandas or numpy, no openpyxl (calamine reads a plain workbook), no web
stack, no templates, no FHIRPath parser (ANTLR) for NBCG's FHIR sheet. Timing is
benchmarks/startup_bench.py's job; this holds the cause."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
NOT_FOR_CHECK = ("pandas", "numpy", "openpyxl", "fastapi", "starlette", "uvicorn", "pydantic",
                 "jinja2", "tqdm", "engine.serve", "engine.review", "engine.evaluation.bulk",
                 # NBCG has a FHIR sheet: its FHIRPath is checked without fhirpathpy's parser
                 "fhirpathpy", "antlr4", "engine.fhir",
                 "engine.dmn")  # the DMN reader: only for a .dmn file
# the parser adds `serve`'s options: the package and its argparse-only module, nothing more
ALLOWED = ("engine.serve", "engine.serve.command")


def imported(*argv: str) -> set[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "engine.cli.main", *argv],
                          capture_output=True, text=True, cwd=ROOT)
    return {m.group(1) for m in re.finditer(r"\|\s+(\S+)\s*$", done.stderr, re.M)}


def test_check_imports_only_what_it_uses() -> None:
    names = imported("check", str(NBCG))
    assert "engine.verify.check" in names  # the command did run
    heavy = sorted(n for n in names for h in NOT_FOR_CHECK
                   if (n == h or n.startswith(h + ".")) and n not in ALLOWED)
    assert heavy == []
