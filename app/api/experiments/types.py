"""Experiment types: experiments, runs, metric series, summaries and chart history."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.enums import ExperimentStatus, RunOrder, RunStatus, StepOrder
from app.api.errors import ClientError
from app.api.graph.converters import from_declaration
from app.api.graph.fields import PAGING, children, related
from app.api.lists import child_connection
from app.api.loaders import lists
from app.api.loaders.list_spec import MetricKeyFilter, RunFilter
from app.api.loaders.metric_history import HistoryKey
from app.api.node import Node, register_node
from app.api.pagination import Connection
from app.domain.errors import DomainError
from app.domain.experiments.history import MAX_HISTORY_KEYS, plan_history
from app.domain.experiments.models import Experiment as ExperimentRow
from app.domain.experiments.models import Run as RunRow
from app.domain.experiments.models import RunMetric as RunMetricRow
from app.domain.experiments.models import RunMetricSummary as SummaryRow
from app.domain.experiments.rules import METRIC_KEY_RE
from app.domain.experiments.services import ROLLUP_WIDTHS
from app.domain.validation import json_object, json_value


@strawberry.input(description="Filter runs; all given conditions must hold.")
class RunFilterInput:
    status: list[RunStatus] | None = None  # type: ignore[valid-type]
    params: JSON | None = strawberry.field(
        default=None,
        description='Runs whose params contain this object, e.g. {"optimizer": "adam"}.',
    )
    tags: JSON | None = strawberry.field(
        default=None, description="Runs whose tags contain this object."
    )

    def to_filter(self) -> RunFilter:
        encoded: dict[str, str | None] = {"params": None, "tags": None}
        for name, value in (("params", self.params), ("tags", self.tags)):
            if value is None:
                continue
            try:
                encoded[name] = json_value(json_object(value, ["filter", name]), []).decode()
            except DomainError as error:
                raise ClientError(f"filter.{name} {error.message}") from error
        return RunFilter(
            statuses=tuple(s.value for s in self.status or []),
            params_json=encoded["params"],
            tags_json=encoded["tags"],
        )


@from_declaration("Experiment")
@strawberry.type(description="A group of runs exploring one question, optionally for a model.")
class Experiment(Node):
    name: str
    description: str | None
    status: ExperimentStatus  # type: ignore[valid-type]
    config: JSON
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]
    model_id: strawberry.Private[uuid.UUID | None]

    project = related("Experiment", "project", "app.api.registry.types")
    model = related("Experiment", "model", "app.api.registry.types")
    runs = children(
        "Experiment",
        "runs",
        "app.api.experiments.types",
        [
            *PAGING,
            ("filter", RunFilterInput | None, None),
            ("order_by", RunOrder, RunOrder.CREATED_DESC),
            ("order_key", str | None, None),
        ],
        description="Runs; compare them by ordering on a metric's last value or a param.",
    )


@strawberry.type(description="count, min, max and last (the value at the highest step) of a key.")
class RunMetricSummary:
    key: str
    count: int
    min: float
    max: float
    last: float
    last_step: int
    last_timestamp: datetime

    @classmethod
    def from_row(cls, row: SummaryRow) -> RunMetricSummary:
        return cls(
            key=row.key,
            count=row.count,
            min=row.min_value,
            max=row.max_value,
            last=row.last_value,
            last_step=row.last_step,
            last_timestamp=row.last_timestamp,
        )


@strawberry.type(description="One logged point of a run metric.")
class RunMetricPoint:
    key: str
    step: int
    value: float
    timestamp: datetime

    @classmethod
    def from_row(cls, row: RunMetricRow) -> RunMetricPoint:
        return cls(key=row.key, step=row.step, value=row.value, timestamp=row.timestamp)


@strawberry.type(description="A downsampled bucket: min and max keep spikes, last the trend.")
class RunMetricBucket:
    step_start: int
    step_end: int
    min: float
    max: float
    last: float
    last_step: int
    count: int


@strawberry.type(description="A metric's history at chart resolution.")
class RunMetricHistory:
    key: str
    buckets: list[RunMetricBucket]


@strawberry.type(description="One metric key of a run: its summary and every raw point.")
class RunMetricSeries:
    key: str
    run_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def summary(self, info: Info) -> RunMetricSummary | None:
        rows = await info.context.loaders.metric_summaries.load(self.run_id)
        row = next((r for r in rows if r.key == self.key), None)
        return RunMetricSummary.from_row(row) if row else None

    @strawberry.field(description="Raw points by step (keyset paging, up to 100 per page).")
    async def points(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: StepOrder = StepOrder.STEP_ASC,
    ) -> Connection[RunMetricPoint]:
        return await child_connection(
            info,
            lists.POINTS_OF_RUN,
            self.run_id,
            RunMetricPoint.from_row,
            first=first,
            after=after,
            last=last,
            before=before,
            order=order_by.value,
            list_filter=MetricKeyFilter(self.key),
        )


@from_declaration("Run")
@strawberry.type(description="A training run: params, tags, status and metric series.")
class Run(Node):
    name: str
    description: str | None
    status: RunStatus  # type: ignore[valid-type]
    params: JSON
    tags: JSON
    started_at: datetime
    ended_at: datetime | None
    tracking_system: str | None
    tracking_run_id: str | None
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    experiment_id: strawberry.Private[uuid.UUID]

    experiment = related("Run", "experiment", "app.api.experiments.types")

    @strawberry.field(description="Metric keys logged so far.")
    async def metric_keys(self, info: Info) -> list[str]:
        return [row.key for row in await info.context.loaders.metric_summaries.load(self.db_id)]

    @strawberry.field(description="count/min/max/last per key (all keys, or the given ones).")
    async def metric_summary(
        self, info: Info, keys: list[str] | None = None
    ) -> list[RunMetricSummary]:
        rows = await info.context.loaders.metric_summaries.load(self.db_id)
        wanted = set(keys) if keys is not None else None
        return [RunMetricSummary.from_row(r) for r in rows if wanted is None or r.key in wanted]

    @strawberry.field(description="One metric key: summary and raw points.")
    def metric(self, key: str) -> RunMetricSeries:
        if not METRIC_KEY_RE.match(key):
            raise ClientError("invalid metric key")
        return RunMetricSeries(key=key, run_id=self.db_id)

    @strawberry.field(
        description="At most maxPoints buckets per key over [stepFrom, stepTo] (default: the "
        "whole run), each with min, max and last so spikes survive downsampling."
    )
    async def metric_history(
        self,
        info: Info,
        keys: list[str],
        max_points: int = 1000,
        step_from: int | None = None,
        step_to: int | None = None,
    ) -> list[RunMetricHistory]:
        if not 1 <= len(keys) <= MAX_HISTORY_KEYS:
            raise ClientError(f"keys takes 1 to {MAX_HISTORY_KEYS} metric keys")
        unique_keys = tuple(dict.fromkeys(keys))
        summaries = await info.context.loaders.metric_summaries.load(self.db_id)
        highest = max((s.last_step for s in summaries if s.key in unique_keys), default=None)
        if highest is None:  # nothing logged for these keys yet
            return [RunMetricHistory(key=key, buckets=[]) for key in unique_keys]
        start = step_from if step_from is not None else 0
        end = step_to if step_to is not None else highest
        try:
            plan = plan_history(start, end, max_points, ROLLUP_WIDTHS)
        except DomainError as error:
            raise ClientError(error.message) from error
        found = await info.context.loaders.metric_history.load(
            HistoryKey(run_id=self.db_id, keys=unique_keys, plan=plan)
        )
        return [
            RunMetricHistory(
                key=key,
                buckets=[
                    RunMetricBucket(
                        step_start=b.step_start,
                        step_end=b.step_end,
                        min=b.min,
                        max=b.max,
                        last=b.last,
                        last_step=b.last_step,
                        count=b.count,
                    )
                    for b in found[key]
                ],
            )
            for key in unique_keys
        ]

    model_versions = children(
        "Run",
        "modelVersions",
        "app.api.registry.types",
        description="Model versions this run produced (lineage).",
    )


register_node("Experiment", ExperimentRow, Experiment.from_row)
register_node("Run", RunRow, Run.from_row)
