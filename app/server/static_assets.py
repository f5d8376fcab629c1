"""The app's own static files (GraphiQL and its licences), under content-hashed names.

``/static/graphiql.min.<hash>.js`` never changes, so it is served with a year-long
``immutable`` cache; the plain name still works (revalidated with its ETag). Each file is
compressed once, on first request, with brotli and gzip, and kept in memory."""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path

import anyio.to_thread
import brotli
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.server.compression import accepted_encodings

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
COMPRESSIBLE = (".js", ".css", ".html", ".txt", ".json", ".svg", ".map")


@dataclass
class Asset:
    path: Path
    body: bytes
    etag: str
    media_type: str
    encoded: dict[str, bytes] = field(default_factory=dict)

    def body_for(self, encoding: str) -> bytes:
        if encoding not in self.encoded:
            if encoding == "br":
                self.encoded[encoding] = brotli.compress(self.body, quality=9)
            else:
                self.encoded[encoding] = gzip.compress(self.body, compresslevel=9, mtime=0)
        return self.encoded[encoding]


def versioned_name(path: Path, digest: str) -> str:
    stem, dot, suffix = path.name.partition(".")
    return f"{stem}.{digest}{dot}{suffix}" if dot else f"{stem}.{digest}"


class StaticAssets:
    """``handle`` serves ``/static/{name}``; ``url(name)`` gives the hashed URL."""

    def __init__(self, directory: Path, prefix: str = "/static") -> None:
        self.prefix = prefix
        self.by_name: dict[str, tuple[Asset, bool]] = {}  # name -> (asset, immutable)
        self.urls: dict[str, str] = {}
        for path in sorted(directory.iterdir()):
            if not path.is_file() or path.name == "graphiql.html":
                continue
            body = path.read_bytes()
            digest = hashlib.sha256(body).hexdigest()[:16]
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if media_type.startswith("text/") or media_type.endswith("javascript"):
                media_type += "; charset=utf-8"
            asset = Asset(path, body, f'"{digest}"', media_type)
            hashed = versioned_name(path, digest)
            self.by_name[path.name] = (asset, False)
            self.by_name[hashed] = (asset, True)
            self.urls[path.name] = f"{prefix}/{hashed}"

    def url(self, name: str) -> str:
        return self.urls[name]

    async def handle(self, request: Request) -> Response:
        found = self.by_name.get(request.path_params["name"])
        if found is None:
            return JSONResponse(
                {"errors": [{"message": "not found", "extensions": {"code": "NOT_FOUND"}}]},
                status_code=404,
            )
        asset, immutable = found
        headers = {
            "Cache-Control": IMMUTABLE if immutable else REVALIDATE,
            "ETag": asset.etag,
            "Vary": "Accept-Encoding",
        }
        if asset.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        body = asset.body
        if asset.path.suffix in COMPRESSIBLE and len(body) > 1024:
            accepted = accepted_encodings(request.headers.get("accept-encoding", ""))
            encoding = "br" if "br" in accepted else "gzip" if "gzip" in accepted else None
            if encoding is not None:
                if encoding in asset.encoded:
                    body = asset.encoded[encoding]
                else:  # once per file and coding; off the event loop (3.5 MB take ~0.2 s)
                    body = await anyio.to_thread.run_sync(asset.body_for, encoding)
                headers["Content-Encoding"] = encoding
        return Response(body, media_type=asset.media_type, headers=headers)
