"""A WORKFLOW serve's infrastructure and schedule per environment, and its runs
(app/domain/serving/workflows.py, workflow_runs.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.declare import elapsed_seconds, status_query
from app.api.graph.fields import PAGING, children, related
from app.api.node import Node
from app.api.orders import CreatedOrder
from app.api.pipelines.enums import MissedRuns
from app.api.serving.enums import WorkflowRunStatus, WorkflowRunTrigger
from app.api.serving.lists import WORKFLOW_RUNS_OF_CONFIG
from app.domain.serving.models import WorkflowConfig as WorkflowConfigRow
from app.domain.serving.models import WorkflowRun as WorkflowRunRow

RUN_LIST_ARGUMENTS = [
    *PAGING,
    ("status", list[WorkflowRunStatus] | None, None),
    ("created_from", datetime | None, None),
    ("created_to", datetime | None, None),
    ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC),
]


@strawberry.type(description="One kind of node of a workflow.")
class WorkflowNode:
    instance_type: str
    cpu_millicores: int
    memory_mib: int
    gpu_count: int
    gpu_type: str | None = strawberry.field(
        description="An enabled entry of the environment's GPU catalogue, when it has one."
    )

    @classmethod
    def of(cls, data: dict[str, Any]) -> WorkflowNode:
        return cls(**data)


@from_declaration(
    WorkflowConfigRow,
    python={
        "headNode": "a typed view of the row's JSON",
        "workerNode": "a typed view of the row's JSON",
    },
    attributes={"head_node_": "head_node", "worker_node_": "worker_node"},
)
@strawberry.type(
    description="A WORKFLOW serve in one environment: its head and worker nodes, the version "
    "its runs serve and, optionally, the schedule that starts them (each fire time queues at "
    "most one run, however many server processes schedule)."
)
class WorkflowConfig(Node, FromRow):
    min_workers: int
    max_workers: int
    cron: str | None = strawberry.field(
        description="Its schedule: minute hour day-of-month month day-of-week (null: runs "
        "start by hand only, workflowRunCreate)."
    )
    time_zone: str | None = strawberry.field(description="The IANA zone the cron reads in.")
    schedule_enabled: bool = strawberry.field(description="False: the schedule is paused.")
    missed_runs: MissedRuns = strawberry.field(
        description="After downtime: RUN_ONCE queues one run for the fire times missed, SKIP "
        "none (a fire time more than 5 minutes past counts as missed)."
    )
    next_run_at: datetime | None = strawberry.field(description="Its next fire time (UTC).")
    last_run_at: datetime | None = strawberry.field(description="When it last queued a run.")
    created_at: datetime
    updated_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]
    model_id: strawberry.Private[uuid.UUID]
    environment_id: strawberry.Private[uuid.UUID]
    model_version_id: strawberry.Private[uuid.UUID | None]
    created_by_id: strawberry.Private[uuid.UUID | None]
    head_node_: strawberry.Private[dict[str, Any]]
    worker_node_: strawberry.Private[dict[str, Any]]

    model = related()
    environment = related()
    model_version = related(
        description="The version its runs serve; null: the model's PRODUCTION version at "
        "each run's start (no run is queued while it has none)."
    )
    created_by = related()
    runs = children(
        WORKFLOW_RUNS_OF_CONFIG,
        RUN_LIST_ARGUMENTS,
        query=status_query,
        description="Its runs, newest first.",
    )

    @strawberry.field(description="The node that coordinates the workflow.")
    def head_node(self) -> WorkflowNode:
        return WorkflowNode.of(self.head_node_)

    @strawberry.field(description="The nodes that do its work (minWorkers to maxWorkers).")
    def worker_node(self) -> WorkflowNode:
        return WorkflowNode.of(self.worker_node_)


@from_declaration(
    WorkflowRunRow,
    python={
        "headNode": "a typed view of the row's JSON",
        "workerNode": "a typed view of the row's JSON",
    },
    attributes={"head_node_": "head_node", "worker_node_": "worker_node"},
    computed={"durationSeconds": elapsed_seconds("started_at", "finished_at")},
)
@strawberry.type(
    description="A run of a WORKFLOW serve's workflow in one environment, run by a worker that "
    "claimed it from the queue: PENDING → RUNNING → SUCCEEDED | FAILED (CANCELLED by hand)."
)
class WorkflowRun(Node, FromRow):
    status: WorkflowRunStatus
    trigger: WorkflowRunTrigger = strawberry.field(description="By hand, or by the schedule.")
    scheduled_for: datetime | None = strawberry.field(
        description="The fire time that queued it (SCHEDULE runs)."
    )
    min_workers: int
    max_workers: int
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
        description="Claims allowed before a lost lease fails the run (the retry limit)."
    )
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]
    model_id: strawberry.Private[uuid.UUID]
    model_version_id: strawberry.Private[uuid.UUID]
    environment_id: strawberry.Private[uuid.UUID]
    workflow_config_id: strawberry.Private[uuid.UUID | None]
    created_by_id: strawberry.Private[uuid.UUID | None]
    head_node_: strawberry.Private[dict[str, Any]]
    worker_node_: strawberry.Private[dict[str, Any]]

    model = related()
    model_version = related(description="The version it serves.")
    environment = related()
    workflow_config = related(description="The config it came from (null once removed).")
    created_by = related()

    @strawberry.field(description="Its head node, as the config had it when it was queued.")
    def head_node(self) -> WorkflowNode:
        return WorkflowNode.of(self.head_node_)

    @strawberry.field(description="Its worker nodes, as the config had them.")
    def worker_node(self) -> WorkflowNode:
        return WorkflowNode.of(self.worker_node_)
