"""The artifacts context's types: a run's file."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from app.api.graph.converters import FromRow, from_declaration
from app.api.ids import encode_id
from app.domain.artifacts.models import RunArtifact as RunArtifactRow
from app.domain.artifacts.rules import download_url


@from_declaration(
    RunArtifactRow,
    python={"downloadUrl": "the HTTP address of its bytes, made from the run's id and path"},
)
@strawberry.type(description="A file next to a run (its bytes: downloadUrl).")
class RunArtifact(FromRow):
    path: str = strawberry.field(description="Relative to the run: folders separated by /.")
    size_bytes: float = strawberry.field(description="Its size in bytes.")
    sha256: str = strawberry.field(description="SHA-256 of its bytes (hex), also its ETag.")
    content_type: str
    created_at: datetime
    run_id: strawberry.Private[uuid.UUID]

    @strawberry.field(
        description="GET it with the same Authorization header (an attachment, streamed)."
    )
    def download_url(self) -> str:
        return download_url(encode_id("Run", self.run_id), self.path)
