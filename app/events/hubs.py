"""Per-process fan-out hubs, one per active topic. A hub reads new rows once per
notification and wakes its subscribers; subscribers pull from the hub's bounded ring (or
from the database when they have fallen behind it), so a slow subscriber costs no memory."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import dataclasses
import logging
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

import orjson
from sqlalchemy import text

from app.db.engine import SessionFactory
from app.db.scope import SYSTEM, enter_scope
from app.domain import topics
from app.domain.experiments.reads import MetricRow, high_water, points_after
from app.domain.monitoring import reads as monitoring_reads
from app.domain.monitoring.reads import MonitoringRow
from app.domain.pipelines.enums import PipelineRunStatus
from app.domain.pipelines.rules import run_is_final
from app.events.access import AccessWatch

log = logging.getLogger("mlgraph.events")

# Called with (hub kind, seconds) each time a hub has read what a notification announced
# and woken its subscribers: the lag from the first unserved notification (app/server/metrics.py
# turns it into the mlgraph_hub_lag_seconds histogram).
LAG_OBSERVERS: list[Callable[[str, float], None]] = []

RING_SIZE = 20_000  # rows kept per run hub
PAGE = 5_000  # rows per database read


class SequencedRow(Protocol):
    @property
    def seq(self) -> int: ...


Row = TypeVar("Row", bound=SequencedRow)


class Subscriber:
    def __init__(self) -> None:
        self.wake = asyncio.Event()


class Hub:
    """Common machinery: subscribers, and a refresh loop that coalesces notifications."""

    def __init__(self, session_factory: SessionFactory) -> None:
        self.session_factory = session_factory
        self.subscribers: set[Subscriber] = set()
        self._dirty = False
        self._task: asyncio.Task[None] | None = None
        self._poked_at: float | None = None  # the first notification not yet served
        self.ready = asyncio.Event()

    def poke(self) -> None:
        """Something changed: refresh soon (one read serves any number of notifications)."""
        if not self._dirty and self._poked_at is None:
            self._poked_at = time.monotonic()
        self._dirty = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._refresh_loop())

    async def _refresh_loop(self) -> None:
        enter_scope(SYSTEM)  # serves every subscriber, each checked for access apart
        while self._dirty:
            self._dirty = False
            try:
                await self.refresh()
            except Exception:
                log.exception("hub refresh failed; will retry on the next notification")
                return
            finally:
                self.ready.set()
            for subscriber in self.subscribers:
                subscriber.wake.set()
            poked, self._poked_at = self._poked_at, None
            if poked is not None:
                for observe in LAG_OBSERVERS:
                    observe(type(self).__name__, time.monotonic() - poked)

    async def refresh(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()


async def read_points_after(
    session_factory: SessionFactory, run_id: uuid.UUID, after: int, limit: int = PAGE
) -> tuple[list[MetricRow], int]:
    """Points after a sequence number, and the sequence number they cover."""
    async with session_factory() as session:
        return await points_after(session, run_id, after, limit)


# Recent refreshes kept as shared batches per run hub: long enough for subscribers that keep
# up to take them (within milliseconds), few enough rows that their derived events and JSON
# stay small; a subscriber that finds its batch gone reads the ring, unshared, and is back
# in step with the next refresh.
SHARED_BATCHES = 8
SHARED_ROWS = 10_000


@dataclass(eq=False)
class SharedBatch:
    """The points one refresh read (seq in (after, cursor]): handed, as this one object, to
    every subscriber that had delivered up to ``after``, so what they derive from it (the
    rows of some keys, the GraphQL event, its result and JSON) is made once, in ``memo``."""

    after: int
    cursor: int
    rows: list[MetricRow]
    memo: dict[Any, Any] = field(default_factory=dict)

    def select(self, wanted: frozenset[str] | None) -> list[MetricRow]:
        if wanted is None:
            return self.rows
        found = self.memo.get(("rows", wanted))
        if found is None:
            found = self.memo[("rows", wanted)] = [r for r in self.rows if r.key in wanted]
        return found


class SequenceRing(Generic[Row]):
    """The most recent rows of a topic numbered in commit order (``row.seq``), at most
    ``size``: every row with seq > ``floor`` is here."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.floor = 0
        self.rows: deque[Row] = deque()
        self.seqs: deque[int] = deque()

    def extend(self, rows: list[Row]) -> None:
        for row in rows:
            self.rows.append(row)
            self.seqs.append(row.seq)
        while len(self.rows) > self.size:
            self.rows.popleft()
            self.floor = self.seqs.popleft()

    def after(self, seq: int, limit: int) -> list[Row] | None:
        """Rows with seq > ``seq``; None if the ring no longer has them all."""
        if seq < self.floor:
            return None
        start = bisect.bisect_right(self.seqs, seq)
        end = min(len(self.rows), start + limit)
        return [self.rows[i] for i in range(start, end)]


