"""Artifact build types."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from app.api.builds.enums import BuildStatus
from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.fields import related
from app.api.node import Node
from app.domain.builds.models import ArtifactBuild as ArtifactBuildRow


@from_declaration(ArtifactBuildRow)
@strawberry.type(
    description="A model version's serving image, built from a git source by a builder "
    "that claimed it from the queue: PENDING → RUNNING → SUCCEEDED | FAILED."
)
class ArtifactBuild(Node, FromRow):
    source_repository_url: str
    source_ref: str = strawberry.field(description="A branch, tag or commit.")
    source_path: str | None = strawberry.field(description="Inside the repository.")
    image_url: str | None = strawberry.field(description="The image, once SUCCEEDED.")
    status: BuildStatus
    error_message: str | None
    started_at: datetime | None
    finished_at: datetime | None
    lease_owner: str | None = strawberry.field(description="The builder holding it.")
    lease_expires_at: datetime | None
    claims: int = strawberry.field(description="How many times builders claimed it.")
    max_attempts: int = strawberry.field(
        description="Claims allowed before a lost lease fails the build (the retry limit)."
    )
    created_at: datetime
    updated_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]
    model_id: strawberry.Private[uuid.UUID]
    model_version_id: strawberry.Private[uuid.UUID]
    created_by_id: strawberry.Private[uuid.UUID | None]

    project = related()
    model = related()
    model_version = related()
    created_by = related()
