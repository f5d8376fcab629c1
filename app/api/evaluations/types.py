"""The evaluation run type."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.api.datasets.lineage import LINEAGE_IN_SQL, lineage_field
from app.api.evaluations.enums import EvaluationStatus
from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.fields import related
from app.api.node import Node
from app.domain.evaluations.models import EvaluationRun as EvaluationRunRow


@from_declaration(EvaluationRunRow, python={"lineage": LINEAGE_IN_SQL})
@strawberry.type(
    description="A model version scored on a dataset version: by hand "
    "(evaluationRunCreate) or by a pipeline run's EVALUATION step."
)
class EvaluationRun(Node, FromRow):
    status: EvaluationStatus
    metrics: JSON = strawberry.field(description="Metric name → value, recorded on SUCCEEDED.")
    error_message: str | None
    step: str | None = strawberry.field(description="The pipeline step that made it.")
    started_at: datetime | None
    ended_at: datetime | None
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]
    model_version_id: strawberry.Private[uuid.UUID]
    dataset_version_id: strawberry.Private[uuid.UUID]
    pipeline_run_id: strawberry.Private[uuid.UUID | None]
    created_by_id: strawberry.Private[uuid.UUID | None]

    project = related()
    model_version = related(description="What was evaluated.")
    dataset_version = related(description="What it was evaluated on.")
    pipeline_run = related(description="The pipeline run whose step made it, if one did.")
    created_by = related()
    lineage = lineage_field("EvaluationRun")
