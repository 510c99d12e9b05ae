"""The floor for `guideline serve`: the same ASGI server answering every request with one
constant JSON body (as long as a real answer), after reading the request body as the engine
does. argv: host port body.json. Run under the same uvicorn settings as `guideline serve`."""

import sys
from pathlib import Path

import uvicorn

BODY = Path(sys.argv[3]).read_bytes()
HEADERS = [(b"content-type", b"application/json"),
           (b"content-length", str(len(BODY)).encode("latin-1"))]


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


if __name__ == "__main__":
    uvicorn.run(app, host=sys.argv[1], port=int(sys.argv[2]), log_level="warning",
                access_log=False, server_header=False)
