"""Experiment types: experiments, runs, metric series, summaries and chart history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.aggregates import (
    AGGREGATE_DESCRIPTION,
    AGGREGATE_REASON,
    AggregateGroup,
    aggregate,
)
from app.api.artifacts.lists import (
    ARTIFACT_LIST_ARGUMENTS,
    ARTIFACTS,
    ARTIFACTS_OF_RUN,
    artifacts_query,
)
from app.api.datasets.lineage import LINEAGE_IN_SQL, lineage_field
from app.api.datasets.lists import INPUTS_OF_RUN
from app.api.errors import ClientError
from app.api.experiments.aggregates import RunGroupBy, RunNumber
from app.api.experiments.comparison import ComparisonArgs, RunComparison, run_comparison
from app.api.experiments.enums import ExperimentStatus, RunOrder, RunStatus, StepOrder
from app.api.experiments.lists import RUNS_OF_EXPERIMENT, runs_query
from app.api.experiments.run_filter import RunFilterInput
from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.declare import Built, Computed, elapsed_seconds, status_query
from app.api.graph.fields import PAGING, children, related
from app.api.graph.leaf_lists import ColumnRows
from app.api.graph.metric_pages import metric_json, metric_series, page_size, series_key
from app.api.graph.sql_text import json_array_sql, scalar_json
from app.api.health.lists import ALERTS_OF_RUN
from app.api.ids import encode_id
from app.api.loaders.metric_history import HistoryKey
from app.api.logs.lists import LINES_OF_RUN, LOG_LIST_ARGUMENTS, LOGS, logs_query
from app.api.monitoring.enums import AlertSeverity, AlertStatus
from app.api.monitoring.lists import alerts_query
from app.api.node import Node
from app.api.orders import CreatedOrder, NamedOrder
from app.api.pagination import (
    Connection,
    Page,
    coerce_cursor_value,
    encode_cursor,
    page_args,
    to_connection,
)
from app.api.registry.lists import VERSIONS_OF_RUN
from app.api.scalars import FloatColumn, IntColumn, MetricColumn, MetricValue
from app.api.sweeps.lists import SWEEPS_OF_EXPERIMENT
from app.api.training.enums import TrainingJobStatus
from app.api.training.lists import TRAINING_JOBS_OF_EXPERIMENT
from app.domain.errors import DomainError
from app.domain.experiments.history import (
    EMPTY,
    MAX_HISTORY_KEYS,
    HistoryColumns,
    HistoryPlan,
    plan_history,
)
from app.domain.experiments.models import Experiment as ExperimentRow
from app.domain.experiments.models import Run as RunRow
from app.domain.experiments.models import RunMetricSummary as SummaryRow
from app.domain.experiments.reads import PointColumns, RawPoint, points_page
from app.domain.experiments.services import ROLLUP_WIDTHS

MAX_HISTORY_BUCKETS = 200_000  # runs x keys x maxPoints per call


@from_declaration(
    ExperimentRow,
    computed={"durationSeconds": elapsed_seconds("started_at", "completed_at")},
    python={
        "comparison": "the matched runs read first, their groups numbered in Python, then "
        "one aggregate over the rollups (app/domain/experiments/comparison.py)",
        "runAggregate": AGGREGATE_REASON,
    },
)
@strawberry.type(description="A group of runs exploring one question, optionally for a model.")
class Experiment(Node, FromRow):
    name: str
    description: str | None
    status: ExperimentStatus
    config: JSON
    created_at: datetime
    started_at: datetime = strawberry.field(
        description="When it was made, or last reopened (back to ACTIVE)."
    )
    completed_at: datetime | None = strawberry.field(
        description="When it ended: COMPLETED, FAILED or CANCELLED (or archived while active)."
    )
    duration_seconds: float | None = strawberry.field(
        description="completedAt - startedAt (null while it is active)."
    )
    db_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]
    model_id: strawberry.Private[uuid.UUID | None]
    created_by_id: strawberry.Private[uuid.UUID | None]
    dataset_id: strawberry.Private[uuid.UUID | None]
    pipeline_id: strawberry.Private[uuid.UUID | None]

    project = related()
    model = related()
    dataset = related(description="The dataset it trains on.")
    pipeline = related(description="The workflow (pipeline) that runs it.")
    created_by = related(description="Who made it (null: a user since removed, or a key's tool).")
    runs = children(
        RUNS_OF_EXPERIMENT,
        [
            *PAGING,
            ("filter", RunFilterInput | None, None),
            ("order_by", RunOrder, RunOrder.CREATED_DESC),
            ("order_key", str | None, None),
        ],
        query=runs_query,
        description="Runs; compare them by ordering on a metric's last value or a param.",
    )

    @strawberry.field(description=AGGREGATE_DESCRIPTION + " Over `runs`.")
    async def run_aggregate(
        self,
        info: Info,
        filter: RunFilterInput | None = None,
        group_by: RunGroupBy | None = None,
        of: RunNumber | None = None,
    ) -> list[AggregateGroup]:
        list_filter = filter.to_filter() if filter else None
        return await aggregate(info, RUNS_OF_EXPERIMENT, self.db_id, list_filter, group_by, of)

    sweeps = children(
        SWEEPS_OF_EXPERIMENT,
        [*PAGING, ("order_by", NamedOrder, NamedOrder.CREATED_DESC)],
        description="Sweeps over this experiment, newest first.",
    )
    training_jobs = children(
        TRAINING_JOBS_OF_EXPERIMENT,
        [
            *PAGING,
            ("status", list[TrainingJobStatus] | None, None),
            ("created_from", datetime | None, None),
            ("created_to", datetime | None, None),
            ("order_by", NamedOrder, NamedOrder.CREATED_DESC),
        ],
        query=status_query,
        description="Training jobs of this experiment (a sweep's trials among them), newest "
        "first; `status` keeps those in any of the given states.",
    )

    @strawberry.field(
        description="The runs `filter` picks, grouped by the `groupBy` params (all in one "
        "group without), compared per metric key and step bucket: mean ± std of the runs' "
        "values, min, max and how many runs — computed exactly on the server from the "
        "stored rollups (at most maxPoints buckets a key)."
    )
    async def comparison(
        self,
        info: Info,
        keys: list[str],
        group_by: list[str] | None = None,
        filter: RunFilterInput | None = None,
        max_points: int = 500,
        step_from: int | None = None,
        step_to: int | None = None,
    ) -> RunComparison:
        args = ComparisonArgs.of(keys, group_by or [], filter, max_points, step_from, step_to)
        return await run_comparison(info, self.db_id, args)


@strawberry.type(description="count, min, max and last (the value at the highest step) of a key.")
class RunMetricSummary:
    key: str
    count: int
    min: float | None = strawberry.field(
        description="Of the finite values (null when every value is NaN or infinite)."
    )
    max: float | None = strawberry.field(description="Of the finite values (null: none).")
    non_finite: int = strawberry.field(description="How many values are NaN or ±Infinity.")
    last: MetricValue = strawberry.field(description="May be NaN or ±Infinity.")
    last_step: int
    last_timestamp: datetime

    @classmethod
    def from_row(cls, row: SummaryRow) -> RunMetricSummary:
        return cls(
            key=row.key,
            count=row.count,
            min=row.min_value,
            max=row.max_value,
            non_finite=row.nonfinite,
            last=MetricValue(row.last_value),
            last_step=row.last_step,
            last_timestamp=row.last_timestamp,
        )


@strawberry.type(description="One logged point of a run metric.")
class RunMetricPoint:
    key: str
    step: int
    value: MetricValue
    timestamp: datetime

    @classmethod
    def from_row(cls, row: RawPoint) -> RunMetricPoint:
        return cls(
            key=row.key, step=row.step, value=MetricValue(row.value), timestamp=row.timestamp
        )


@strawberry.type(
    description="A downsampled bucket: min and max keep spikes, last the trend. min and max "
    "are of the finite values (null when the bucket holds none); nonFinite counts the NaN "
    "and ±Infinity values among count; last may be one of them."
)
class RunMetricBucket:
    step_start: int
    step_end: int
    min: float | None
    max: float | None
    last: MetricValue
    last_step: int
    count: int
    non_finite: int


@strawberry.type(
    description="Buckets as columns: item i of every column is bucket i. One JSON array per "
    "column, as uPlot and ECharts take them; far cheaper than buckets for long histories."
)
class RunMetricBucketColumns:
    step_start: IntColumn
    step_end: IntColumn
    min: MetricColumn = strawberry.field(description="null where a bucket has no finite value.")
    max: MetricColumn = strawberry.field(description="null where a bucket has no finite value.")
    last: MetricColumn = strawberry.field(description='May hold "NaN" and "±Infinity".')
    last_step: IntColumn
    count: IntColumn
    non_finite: IntColumn = strawberry.field(description="NaN and ±Infinity values per bucket.")


@strawberry.type(description="A metric's history at chart resolution.")
class RunMetricHistory:
    key: str
    run_id: strawberry.ID = strawberry.field(description="The run this history belongs to.")
    found: strawberry.Private[HistoryColumns]

    @strawberry.field(description="The buckets, one object each.")
    def buckets(self) -> list[RunMetricBucket]:
        # Held as the columns they are: a selection of leaves is written from them without
        # building the 1,000 objects (app/api/graph/leaf_lists.py), any other builds them.
        columns = vars(self.found)
        return ColumnRows(
            lambda i: RunMetricBucket(**{k: c[i] for k, c in columns.items()}), columns
        )  # type: ignore[return-value]

    @strawberry.field(description="The same buckets as columns (one array per field).")
    def columns(self) -> RunMetricBucketColumns:
        return RunMetricBucketColumns(**vars(self.found))  # the same fields, as lists


@strawberry.type(description="Raw points as columns, by step; continue with afterStep.")
class RunMetricPointColumns:
    steps: IntColumn
    values: MetricColumn
    timestamps: FloatColumn = strawberry.field(description="Epoch milliseconds.")
    has_more: bool = strawberry.field(description="More points lie beyond the last step.")


async def metric_histories(
    info: Info,
    run_ids: list[uuid.UUID],
    keys: list[str],
    max_points: int,
    step_from: int | None,
    step_to: int | None,
) -> list[RunMetricHistory]:
    """Histories of visible runs, each key over one step range common to the runs (default:
    0 to the highest step any of them logged for *that* key), so a compare chart shares its
    x axis and a short series in a long run is drawn at its own resolution (sized from the
    run's longest key, 20 evaluation steps fell into one bucket: one dot). Keys and runs
    asking with one plan are read in one statement."""
    if not 1 <= len(keys) <= MAX_HISTORY_KEYS:
        raise ClientError(f"keys takes 1 to {MAX_HISTORY_KEYS} metric keys")
    unique_keys = tuple(dict.fromkeys(keys))
    if len(run_ids) * len(unique_keys) * max_points > MAX_HISTORY_BUCKETS:
        raise ClientError(
            f"runs x keys x maxPoints must be at most {MAX_HISTORY_BUCKETS:,}".replace(",", " ")
        )
    loaders = info.context.loaders
    summaries = await loaders.metric_summaries.load_many(run_ids)
    highest: dict[str, int] = {}
    for rows in summaries:
        for s in rows:
            if s.key in unique_keys:
                highest[s.key] = max(highest.get(s.key, s.last_step), s.last_step)
    start = step_from if step_from is not None else 0
    by_plan: dict[HistoryPlan, list[str]] = {}
    for key in unique_keys:
        if key in highest:
            end = step_to if step_to is not None else highest[key]
            try:
                plan = plan_history(start, end, max_points, ROLLUP_WIDTHS)
            except DomainError as error:
                raise ClientError(error.message) from error
            by_plan.setdefault(plan, []).append(key)
    requests = [
        HistoryKey(run_id=run_id, keys=tuple(keys_of_plan), plan=plan)
        for plan, keys_of_plan in by_plan.items()
        for run_id in run_ids
    ]
    loaded = await loaders.metric_history.load_many(requests)
    found: list[dict[str, HistoryColumns]] = [{} for _ in run_ids]
    for index, columns in enumerate(loaded):
        found[index % len(run_ids)].update(columns)
    return [
        RunMetricHistory(
            key=key, run_id=strawberry.ID(encode_id("Run", run_id)), found=by_key.get(key, EMPTY)
        )
        for run_id, by_key in zip(run_ids, found, strict=True)
        for key in unique_keys
    ]


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
        context = info.context
        args = page_args(first, after, last, before, max_size=context.limits.max_page_size)
        bound = None
        if args.cursor is not None:
            if len(args.cursor) != 1:
                raise ClientError("invalid cursor for this list and order")
            bound = coerce_cursor_value(args.cursor[0], int)
        descending = (order_by == StepOrder.STEP_DESC) != args.backward
        found = await self._points(info, bound, descending, args.size + 1)
        has_more = len(found) > args.size
        rows = found.head(args.size).points()
        if args.backward:
            rows.reverse()
        page = Page(rows=rows, cursors=[encode_cursor([r.step]) for r in rows], has_more=has_more)
        summaries = context.loaders.metric_summaries

        async def count_total() -> int:
            found = [r.count for r in await summaries.load(self.run_id) if r.key == self.key]
            return int(found[0]) if found else 0

        return to_connection(page, args, RunMetricPoint.from_row, count_total)

    async def _points(
        self, info: Info, bound: int | None, descending: bool, want: int
    ) -> PointColumns:
        async with info.context.lagging_reads() as session:
            return await points_page(
                session,
                self.run_id,
                self.key,
                info.context.actor.org_ids,
                bound=bound,
                descending=descending,
                want=want,
            )

    @strawberry.field(
        description="Up to `first` raw points (at most 10,000) beyond afterStep (above it, or "
        "below it for STEP_DESC) as columns: page on with the last step returned."
    )
    async def point_columns(
        self,
        info: Info,
        first: int = 1000,
        after_step: int | None = None,
        order_by: StepOrder = StepOrder.STEP_ASC,
    ) -> RunMetricPointColumns:
        first = page_size(first)
        found = await self._points(info, after_step, order_by == StepOrder.STEP_DESC, first + 1)
        shown = found.head(first)
        return RunMetricPointColumns(
            steps=IntColumn(shown.steps),
            values=MetricColumn(shown.values),
            timestamps=FloatColumn([t / 1000 for t in shown.times]),
            has_more=len(found) > first,
        )


def _summaries(summary: str, alias: str) -> str:
    """The summaries loader's rows of the run at ``alias`` (its organizations'), as
    ``summary``."""
    return (
        f"FROM run_metric_summaries {summary} WHERE {summary}.run_id = {alias}.id "
        f"AND {summary}.organization_id = ANY($1)"
    )


def metric_keys_sql(run: Any, parent: Any, alias: str, nodes: Any) -> str:
    """``Run.metricKeys`` on the compiled path: the summaries loader's keys, in its order
    (the resolver path reads them through the loader, shared with metricSummary)."""
    return scalar_json(
        parent.fields[nodes[0].name.value].type,
        f"ARRAY(SELECT s.key {_summaries('s', alias)} ORDER BY s.key)",
    )


SUMMARY_COLUMNS = {
    "key": "key",
    "count": "count",
    "min": "min_value",
    "max": "max_value",
    "nonFinite": "nonfinite",
    "lastStep": "last_step",
    "lastTimestamp": "last_timestamp",
}


def metric_summary_sql(run: Any, parent: Any, alias: str, nodes: Any) -> str:
    """``Run.metricSummary(keys:)`` on the compiled path: the summaries loader's rows of
    the run, in its order (by key), those of ``keys`` only when given."""
    keys = run.arguments(parent, nodes[0]).get("keys")
    s = run.emitter.alias()

    def value(name: str, gql_type: Any) -> str | None:
        if name == "last":
            return metric_json(f"{s}.last_value")
        column = SUMMARY_COLUMNS.get(name)
        return None if column is None else scalar_json(gql_type, f"{s}.{column}")

    item = run.list_item(parent, nodes, value)
    wanted = "" if keys is None else f" AND {s}.key = ANY({run.emitter.param(list(keys))}::text[])"
    return f"(SELECT {json_array_sql(item, f'{s}.key')} {_summaries(s, alias)}{wanted})"


@from_declaration(
    RunRow,
    computed={
        # The ingest position every stored point is within: subscribe to runMetrics
        # with after: it to receive only the points committed since this read.
        "metricCursor": Computed(
            sql="({a}.metric_seq)::text", python=lambda row: str(row.metric_seq)
        )
    },
    built={
        "metric": Built(metric_series),
        "metricKeys": Built(metric_keys_sql),
        "metricSummary": Built(metric_summary_sql),
    },
    python={
        "metricHistory": "a downsampling plan chosen in Python (rollup level per range)",
        "lineage": LINEAGE_IN_SQL,
    },
)
@strawberry.type(description="A training run: params, tags, status and metric series.")
class Run(Node, FromRow):
    name: str
    description: str | None
    status: RunStatus
    params: JSON
    tags: JSON
    started_at: datetime
    ended_at: datetime | None
    failure_reason: str | None = strawberry.field(
        description="What ended a FAILED or KILLED run, as its client said (runFinish)."
    )
    tracking_system: str | None
    tracking_run_id: str | None
    created_at: datetime
    metric_cursor: str = strawberry.field(
        description="The ingest position of the last stored point: runMetrics(after: "
        "metricCursor) then sends only points committed since (a chart reads this with its "
        "history, then grows from the subscription with no gap)."
    )
    db_id: strawberry.Private[uuid.UUID]
    experiment_id: strawberry.Private[uuid.UUID]
    created_by_id: strawberry.Private[uuid.UUID | None]
    training_job_id: strawberry.Private[uuid.UUID | None]

    experiment = related()
    training_job = related(description="The training job this run is an attempt of.")
    created_by = related(description="Who made it (null: a user since removed, or a key's tool).")

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
        return RunMetricSeries(key=series_key(key), run_id=self.db_id)

    @strawberry.field(
        description="At most maxPoints buckets per key over [stepFrom, stepTo] (default: 0 to "
        "the key's own last step, so a short series keeps its resolution beside a long one), "
        "each with min, max and last so spikes survive downsampling."
    )
    async def metric_history(
        self,
        info: Info,
        keys: list[str],
        max_points: int = 1000,
        step_from: int | None = None,
        step_to: int | None = None,
    ) -> list[RunMetricHistory]:
        return await metric_histories(info, [self.db_id], keys, max_points, step_from, step_to)

    model_versions = children(
        VERSIONS_OF_RUN, description="Model versions this run produced (lineage)."
    )
    dataset_inputs = children(
        INPUTS_OF_RUN,
        description="The dataset versions it consumed, and as what (datasetInputsRecord).",
    )
    logs = children(LINES_OF_RUN, LOG_LIST_ARGUMENTS, query=logs_query, description=LOGS)
    artifacts = children(
        ARTIFACTS_OF_RUN, ARTIFACT_LIST_ARGUMENTS, query=artifacts_query, description=ARTIFACTS
    )
    alerts = children(
        ALERTS_OF_RUN,
        [
            ("status", list[AlertStatus] | None, None),
            ("severity", list[AlertSeverity] | None, None),
            *PAGING,
            ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC),
        ],
        query=alerts_query,
        description="Training-health alerts about this run, newest first by default.",
    )
    lineage = lineage_field("Run")
