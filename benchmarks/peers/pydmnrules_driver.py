"""Run pyDMNrules on the benchmark cases (runs in benchmarks/.venvs/pydmnrules).

argv: rules.xlsx cases.jsonl. Prints one JSON object: the time for `decide()` on every case
and each case's final outputs (None where pyDMNrules reports an error or no decision).
"""

import json
import sys
import time
from importlib.metadata import version

import pyDMNrules


def main() -> None:
    rules_path, cases_path = sys.argv[1], sys.argv[2]
    with open(cases_path, encoding="utf-8") as fh:
        cases = [json.loads(line) for line in fh]
    dmn = pyDMNrules.DMN()
    status = dmn.load(rules_path)
    if "errors" in status:
        print(json.dumps({"error": status["errors"]}))
        return
    answers = []
    start = time.perf_counter()
    for case in cases:
        status, result = dmn.decide(case)
        if "errors" in status or not result:
            answers.append(None)
            continue
        final = result[-1] if isinstance(result, list) else result
        answers.append(final["Result"])
    seconds = time.perf_counter() - start
    print(json.dumps({"version": version("pydmnrules"), "cases": len(cases),
                      "decide_seconds": seconds, "answers": answers}, default=str))


if __name__ == "__main__":
    main()
