"""Experiment mutations: experiments (create, change, transition, retire), runs (create,
update, finish, retire), metric logging."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.errors import UserError, run_mutation
from app.api.experiments.enums import ExperimentStatus, RunStatus
from app.api.experiments.types import Experiment, Run
from app.api.graph.payloads import mutate
from app.api.ids import input_id
from app.api.ingest_counts import ingested
from app.api.inputs import provided
from app.api.lists import load_row
from app.api.scalars import MetricSeries, MetricValue
from app.domain.datasets.models import Dataset as DatasetRow
from app.domain.errors import validation
from app.domain.experiments import services
from app.domain.experiments.models import Run as RunRow
from app.domain.experiments.points import PointBatch, batch_from_points, batch_from_series
from app.domain.experiments.rules import RunMetricPoint as DomainPoint
from app.domain.health.watching import run_metrics_log_watched
from app.domain.pipelines.models import Pipeline as PipelineRow
from app.domain.registry.model_service import project_of_model
from app.domain.tenancy.lookup import project_lookup


@strawberry.input
class ExperimentCreateInput:
    project_id: strawberry.ID
    name: str = strawberry.field(description="Unique per project among live experiments.")
    description: str | None = None
    config: JSON | None = None
    model_id: strawberry.ID | None = strawberry.field(
        default=None, description="The model this experiment works on (same project)."
    )
    dataset_id: strawberry.ID | None = strawberry.field(
        default=None, description="The dataset it trains on (same project)."
    )
    pipeline_id: strawberry.ID | None = strawberry.field(
        default=None, description="The workflow (pipeline) that runs it (same project)."
    )


@strawberry.type
class ExperimentCreatePayload:
    experiment: Experiment | None
    user_errors: list[UserError]


@strawberry.input
class RunCreateInput:
    experiment_id: strawberry.ID
    name: str | None = None
    description: str | None = None
    params: JSON | None = strawberry.field(default=None, description="Immutable once logged.")
    tags: JSON | None = None
    started_at: datetime | None = None
    tracking_system: str | None = strawberry.field(
        default=None, description="mlflow, wandb, tensorboard, neptune, comet or other."
    )
    tracking_run_id: str | None = strawberry.field(
        default=None, description="The run's id in that system; unique per system."
    )


@strawberry.input
class RunUpdateInput:
    run_id: strawberry.ID
    name: str | None = UNSET
    description: str | None = UNSET
    params: JSON | None = strawberry.field(
        default=UNSET, description="New params are added; a logged param cannot change."
    )
    tags: JSON | None = strawberry.field(
        default=UNSET, description="Merged into the tags; a null value removes that tag."
    )


@strawberry.input
class RunFinishInput:
    run_id: strawberry.ID
    status: RunStatus
    ended_at: datetime | None = None
    failure_reason: str | None = strawberry.field(
        default=None,
        description="With FAILED or KILLED: what ended the run (the Python client sends the "
        "exception's type and message); at most 4,000 characters, a longer one keeps its end.",
    )


@strawberry.type
class RunPayload:
    run: Run | None
    user_errors: list[UserError]


@strawberry.input
class RunMetricPointInput:
    key: str
    step: int
    value: MetricValue = strawberry.field(
        description='A number, or "NaN", "Infinity" or "-Infinity" (kept as they are).'
    )
    timestamp: datetime | None = strawberry.field(default=None, description="Default: now.")


@strawberry.input(
    description="The same points as parallel arrays (point i is keys[i], steps[i], values[i], "
    "timestamps[i]): several times cheaper to parse than a list of objects."
)
class RunMetricColumnsInput:
    keys: list[str]
    steps: list[int]
    values: list[MetricValue]
    timestamps: list[datetime | None] | None = None

    def to_points(self) -> list[DomainPoint]:
        n = len(self.keys)
        stamps = self.timestamps if self.timestamps is not None else [None] * n
        if not len(self.steps) == len(self.values) == len(stamps) == n:
            raise validation(
                "keys, steps, values (and timestamps, if given) must have the same length",
                ["columns"],
            )
        return [
            DomainPoint(*point)
            for point in zip(self.keys, self.steps, self.values, stamps, strict=True)
        ]


@strawberry.input(description="Give exactly one of points, columns and series.")
class RunMetricsLogInput:
    run_id: strawberry.ID
    points: list[RunMetricPointInput] | None = strawberry.field(
        default=None,
        description="Up to 10,000 points, written atomically. (run, key, step) identifies a "
        "point: a retried batch adds nothing and does not fail.",
    )
    columns: RunMetricColumnsInput | None = strawberry.field(
        default=None, description="The same, as parallel arrays."
    )
    series: MetricSeries | None = strawberry.field(
        default=None,
        description="The same, as whole columns per key: the fastest format, for "
        "high-volume loggers (about 1 µs per point on the server).",
    )

    def to_batch(self, max_points: int) -> PointBatch:
        given = [self.points is not None, self.columns is not None, self.series is not None]
        if sum(given) != 1:
            raise validation("give exactly one of points, columns and series", ["points"])
        if self.series is not None:
            return batch_from_series(self.series, max_points)
        if self.columns is not None:
            return batch_from_points(self.columns.to_points(), max_points)
        points = [DomainPoint(p.key, p.step, p.value, p.timestamp) for p in self.points or []]
        return batch_from_points(points, max_points)


@strawberry.type
class RunMetricsLogPayload:
    logged_count: int = strawberry.field(description="Points accepted in this call.")
    new_count: int = strawberry.field(description="Of those, points not already stored.")
    user_errors: list[UserError]
    run_id: strawberry.Private[uuid.UUID | None] = None

    @strawberry.field(description="The run (read only if asked for).")
    async def run(self, info: Info) -> Run | None:
        row = await load_row(info, RunRow, self.run_id)
        return Run.from_row(row) if row is not None else None


@strawberry.input(description="Only the fields given change.")
class ExperimentUpdateInput:
    experiment_id: strawberry.ID
    name: str | None = UNSET
    description: str | None = UNSET
    config: JSON | None = strawberry.field(default=UNSET, description="Replaces the config.")
    dataset_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The dataset it trains on (same project); null unlinks."
    )
    pipeline_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The workflow that runs it (same project); null unlinks."
    )


# The other contexts' project lookups the experiments context checks links with.
LINKS = services.ExperimentLinks(
    model=project_of_model,
    dataset=project_lookup(DatasetRow, "dataset"),
    pipeline=project_lookup(PipelineRow, "pipeline"),
)


def _link_changes(input: ExperimentUpdateInput) -> dict[str, Any]:
    changes = provided(input, "name", "description", "config", "dataset_id", "pipeline_id")
    for name, type_name in (("dataset_id", "Dataset"), ("pipeline_id", "Pipeline")):
        if changes.get(name) is not None:
            changes[name] = input_id(input, name, type_name)
    return changes


@strawberry.input
class ExperimentTransitionInput:
    experiment_id: strawberry.ID
    status: ExperimentStatus


@strawberry.input
class ExperimentDeleteInput:
    experiment_id: strawberry.ID


@strawberry.type
class ExperimentPayload:
    experiment: Experiment | None
    user_errors: list[UserError]


@strawberry.input
class RunDeleteInput:
    run_id: strawberry.ID


@strawberry.type
class RunDeletePayload:
    run: Run | None
    user_errors: list[UserError]


@strawberry.type
class ExperimentMutations:
    @strawberry.mutation(description="Create an experiment in a project. Contributors+.")
    async def experiment_create(
        self, info: Info, input: ExperimentCreateInput
    ) -> ExperimentCreatePayload:
        return await mutate(
            info,
            ExperimentCreatePayload,
            "experiment",
            lambda session, actor: services.experiment_create(
                session,
                actor,
                project_id=input_id(input, "project_id", "Project"),
                name=input.name,
                description=input.description,
                config=input.config,
                model_id=input_id(input, "model_id", "Model") if input.model_id else None,
                dataset_id=input_id(input, "dataset_id", "Dataset") if input.dataset_id else None,
                pipeline_id=input_id(input, "pipeline_id", "Pipeline")
                if input.pipeline_id
                else None,
                links=LINKS,
            ),
        )

    @strawberry.mutation(
        description="Rename (unique in the project), describe, replace the config of an "
        "experiment, or link its dataset and workflow. Contributors+."
    )
    async def experiment_update(
        self, info: Info, input: ExperimentUpdateInput
    ) -> ExperimentPayload:
        return await mutate(
            info,
            ExperimentPayload,
            "experiment",
            lambda session, actor: services.experiment_update(
                session,
                actor,
                experiment_id=input_id(input, "experiment_id", "Experiment"),
                changes=_link_changes(input),
                links=LINKS,
            ),
        )

    @strawberry.mutation(
        description="ACTIVE → COMPLETED | FAILED | CANCELLED → ARCHIVED (or straight to "
        "ARCHIVED), and back to ACTIVE. Ending sets completedAt (archiving an active one "
        "too); reopening sets startedAt anew and clears completedAt. An archived experiment "
        "takes no new runs. Contributors+."
    )
    async def experiment_transition(
        self, info: Info, input: ExperimentTransitionInput
    ) -> ExperimentPayload:
        return await mutate(
            info,
            ExperimentPayload,
            "experiment",
            lambda session, actor: services.experiment_transition(
                session,
                actor,
                experiment_id=input_id(input, "experiment_id", "Experiment"),
                status=input.status,
            ),
        )

    @strawberry.mutation(
        description="Retire an experiment and its runs (soft delete) once none is running. "
        "Contributors+."
    )
    async def experiment_delete(
        self, info: Info, input: ExperimentDeleteInput
    ) -> ExperimentPayload:
        return await mutate(
            info,
            ExperimentPayload,
            "experiment",
            lambda session, actor: services.experiment_delete(
                session,
                actor,
                experiment_id=input_id(input, "experiment_id", "Experiment"),
            ),
        )

    @strawberry.mutation(description="Start a run (status RUNNING). Contributors+.")
    async def run_create(self, info: Info, input: RunCreateInput) -> RunPayload:
        return await mutate(
            info,
            RunPayload,
            "run",
            lambda session, actor: services.run_create(
                session,
                actor,
                experiment_id=input_id(input, "experiment_id", "Experiment"),
                name=input.name,
                description=input.description,
                params=input.params,
                tags=input.tags,
                started_at=input.started_at,
                tracking_system=input.tracking_system,
                tracking_run_id=input.tracking_run_id,
            ),
        )

    @strawberry.mutation(description="Rename a run, add params, set tags. Contributors+.")
    async def run_update(self, info: Info, input: RunUpdateInput) -> RunPayload:
        return await mutate(
            info,
            RunPayload,
            "run",
            lambda session, actor: services.run_update(
                session,
                actor,
                run_id=input_id(input, "run_id", "Run"),
                changes=provided(input, "name", "description", "params", "tags"),
            ),
        )

    @strawberry.mutation(description="Finish a running run: COMPLETED, FAILED or KILLED.")
    async def run_finish(self, info: Info, input: RunFinishInput) -> RunPayload:
        return await mutate(
            info,
            RunPayload,
            "run",
            lambda session, actor: services.run_finish(
                session,
                actor,
                run_id=input_id(input, "run_id", "Run"),
                status=input.status,
                ended_at=input.ended_at,
                failure_reason=input.failure_reason,
            ),
        )

    @strawberry.mutation(description="Log a batch of metric points (atomic, idempotent).")
    async def run_metrics_log(self, info: Info, input: RunMetricsLogInput) -> RunMetricsLogPayload:
        result, errors = await run_mutation(
            info,
            lambda session, actor: run_metrics_log_watched(
                session,
                actor,
                run_id=input_id(input, "run_id", "Run"),
                batch=input.to_batch(info.context.limits.max_metric_points),
            ),
            ingest=True,
        )
        if result is not None:
            ingested("run_metrics", result.logged_count)
        return RunMetricsLogPayload(
            run_id=result.run_id if result else None,
            logged_count=result.logged_count if result else 0,
            new_count=result.new_count if result else 0,
            user_errors=errors,
        )

    @strawberry.mutation(description="Retire a finished run (soft delete). Contributors+.")
    async def run_delete(self, info: Info, input: RunDeleteInput) -> RunDeletePayload:
        return await mutate(
            info,
            RunDeletePayload,
            "run",
            lambda session, actor: services.run_delete(
                session, actor, run_id=input_id(input, "run_id", "Run")
            ),
        )