class RunMetricsHub(Hub):
    """New points of one run, in ingest-sequence (= commit) order."""

    def __init__(self, session_factory: SessionFactory, run_id: uuid.UUID) -> None:
        super().__init__(session_factory)
        self.run_id = run_id
        self.last_seq: int | None = None
        self.ring: SequenceRing[MetricRow] = SequenceRing(RING_SIZE)
        self.recent: OrderedDict[int, SharedBatch] = OrderedDict()  # by ``after``
        self.recent_rows = 0

    async def refresh(self) -> None:
        if self.last_seq is None:
            async with self.session_factory() as session:
                self.last_seq = self.ring.floor = await high_water(session, self.run_id)
        while True:
            rows, covered = await read_points_after(
                self.session_factory, self.run_id, self.last_seq
            )
            self.ring.extend(rows)
            if rows:
                self.recent[self.last_seq] = SharedBatch(self.last_seq, covered, rows)
                self.recent_rows += len(rows)
                while len(self.recent) > SHARED_BATCHES or self.recent_rows > SHARED_ROWS:
                    self.recent_rows -= len(self.recent.popitem(last=False)[1].rows)
            self.last_seq = covered
            if len(rows) < PAGE:
                return

    def shared_after(self, seq: int) -> SharedBatch | None:
        """The batch that continues a subscriber that delivered up to ``seq``, if a refresh
        started exactly there (the case of every subscriber that keeps up)."""
        return self.recent.get(seq)

    def rows_after(self, seq: int, limit: int = PAGE) -> list[MetricRow] | None:
        """Rows with seq > ``seq`` from the ring; None if the ring no longer has them all."""
        return None if self.last_seq is None else self.ring.after(seq, limit)


MONITORING_RING_SIZE = 5_000  # points kept per deployment hub


class MonitoringHub(Hub):
    """New and re-sent monitoring points of one deployment, in write (= commit) order."""

    def __init__(self, session_factory: SessionFactory, deployment_id: uuid.UUID) -> None:
        super().__init__(session_factory)
        self.deployment_id = deployment_id
        self.last_seq: int | None = None
        self.ring: SequenceRing[MonitoringRow] = SequenceRing(MONITORING_RING_SIZE)

    async def refresh(self) -> None:
        async with self.session_factory() as session:
            if self.last_seq is None:
                self.last_seq = self.ring.floor = await monitoring_reads.high_water(
                    session, self.deployment_id
                )
            while True:
                rows, covered = await monitoring_reads.points_after(
                    session, self.deployment_id, self.last_seq, PAGE
                )
                self.ring.extend(rows)
                self.last_seq = covered
                # A page holds every point of the writes it covers, so one shorter than
                # PAGE was the last: no statement to find nothing more.
                if len(rows) < PAGE:
                    return

    def rows_after(self, seq: int) -> list[MonitoringRow] | None:
        """Rows with seq > ``seq`` from the ring (all of them: a page must not end inside a
        write); None if the ring no longer has them all."""
        return None if self.last_seq is None else self.ring.after(seq, MONITORING_RING_SIZE)


@dataclass
class RunState:
    status: str
    ended_at: datetime | None
    version: int


@dataclass
class TrainingJobState:
    status: str
    error_message: str | None
    lease_owner: str | None
    ended_at: datetime | None
    version: int


@dataclass
class BuildState:
    status: str
    image_url: str | None
    error_message: str | None
    lease_owner: str | None
    finished_at: datetime | None
    version: int


@dataclass
class SweepState:
    status: str
    trials_made: int
    trials_active: int
    trials_completed: int
    trials_pruned: int
    trials_failed: int
    trials_cancelled: int
    best_value: float | None
    version: int


