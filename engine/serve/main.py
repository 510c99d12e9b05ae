"""Run `guideline serve`: load, check and test the workbook, then listen.

The workbook is served only once it loads, checks without errors and passes its own test
cases. Without `--watch` a workbook that cannot be served is refused at once (exit 1); with
`--watch` the server starts anyway, answers 503 and shows the findings until a save fixes it.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from typing import Any

import uvicorn

from ..core.errors import UsageError
from ..core.i18n import _
from .app import create_app
from .cds import options_from
from .files import not_a_file
from .guard import GRACE, protocol
from .state import Guideline

log = logging.getLogger("engine.serve")


def run(args: argparse.Namespace) -> int:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.captureWarnings(True)  # a draft's DraftWarning goes to the log, once per version
    if (args.jwks or args.public_url) and not args.cds_hooks:
        raise UsageError(_("--jwks and --public-url belong to --cds-hooks: add it"))
    refused = not_a_file(args.workbook)  # a FIFO or a folder is named as what it is
    if refused is not None:
        raise UsageError(refused)
    if not 0 < args.port < 65536:
        raise UsageError(_("--port {port} is not a port number").format(port=args.port))
    holder = Guideline(args.workbook, isolate=args.watch)  # reloads off the serving process
    holder.reload()
    if holder.current is None:
        stale = holder.stale
        lines = [_("{path}: cannot be served: {why}").format(
                     path=args.workbook, why=stale.reason if stale else _("unreadable"))]
        if stale is not None:
            lines += [f"  {f}" for f in stale.findings if f.severity == "error"]
            lines += ["  " + text.replace("\n", "\n  ") for text in stale.failures]
        sys.stderr.write("\n".join(lines) + "\n")
        if not args.watch:
            return 1
        sys.stderr.write(_("watching it: the server answers 503 until a save fixes it") + "\n")
    cds = options_from(args)
    app = create_app(holder, watch=args.watch, cds=cds, cors=tuple(args.cors_origin or ()))
    server = uvicorn.Server(server_config(app, args.host, args.port))
    with contextlib.suppress(SystemExit):  # uvicorn exits when it cannot bind: we say why
        server.run()
    if not server.started:  # uvicorn logged why (the port is taken, the address is wrong)
        raise UsageError(_("cannot listen on {host}:{port}").format(host=args.host,
                                                                     port=args.port))
    return 0


def server_config(app: Any, host: str, port: int, http: Any = None) -> uvicorn.Config:
    """uvicorn as the server runs it: `guard.protocol` (header and body deadlines, a header
    size bound, a connection bound), no websockets, and a stuck request holding up a
    shutdown for at most GRACE seconds. `http`: another guarded protocol (tests)."""
    return uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                          server_header=False, http=http or protocol(), ws="none",
                          timeout_graceful_shutdown=GRACE)
