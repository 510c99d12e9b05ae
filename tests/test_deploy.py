"""The Dockerfile's recipe, run without Docker (this machine has no daemon and no registry):
the package installs from exactly the files the Dockerfile copies, and the server its
ENTRYPOINT starts answers, passes the HEALTHCHECK and never writes to the mounted folder.

What is not covered here: the base image itself and the non-root user (the image is not
built); `docs/serve.md` says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
CASE = json.loads((ROOT / "docs" / "example-case.json").read_text())


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip("\\").strip() + " "
        if not line.endswith("\\"):
            word, _, rest = pending.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
            pending = ""
    return out


def exec_form(text: str) -> list[str]:
    words = json.loads(text)
    assert isinstance(words, list) and all(isinstance(w, str) for w in words), text
    return words


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(),
                                         p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_dockerfile_says_what_the_readme_promises() -> None:
    steps = instructions()
    words = [w for w, _ in steps]
    assert words.count("FROM") == 2  # build stage, then a runtime stage without the sources
    user = next(a for w, a in steps if w == "USER")
    assert user not in ("root", "0")
    entry = exec_form(next(a for w, a in steps if w == "ENTRYPOINT"))
    assert entry[:2] == ["guideline", "serve"] and "--watch" in entry
    assert next(a for w, a in steps if w == "VOLUME") == '["/tables"]'
    assert "HEALTHCHECK" in words and "EXPOSE" in words
    for word, args in steps:
        if word == "COPY" and not args.startswith("--from"):
            *sources, _ = shlex.split(args)
            assert all((ROOT / s).exists() for s in sources), args


def test_the_recipe_installs_and_serves_without_writing(tmp_path: Path) -> None:
    steps = instructions()
    # the build stage: only what it copies, installed as it installs it
    src = tmp_path / "src"
    for word, args in steps:
        if word == "COPY" and not args.startswith("--from"):
            *sources, dest = shlex.split(args)
            for s in sources:
                target = src / dest / Path(s).name if dest.endswith("/") or dest == "./" \
                    else src / dest
                if (ROOT / s).is_dir():
                    shutil.copytree(ROOT / s, target, ignore=shutil.ignore_patterns(
                        "__pycache__", "*.pyc"))
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(ROOT / s, target)
    prefix = tmp_path / "install"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--no-cache-dir", "--no-deps",
                          "--ignore-installed",  # else pip removes the checkout's own install
                          "--prefix", str(prefix), str(src)],
                         capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stderr[-2000:]
    still = subprocess.run([sys.executable, "-c", "import engine"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert still.returncode == 0, still.stderr  # the environment's own install is untouched
    site = next(prefix.glob("lib/python3*/site-packages"))
    assert (site / "engine" / "locale" / "nb" / "LC_MESSAGES" / "guideline.mo").is_file()
    assert (site / "engine" / "serve" / "templates").is_dir()
    # the runtime stage: the mounted folder, the entrypoint, the healthcheck
    tables = tmp_path / "tables"
    shutil.copytree(ROOT / "tables", tables)
    before = snapshot(tables)
    entry = exec_form(next(a for w, a in steps if w == "ENTRYPOINT"))
    cmd = exec_form(next(a for w, a in steps if w == "CMD"))
    port = free_port()
    args = [a for a in entry[2:]]
    args[args.index("--host") + 1] = "127.0.0.1"  # not 0.0.0.0 on a shared test machine
    args[args.index("--port") + 1] = str(port)
    workbook = str(tables / Path(cmd[0]).name)
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1",
           "GUIDELINE_LANG": "en"}
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from engine.cli.main import "
                             "main; sys.exit(main(sys.argv[1:]))", "serve", *args, workbook],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, cwd=tmp_path)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not start: {proc.stderr.read()[-2000:]}")
                time.sleep(0.2)
        where = subprocess.run([sys.executable, "-c", "import engine; print(engine.__file__)"],
                               env=env, capture_output=True, text=True, cwd=tmp_path).stdout
        assert where.startswith(str(site))  # the installed copy ran, not the checkout
        request = urllib.request.Request(url + "/decisions/bisphosphonate/evaluate",
                                         data=json.dumps(CASE).encode(),
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as r:
            answer = json.loads(r.read())
        assert answer["outputs"]["recommendation"] == "observe" and answer["rules"] == ["B3"]
        assert answer["guideline"]["sha256"] == before["nbcg-bisfosfonat.xlsx"][0]
        check = exec_form(next(a for w, a in steps if w == "HEALTHCHECK").split("CMD", 1)[1])
        assert check[0] == "python"
        probe = [sys.executable, *check[1:]]
        probe[-1] = probe[-1].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        assert subprocess.run(probe, timeout=30).returncode == 0
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert snapshot(tables) == before  # nothing written, changed or added in the folder