@dataclass
class PatternJobState:
    status: str
    pattern_count: int | None
    error_message: str | None
    lease_owner: str | None
    finished_at: datetime | None
    version: int


class StatusHub(Hub):
    """One row's status (a run's, a training job's): re-read once per notification for all
    its subscribers; only a newer ``status_version`` replaces the state."""

    def __init__(
        self,
        session_factory: SessionFactory,
        key: uuid.UUID,
        statement: Any,
        make_state: Callable[[Any], Any],
    ) -> None:
        super().__init__(session_factory)
        self.key = key
        self.statement = statement
        self.make_state = make_state
        self.state: Any = None

    async def refresh(self) -> None:
        async with self.session_factory() as session:
            row = (await session.execute(self.statement, {"id": self.key})).first()
        if row is not None and (self.state is None or row.version > self.state.version):
            self.state = self.make_state(row)


@dataclass(frozen=True)
class FollowedSequence:
    """A topic whose rows are numbered per key in commit order (a run's console lines). Its
    hub reads the new rows once per notification, for all of its subscribers, into a
    bounded ring (as the run metrics hub does); a subscriber that fell behind the ring
    reads from the database itself. A context registers one with ``follow()``; the broker
    and the listener take it from there."""

    kind: str  # the hub's kind (Broker.subscribe(kind, key))
    channel: str  # the NOTIFY channel: {<key>: id, "seq": the key's last number}
    key: str
    last: Callable[[Any, uuid.UUID], Awaitable[int]]  # (session, key) -> last number
    # (session, key, after, limit) -> rows with seq > after, in order (``row.seq``)
    rows_after: Callable[[Any, uuid.UUID, int, int], Awaitable[list[Any]]]
    ring_size: int = 10_000


FOLLOWED: dict[str, FollowedSequence] = {}  # by kind


def follow(sequence: FollowedSequence) -> None:
    FOLLOWED[sequence.kind] = sequence


class SequenceHub(Hub):
    """The new rows of one key of a followed sequence, in commit order."""

    def __init__(
        self, session_factory: SessionFactory, key: uuid.UUID, sequence: FollowedSequence
    ) -> None:
        super().__init__(session_factory)
        self.key = key
        self.sequence = sequence
        self.last_seq: int | None = None
        self.ring: SequenceRing[Any] = SequenceRing(sequence.ring_size)

    async def refresh(self) -> None:
        async with self.session_factory() as session:
            if self.last_seq is None:
                self.last_seq = self.ring.floor = await self.sequence.last(session, self.key)
                return
            while True:
                rows = await self.sequence.rows_after(session, self.key, self.last_seq, PAGE)
                self.ring.extend(rows)
                if rows:
                    self.last_seq = rows[-1].seq
                if len(rows) < PAGE:
                    return

    def rows_after(self, seq: int, limit: int = PAGE) -> list[Any] | None:
        """Rows with seq > ``seq`` from the ring; None if the ring no longer has them all."""
        return None if self.last_seq is None else self.ring.after(seq, limit)


@dataclass
class PipelineRunState:
    status: str
    retry_count: int
    max_retries: int
    current_stage: str | None
    error_message: str | None
    started_at: datetime | None
    ended_at: datetime | None
    steps: list[dict[str, Any]]
    version: int

    @property
    def final(self) -> bool:
        return run_is_final(PipelineRunStatus(self.status), self.retry_count, self.max_retries)


@dataclass
class WorkflowRunState:
    status: str
    error_message: str | None
    lease_owner: str | None
    finished_at: datetime | None
    version: int


@dataclass
class EndpointState:
    status: str
    version: int


@dataclass(frozen=True)
class FollowedStatus:
    """One row's status that subscribers follow: each change bumps the row's
    ``status_version`` and NOTIFYs ``channel`` with {``key``: id}; the row's hub re-reads it
    with ``statement`` (the state's fields, ``version`` being ``status_version``) and makes
    the state (with ``.status`` and ``.version``)."""

    channel: str
    key: str
    statement: Any
    make_state: Callable[[Any], Any]


def followed(channel: str, key: str, table: str, state: type) -> FollowedStatus:
    """The rows of ``table`` followed as ``state`` (a dataclass of its columns)."""
    columns = ", ".join(
        "status_version AS version" if f.name == "version" else f.name
        for f in dataclasses.fields(state)
    )
    statement = text(f"SELECT {columns} FROM {table} WHERE id = :id")
    return FollowedStatus(channel, key, statement, lambda row: state(**row._mapping))


