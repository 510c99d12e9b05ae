"""Run GoRules zen-engine on the benchmark cases (runs in benchmarks/.venvs/zen).

argv: graph.json cases.jsonl sample_size. Prints one JSON object: timings and the answers of
the first `sample_size` cases, so the benchmark can check the peer agrees with the engine.
"""

import json
import statistics
import sys
import time

import zen


def main() -> None:
    graph_path, cases_path, sample = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(graph_path, encoding="utf-8") as fh:
        graph = json.load(fh)
    with open(cases_path, encoding="utf-8") as fh:
        cases = [json.loads(line) for line in fh]
    engine = zen.ZenEngine({"loader": {"type": "static", "content": {"nbcg": graph}}})
    answers = [engine.evaluation.evaluate("nbcg", case)["result"] for case in cases[:sample]]
    for case in cases[:1000]:  # warm up
        engine.evaluation.evaluate("nbcg", case)
    latencies = []
    for case in cases[:20000]:
        start = time.perf_counter_ns()
        engine.evaluation.evaluate("nbcg", case)
        latencies.append(time.perf_counter_ns() - start)
    start = time.perf_counter()
    for case in cases:
        engine.evaluation.evaluate("nbcg", case)
    loop = time.perf_counter() - start
    requests = [{"key": "nbcg", "context": case} for case in cases]
    start = time.perf_counter()
    engine.evaluate_batch(requests)
    batch = time.perf_counter() - start
    print(json.dumps({
        "version": getattr(zen, "__version__", ""),
        "cases": len(cases),
        "evaluate_seconds": loop,
        "evaluate_batch_seconds": batch,
        "median_latency_us": statistics.median(latencies) / 1000,
        "answers": answers,
    }))


if __name__ == "__main__":
    main()
