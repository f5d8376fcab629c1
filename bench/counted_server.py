"""The mlgraph app under uvicorn, counting the SQL statements it sends. The running total is
served at /bench/statements (this wrapper only; the product app has no such route), so a
benchmark can compute statements per request from its own traffic."""

from __future__ import annotations

import sys

import uvicorn
from sqlalchemy import event
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.asgi import create_app
from app.settings import Settings


def main() -> None:
    port = int(sys.argv[1])
    settings = Settings.from_env().with_secret_key()
    app = create_app(settings)
    counter = {"statements": 0}

    def count(*_: object) -> None:
        counter["statements"] += 1

    async def statements(request: Request) -> JSONResponse:
        return JSONResponse(counter)

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", count)
    app.add_route("/bench/statements", statements)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        ws_per_message_deflate=settings.ws_compression,  # as `mlgraph serve`
    )


if __name__ == "__main__":
    main()
