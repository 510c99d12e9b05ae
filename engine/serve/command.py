"""`guideline serve WB [--host 127.0.0.1] [--port 8000] [--watch]`.

`add_parser(subparsers)` adds the command to the CLI's parser and `run(args)` runs it, so the
CLI wires it in one line. The workbook is loaded, checked and tested before the port opens:
without `--watch` a workbook that cannot be served is refused at once (exit 1); with
`--watch` the server starts anyway, answers 503 and shows the findings until a save fixes it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

log = logging.getLogger("engine.serve")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "serve", help="serve the guideline over HTTP: a JSON API and the committee's page",
        description="Serve the guideline: JSON API (OpenAPI at /openapi.json) and a page at /. "
                    "Binds to 127.0.0.1 unless --host says otherwise; never writes to the "
                    "workbook.")
    p.add_argument("workbook", help="the .xlsx (or .dmn) file to serve")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--watch", action="store_true",
                   help="reload when the file changes; a version with errors is not served")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app
    from .state import Guideline

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if not Path(args.workbook).is_file():
        print(f"error: {args.workbook}: no such file", file=sys.stderr)
        return 2
    if not 0 < args.port < 65536:
        print(f"error: --port {args.port} is not a port number", file=sys.stderr)
        return 2
    holder = Guideline(args.workbook)
    holder.reload()
    if holder.current is None:
        stale = holder.stale
        reason = stale.reason if stale else "it could not be read"
        print(f"{args.workbook}: cannot be served: {reason}", file=sys.stderr)
        for finding in (stale.findings if stale else ()):
            if finding.severity == "error":
                print(f"  {finding}", file=sys.stderr)
        for failure in (stale.failures if stale else ()):
            print("  " + failure.replace("\n", "\n  "), file=sys.stderr)
        if not args.watch:
            return 1
        print("watching it: the server starts and answers 503 until a save fixes it",
              file=sys.stderr)
    app = create_app(holder, watch=args.watch)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning",
                    access_log=False, server_header=False)
    except (OSError, SystemExit) as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m engine.serve.command WB ...`, until the CLI has the subcommand."""
    parser = argparse.ArgumentParser(prog="guideline")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["serve", *(sys.argv[1:] if argv is None else argv)])
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
