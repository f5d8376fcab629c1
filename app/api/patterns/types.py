"""The pattern job type."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.declare import elapsed_seconds
from app.api.graph.fields import related
from app.api.node import Node
from app.api.patterns.enums import PatternAlgorithm, PatternJobStatus, PatternType
from app.domain.patterns.models import PatternJob as PatternJobRow


@from_declaration(
    PatternJobRow,
    computed={"durationSeconds": elapsed_seconds("started_at", "finished_at")},
)
@strawberry.type(
    description="A search for patterns in a dataset version, run by a worker that claimed "
    "it from the queue: PENDING → RUNNING → SUCCEEDED | FAILED (CANCELLED by hand)."
)
class PatternJob(Node, FromRow):
    name: str
    pattern_type: PatternType
    algorithm: PatternAlgorithm
    config: JSON = strawberry.field(description="The algorithm's full config (defaults filled).")
    status: PatternJobStatus
    results: JSON | None = strawberry.field(description="What the worker found, once SUCCEEDED.")
    pattern_count: int | None = strawberry.field(description="How many patterns it found.")
    error_message: str | None
    started_at: datetime | None = strawberry.field(description="First claimed.")
    finished_at: datetime | None
    duration_seconds: float | None = strawberry.field(
        description="finishedAt - startedAt (null until it ends after a claim)."
    )
    lease_owner: str | None = strawberry.field(description="The worker holding it.")
    lease_expires_at: datetime | None
    claims: int = strawberry.field(description="How many times workers claimed it.")
    max_attempts: int = strawberry.field(
        description="Claims allowed before a lost lease fails the job (the retry limit)."
    )
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]
    dataset_version_id: strawberry.Private[uuid.UUID]
    created_by_id: strawberry.Private[uuid.UUID | None]

    project = related()
    dataset_version = related(description="What it searches.")
    created_by = related()
