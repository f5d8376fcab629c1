"""The core subscriptions (graphql-transport-ws): runs, deployments, alerts, training jobs and
builds. Authorised once, when subscribing (app/api/streaming.py); the streams themselves live
in app/events/streams.py. A context with streams of its own adds a mixin to the root
``Subscription`` (app/api/schema.py)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from app.api.builds.enums import BuildStatus
from app.api.errors import ClientError
from app.api.experiments.comparison import ComparisonArgs, RunComparisonUpdate, live_comparison
from app.api.experiments.enums import RunStatus
from app.api.experiments.run_filter import RunFilterInput
from app.api.experiments.types import RunMetricHistory, RunMetricPoint
from app.api.ids import decode_any, encode_id
from app.api.monitoring.enums import AlertSeverity
from app.api.monitoring.types import Alert, MonitoringMetricPoint
from app.api.scalars import MetricValue
from app.api.shared_events import SharedSender, shared_event
from app.api.streaming import (
    require_reader,
    stream_cursor,
    subscription_slot,
    visible_for_subscription,
)
from app.api.training.enums import TrainingJobStatus
from app.domain import alert_kinds
from app.domain.builds import enums as build_enums
from app.domain.builds.models import ArtifactBuild as ArtifactBuildRow
from app.domain.experiments import enums as experiment_enums
from app.domain.experiments.history import MAX_HISTORY_KEYS, MAX_HISTORY_POINTS
from app.domain.experiments.live_history import LiveHistory
from app.domain.experiments.models import Experiment as ExperimentRow
from app.domain.experiments.models import Run as RunRow
from app.domain.experiments.rules import METRIC_KEY_RE
from app.domain.experiments.services import ROLLUP_WIDTHS
from app.domain.monitoring.models import Alert as AlertRow
from app.domain.monitoring.rules import METRIC_NAME_RE
from app.domain.serving.models import Deployment as DeploymentRow
from app.domain.tenancy.visibility import visible_conditions
from app.domain.training import enums as training_enums
from app.domain.training.models import TrainingJob as TrainingJobRow
from app.events import streams

SEVERITY_RANK = {s: i for i, s in enumerate(alert_kinds.AlertSeverity)}
MAX_KEYS = 50
MAX_MONITORING_LAST = 1_000  # points per name in a monitoring chart's first message


@strawberry.type(description="Points of one run, in commit order; resume with after: cursor.")
class RunMetricsBatch:
    run_id: strawberry.ID
    points: list[RunMetricPoint]
    cursor: str = strawberry.field(
        description="Opaque position after this batch: resubscribe with after: cursor to "
        "continue with no gap and no duplicate."
    )
    replay: bool = strawberry.field(description="True while replaying stored points.")
    shared_results: strawberry.Private[dict[Any, Any] | None] = None


@strawberry.type(
    description="A live chart's update: all buckets (reset) or only those that changed."
)
class RunMetricHistoryUpdate:
    run_id: strawberry.ID
    reset: bool = strawberry.field(
        description="True: these are all the buckets — the first message, or the run outgrew "
        "the planned range and was bucketed again (twice as wide): replace the chart. False: "
        "only the buckets new points changed: replace those with the same stepStart."
    )
    bucket_size: int = strawberry.field(description="Steps per bucket.")
    histories: list[RunMetricHistory]
    cursor: str = strawberry.field(description="The ingest position this update includes.")


@strawberry.type(
    description="Monitoring points of a deployment, in write order; resume with after: cursor."
)
class MonitoringMetricsBatch:
    deployment_id: strawberry.ID
    points: list[MonitoringMetricPoint] = strawberry.field(
        description="New points, and re-sent ones with their new value (the same name and "
        "recordedAt: replace the point)."
    )
    cursor: str = strawberry.field(
        description="Opaque position after this batch: resubscribe with after: cursor to "
        "continue with no gap and no duplicate."
    )
    replay: bool = strawberry.field(description="True for stored points (the first message).")


@strawberry.type(description="A run's status.")
class RunStatusChange:
    run_id: strawberry.ID
    status: RunStatus
    ended_at: datetime | None


@strawberry.type(description="A training job's status.")
class TrainingJobStatusChange:
    training_job_id: strawberry.ID
    status: TrainingJobStatus
    error_message: str | None
    lease_owner: str | None = strawberry.field(description="The worker holding it, if any.")
    ended_at: datetime | None


@strawberry.type(description="An artifact build's status.")
class BuildStatusChange:
    artifact_build_id: strawberry.ID
    status: BuildStatus
    image_url: str | None
    error_message: str | None
    lease_owner: str | None = strawberry.field(description="The builder holding it, if any.")
    finished_at: datetime | None


def metrics_event(run_id: strawberry.ID, batch: streams.MetricBatch) -> RunMetricsBatch:
    return RunMetricsBatch(
        run_id=run_id,
        points=[
            RunMetricPoint(
                key=p.key, step=p.step, value=MetricValue(p.value), timestamp=p.timestamp
            )
            for p in batch.points
        ],
        cursor=str(batch.cursor),
        replay=batch.replay,
    )


async def _visible_run(info: Info, run_id: str) -> uuid.UUID:
    return await visible_for_subscription(info, run_id, "Run", RunRow, "run")


@strawberry.type
class CoreSubscriptions:
    """Runs' metrics and status, deployments' monitoring, alerts, training jobs and builds."""

    @strawberry.subscription(
        description="Stored points after afterStep (or after a cursor), then new points as "
        "they are committed. Batches are coalesced for slow clients; nothing is skipped."
    )
    async def run_metrics(
        self,
        info: Info,
        run_id: strawberry.ID,
        keys: list[str] | None = None,
        after_step: int | None = None,
        after: str | None = None,
    ) -> AsyncGenerator[RunMetricsBatch, None]:
        run = await _visible_run(info, run_id)
        if keys is not None and (
            len(keys) > MAX_KEYS or not all(METRIC_KEY_RE.fullmatch(k) for k in keys)
        ):
            raise ClientError(f"keys takes at most {MAX_KEYS} valid metric keys")
        after_cursor = stream_cursor(after)
        context = info.context
        share_as = ("RunMetricsBatch", run_id, tuple(keys) if keys is not None else None)
        shared = SharedSender(info)
        with subscription_slot(info):
            async for batch in streams.run_metric_batches(
                context.broker,
                context.read_session_factory,
                run,
                keys=keys,
                after_step=after_step,
                after_cursor=after_cursor,
            ):
                if batch.shared is None:
                    yield metrics_event(run_id, batch)
                else:  # one event (so one execution, one JSON text) for equal arguments
                    event = shared_event(
                        batch.shared.memo, share_as, functools.partial(metrics_event, run_id, batch)
                    )
                    if not await shared.send(event):
                        yield event

    @strawberry.subscription(
        description="A live chart: the downsampled history of the keys (at most maxPoints "
        "buckets, planned over twice the steps logged so far), then, per commit, only the "
        "buckets that changed, so updates stay small however long the run grows."
    )
    async def run_metric_history(
        self, info: Info, run_id: strawberry.ID, keys: list[str], max_points: int = 1000
    ) -> AsyncGenerator[RunMetricHistoryUpdate, None]:
        run = await _visible_run(info, run_id)
        if not 1 <= len(keys) <= MAX_HISTORY_KEYS or not all(
            METRIC_KEY_RE.fullmatch(k) for k in keys
        ):
            raise ClientError(f"keys takes 1 to {MAX_HISTORY_KEYS} valid metric keys")
        if not 1 <= max_points <= MAX_HISTORY_POINTS:
            raise ClientError(f"maxPoints must be between 1 and {MAX_HISTORY_POINTS}")
        context = info.context
        live = LiveHistory(tuple(dict.fromkeys(keys)), max_points, ROLLUP_WIDTHS)
        run_gid = strawberry.ID(encode_id("Run", run))

        async def snapshot() -> RunMetricHistoryUpdate:
            async with context.session_factory() as session:
                await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
                await live.load(session, run, context.actor.org_ids)
            return update(True, {key: None for key in live.keys})

        def update(reset: bool, changed: dict[str, Any]) -> RunMetricHistoryUpdate:
            assert live.plan is not None
            return RunMetricHistoryUpdate(
                run_id=run_gid,
                reset=reset,
                bucket_size=live.plan.bucket_size,
                histories=[
                    RunMetricHistory(key=key, run_id=run_gid, found=live.columns(key, indexes))
                    for key, indexes in changed.items()
                ],
                cursor=str(live.through),
            )

        with subscription_slot(info):
            yield await snapshot()
            async for batch in streams.run_metric_batches(
                context.broker,
                context.read_session_factory,
                run,
                keys=live.keys,
                after_step=None,
                after_cursor=live.through,
            ):
                changed = live.apply(batch.points, batch.cursor)
                if changed is None:  # past the planned range: bucketed again, sent whole
                    yield await snapshot()
                elif changed:
                    yield update(False, changed)

    @strawberry.subscription(
        description="A live Experiment.comparison: the whole comparison, then, as the runs "
        "log points, only the groups and buckets that changed (the buckets are planned over "
        "twice the steps logged so far, and planned again, sent whole, when runs outgrow "
        "them)."
    )
    async def experiment_comparison(
        self,
        info: Info,
        experiment_id: strawberry.ID,
        keys: list[str],
        group_by: list[str] | None = None,
        filter: RunFilterInput | None = None,
        max_points: int = 500,
    ) -> AsyncGenerator[RunComparisonUpdate, None]:
        experiment = await visible_for_subscription(
            info, experiment_id, "Experiment", ExperimentRow, "experiment"
        )
        args = ComparisonArgs.of(keys, group_by or [], filter, max_points, None, None)
        with subscription_slot(info):
            async for update in live_comparison(info, experiment, args):
                yield update

    @strawberry.subscription(
        description="A deployment's live monitoring chart: the last points of each name "
        "(one message, maybe empty; at most 20,000 points, the newest), or every write after "
        "a cursor; then new and re-sent points as they are committed."
    )
    async def deployment_monitoring_metrics(
        self,
        info: Info,
        deployment_id: strawberry.ID,
        names: list[str] | None = None,
        last: int = 100,
        after: str | None = None,
    ) -> AsyncGenerator[MonitoringMetricsBatch, None]:
        deployment = await visible_for_subscription(
            info, deployment_id, "Deployment", DeploymentRow, "deployment"
        )
        if names is not None and (
            len(names) > MAX_KEYS or not all(METRIC_NAME_RE.fullmatch(n) for n in names)
        ):
            raise ClientError(f"names takes at most {MAX_KEYS} valid metric names")
        if not 0 <= last <= MAX_MONITORING_LAST:
            raise ClientError(f"last must be between 0 and {MAX_MONITORING_LAST}")
        after_cursor = stream_cursor(after)
        context = info.context
        gid = strawberry.ID(encode_id("Deployment", deployment))
        with subscription_slot(info):
            async for batch in streams.monitoring_batches(
                context.broker,
                context.read_session_factory,
                deployment,
                names=names,
                last=last,
                after_cursor=after_cursor,
            ):
                yield MonitoringMetricsBatch(
                    deployment_id=gid,
                    points=[MonitoringMetricPoint.from_row(p) for p in batch.points],
                    cursor=str(batch.cursor),
                    replay=batch.replay,
                )

    @strawberry.subscription(
        description="The run's status now, then each change; ends when the run ends."
    )
    async def run_status(
        self, info: Info, run_id: strawberry.ID
    ) -> AsyncGenerator[RunStatusChange, None]:
        run = await _visible_run(info, run_id)
        with subscription_slot(info):
            async for state in streams.run_states(info.context.broker, run):
                yield RunStatusChange(
                    run_id=strawberry.ID(encode_id("Run", run)),
                    status=experiment_enums.RunStatus(state.status),
                    ended_at=state.ended_at,
                )

    @strawberry.subscription(
        description="The training job's status now, then each change (queued, claimed, its "
        "lease expired, finished); ends when the job ends."
    )
    async def training_job_status(
        self, info: Info, training_job_id: strawberry.ID
    ) -> AsyncGenerator[TrainingJobStatusChange, None]:
        job = await visible_for_subscription(
            info, training_job_id, "TrainingJob", TrainingJobRow, "training job"
        )
        with subscription_slot(info):
            async for state in streams.training_job_states(info.context.broker, job):
                yield TrainingJobStatusChange(
                    training_job_id=strawberry.ID(encode_id("TrainingJob", job)),
                    status=training_enums.TrainingJobStatus(state.status),
                    error_message=state.error_message,
                    lease_owner=state.lease_owner,
                    ended_at=state.ended_at,
                )

    @strawberry.subscription(
        description="The artifact build's status now, then each change (claimed, its lease "
        "expired, finished); ends when the build does."
    )
    async def build_status(
        self, info: Info, artifact_build_id: strawberry.ID
    ) -> AsyncGenerator[BuildStatusChange, None]:
        build = await visible_for_subscription(
            info, artifact_build_id, "ArtifactBuild", ArtifactBuildRow, "artifact build"
        )
        with subscription_slot(info):
            async for state in streams.build_states(info.context.broker, build):
                yield BuildStatusChange(
                    artifact_build_id=strawberry.ID(encode_id("ArtifactBuild", build)),
                    status=build_enums.BuildStatus(state.status),
                    image_url=state.image_url,
                    error_message=state.error_message,
                    lease_owner=state.lease_owner,
                    finished_at=state.finished_at,
                )

    @strawberry.subscription(description="Alerts of an organization as they open or change.")
    async def alerts(
        self,
        info: Info,
        organization_id: strawberry.ID,
        min_severity: AlertSeverity = alert_kinds.AlertSeverity.LOW,
    ) -> AsyncGenerator[Alert, None]:
        require_reader(info)
        context = info.context
        decoded = decode_any(organization_id)
        if (
            decoded is None
            or decoded[0] != "Organization"
            or decoded[1] not in context.actor.org_roles
        ):
            raise ClientError("organization not found", "NOT_FOUND")
        floor = SEVERITY_RANK[min_severity]
        with subscription_slot(info):
            async for alert_ids in streams.alert_changes(context.broker, decoded[1]):
                async with context.read_session_factory() as session:
                    rows = (
                        await session.scalars(
                            select(AlertRow)
                            .where(
                                AlertRow.id.in_(alert_ids),
                                AlertRow.organization_id == decoded[1],
                                *visible_conditions(AlertRow, context.actor.hidden),
                            )
                            .order_by(AlertRow.updated_at)
                        )
                    ).all()
                for row in rows:
                    if SEVERITY_RANK[alert_kinds.AlertSeverity(row.severity)] >= floor:
                        # Fresh loaders per event: a connection's loaders would cache forever.
                        context.loaders = context.loaders.fresh()
                        yield Alert.from_row(row)