# Hub kinds that follow one row's status.
STATUS_HUBS: dict[str, FollowedStatus] = {
    "status": followed(topics.RUN_STATUS, "run", "runs", RunState),
    "training": followed(topics.TRAINING_STATUS, "job", "training_jobs", TrainingJobState),
    "build": followed(topics.BUILD_STATUS, "build", "artifact_builds", BuildState),
    "sweep": followed(topics.SWEEP_STATUS, "sweep", "sweeps", SweepState),
    "pattern": followed(topics.PATTERN_JOB_STATUS, "pattern_job", "pattern_jobs", PatternJobState),
    "pipeline_run": followed(
        topics.PIPELINE_RUN_STATUS, "pipeline_run", "pipeline_runs", PipelineRunState
    ),
    "endpoint": followed(topics.ENDPOINT_CHANGES, "endpoint", "serving_endpoints", EndpointState),
    "workflow_run": followed(
        topics.WORKFLOW_RUN_STATUS, "workflow_run", "workflow_runs", WorkflowRunState
    ),
}
STATUS_CHANNELS = {followed.channel: kind for kind, followed in STATUS_HUBS.items()}


ALERT_CHANGES = text(
    "SELECT id, updated_at FROM alerts WHERE organization_id = :org_id "
    "AND (id = ANY(:ids) OR (CAST(:since AS timestamptz) IS NOT NULL AND updated_at > :since)) "
    "ORDER BY updated_at, id"
)
LATEST_ALERT_CHANGE = text("SELECT max(updated_at) FROM alerts WHERE organization_id = :org_id")


ALERT_RING_SIZE = 1_000  # changes kept per organization hub


class AlertsHub(Hub):
    """Ids of alerts of one organization that opened or changed, numbered in arrival order,
    with the time of the change (a subscriber that fell behind the ring re-reads from it)."""

    def __init__(self, session_factory: SessionFactory, organization_id: uuid.UUID) -> None:
        super().__init__(session_factory)
        self.organization_id = organization_id
        self.changes: deque[tuple[int, uuid.UUID, datetime]] = deque(maxlen=ALERT_RING_SIZE)
        self.counter = 0
        self.pending: set[uuid.UUID] = set()
        self.last_seen: datetime | None = None
        self.catch_up = False

    def notify(self, alert_id: uuid.UUID) -> None:
        self.pending.add(alert_id)
        self.poke()

    def resync(self) -> None:
        self.catch_up = True
        self.poke()

    async def refresh(self) -> None:
        ids, self.pending = list(self.pending), set()
        since = self.last_seen if self.catch_up else None
        self.catch_up = False
        async with self.session_factory() as session:
            if self.last_seen is None:
                latest = await session.scalar(LATEST_ALERT_CHANGE, {"org_id": self.organization_id})
                self.last_seen = latest or datetime.min.replace(tzinfo=UTC)
            if not ids and since is None:
                return
            rows = await session.execute(
                ALERT_CHANGES, {"org_id": self.organization_id, "ids": ids, "since": since}
            )
            for alert_id, updated_at in rows:
                self.counter += 1
                self.changes.append((self.counter, alert_id, updated_at))
                self.last_seen = max(self.last_seen, updated_at)

    def changes_after(self, position: int) -> list[tuple[int, uuid.UUID, datetime]] | None:
        """Changes numbered after ``position``; None if the ring no longer holds them all."""
        if self.changes and self.changes[0][0] > position + 1:
            return None
        return [change for change in self.changes if change[0] > position]


class ExperimentMetricsHub(Hub):
    """Commits of points to any run of one experiment, counted: what a live comparison
    follows (it reads the comparison again itself, as its caller)."""

    def __init__(self, session_factory: SessionFactory) -> None:
        super().__init__(session_factory)
        self.version = 0

    async def refresh(self) -> None:
        self.version += 1  # one or more commits (or a reconnection) since the last refresh


