"""Pipeline types. The steps are typed views of the JSON a pipeline and a run keep them in
(their ``python`` reason in the declaration)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from app.api.evaluations.lists import EVALUATIONS_OF_PIPELINE_RUN
from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.declare import Built, Computed, status_query
from app.api.graph.fields import PAGING, children, related
from app.api.graph.sql_text import global_id_sql, scalar_json, text_array_sql
from app.api.ids import encode_id
from app.api.node import Node
from app.api.orders import CreatedOrder
from app.api.pipelines.enums import (
    MissedRuns,
    Orchestrator,
    PipelineRunStatus,
    PipelineStatus,
    PipelineStepKind,
    PipelineStepStatus,
    WorkflowType,
)
from app.api.pipelines.lists import RUNS_OF_PIPELINE, SCHEDULES_OF_PIPELINE
from app.domain.pipelines import enums
from app.domain.pipelines.models import Pipeline as PipelineRow
from app.domain.pipelines.models import PipelineRun as PipelineRunRow
from app.domain.pipelines.models import PipelineSchedule as PipelineScheduleRow


@strawberry.type(description="A step of a pipeline and the steps it waits for.")
class PipelineStep:
    name: str
    kind: PipelineStepKind
    depends_on: list[str]
    config: JSON
    training_job: JSON | None = strawberry.field(
        description="A TRAINING_JOB step's template (its environment as a global id)."
    )
    evaluation: JSON | None = strawberry.field(
        default=None,
        description="An EVALUATION step's {modelVersionId, datasetVersionId} (global ids).",
    )


@strawberry.type(description="Where one step of a run is.")
class PipelineRunStep:
    name: str
    status: PipelineStepStatus
    started_at: datetime | None
    ended_at: datetime | None
    training_job_id: strawberry.ID | None = strawberry.field(
        description="The training job a TRAINING_JOB step created when it started."
    )
    evaluation_run_id: strawberry.ID | None = strawberry.field(
        default=None, description="The evaluation run an EVALUATION step made when it started."
    )


def run_steps(states: list[dict[str, Any]]) -> list[PipelineRunStep]:
    """The typed view of a run's step states (JSON)."""
    return [
        PipelineRunStep(
            name=s["name"],
            status=enums.StepStatus(s["status"]),
            started_at=datetime.fromisoformat(s["startedAt"]) if s["startedAt"] else None,
            ended_at=datetime.fromisoformat(s["endedAt"]) if s["endedAt"] else None,
            training_job_id=_global_id("TrainingJob", s.get("trainingJobId")),
            evaluation_run_id=_global_id("EvaluationRun", s.get("evaluationRunId")),
        )
        for s in states
    ]


def _global_id(type_name: str, value: str | None) -> strawberry.ID | None:
    """A uuid kept in JSON, as the global id of its ``type_name`` (null when absent)."""
    return strawberry.ID(encode_id(type_name, uuid.UUID(value))) if value else None


def _template(template: dict[str, Any] | None) -> dict[str, Any] | None:
    if template is None:
        return None
    environment = encode_id("Environment", uuid.UUID(template["environment_id"]))
    return {**template, "environment_id": environment}


def _evaluation(template: dict[str, str] | None) -> dict[str, str] | None:
    if template is None:
        return None
    return {
        "modelVersionId": encode_id("ModelVersion", uuid.UUID(template["modelVersionId"])),
        "datasetVersionId": encode_id("DatasetVersion", uuid.UUID(template["datasetVersionId"])),
    }


def steps_sql(run: Any, parent: Any, alias: str, nodes: Any) -> str:
    """``Pipeline.steps`` on the compiled path: the definition's JSON, step by step, as
    the resolver types it (the templates' ids made global ids, in place)."""

    def gid(type_name: str, item: str, *path: str) -> str:
        keys = ",".join(path)
        return global_id_sql(type_name, f"(({item} #>> '{{{keys}}}')::uuid)")

    def value(name: str, gql_type: Any, item: str) -> str | None:
        if name in ("name", "kind"):
            return scalar_json(gql_type, f"({item} ->> '{name}')")
        if name == "dependsOn":
            return scalar_json(gql_type, text_array_sql(f"{item} -> 'dependsOn'"))
        if name == "config":
            return f"mlgraph_json({item} -> 'config')"
        if name == "trainingJob":
            template = f"({item} -> 'trainingJob')"
            environment = gid("Environment", item, "trainingJob", "environment_id")
            return (
                f"(CASE WHEN coalesce(jsonb_typeof({template}), 'null') = 'null' THEN 'null' "
                f"ELSE mlgraph_json(jsonb_set({template}, '{{environment_id}}', "
                f"({environment})::jsonb)) END)"
            )
        if name == "evaluation":
            template = f"({item} -> 'evaluation')"
            version = gid("ModelVersion", item, "evaluation", "modelVersionId")
            data = gid("DatasetVersion", item, "evaluation", "datasetVersionId")
            return (
                f"(CASE WHEN coalesce(jsonb_typeof({template}), 'null') = 'null' THEN 'null' "
                f"""ELSE '{{"modelVersionId":' || {version} || ',"datasetVersionId":' """
                f"|| {data} || '}}' END)"
            )
        return None

    return run.json_items(f"({alias}.definition -> 'steps')", parent, nodes, value)


