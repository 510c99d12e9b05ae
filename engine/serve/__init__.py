"""`guideline serve`: the guideline over HTTP, for integrators (an API) and the committee (a page).

The top room, beside the CLI: `state` holds the served version, `watch` reloads it on save,
`answers` turns cases into answers, `schemas` says what goes in and out, `page` renders the
committee's page, `app` is the ASGI application, `command` the CLI subcommand.
"""
