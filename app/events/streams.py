"""Subscription streams, free of GraphQL: replay from the database, then follow a hub.

Run metrics are numbered by the run's ingest sequence, which is commit order (see
LOG_POINTS). A subscriber takes the committed high-water mark S, replays rows with
seq <= S, then takes only rows with seq > S from the hub: no gap, no duplicate."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from app.db.engine import SessionFactory
from app.domain.builds.enums import FINAL as FINAL_BUILD_STATUSES
from app.domain.builds.enums import BuildStatus
from app.domain.experiments.enums import TERMINAL_RUN_STATUSES, RunStatus
from app.domain.experiments.reads import MetricRow, high_water, points_after
from app.domain.monitoring import reads as monitoring_reads
from app.domain.monitoring.reads import MonitoringRow
from app.domain.patterns.enums import FINAL as FINAL_PATTERN_STATUSES
from app.domain.patterns.enums import PatternJobStatus
from app.domain.serving.enums import WORKFLOW_RUN_ENDED, WorkflowRunStatus
from app.domain.sweeps.enums import SweepStatus
from app.domain.training.enums import TrainingJobStatus
from app.domain.training.rules import FINAL as FINAL_TRAINING_STATUSES
from app.events.hubs import (
    Broker,
    BuildState,
    EndpointState,
    PatternJobState,
    PipelineRunState,
    RunState,
    SharedBatch,
    SweepState,
    TrainingJobState,
    WorkflowRunState,
    read_points_after,
)

# Points per replayed batch: what one subscription holds in memory at a time, however long
# the run (a client that reads slowly gets more batches, not bigger ones).
REPLAY_PAGE = 250


@dataclass(frozen=True)
class MetricBatch:
    points: list[MetricRow]
    cursor: int  # the highest sequence number covered; resume with after=cursor
    replay: bool
    shared: SharedBatch | None = None  # the same object for every subscriber keeping up


async def run_metric_batches(
    broker: Broker,
    session_factory: SessionFactory,
    run_id: uuid.UUID,
    *,
    keys: Sequence[str] | None,
    after_step: int | None,
    after_cursor: int | None,
) -> AsyncIterator[MetricBatch]:
    wanted = set(keys) if keys else None
    async with broker.subscribe("metrics", run_id) as (hub, subscriber):
        async with session_factory() as session:
            stored = await high_water(session, run_id)
        cursor = after_cursor or 0
        while cursor < stored:
            async with broker.replay_reads, session_factory() as session:
                rows, covered = await points_after(
                    session,
                    run_id,
                    cursor,
                    REPLAY_PAGE,
                    until=stored,
                    keys=sorted(wanted) if wanted else None,
                    after_step=-1 if after_step is None else after_step,
                )
            if covered == cursor:
                break
            cursor = covered
            if rows:
                yield MetricBatch(rows, cursor, replay=True)
        delivered = max(stored, after_cursor or 0)
        wanted_keys = frozenset(wanted) if wanted else None
        while True:
            shared = hub.shared_after(delivered)
            if shared is not None:
                delivered = shared.cursor
                selected = shared.select(wanted_keys)
                if selected:
                    yield MetricBatch(selected, delivered, replay=False, shared=shared)
                continue
            rows_or_none = hub.rows_after(delivered)
            if rows_or_none is None:  # fell behind the hub's ring: read from the database
                async with broker.replay_reads:
                    rows_or_none, _ = await read_points_after(
                        session_factory, run_id, delivered, REPLAY_PAGE
                    )
            if rows_or_none:
                delivered = rows_or_none[-1].seq
                selected = [r for r in rows_or_none if wanted is None or r.key in wanted]
                if selected:
                    yield MetricBatch(selected, delivered, replay=False)
                continue
            subscriber.wake.clear()
            if hub.last_seq is not None and hub.last_seq > delivered:
                continue
            await subscriber.wake.wait()


@dataclass(frozen=True)
class MonitoringBatch:
    points: list[MonitoringRow]
    cursor: int  # the deployment's write number covered; resume with after=cursor
    replay: bool


async def monitoring_batches(
    broker: Broker,
    session_factory: SessionFactory,
    deployment_id: uuid.UUID,
    *,
    names: Sequence[str] | None,
    last: int,
    after_cursor: int | None,
) -> AsyncIterator[MonitoringBatch]:
    """A deployment's monitoring points: the ``last`` most recent of each name (or, after a
    cursor, every write after it), then each new or re-sent point as its write commits.
    Writes are numbered in commit order (app/domain/monitoring/reads.py): the replay takes
    those up to the committed mark S, the hub those after S — no gap, no duplicate."""
    wanted = set(names) if names else None
    async with broker.subscribe("monitoring", deployment_id) as (hub, subscriber):
        async with session_factory() as session:
            stored = await monitoring_reads.high_water(session, deployment_id)
        if after_cursor is None:
            async with broker.replay_reads, session_factory() as session:
                rows = await monitoring_reads.latest_points(
                    session, deployment_id, last, until=stored, names=names
                )
            yield MonitoringBatch(rows, stored, replay=True)  # the first message, even empty
        cursor = stored if after_cursor is None else after_cursor
        while cursor < stored:
            async with broker.replay_reads, session_factory() as session:
                rows, covered = await monitoring_reads.points_after(
                    session, deployment_id, cursor, REPLAY_PAGE, until=stored, names=names
                )
            if covered == cursor:
                break
            cursor = covered
            if rows:
                yield MonitoringBatch(rows, cursor, replay=True)
        delivered = max(stored, cursor)
        while True:
            rows_or_none = hub.rows_after(delivered)
            if rows_or_none is None:  # fell behind the hub's ring: read from the database
                async with broker.replay_reads, session_factory() as session:
                    rows_or_none, delivered_to = await monitoring_reads.points_after(
                        session, deployment_id, delivered, REPLAY_PAGE
                    )
            else:
                delivered_to = rows_or_none[-1].seq if rows_or_none else delivered
            if delivered_to > delivered:
                delivered = delivered_to
                selected = [r for r in rows_or_none if wanted is None or r.name in wanted]
                if selected:
                    yield MonitoringBatch(selected, delivered, replay=False)
                continue
            subscriber.wake.clear()
            if hub.last_seq is not None and hub.last_seq > delivered:
                continue
            await subscriber.wake.wait()


async def status_states(
    broker: Broker, kind: str, key: uuid.UUID, ended: Callable[[Any], bool]
) -> AsyncIterator[Any]:
    """A row's current state, then every change; ends after a state for which ``ended``."""
    async with broker.subscribe(kind, key) as (hub, subscriber):
        version = -1
        while True:
            state = hub.state
            if state is not None and state.version > version:
                version = state.version
                yield state
                if ended(state):
                    return
                continue
            subscriber.wake.clear()
            if hub.state is not None and hub.state.version > version:
                continue
            await subscriber.wake.wait()


