"""Run GoRules zen-engine on the benchmark cases (runs in benchmarks/.venvs/zen).

argv: graph.json cases.jsonl. Prints one JSON line: zen's version and its answer to every case
(None where it raises). Then reads commands from stdin, one per line, and answers each with one
JSON line, so that the benchmark can alternate zen's rounds with the engine's:
`latency` (the median ns of one `evaluate` over every case), `loop` (CPU seconds for
`evaluate` on every case in a loop), `batch` (CPU seconds, every thread, for `evaluate_batch`
on every case), `quit`. CPU seconds, as the benchmark times the engine: the machine is shared.
"""

import json
import statistics
import sys
import time
from importlib.metadata import version

import zen


def main() -> None:
    graph_path, cases_path = sys.argv[1], sys.argv[2]
    with open(graph_path, encoding="utf-8") as fh:
        graph = json.load(fh)
    with open(cases_path, encoding="utf-8") as fh:
        cases = [json.loads(line) for line in fh]
    rules = zen.ZenEngine({"loader": {"type": "static", "content": {"nbcg": graph}}})
    answers = []
    for case in cases:
        try:
            answers.append(rules.evaluate("nbcg", case)["result"])
        except Exception:  # zen refuses the case: no answer
            answers.append(None)
    say({"version": version("zen-engine"), "cases": len(cases), "answers": answers})
    for command in sys.stdin:
        command = command.strip()
        if command == "latency":
            clock = time.perf_counter_ns
            samples = []
            for case in cases:
                start = clock()
                rules.evaluate("nbcg", case)
                samples.append(clock() - start)
            say({"median_ns": statistics.median(samples)})
        elif command == "loop":
            start = time.process_time()
            for case in cases:
                rules.evaluate("nbcg", case)
            say({"seconds": time.process_time() - start})
        elif command == "batch":
            requests = [{"key": "nbcg", "context": case} for case in cases]
            start = time.process_time()
            rules.evaluate_batch(requests)
            say({"seconds": time.process_time() - start})
        else:
            return


def say(data: dict) -> None:
    print(json.dumps(data, default=str), flush=True)


if __name__ == "__main__":
    main()
