"""`guideline serve WB [--host 127.0.0.1] [--port 8000] [--watch] [--cds-hooks [--jwks
ISSUER=PATH]...] [--cors-origin ORIGIN]...`: its arguments.

Only argparse here, so that building the CLI's parser never imports the web stack; the
command itself is `serve.main:run`, imported by the CLI when `serve` is what runs.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..core.i18n import _


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "serve", help=_("serve the guideline over HTTP: a JSON API and the committee's page"),
        description=_("Serve the guideline: a JSON API (OpenAPI at /openapi.json) and the "
                      "committee's page at /. Listens on 127.0.0.1 unless --host says "
                      "otherwise; never writes to the workbook."))
    p.add_argument("workbook", metavar=_("WORKBOOK"),
                   help=_("the .xlsx (or .dmn) file to serve"))
    p.add_argument("--host", default="127.0.0.1",
                   help=_("address to listen on (default 127.0.0.1: this machine only)"))
    p.add_argument("--port", type=int, default=8000, help=_("port (default 8000)"))
    p.add_argument("--watch", action="store_true",
                   help=_("reload when the file changes; a version with errors is not served"))
    p.add_argument("--cds-hooks", action="store_true",
                   help=_("also serve CDS Hooks 2.0 (/cds-services) from the workbook's FHIR "
                          "sheet (docs/cds-hooks.md)"))
    p.add_argument("--jwks", action="append", metavar="ISSUER=PATH", default=[],
                   help=_("trust the EHR whose JWTs name this iss and are signed by a key of "
                          "this JWK Set file (repeatable); without it the CDS services answer "
                          "only on this machine"))
    p.add_argument("--public-url", metavar="URL",
                   help=_("the server's URL as the EHR calls it (https://cds.example.org), for "
                          "the JWT audience and the cards' links; default: the request's"))
    p.add_argument("--cors-origin", action="append", metavar="ORIGIN", default=[],
                   help=_("let web pages from this origin (https://ehr.example.org) call the "
                          "API and the CDS services (repeatable)"))
    p.set_defaults(run="serve.main:run")
    return p
