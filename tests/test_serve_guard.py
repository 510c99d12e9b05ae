"""The server's bounds on connections, against a real uvicorn on a loopback port.

Slowloris (1,100 half-sent requests) made `/health` unreachable, one 32 MB header was buffered
whole, an unknown method got a plain-text 400 and SIGTERM during a stuck reload left the server
running. The in-process server here runs with the command's own settings
(`main.server_config`), with small bounds so that each one is reached quickly; the last two
tests run the command itself.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from engine.serve.app import create_app
from engine.serve.guard import protocol
from engine.serve.main import server_config
from engine.serve.state import Guideline

ROOT = Path(__file__).resolve().parent.parent
NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
CASE: dict[str, Any] = json.loads((ROOT / "docs" / "example-case.json").read_text())
HALF = b"GET /health HTTP/1.1\r\nHost: x\r\n"  # the headers never end


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def holder() -> Guideline:
    got = Guideline(str(NBCG))
    got.reload()
    return got


@contextmanager
def serving(holder: Guideline, limit: int = 1000, **bounds: float) -> Iterator[int]:
    port = free_port()
    server = uvicorn.Server(server_config(create_app(holder), "127.0.0.1", port,
                                          http=protocol(limit, **bounds)))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def connect(port: int, data: bytes = b"") -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    if data:
        s.sendall(data)
    return s


def answer(s: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Read one response to its end (the connection closes, or content-length is reached)."""
    data = b""
    while b"\r\n\r\n" not in data:
        block = s.recv(65536)
        if not block:
            break
        data += block
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    size = int(headers.get("content-length", "-1"))
    while len(body) < size or size < 0:
        block = s.recv(65536)
        if not block:
            break
        body += block
    return int(lines[0].split()[1]), headers, body


def pipelined_statuses(s: socket.socket, n: int) -> list[int]:
    """The statuses of `n` responses on one connection: they may arrive in one segment, so
    they are cut from one buffer by their content-length (not read one `answer` at a time)."""
    data, statuses = b"", list[int]()
    while len(statuses) < n:
        head, sep, rest = data.partition(b"\r\n\r\n")
        size = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                     if line.lower().startswith(b"content-length:")), None) if sep else None
        if size is not None and len(rest) >= size:
            statuses.append(int(head.split(b" ", 2)[1]))
            data = rest[size:]
            continue
        block = s.recv(65536)
        if not block:
            break
        data += block
    return statuses


