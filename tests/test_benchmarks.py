"""The benchmarks cannot rot: CI runs every `benchmarks/*_bench.py --quick` and checks that it
runs, that the peers agree with the engine on every valid case, and that its figures are
written. Never a timing threshold: the machine is shared; the figures are ratios measured in
one run, kept in benchmarks/results-*.md by the full runs.

A benchmark declares itself by its file name (`benchmarks/<name>_bench.py`) and its contract
(benchmarks/harness.py): `--quick --out DIR` exits 0 and writes `DIR/<name>.json` with its
figures; a peer that answers a valid case differently makes it exit non-zero.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
BENCHMARKS = sorted(BENCH.glob("*_bench.py"))
sys.path.insert(0, str(BENCH))

import harness  # noqa: E402


def test_the_benchmarks_are_found() -> None:
    names = {p.stem for p in BENCHMARKS}
    assert {"bulk_bench", "check_bench", "graph_bench", "random_interval_bench", "serve_bench",
            "startup_bench"} <= names


@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.stem)
def test_quick_run(path: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(path), "--quick", "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT, timeout=900)
    said = f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    assert done.returncode == 0, said
    written = tmp_path / f"{path.stem.removesuffix('_bench')}.json"
    assert written.is_file(), said
    data = json.loads(written.read_text(encoding="utf-8"))
    assert data["quick"] is True
    assert data["figures"], said
    for figure in data["figures"]:
        assert figure["what"] and figure["figure"], figure
    skipped = []
    for peer, found in data.get("peers", {}).items():
        if peer == "skipped":
            skipped.append(found)
            continue
        assert found["cases"] > 0, peer
        assert found["same answer"] + found["both refuse"] == found["cases"], (peer, found)
    if skipped:  # only when the registry cannot be reached (harness.peer_python)
        pytest.skip("; ".join(skipped))


# -- the harness fails loudly ------------------------------------------------------------------
OUTPUTS = ["recommendation"]


def test_a_peer_disagreeing_on_one_case_names_it() -> None:
    cases: list[dict[str, Any]] = [{"x": 1}, {"x": 2}, {"x": 3}]
    ours: list[dict[str, Any] | None] = [{"recommendation": "a"}, None, {"recommendation": "b"}]
    assert harness.agree("peer", cases, ours, [{"recommendation": "a"}, {}, {
        "recommendation": "b", "x": 3}], OUTPUTS) == {"same answer": 2, "both refuse": 1}
    with pytest.raises(harness.Disagreement, match=r'case 2 of 3:\n  case:   \{"x": 3\}'):
        harness.agree("peer", cases, ours, [{"recommendation": "a"}, None,
                                            {"recommendation": "c"}], OUTPUTS)
    with pytest.raises(harness.Disagreement, match="case 1"):  # we refuse, it answers
        harness.agree("peer", cases, ours, [{"recommendation": "a"},
                                            {"recommendation": "a"}, None], OUTPUTS)
    with pytest.raises(harness.Disagreement, match="answered 2 of 3"):
        harness.agree("peer", cases, ours, [None, None], OUTPUTS)


def test_a_broken_peer_driver_fails_the_benchmark(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "zen_driver.py").write_text("raise SystemExit('driver broken')\n")
    monkeypatch.setattr(harness, "PEERS_DIR", tmp_path)
    monkeypatch.setattr(harness, "peer_python", lambda name: Path(sys.executable))
    with pytest.raises(harness.Disagreement, match="driver broken"):
        harness.run_peer("zen")

    def bench(args: Any) -> harness.Report:
        harness.run_peer("zen")
        return harness.Report("x", True)

    assert harness.run(bench, harness.parser("").parse_args(["--out", str(tmp_path)])) == 3
    assert not (tmp_path / "x.json").exists()


def test_an_unreachable_registry_is_said_not_hidden(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A peer's environment that cannot be built: skipped with a reason only when pip cannot
    reach its index; any other failure of the install is an error."""
    requirements = tmp_path / "requirements-zen.txt"
    requirements.write_text("no-such-package-for-this-test==0\n")
    monkeypatch.setattr(harness, "PEER_REQUIREMENTS", {"zen": requirements})
    monkeypatch.setattr(harness, "VENVS", tmp_path / "venvs")
    monkeypatch.setattr(harness.subprocess, "run", _fake_run(install_ok=False))
    monkeypatch.setattr(harness, "registry_reachable", lambda python: False)
    with pytest.raises(harness.PeerUnavailable, match="cannot be reached"):
        harness.peer_python("zen")
    monkeypatch.setattr(harness, "registry_reachable", lambda python: True)
    with pytest.raises(RuntimeError, match="could not install"):
        harness.peer_python("zen")


def _fake_run(install_ok: bool) -> Any:
    def run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        ok = install_ok or "install" not in argv
        return subprocess.CompletedProcess(argv, 0 if ok else 1, "", "no such package")
    return run
