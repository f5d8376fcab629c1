"""Health rule type."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.fields import related
from app.api.health.enums import HealthRuleKind
from app.api.monitoring.enums import AlertSeverity
from app.api.node import Node
from app.domain.health.models import HealthRule as HealthRuleRow


@from_declaration(HealthRuleRow)
@strawberry.type(
    description="Watches the runs of a project (or of one experiment) as they train; a run "
    "that breaks it gets a TRAINING_HEALTH alert, and with cancelJob its training job is "
    "cancelled. The parameters that apply depend on the kind; the others are null."
)
class HealthRule(Node, FromRow):
    name: str
    kind: HealthRuleKind
    metric_key: str | None = strawberry.field(
        description="The metric watched (NON_FINITE: null watches every key)."
    )
    steps: int | None = strawberry.field(
        description="SPIKE, DIVERGENCE: the window, in steps before each point."
    )
    z_score: float | None = strawberry.field(description="SPIKE: standard deviations.")
    rise: float | None = strawberry.field(description="DIVERGENCE: how far above the low.")
    seconds: int | None = strawberry.field(
        description="STALL: seconds of silence; IDLE_GPU: of low utilisation."
    )
    fraction: float | None = strawberry.field(
        description="THROUGHPUT_DROP: of the run's median steps per second."
    )
    percent: float | None = strawberry.field(description="IDLE_GPU: the utilisation floor.")
    severity: AlertSeverity
    cancel_job: bool
    enabled: bool
    created_at: datetime
    project_id: strawberry.Private[uuid.UUID]
    experiment_id: strawberry.Private[uuid.UUID | None]
    created_by_id: strawberry.Private[uuid.UUID | None]

    project = related()
    experiment = related(description="The one experiment watched; null: the whole project.")
    created_by = related()