@from_declaration(
    PipelineRow,
    computed={
        "order": Computed(
            sql=text_array_sql("{a}.definition -> 'order'"),
            python=lambda row: list(row.definition["order"]),
        )
    },
    built={"steps": Built(steps_sql)},
    attributes={"definition_": "definition"},
)
@strawberry.type(description="A pipeline of a project: steps forming a DAG.")
class Pipeline(Node, FromRow):
    name: str
    orchestrator: Orchestrator
    workflow_id: str | None
    namespace: str
    created_at: datetime
    updated_at: datetime
    status: PipelineStatus = strawberry.field(
        description="DRAFT, ACTIVE (its runs may start) or ARCHIVED."
    )
    workflow_type: WorkflowType
    order: list[str] = strawberry.field(
        description="The step names in an order that respects dependencies."
    )
    db_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]
    created_by_id: strawberry.Private[uuid.UUID | None]
    dataset_id: strawberry.Private[uuid.UUID | None]
    model_id: strawberry.Private[uuid.UUID | None]
    experiment_id: strawberry.Private[uuid.UUID | None]
    definition_: strawberry.Private[dict[str, Any]]

    created_by = related()
    dataset = related(description="The dataset it works on.")
    model = related(description="The model it trains or serves.")
    experiment = related(description="The experiment it runs.")

    @strawberry.field(description="The steps, as defined.")
    def steps(self) -> list[PipelineStep]:
        return [
            PipelineStep(
                name=s["name"],
                kind=enums.StepKind(s["kind"]),
                depends_on=s["dependsOn"],
                config=s["config"],
                training_job=JSON(_template(s.get("trainingJob"))),
                evaluation=JSON(_evaluation(s.get("evaluation"))),
            )
            for s in self.definition_["steps"]
        ]

    project = related()
    schedules = children(
        SCHEDULES_OF_PIPELINE,
        [*PAGING, ("order_by", CreatedOrder, CreatedOrder.CREATED_ASC)],
        description="Its schedules (pipelineScheduleCreate).",
    )
    runs = children(
        RUNS_OF_PIPELINE,
        [
            *PAGING,
            ("status", list[PipelineRunStatus] | None, None),
            ("created_from", datetime | None, None),
            ("created_to", datetime | None, None),
            ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC),
        ],
        query=status_query,
        description="Runs of this pipeline, newest first.",
    )


def run_steps_sql(run: Any, parent: Any, alias: str, nodes: Any) -> str:
    """``PipelineRun.steps`` on the compiled path: the run's step states (JSON) as
    ``run_steps`` types them."""
    ids = {"trainingJobId": "TrainingJob", "evaluationRunId": "EvaluationRun"}

    def value(name: str, gql_type: Any, item: str) -> str | None:
        if name in ("name", "status"):
            return scalar_json(gql_type, f"({item} ->> '{name}')")
        if name in ("startedAt", "endedAt"):
            return scalar_json(gql_type, f"(nullif({item} ->> '{name}', ''))::timestamptz")
        if name in ids:
            raw = f"(nullif({item} ->> '{name}', ''))::uuid"
            return f"coalesce({global_id_sql(ids[name], raw)}, 'null')"
        return None

    return run.json_items(f"{alias}.steps", parent, nodes, value)


@from_declaration(
    PipelineRunRow,
    built={"steps": Built(run_steps_sql)},
    attributes={"steps_": "steps"},
)
@strawberry.type(description="One run of a pipeline.")
class PipelineRun(Node, FromRow):
    status: PipelineRunStatus
    retry_count: int
    max_retries: int
    current_stage: str | None = strawberry.field(description="The step that started last.")
    error_message: str | None
    started_at: datetime | None
    ended_at: datetime | None
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    pipeline_id: strawberry.Private[uuid.UUID]
    created_by_id: strawberry.Private[uuid.UUID | None]
    steps_: strawberry.Private[list[dict[str, Any]]]

    created_by = related()
    evaluations = children(
        EVALUATIONS_OF_PIPELINE_RUN,
        [*PAGING, ("order_by", CreatedOrder, CreatedOrder.CREATED_ASC)],
        description="The evaluation runs its EVALUATION steps made.",
    )

    @strawberry.field(description="Each step's state, in dependency order.")
    def steps(self) -> list[PipelineRunStep]:
        return run_steps(self.steps_)

    pipeline = related()


@from_declaration(PipelineScheduleRow)
@strawberry.type(
    description="Runs of a pipeline at the times a cron expression names in a time zone; "
    "each fire time starts at most one run, however many server processes schedule."
)
class PipelineSchedule(Node, FromRow):
    cron: str = strawberry.field(description="minute hour day-of-month month day-of-week.")
    time_zone: str = strawberry.field(description="The IANA zone the expression reads in.")
    enabled: bool
    missed_runs: MissedRuns = strawberry.field(
        description="After downtime: RUN_ONCE starts one run for the fire times missed, "
        "SKIP none (a fire time more than 5 minutes past counts as missed)."
    )
    max_retries: int = strawberry.field(description="The runs' retry limit.")
    next_run_at: datetime = strawberry.field(description="Its next fire time (UTC).")
    last_run_at: datetime | None
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]
    pipeline_id: strawberry.Private[uuid.UUID]
    last_pipeline_run_id: strawberry.Private[uuid.UUID | None]
    created_by_id: strawberry.Private[uuid.UUID | None]

    pipeline = related()
    last_pipeline_run = related(description="The run it started last.")
    created_by = related()
