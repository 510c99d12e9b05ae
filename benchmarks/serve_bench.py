"""Load and faults for `guideline serve`, on 127.0.0.1 only.

    python benchmarks/serve_bench.py [--seconds 20] [--clients 32] [--json FILE]
    python benchmarks/serve_bench.py --quick          # seconds: steady, floor, hostile (CI)

Starts the server as the command does (`--watch`, on a copy of the NBCG workbook in a temp
folder, a free loopback port), then:

1. steady: 32 clients, each on one keep-alive connection, POST cases to
   /decisions/bisphosphonate/evaluate as fast as answers come back, for 20 s: the workbook's
   own test cases in turn, each answer checked against the case's expected outputs
   (`--cases readme`: the README case only, checked for `observe` by rule B3);
2. reloads: the same, while the workbook is replaced 10 times (a broken save, a good one,
   alternating, as a spreadsheet program saves: write beside, rename over);
3. the floor: the same uvicorn answering every request with one constant JSON body as long
   as a real answer (benchmarks/peers/constant_app.py), alternated with the server in phases
   of the same length: the ratio of answers/s is the service's own overhead (target ≥ 0.5×);
4. hostile bodies: malformed JSON, 10 MB, deeply nested JSON, wrong content types, a wrong
   method, and a request cut off mid-body: each must get a 4xx with the error shape.

A request fails if the connection fails, the status is not 200, or the answer is not the
expected one from a good version's sha256. The client is a minimal HTTP/1.1 writer
and reader on asyncio streams so that it takes as little of the 2 cores as it can; its cost
is still in the numbers (server and client share the machine). Every loop is bounded in
time and the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import harness  # noqa: E402

import engine  # noqa: E402
from engine.serve.schemas import needed_inputs  # noqa: E402

NBCG = ROOT / "tables" / "nbcg-bisfosfonat.xlsx"
CASE = json.loads((ROOT / "docs" / "example-case.json").read_text())
PATH = "/decisions/bisphosphonate/evaluate"
HOST = "127.0.0.1"


def request(path: str, body: bytes, content_type: str = "application/json",
            method: str = "POST") -> bytes:
    head = (f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = next((int(v) for k, _, v in (line.partition(":") for line in lines[1:])
                   if k.strip().lower() == "content-length"), 0)
    return status, await reader.readexactly(length)


class Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.failures: dict[str, int] = {}
        self.shas: dict[str, int] = {}
        self.client_cpu = 0.0  # seconds of CPU the load generator itself took

    def fail(self, why: str) -> None:
        self.failures[why] = self.failures.get(why, 0) + 1


def workbook_cases() -> list[tuple[bytes, dict[str, Any], list[str] | None]]:
    """The NBCG workbook's own test cases that expect a recommendation, as requests with the
    answers they must get: many different patients, not one case answered over and over."""
    model = engine.load(str(NBCG))
    names = needed_inputs(model, "bisphosphonate")
    outputs = model.tables["bisphosphonate"].output_names
    out = []
    for case in model.tests:
        if "recommendation" in case.expected:
            body = json.dumps({n: case.inputs.get(n) for n in names}).encode()
            expected = {k: v for k, v in case.expected.items() if k in outputs}
            out.append((request(PATH, body), expected, None))
    return out


README_CASE = [(request(PATH, json.dumps(CASE).encode()), {"recommendation": "observe"}, ["B3"])]


async def client(port: int, until: float, tally: Tally, good: set[str],
                 cases: list[tuple[bytes, dict[str, Any], list[str] | None]], first: int) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    turn = first
    try:
        while time.monotonic() < until:
            payload, expected, rules = cases[turn % len(cases)]
            turn += 1
            start = time.perf_counter()
            try:
                writer.write(payload)
                status, body = await read_response(reader)
            except (OSError, asyncio.IncompleteReadError) as exc:
                tally.fail(f"connection: {type(exc).__name__}")
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, port)
                continue
            tally.latencies.append(time.perf_counter() - start)
            if status != 200:
                tally.fail(f"status {status}: {body[:120]!r}")
                continue
            answer = json.loads(body)
            sha = answer["guideline"]["sha256"]
            tally.shas[sha] = tally.shas.get(sha, 0) + 1
            if (rules is not None and answer["rules"] != rules) or any(
                    answer["outputs"][k] != v for k, v in expected.items()):
                tally.fail("wrong answer")
            elif good and sha not in good:
                tally.fail("answered by a version that is not good")
    finally:
        writer.close()


async def load(port: int, clients: int, seconds: float, good: set[str],
               cases: list[tuple[bytes, dict[str, Any], list[str] | None]]) -> tuple[Tally, float]:
    tally = Tally()
    start, cpu = time.monotonic(), time.process_time()
    until = start + seconds
    await asyncio.gather(*(client(port, until, tally, good, cases, i * 7)
                           for i in range(clients)))
    tally.client_cpu = time.process_time() - cpu
    return tally, time.monotonic() - start


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far (Linux /proc) of the server and every process it started
    (workers, the reload process), to cost a request."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def summary(name: str, tally: Tally, took: float, cpu: float) -> dict[str, Any]:
    lat = sorted(tally.latencies)
    n = len(lat)
    return {"phase": name, "requests": n, "seconds": round(took, 1),
            "server_cpu_us_per_request": round(cpu / n * 1e6),
            "client_cpu_us_per_request": round(tally.client_cpu / n * 1e6),
            "per_second": round(n / took), "p50_ms": round(lat[n // 2] * 1000, 1),
            "p99_ms": round(lat[int(n * 0.99)] * 1000, 1),
            "max_ms": round(lat[-1] * 1000, 1), "mean_ms": round(statistics.fmean(lat) * 1000, 1),
            "failed": sum(tally.failures.values()), "failures": tally.failures,
            "versions_answering": len(tally.shas)}


# -- workbook versions ----------------------------------------------------------------------
def versions(folder: Path) -> tuple[list[Path], list[Path]]:
    """Two good workbooks (About version 0.1 and 0.1-b) and two broken ones."""
    goods, broken = [folder / "good-a.xlsx", folder / "good-b.xlsx"], []
    shutil.copyfile(NBCG, goods[0])
    wb = openpyxl.load_workbook(NBCG)
    about = wb["Om"]
    row = next(r for r in range(1, about.max_row + 1) if about.cell(r, 1).value == "version")
    about.cell(row, 2).value = "0.1-b"
    wb.save(goods[1])
    for i, (sheet, cell, value) in enumerate((("Bisfosfonat", "I6", "observ"),
                                              ("Spor", "F8", "chemo"))):
        wb = openpyxl.load_workbook(NBCG)
        wb[sheet][cell] = value
        wb.save(folder / f"broken-{i}.xlsx")
        broken.append(folder / f"broken-{i}.xlsx")
    return goods, broken


def rewrite(target: Path, sequence: list[Path], every: float, log: list[dict[str, Any]],
            stop: threading.Event, port: int) -> None:
    """Save version i over the served file at (i + 1/4) * every seconds; until the next save,
    poll /guideline for when a good one is served, or a broken one is reported stale."""
    start = time.monotonic()
    for i, source in enumerate(sequence):
        if stop.wait(max(0.0, start + (i + 0.25) * every - time.monotonic())):
            return
        temp = target.with_name(".saving.xlsx")
        shutil.copyfile(source, temp)
        sha = hashlib.sha256(source.read_bytes()).hexdigest()
        good = source.name.startswith("good")
        saved = time.monotonic()
        os.replace(temp, target)
        seen = None
        while seen is None and time.monotonic() < start + (i + 1.2) * every:
            with urllib.request.urlopen(f"http://{HOST}:{port}/guideline") as r:
                info = json.loads(r.read())
            if (info["sha256"] == sha) if good else info["check"]["stale"]:
                seen = round(time.monotonic() - saved, 2)
            else:
                time.sleep(0.05)
        log.append({"saved": source.name, "seen_after_s": seen})


# -- hostile bodies -------------------------------------------------------------------------
HOSTILE: list[tuple[str, bytes]] = [
    ("malformed JSON", request(PATH, b'{"skeletal_metastases": tru')),
    ("not UTF-8", request(PATH, b'{"a": "\xff\xfe"}')),
    ("NaN", request(PATH, b'{"chemotherapy_line": NaN}')),
    ("duplicate key", request(PATH, b'{"response": "CR", "response": "PD"}')),
    ("10 MB body", request(PATH, b'{"x": "' + b"a" * (10 * 1024 * 1024) + b'"}')),
    ("10 MB batch", request(PATH + "-batch", b"[" + b"{}," * (3_500_000) + b"{}]")),
    ("deep JSON 100k (over the size limit too)", request(PATH, b"[" * 100_000 + b"]" * 100_000)),
    ("deep JSON 30k", request(PATH, b"[" * 30_000 + b"]" * 30_000)),
    ("deep JSON objects", request(PATH, b'{"a":' * 6_000 + b"1" + b"}" * 6_000)),
    ("deep value the parser still reads", request(PATH, json.dumps(CASE).replace(
        '"therapy": "chemotherapy"', '"therapy": ' + "[" * 900 + "]" * 900).encode())),
    ("deep JSON batch", request(PATH + "-batch", b"[" * 30_000 + b"]" * 30_000)),
    ("text/plain", request(PATH, json.dumps(CASE).encode(), "text/plain")),
    ("form encoded", request(PATH, b"skeletal_metastases=true",
                             "application/x-www-form-urlencoded")),
    ("no content type", request(PATH, json.dumps(CASE).encode(), "")),
    ("multipart", request(PATH, b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x")),
    ("a list, not a case", request(PATH, b"[1, 2, 3]")),
    ("a string", request(PATH, b'"case"')),
    ("empty body", request(PATH, b"")),
    ("GET on evaluate", request(PATH, b"", method="GET")),
    ("unknown decision", request("/decisions/x%00y/evaluate", json.dumps(CASE).encode())),
    ("number overflowing to infinity", request(PATH, json.dumps(CASE).encode().replace(
        b'"chemotherapy_line": 1', b'"chemotherapy_line": 1e400'))),
    # the client stops sending before the length it announced: the server answers 400 or, as
    # the connection is half-closed, just closes it (status 0 below); either is right
    ("lying length", request(PATH, b"{}").replace(b"Content-Length: 2", b"Content-Length: 999")),
]


async def hostile(port: int) -> list[dict[str, Any]]:
    out = []
    for name, raw in HOSTILE:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            writer.write(raw)
            if name == "lying length":
                await writer.drain()
                writer.write_eof()  # the client stops sending before its stated length
            try:
                status, body = await asyncio.wait_for(read_response(reader), 30)
                shaped = "kind" in json.loads(body).get("error", {})
            except (asyncio.IncompleteReadError, ConnectionError):
                status, shaped = 0, False  # the server closed the connection without answering
        finally:
            writer.close()
        out.append({"body": name, "status": status, "error_shape": shaped,
                    "ok": (400 <= status < 500 and shaped) or (name == "lying length"
                                                               and status in (0, 400))})
    return out


# -- the run --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_server(workbook: Path, port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli.main", "serve", str(workbook),
                             "--port", str(port), "--watch"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=1):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"the server did not start: {proc.communicate()[1]}")


def start_floor(body: bytes, port: int, folder: Path) -> subprocess.Popen[str]:
    path = folder / "constant.json"
    path.write_bytes(body)
    proc = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "peers" / "constant_app.py"),
                             HOST, str(port), str(path)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"the floor server did not start: {proc.communicate()[1]}")


def main(args: argparse.Namespace) -> harness.Report:
    seconds = 2.0 if args.quick else args.seconds
    clients = 8 if args.quick else args.clients
    rounds = 2 if args.quick else 3
    cases = workbook_cases() if args.cases == "tests" else README_CASE
    report = harness.Report("serve", args.quick)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        goods, broken = versions(folder)
        good = {hashlib.sha256(p.read_bytes()).hexdigest() for p in goods}
        served = folder / "served" / "nbcg.xlsx"
        served.parent.mkdir()
        shutil.copyfile(goods[0], served)
        port, floor_port = free_port(), free_port()
        server = start_server(served, port)
        floor = None
        try:
            with urllib.request.urlopen(urllib.request.Request(
                    f"http://{HOST}:{port}{PATH}", data=cases[0][0].split(b"\r\n\r\n", 1)[1],
                    headers={"Content-Type": "application/json"})) as r:
                body = r.read()
            floor = start_floor(body, floor_port, folder)
            floor_cases = [(payload, {}, None) for payload, _, _ in cases]
            ours, theirs, pairs, results = [], [], [], []
            cpu_pairs: list[float] = []
            floor_cpu: list[float] = []
            for _ in range(rounds):
                cpu = cpu_seconds(server.pid)
                tally, took = asyncio.run(load(port, clients, seconds, good, cases))
                row = summary("steady", tally, took, cpu_seconds(server.pid) - cpu)
                results.append(row)
                if row["failed"]:
                    raise harness.Disagreement(f"the server failed {row['failed']} requests: "
                                               f"{row['failures']}")
                fcpu = cpu_seconds(floor.pid)
                ftally, ftook = asyncio.run(load(floor_port, clients, seconds, set(),
                                                 floor_cases))
                frow = summary("floor", ftally, ftook, cpu_seconds(floor.pid) - fcpu)
                ours.append(row["per_second"])
                theirs.append(frow["per_second"])
                pairs.append(row["per_second"] / frow["per_second"])
                cpu_pairs.append(frow["server_cpu_us_per_request"]
                                 / max(row["server_cpu_us_per_request"], 1))
                floor_cpu.append(frow["server_cpu_us_per_request"])
            ratio = statistics.median(pairs)
            cpu_ratio = statistics.median(cpu_pairs)
            best = results[len(results) // 2]
            report.add(f"`guideline serve`, {clients} clients on loopback, "
                       f"{len(cases)} different cases",
                       f"{statistics.median(ours):,.0f} answers/s, p50 {best['p50_ms']} ms, "
                       f"p99 {best['p99_ms']} ms, 0 failed",
                       f"{ratio:.2f}× the same server answering a constant body "
                       f"({statistics.median(theirs):,.0f}/s)", "≥ 0.5×", ratio,
                       harness.met(ratio, "≥ 0.5×"))
            report.add("server CPU per answer (what bounds answers/s on a busy machine)",
                       f"{best['server_cpu_us_per_request']} µs",
                       f"{cpu_ratio:.2f}× the rate the constant body's CPU allows "
                       f"({statistics.median(floor_cpu):.0f} µs per answer)", "≥ 0.5×",
                       cpu_ratio, harness.met(cpu_ratio, "≥ 0.5×"))
            if not args.quick:
                results.append(rewrites(served, broken, goods, port, clients, seconds, good,
                                        cases, report))
            faults = asyncio.run(hostile(port))
        finally:
            for proc in (server, floor):
                if proc is not None:
                    proc.terminate()
                    proc.wait(timeout=10)
    wrong = [f["body"] for f in faults if not f["ok"]]
    report.add("hostile bodies answered 4xx with the error shape",
               f"{len(faults) - len(wrong)} of {len(faults)}", "", "all")
    if wrong:
        raise harness.Disagreement(f"hostile bodies not refused as they must be: {wrong}")
    if args.json:
        Path(args.json).write_text(json.dumps({"phases": results, "hostile": faults},
                                              indent=2) + "\n")
    return report


def rewrites(served: Path, broken: list[Path], goods: list[Path], port: int, clients: int,
             seconds: float, good: set[str], cases: list[Any],
             report: harness.Report) -> dict[str, Any]:
    """The load again while the workbook is saved 10 times (broken and good, alternating)."""
    sequence = [broken[0], goods[1], broken[1], goods[0]] * 2 + [broken[0], goods[1]]
    log: list[dict[str, Any]] = []
    stop = threading.Event()
    writer = threading.Thread(target=rewrite, args=(served, sequence, seconds / len(sequence),
                                                    log, stop, port))
    writer.start()
    server_cpu = 0.0
    tally, took = asyncio.run(load(port, clients, seconds, good, cases))
    stop.set()
    writer.join()
    row = summary("during 10 rewrites", tally, took, server_cpu)
    row["rewrites"] = log
    time.sleep(1.5)
    with urllib.request.urlopen(f"http://{HOST}:{port}/guideline") as r:
        final = json.loads(r.read())
    expected = hashlib.sha256(sequence[-1].read_bytes()).hexdigest()
    slow = [r for r in log if r["seen_after_s"] is None or r["seen_after_s"] > 2.0]
    if row["failed"] or final["sha256"] != expected or slow:
        raise harness.Disagreement(f"reloads under load went wrong: failed {row['failures']}, "
                                   f"last save served: {final['sha256'] == expected}, "
                                   f"slow saves: {slow}")
    report.add("the same during 10 saves of the workbook",
               f"{row['per_second']:,} answers/s, p99 {row['p99_ms']} ms, 0 failed; good saves "
               f"served within {max(r['seen_after_s'] for r in log):.2f} s")
    return row


if __name__ == "__main__":
    cli = harness.parser(__doc__)
    cli.add_argument("--seconds", type=float, default=10.0, help="per phase")
    cli.add_argument("--clients", type=int, default=32)
    cli.add_argument("--json", help="write every phase and hostile body as JSON here too")
    cli.add_argument("--cases", choices=("tests", "readme"), default="tests",
                     help="the workbook's test cases in turn (default), or the README case only")
    sys.exit(harness.run(main, cli.parse_args()))