async def experiment_metric_commits(broker: Broker, experiment_id: uuid.UUID) -> AsyncIterator[int]:
    """Yields at once (read what is there now), then after every commit of points to one of
    the experiment's runs (several commits made while the caller was busy: once)."""
    async with broker.subscribe("experiment_metrics", experiment_id) as (hub, subscriber):
        seen = hub.version
        yield seen
        while True:
            subscriber.wake.clear()
            if hub.version > seen:
                seen = hub.version
                yield seen
                continue
            await subscriber.wake.wait()


def run_states(broker: Broker, run_id: uuid.UUID) -> AsyncIterator[RunState]:
    return status_states(
        broker, "status", run_id, lambda state: RunStatus(state.status) in TERMINAL_RUN_STATUSES
    )


def training_job_states(broker: Broker, job_id: uuid.UUID) -> AsyncIterator[TrainingJobState]:
    return status_states(
        broker,
        "training",
        job_id,
        lambda state: TrainingJobStatus(state.status) in FINAL_TRAINING_STATUSES,
    )


def sweep_states(broker: Broker, sweep_id: uuid.UUID) -> AsyncIterator[SweepState]:
    return status_states(
        broker,
        "sweep",
        sweep_id,
        lambda state: SweepStatus(state.status) is not SweepStatus.RUNNING,
    )


def pattern_job_states(broker: Broker, job_id: uuid.UUID) -> AsyncIterator[PatternJobState]:
    return status_states(
        broker,
        "pattern",
        job_id,
        lambda state: PatternJobStatus(state.status) in FINAL_PATTERN_STATUSES,
    )


def build_states(broker: Broker, build_id: uuid.UUID) -> AsyncIterator[BuildState]:
    return status_states(
        broker, "build", build_id, lambda state: BuildStatus(state.status) in FINAL_BUILD_STATUSES
    )


def pipeline_run_states(broker: Broker, run_id: uuid.UUID) -> AsyncIterator[PipelineRunState]:
    return status_states(broker, "pipeline_run", run_id, lambda state: state.final)


def workflow_run_states(broker: Broker, run_id: uuid.UUID) -> AsyncIterator[WorkflowRunState]:
    return status_states(
        broker,
        "workflow_run",
        run_id,
        lambda state: WorkflowRunStatus(state.status) in WORKFLOW_RUN_ENDED,
    )


def endpoint_states(broker: Broker, endpoint_id: uuid.UUID) -> AsyncIterator[EndpointState]:
    """A serving endpoint's version now, then after each change; an endpoint never ends."""
    return status_states(broker, "endpoint", endpoint_id, lambda state: False)


ALERTS_SINCE = text(
    "SELECT id, updated_at FROM alerts WHERE organization_id = :org_id "
    "AND (updated_at, id) > (:since, :since_id) ORDER BY updated_at, id LIMIT :limit"
)
LAST_ID = uuid.UUID(int=2**128 - 1)


async def alert_changes(
    broker: Broker, organization_id: uuid.UUID
) -> AsyncIterator[list[uuid.UUID]]:
    """Ids of alerts opened or changed from now on, in batches. A subscriber that falls
    behind the hub's ring catches up from the database (by change time), like the metrics
    stream: nothing is skipped, at worst an alert comes twice."""
    async with broker.subscribe("alerts", organization_id) as (hub, subscriber):
        position = hub.counter
        since = (hub.last_seen, LAST_ID)  # (change time, id) of the last change seen
        while True:
            changes = hub.changes_after(position)
            if changes is None:  # fell behind the ring: read what changed since, in pages
                position = hub.counter
                while True:
                    async with broker.replay_reads, broker.session_factory() as session:
                        params = {"org_id": organization_id, "limit": REPLAY_PAGE}
                        rows = (
                            await session.execute(
                                ALERTS_SINCE, {**params, "since": since[0], "since_id": since[1]}
                            )
                        ).all()
                    if not rows:
                        break
                    since = (rows[-1].updated_at, rows[-1].id)
                    yield list(dict.fromkeys(row.id for row in rows))
                continue
            if changes:
                position = changes[-1][0]
                since = max(since, (changes[-1][2], changes[-1][1]))
                yield list(dict.fromkeys(alert_id for _, alert_id, _ in changes))
                continue
            subscriber.wake.clear()
            if hub.changes_after(position) != []:
                continue
            await subscriber.wake.wait()