def health(port: int) -> int:
    with connect(port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") as s:
        return answer(s)[0]


def error_kind(body: bytes) -> str:
    kind: str = json.loads(body)["error"]["kind"]
    return kind


def closed(s: socket.socket) -> bool:
    """The server closed `s` (after whatever it said): its data ends within 5 s."""
    s.settimeout(5)
    try:
        while s.recv(65536):
            pass
        return True
    except TimeoutError:
        return False
    except OSError:
        return True


def test_half_sent_requests_do_not_starve_health(holder: Guideline) -> None:
    """Three times the connection bound in half-sent requests: each new connection closes the
    one idle longest, so /health still answers, every time."""
    with serving(holder, limit=20) as port:
        held = [connect(port, HALF) for _ in range(60)]
        assert [health(port) for _ in range(5)] == [200] * 5
        evicted = [s for s in held[:40] if closed(s)]
        assert len(evicted) >= 40 - 20  # the oldest made room
        for s in held:
            s.close()


def test_headers_that_never_end_get_408(holder: Guideline) -> None:
    with serving(holder, header_timeout=0.5) as port, connect(port, HALF) as s:
        status, headers, body = answer(s)
        assert status == 408 and headers["connection"] == "close"
        assert error_kind(body) == "RequestTimeout" and closed(s)


def test_a_body_that_never_ends_gets_408(holder: Guideline) -> None:
    with serving(holder, body_timeout=0.5) as port, connect(port, (
            b"POST /decisions/bisphosphonate/evaluate HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 400\r\n\r\n{\"a\"")) as s:
        status, _headers, body = answer(s)
        assert status == 408 and error_kind(body) == "RequestTimeout" and closed(s)


def test_a_32_mb_header_is_refused_after_32_kib(holder: Guideline) -> None:
    """It was buffered whole (and answered). Now 431 as soon as the bound is passed, and the
    connection is closed before most of it is sent."""
    with serving(holder) as port, connect(port, b"GET /health HTTP/1.1\r\nX-Big: ") as s:
        sent = 0
        try:
            while sent < 32 * 1024 * 1024:
                s.sendall(b"a" * 65536)
                sent += 65536
        except OSError:  # the server closed the connection under us
            pass
        assert sent < 32 * 1024 * 1024
        try:
            status, _headers, body = answer(s)
        except ConnectionResetError:  # the reset overtook the answer: nothing more to read
            return
        assert status == 431 and error_kind(body) == "HeadersTooLarge"


def test_headers_under_the_bound_with_a_large_body_pass(holder: Guideline) -> None:
    """The header bound counts headers only: a 2 MB batch in the same packets answers."""
    body = json.dumps([CASE] * 5000).encode()
    assert len(body) > 1_000_000
    with serving(holder, max_header_bytes=4096) as port, connect(port, (
            b"POST /decisions/bisphosphonate/evaluate-batch HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
            + body)) as s:
        status, _headers, data = answer(s)
        assert status == 200 and len(json.loads(data)["results"]) == 5000


@pytest.mark.parametrize("request_bytes", [
    b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n",  # a method llhttp does not know
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS client hello on the HTTP port
    b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
])
def test_what_is_not_http_gets_the_error_shape(holder: Guideline, request_bytes: bytes) -> None:
    with serving(holder) as port, connect(port, request_bytes) as s:
        status, headers, body = answer(s)
        assert status == 400 and headers["content-type"] == "application/json"
        assert error_kind(body) == "MalformedRequest"


def test_when_every_connection_is_busy_a_new_one_gets_503(holder: Guideline) -> None:
    """Requests in progress (here: bodies still arriving) are never closed to make room."""
    with serving(holder, limit=5) as port:
        busy = [connect(port, b"POST /decisions/bisphosphonate/evaluate HTTP/1.1\r\nHost: x\r\n"
                              b"Content-Type: application/json\r\nContent-Length: 400\r\n\r\n{")
                for _ in range(5)]
        time.sleep(0.3)  # the server has read their headers
        with connect(port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n") as s:
            status, _headers, body = answer(s)
        assert status == 503 and error_kind(body) == "TooManyConnections"
        assert not any(closed_now(s) for s in busy)
        for s in busy:
            s.close()


def closed_now(s: socket.socket) -> bool:
    s.setblocking(False)
    try:
        return s.recv(1) == b""
    except BlockingIOError:
        return False
    finally:
        s.setblocking(True)


def test_keep_alive_and_pipelining_still_work(holder: Guideline) -> None:
    one = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    with serving(holder, header_timeout=2.0) as port, connect(port) as s:
        for _ in range(3):  # one connection, three requests, a pause longer than the deadline
            s.sendall(one)
            assert answer(s)[0] == 200
            time.sleep(2.3)
        s.sendall(one + one)
        assert pipelined_statuses(s, 2) == [200, 200]


def test_head_on_the_wire_has_headers_and_no_body(holder: Guideline) -> None:
    with serving(holder) as port, connect(port, b"HEAD /health HTTP/1.1\r\nHost: x\r\n"
                                                b"Connection: close\r\n\r\n") as s:
        data = b""
        while block := s.recv(65536):
            data += block
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"content-length: 15" in head and body == b""


# -- the command itself -------------------------------------------------------------------------
def start(args: list[str], nofile: int | None = None) -> tuple[subprocess.Popen[str], str]:
    port = free_port()

    def limit() -> None:
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    proc = subprocess.Popen([sys.executable, "-m", "engine.cli.main", "serve", *args,
                             "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, preexec_fn=limit)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the server did not start: {proc.communicate()[0]}")
            time.sleep(0.2)


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_slowloris_against_the_command(tmp_path: Path) -> None:
    """The red team's attack at a smaller scale: a server that may open 256 files and 400
    half-sent requests (1,100 against 1,024 before). /health was refused; now it answers."""
    served = tmp_path / "nbcg.xlsx"
    shutil.copyfile(NBCG, served)
    proc, url = start([str(served)], nofile=256)
    port = int(url.rsplit(":", 1)[1])
    held = []
    try:
        for _ in range(400):
            with suppress(OSError):
                held.append(connect(port, HALF))
        assert [health(port) for _ in range(5)] == [200] * 5
    finally:
        for s in held:
            s.close()
        stop(proc)


def test_sigterm_stops_the_server_while_a_reload_is_stuck(tmp_path: Path) -> None:
    """The workbook replaced by a FIFO hung the reload worker, and SIGTERM then left the
    server running (its shutdown waited for the reload). Now the FIFO is refused unread, and
    stopping kills whatever reload runs."""
    served = tmp_path / "nbcg.xlsx"
    shutil.copyfile(NBCG, served)
    proc, url = start([str(served), "--watch"])
    held = []
    try:
        port = int(url.rsplit(":", 1)[1])
        held = [connect(port, HALF) for _ in range(20)]
        served.unlink()
        os.mkfifo(served)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # stale, where a reload is not stuck any more
            with urllib.request.urlopen(url + "/guideline", timeout=5) as r:
                if json.load(r)["check"]["stale"]:
                    break
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)  # a hang, not a speed: the old server never stopped
        except subprocess.TimeoutExpired:
            pytest.fail("the server was still running 60 s after SIGTERM")
        assert proc.returncode in (0, 128 + signal.SIGTERM)
        output = proc.communicate()[0]
        assert "Traceback" not in output, output
    finally:
        for s in held:
            s.close()
        stop(proc)
