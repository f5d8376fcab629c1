"""Response compression: brotli where the client accepts it, else gzip, for bodies of at
least ``minimum_size`` bytes. Streams (SSE, multipart subscriptions) are left alone so
every event reaches the client as soon as it is written."""

from __future__ import annotations

from collections.abc import Callable

import brotli
from starlette.datastructures import Headers
from starlette.middleware.gzip import (
    DEFAULT_EXCLUDED_CONTENT_TYPES,
    GZipResponder,
    IdentityResponder,
)
from starlette.types import ASGIApp, Receive, Scope, Send

EXCLUDED_CONTENT_TYPES = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "multipart/mixed")
BROTLI_QUALITY = 2  # measured on a 61 KB nested answer and a 66 KB chart: 1% larger than
# quality 4, 40% faster (0.55 against 0.96 ms for the chart); gzip -6 took 3.6 ms


def accepted_encodings(header: str) -> set[str]:
    """Codings the client accepts (q > 0)."""
    out: set[str] = set()
    for part in header.lower().split(","):
        name, _, params = part.strip().partition(";")
        q = params.strip()
        if q.startswith("q=") and q[2:].strip() in {"0", "0.0", "0.00", "0.000"}:
            continue
        if name:
            out.add(name.strip())
    return out


class BrotliResponder(IdentityResponder):
    content_encoding = "br"

    def __init__(self, app: ASGIApp, minimum_size: int) -> None:
        super().__init__(app, minimum_size, exclude_content_types=EXCLUDED_CONTENT_TYPES)
        self._compressor: brotli.Compressor | None = None

    async def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        if self._compressor is None:
            self._compressor = brotli.Compressor(quality=BROTLI_QUALITY)
        out = self._compressor.process(body)
        return out + (self._compressor.flush() if more_body else self._compressor.finish())


class CompressionMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int = 1024,
        as_stored: Callable[[str], bool] | None = None,
    ) -> None:
        self.app = app
        self.minimum_size = minimum_size
        # Paths served as they are stored (artifacts: already compressed or binary, with
        # their length and hash), never re-encoded on the way.
        self.as_stored = as_stored

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (
            self.as_stored is not None and self.as_stored(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        accepted = accepted_encodings(Headers(scope=scope).get("accept-encoding", ""))
        responder: ASGIApp
        if "br" in accepted:
            responder = BrotliResponder(self.app, self.minimum_size)
        elif "gzip" in accepted:
            responder = GZipResponder(
                self.app,
                self.minimum_size,
                compresslevel=6,
                exclude_content_types=EXCLUDED_CONTENT_TYPES,
            )
        else:
            responder = IdentityResponder(
                self.app, self.minimum_size, exclude_content_types=EXCLUDED_CONTENT_TYPES
            )
        await responder(scope, receive, send)