class Broker:
    """The process's hubs, created on first subscription and dropped with the last."""

    def __init__(self, session_factory: SessionFactory, replay_concurrency: int = 5) -> None:
        self.session_factory = session_factory
        self.hubs: dict[tuple[str, uuid.UUID], Any] = {}
        # Subscribers replaying from the database take turns, so a flood of replays leaves
        # the rest of the connection pool to queries.
        self.replay_reads = asyncio.Semaphore(replay_concurrency)
        self.outbox_wake: asyncio.Event | None = None  # the notification worker's
        self.access = AccessWatch(session_factory)
        self.rate_limiter: Any = None  # app.server.rate_limits.RateLimiter, told of blocks
        self.auth_cache: Any = None  # app.server.auth_cache.AuthCache, told of lost access

    def _hub(self, kind: str, key: uuid.UUID) -> Any:
        hub = self.hubs.get((kind, key))
        if hub is None:
            if kind == "metrics":
                hub = RunMetricsHub(self.session_factory, key)
            elif kind == "experiment_metrics":
                hub = ExperimentMetricsHub(self.session_factory)
            elif kind == "monitoring":
                hub = MonitoringHub(self.session_factory, key)
            elif kind in STATUS_HUBS:
                followed = STATUS_HUBS[kind]
                hub = StatusHub(self.session_factory, key, followed.statement, followed.make_state)
            elif kind in FOLLOWED:
                hub = SequenceHub(self.session_factory, key, FOLLOWED[kind])
            else:
                hub = AlertsHub(self.session_factory, key)
            self.hubs[(kind, key)] = hub
            hub.poke()  # initial state
        return hub

    @contextlib.asynccontextmanager
    async def subscribe(self, kind: str, key: uuid.UUID) -> AsyncIterator[tuple[Any, Subscriber]]:
        hub: Hub = self._hub(kind, key)
        subscriber = Subscriber()
        hub.subscribers.add(subscriber)
        try:
            await hub.ready.wait()
            yield hub, subscriber
        finally:
            hub.subscribers.discard(subscriber)
            if not hub.subscribers and self.hubs.get((kind, key)) is hub:
                del self.hubs[(kind, key)]
                hub.close()

    def on_notification(self, channel: str, payload: str) -> None:
        try:
            data = orjson.loads(payload)
            if channel == topics.RUN_METRICS:
                hub = self.hubs.get(("metrics", uuid.UUID(data["run"])))
                if hub is not None and (hub.last_seq is None or data["seq"] > hub.last_seq):
                    hub.poke()
                if "experiment" in data:
                    hub = self.hubs.get(("experiment_metrics", uuid.UUID(data["experiment"])))
                    if hub is not None:
                        hub.poke()
            elif channel == topics.MONITORING:
                hub = self.hubs.get(("monitoring", uuid.UUID(data["deployment"])))
                if hub is not None and (hub.last_seq is None or data["seq"] > hub.last_seq):
                    hub.poke()
            elif channel in STATUS_CHANNELS:
                kind = STATUS_CHANNELS[channel]
                hub = self.hubs.get((kind, uuid.UUID(data[STATUS_HUBS[kind].key])))
                if hub is not None:
                    hub.poke()
            elif channel == topics.RATE_LIMITS:
                if self.rate_limiter is not None:
                    self.rate_limiter.on_notification(payload)
            elif channel == topics.ACCESS:
                if self.auth_cache is not None:
                    self.auth_cache.forget_user(uuid.UUID(data["user"]))
                self.access.changed(uuid.UUID(data["user"]))
            elif channel == topics.OUTBOX:
                if self.outbox_wake is not None:
                    self.outbox_wake.set()
            elif channel == topics.ALERTS:
                hub = self.hubs.get(("alerts", uuid.UUID(data["org"])))
                if hub is not None:
                    hub.notify(uuid.UUID(data["alert"]))
            else:
                for sequence in FOLLOWED.values():
                    if channel == sequence.channel:
                        hub = self.hubs.get((sequence.kind, uuid.UUID(data[sequence.key])))
                        if hub is not None and (hub.last_seq is None or data["seq"] > hub.last_seq):
                            hub.poke()
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed notification on %s", channel)

    async def resync(self) -> None:
        """After (re)connecting: notifications may have been missed; re-read everything."""
        if self.auth_cache is not None:
            self.auth_cache.clear()
        self.access.resync()
        for hub in list(self.hubs.values()):
            if isinstance(hub, AlertsHub):
                hub.resync()
            else:
                hub.poke()
