"""The words of the server's own refusals (the request, not a case), made when they are sent.

Each is translated at the moment it is said, so it comes in the language of the request it
answers (`wrap`: `Accept-Language`), never in the one that happened to be installed when the
module was imported; texts kept as constants are marked with `N_()` and translated at use.
"""

from __future__ import annotations

from ..core.i18n import N_, _
from ..core.text import visible

FAILED = N_("the server failed on this request; it is logged")
NOT_JSON = N_("the answer holds a number JSON cannot carry (NaN or infinite), so it is not "
              "sent; it is logged")
NOT_UNDERSTOOD = N_("the request is not understood")


def not_allowed(allowed: str) -> str:
    """A 405: the methods the path answers (as its `Allow` header lists them)."""
    return _("this path does not answer this method; it answers {allowed}").format(
        allowed=allowed or "-")


def too_large(limit: int) -> str:
    return _("the body is larger than {limit:,} bytes").format(limit=limit)


def for_status(status: int, path: str, allowed: str | None, detail: str) -> str:
    """The message of an HTTP error the framework raised (an unknown path or method):
    Starlette's own is an English reason phrase."""
    if status == 404:
        return _("there is nothing at {path}; the API's paths are listed in "
                 "/openapi.json").format(path=visible(path))
    if status == 405:
        return not_allowed(allowed or "")
    return _("the request is refused: {detail}").format(detail=detail)
