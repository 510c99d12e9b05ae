"""Evaluate cases with pyDMNrules (run with the Python of its own venv, never ours).

Reads JSON on stdin: {"models": {decision: path.dmn}, "runs": [{"id", "decision", "inputs"}]}
and prints JSON: [{"id", "decision", "result": {name: value} | null, "errors": [...]}].
Each decision gets its own model file holding only the decisions it requires, because
pyDMNrules runs every table of a file in order and stops at the first that fails.
"""

import json
import sys

import pyDMNrules


def main() -> None:
    job = json.load(sys.stdin)
    engines = {}
    out = []
    for decision, path in job["models"].items():
        dmn = pyDMNrules.DMN()
        status = dmn.loadXML(path)
        if status.get("errors"):
            print(json.dumps({"load_errors": {decision: status["errors"]}}))
            sys.exit(1)
        engines[decision] = dmn
    for run in job["runs"]:
        status, data = engines[run["decision"]].decide(run["inputs"])
        if isinstance(data, list):  # several tables ran: the last is the decision asked for
            data = data[-1] if data else {}
        result = data.get("Result") if isinstance(data, dict) else None
        out.append({"id": run["id"], "decision": run["decision"],
                    "result": result, "errors": status.get("errors", [])})
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
