"""What every response of the server gets, whichever route answers it: CORS for the origins
`--cors-origin` lists (preflight included), around everything else."""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from .state import Guideline

HEADERS = ["authorization", "content-type", "x-request-id", "if-match", "accept-language"]
EXPOSED = ["etag", "x-request-id"]


def wrap(app: ASGIApp, holder: Guideline, cors: tuple[str, ...]) -> ASGIApp:
    if cors:
        app = CORSMiddleware(app, allow_origins=list(cors), allow_methods=["GET", "POST"],
                             allow_headers=HEADERS, expose_headers=EXPOSED, max_age=600)
    return app
