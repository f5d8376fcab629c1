"""Training job types."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.api.datasets.lists import INPUTS_OF_TRAINING_JOB
from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.declare import Computed
from app.api.graph.fields import PAGING, children, related
from app.api.node import Node
from app.api.orders import CreatedOrder
from app.api.training.enums import TrainingExecutor, TrainingJobStatus
from app.api.training.lists import RUNS_OF_TRAINING_JOB
from app.domain.training.models import TrainingJob as TrainingJobRow


def _gpu_hours(job: TrainingJobRow) -> float:
    """GPUs × whole seconds run (to the end, or to the last heartbeat), in hours: the same
    arithmetic as the SQL below, so both paths answer the same bytes."""
    if job.started_at is None:
        return 0.0
    until = job.ended_at or job.heartbeat_at or job.started_at
    ran = until - job.started_at
    return float(job.gpus * (ran.days * 86400 + ran.seconds)) / 3600


@from_declaration(
    TrainingJobRow,
    computed={
        "gpuHours": Computed(
            sql="(coalesce({a}.gpus * floor(extract(epoch FROM coalesce({a}.ended_at, "
            "{a}.heartbeat_at, {a}.started_at) - {a}.started_at)), 0))::float8 / 3600",
            python=_gpu_hours,
        )
    },
)
@strawberry.type(description="A job that trains a model on an external executor.")
class TrainingJob(Node, FromRow):
    name: str
    image: str | None
    entry_point: str | None
    config: JSON
    cpu: float | None = strawberry.field(description="CPU cores requested.")
    memory_mb: int | None
    gpus: int
    gpu_type: str | None = strawberry.field(
        description="A GPU type the target environment offers (its canonical id)."
    )
    use_gpu: bool
    status: TrainingJobStatus
    error_message: str | None
    started_at: datetime | None
    ended_at: datetime | None
    executor: TrainingExecutor | None
    external_id: str | None = strawberry.field(description="The executor's id for this job.")
    lease_owner: str | None = strawberry.field(
        description="The worker that holds the job (trainingJobClaim), while its lease runs."
    )
    lease_expires_at: datetime | None = strawberry.field(
        description="When the job goes back to the queue unless its worker sends a heartbeat."
    )
    claims: int = strawberry.field(description="How many times workers claimed the job.")
    gpu_hours: float = strawberry.field(
        description="GPUs × the time it ran (to its end, or while running to its worker's "
        "last heartbeat), in hours; 0 before it starts and for CPU jobs."
    )
    created_at: datetime
    updated_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]
    experiment_id: strawberry.Private[uuid.UUID | None]
    environment_id: strawberry.Private[uuid.UUID]
    run_id: strawberry.Private[uuid.UUID | None]
    created_by_id: strawberry.Private[uuid.UUID | None]

    created_by = related()
    project = related()
    experiment = related()
    environment = related(description="Where it runs.")
    run = related(description="The run it produced (its latest attempt's).")
    runs = children(
        RUNS_OF_TRAINING_JOB,
        [*PAGING, ("order_by", CreatedOrder, CreatedOrder.CREATED_ASC)],
        description="Its attempts' runs, first to last: a retried job (its worker died, "
        "its lease ran out) has one run per attempt.",
    )
    dataset_inputs = children(
        INPUTS_OF_TRAINING_JOB, description="The dataset versions it consumes, and as what."
    )
