"""Experiment and run operations."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.arrays import array_text, int_array_text, str_array_text
from app.db.driver import DriverStatement
from app.db.ids import uuid7
from app.domain import topics
from app.domain import validation as v
from app.domain.errors import DomainError, ErrorCode, ensure_transition, not_found, validation
from app.domain.experiments.enums import ENDED_EXPERIMENT_STATUSES, ExperimentStatus, RunStatus
from app.domain.experiments.models import Experiment, Run
from app.domain.experiments.points import PointBatch, finite_bounds, fold_keys
from app.domain.experiments.rules import ensure_run_finish, merge_params, tracking_link
from app.domain.notifications.enums import Trigger
from app.domain.notifications.services import enqueue_notifications
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import audit_row, record_audit
from app.domain.tenancy.enums import ProjectRole
from app.domain.tenancy.lookup import OwnerLookup, ensure_in_project, get_visible
from app.domain.tenancy.projects import (
    check_project_role,
    get_contributable,
    require_project_access,
)
from app.domain.tenancy.visibility import visible_conditions

# Rollup widths (steps per bucket) kept at ingest time; see run_metric_rollups.
ROLLUP_WIDTHS = (64, 4096, 262144)
CHUNK_POINTS = 1024  # points per run_metric_chunks row at most


async def experiment_create(
    session: AsyncSession,
    actor: Actor,
    *,
    project_id: uuid.UUID | None,
    name: str,
    description: str | None,
    config: Any,
    model_id: uuid.UUID | None,
    links: ExperimentLinks,
    dataset_id: uuid.UUID | None = None,
    pipeline_id: uuid.UUID | None = None,
) -> Experiment:
    """``links``: the other contexts' lookups (the registry, datasets and pipelines each
    import experiments) the model, dataset and workflow are checked with."""
    field = ["project_id"]
    project = await require_project_access(
        session, actor, project_id, ProjectRole.CONTRIBUTOR, what="project", field=field
    )
    name = v.name(name, ["name"])
    if model_id is not None:
        await _ensure_in_project(
            session, actor, links.model, model_id, project.id, "model_id", "model"
        )
    if dataset_id is not None:
        await _ensure_in_project(
            session, actor, links.dataset, dataset_id, project.id, "dataset_id", "dataset"
        )
    if pipeline_id is not None:
        await _ensure_in_project(
            session, actor, links.pipeline, pipeline_id, project.id, "pipeline_id", "pipeline"
        )
    taken = await session.scalar(
        select(func.count())
        .select_from(Experiment)
        .where(
            Experiment.project_id == project.id,
            Experiment.name == name,
            Experiment.deleted_at.is_(None),
        )
    )
    if taken:
        raise DomainError(
            ErrorCode.CONFLICT, "an experiment in this project has this name", ["name"]
        )
    experiment = Experiment(
        organization_id=project.organization_id,
        project_id=project.id,
        model_id=model_id,
        name=name,
        description=v.optional_text(description, ["description"]),
        status=ExperimentStatus.ACTIVE.value,
        config=v.json_object(config, ["config"]),
        created_by_id=actor.user_id,
        started_at=datetime.now(UTC),
        dataset_id=dataset_id,
        pipeline_id=pipeline_id,
    )
    session.add(experiment)
    await session.flush()
    record_audit(session, actor, "experiment.create", experiment, details={"name": name})
    return experiment


async def run_create(
    session: AsyncSession,
    actor: Actor,
    *,
    experiment_id: uuid.UUID | None,
    name: str | None,
    description: str | None,
    params: Any,
    tags: Any,
    started_at: datetime | None,
    tracking_system: str | None,
    tracking_run_id: str | None,
) -> Run:
    field = ["experiment_id"]
    experiment = await get_visible(
        session, Experiment, experiment_id, actor, what="experiment", field=field
    )
    await require_project_access(
        session,
        actor,
        experiment.project_id,
        ProjectRole.CONTRIBUTOR,
        what="experiment",
        field=field,
    )
    if experiment.status == ExperimentStatus.ARCHIVED.value:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "the experiment is archived: reactivate it first",
            field,
        )
    system, external_id = tracking_link(tracking_system, tracking_run_id)
    if system is not None:
        linked = await session.scalar(
            select(func.count())
            .select_from(Run)
            .where(
                Run.organization_id == experiment.organization_id,
                Run.tracking_system == system,
                Run.tracking_run_id == external_id,
                Run.deleted_at.is_(None),
                *visible_conditions(Run, actor.hidden),  # a hidden one is no oracle
            )
        )
        if linked:
            raise DomainError(
                ErrorCode.CONFLICT,
                f"a run is already linked to this {system} run",
                ["tracking_run_id"],
            )
    now = datetime.now(UTC)
    if started_at is not None and (started_at.tzinfo is None or started_at > now):
        raise DomainError(
            ErrorCode.VALIDATION,
            "must have a time zone offset and not be in the future",
            ["started_at"],
        )
    run_id = uuid7()
    run = Run(
        id=run_id,
        organization_id=experiment.organization_id,
        experiment_id=experiment.id,
        project_id=experiment.project_id,
        name=v.name(name, ["name"]) if name else f"run-{str(run_id)[-8:]}",
        description=v.optional_text(description, ["description"]),
        status=RunStatus.RUNNING.value,
        params=v.json_object(params, ["params"]),
        tags=v.json_object(tags, ["tags"]),
        started_at=started_at or now,
        tracking_system=system,
        tracking_run_id=external_id,
        created_by_id=actor.user_id,
    )
    session.add(run)
    await session.flush()
    record_audit(session, actor, "run.create", run, details={"experiment_id": str(experiment.id)})
    return run


async def _writable_run(session: AsyncSession, actor: Actor, run_id: uuid.UUID | None) -> Run:
    field = ["run_id"]
    run = await get_contributable(
        session, Run, run_id, actor, what="run", field=field, for_update=True
    )
    return run


async def run_update(
    session: AsyncSession, actor: Actor, *, run_id: uuid.UUID | None, changes: Mapping[str, Any]
) -> Run:
    """Rename, describe, add params (immutable once set) and set tags (merged; null removes)."""
    run = await _writable_run(session, actor, run_id)
    if "name" in changes:
        run.name = v.name(changes["name"], ["name"])
    if "description" in changes:
        run.description = v.optional_text(changes["description"], ["description"])
    if changes.get("params") is not None:
        new_params = v.json_object(changes["params"], ["params"])
        run.params = v.json_object(merge_params(run.params, new_params), ["params"])
    if changes.get("tags") is not None:
        merged = {**run.tags, **v.json_object(changes["tags"], ["tags"])}
        run.tags = v.json_object({k: val for k, val in merged.items() if val is not None}, ["tags"])
    record_audit(session, actor, "run.update", run, details={"fields": sorted(changes)})
    await session.flush()
    return run


MAX_FAILURE_REASON = 4000


def clean_failure_reason(reason: str | None, status: RunStatus) -> str | None:
    """Why a FAILED or KILLED run ended: trimmed, at most 4,000 characters (a longer one —
    a traceback, say — keeps its end, where the error is), no control characters but
    newlines and tabs."""
    if reason is None or not reason.strip():
        return None
    if status not in (RunStatus.FAILED, RunStatus.KILLED):
        raise validation("a failure reason goes with FAILED or KILLED", ["failure_reason"])
    reason = reason.strip()
    if v.has_control_characters(reason, allowed="\n\t"):
        raise validation("must not contain control characters", ["failure_reason"])
    if len(reason) > MAX_FAILURE_REASON:
        reason = "…" + reason[-(MAX_FAILURE_REASON - 1) :]
    return reason


async def run_finish(
    session: AsyncSession,
    actor: Actor,
    *,
    run_id: uuid.UUID | None,
    status: RunStatus,
    ended_at: datetime | None,
    failure_reason: str | None = None,
) -> Run:
    run = await _writable_run(session, actor, run_id)
    ensure_run_finish(RunStatus(run.status), status)
    reason = clean_failure_reason(failure_reason, status)
    ended = ended_at or datetime.now(UTC)
    if ended.tzinfo is None or ended < run.started_at:
        raise DomainError(
            ErrorCode.VALIDATION,
            "must have a time zone offset and not be before startedAt",
            ["ended_at"],
        )
    run.status = status.value
    run.ended_at = ended
    run.failure_reason = reason
    run.status_version += 1
    record_audit(session, actor, "run.finish", run, details={"status": status.value})
    await session.flush()
    await topics.publish(session, topics.RUN_STATUS, run=run.id, version=run.status_version)
    await enqueue_notifications(
        session,
        organization_id=run.organization_id,
        trigger=Trigger.EXPERIMENT_COMPLETE,
        event_type="run.finished",
        payload={
            "run_id": str(run.id),
            "title": f"{run.name} {status.value}",
            "status": status.value,
        },
        project_id=run.project_id,
    )
    return run


# Steps of a batch's keys already stored (a retried batch): read under the run's row lock,
# so two retries of one batch cannot both write. A run that only appends reads no chunk.
STORED_STEPS = text(
    """
    SELECT c.key, c.steps
    FROM unnest(CAST(:keys AS varchar[]), CAST(:lows AS int8[]), CAST(:highs AS int8[]))
         AS k(key, low, high)
    CROSS JOIN LATERAL (
        SELECT c.key, c.steps FROM run_metric_chunks c
        WHERE c.run_id = :run_id AND c.key = k.key AND c.max_step >= k.low
          AND c.min_step <= k.high
        OFFSET 0  -- kept a subquery: one index probe per key, never a join over the run
    ) c
    """
)

# One statement per batch, after the run's row lock (its own statement, so this one's
# snapshot sees every batch committed before the lock was granted):
# - ``overlap``: does a stored chunk of one of the batch's keys reach into the batch's step
#   range (a retried batch)? Then it writes nothing and says so; the caller reads the
#   stored steps and sends the new points alone, with no ranges to check. One index probe
#   per key (LIMIT 1): written as a join, PostgreSQL read every chunk of the run for each
#   batch, a cost growing with the run (tests/db/test_ingest_reads_stay_small.py).
# - otherwise bump the run's ingest sequence (under the lock, so sequence order is commit
#   order), write one chunk per key (slices of the flat arrays), fold the batch's per-bucket
#   and per-key aggregates (computed by numpy) into rollups and summaries, append the audit
#   row and queue the NOTIFY — the three statements a batch cost apart, in one round trip.
LOG_POINTS = DriverStatement(  # sent without SQLAlchemy's work around it (app/db/driver.py)
    """
    WITH overlap AS (
        SELECT EXISTS (
            SELECT FROM unnest(CAST(CAST(:check_keys AS text) AS varchar[]),
                               CAST(CAST(:check_lows AS text) AS int8[]),
                               CAST(CAST(:check_highs AS text) AS int8[])) AS k(key, low, high)
            CROSS JOIN LATERAL (
                SELECT FROM run_metric_chunks c
                WHERE c.run_id = :run_id AND c.key = k.key AND c.max_step >= k.low
                  AND c.min_step <= k.high
                LIMIT 1
            ) hit
        ) AS found
    ),
    bumped AS (
        UPDATE runs SET metric_seq = metric_seq + :n, last_logged_at = now()
        WHERE id = :run_id AND :n > 0 AND NOT (SELECT found FROM overlap)
        RETURNING metric_seq - :n AS base, metric_seq AS high_water, experiment_id
    ),
    given AS MATERIALIZED (  -- the flat arrays, parsed once however many chunks they fill
        SELECT CAST(CAST(:steps AS text) AS int8[]) AS steps,
               CAST(CAST(:values AS text) AS float8[]) AS "values",
               CAST(CAST(:times AS text) AS int8[]) AS times
    ),
    chunks AS (
        INSERT INTO run_metric_chunks (run_id, key, seq_lo, seq_hi, organization_id, min_step,
                                       max_step, steps, "values", times)
        SELECT :run_id, k.key, b.base + k.off + 1, b.base + k.off + k.len, :org_id,
               k.min_step, k.max_step,
               g.steps[k.off + 1 : k.off + k.len],
               g."values"[k.off + 1 : k.off + k.len],
               g.times[k.off + 1 : k.off + k.len]
        FROM unnest(CAST(CAST(:c_keys AS text) AS varchar[]),
                    CAST(CAST(:offs AS text) AS int8[]),
                    CAST(CAST(:c_lens AS text) AS int8[]),
                    CAST(CAST(:c_min_steps AS text) AS int8[]),
                    CAST(CAST(:c_max_steps AS text) AS int8[]))
             AS k(key, off, len, min_step, max_step)
        CROSS JOIN bumped b
        CROSS JOIN given g
        RETURNING 1
    ),
    rolled AS (
        INSERT INTO run_metric_rollups AS r
            (run_id, key, width, bucket, organization_id, min_value, max_value, count,
             nonfinite, last_step, last_value)
        SELECT :run_id, f.key, f.width, f.bucket, :org_id, f.mn, f.mx, f.n, f.nf, f.ls, f.lv
        FROM unnest(CAST(CAST(:r_keys AS text) AS varchar[]),
                    CAST(CAST(:r_widths AS text) AS int4[]),
                    CAST(CAST(:r_buckets AS text) AS int8[]),
                    CAST(CAST(:r_mins AS text) AS float8[]),
                    CAST(CAST(:r_maxs AS text) AS float8[]),
                    CAST(CAST(:r_counts AS text) AS int8[]),
                    CAST(CAST(:r_nonfinite AS text) AS int8[]),
                    CAST(CAST(:r_last_steps AS text) AS int8[]),
                    CAST(CAST(:r_last_values AS text) AS float8[]))
             AS f(key, width, bucket, mn, mx, n, nf, ls, lv)
        WHERE EXISTS (SELECT FROM bumped)
        ORDER BY f.key, f.width, f.bucket
        ON CONFLICT (run_id, key, width, bucket) DO UPDATE SET
            min_value = least(r.min_value, EXCLUDED.min_value),  -- NULLs (none) pass over
            max_value = greatest(r.max_value, EXCLUDED.max_value),
            count = r.count + EXCLUDED.count,
            nonfinite = r.nonfinite + EXCLUDED.nonfinite,
            last_value = CASE WHEN EXCLUDED.last_step > r.last_step
                              THEN EXCLUDED.last_value ELSE r.last_value END,
            last_step = greatest(r.last_step, EXCLUDED.last_step)
        RETURNING 1
    ),
    summarized AS (
        INSERT INTO run_metric_summaries AS s
            (run_id, key, organization_id, count, min_value, max_value, nonfinite, last_step,
             last_value, last_timestamp)
        SELECT :run_id, f.key, :org_id, f.n, f.mn, f.mx, f.nf, f.ls, f.lv,
               timestamptz 'epoch' + f.lt * interval '1 microsecond'
        FROM unnest(CAST(CAST(:keys AS text) AS varchar[]),
                    CAST(CAST(:lens AS text) AS int8[]),
                    CAST(CAST(:s_mins AS text) AS float8[]),
                    CAST(CAST(:s_maxs AS text) AS float8[]),
                    CAST(CAST(:s_nonfinite AS text) AS int8[]),
                    CAST(CAST(:max_steps AS text) AS int8[]),
                    CAST(CAST(:s_last_values AS text) AS float8[]),
                    CAST(CAST(:s_last_times AS text) AS int8[]))
             AS f(key, n, mn, mx, nf, ls, lv, lt)
        WHERE EXISTS (SELECT FROM bumped)
        ORDER BY f.key
        ON CONFLICT (run_id, key) DO UPDATE SET
            count = s.count + EXCLUDED.count,
            min_value = least(s.min_value, EXCLUDED.min_value),
            max_value = greatest(s.max_value, EXCLUDED.max_value),
            nonfinite = s.nonfinite + EXCLUDED.nonfinite,
            last_value = CASE WHEN EXCLUDED.last_step > s.last_step
                              THEN EXCLUDED.last_value ELSE s.last_value END,
            last_timestamp = CASE WHEN EXCLUDED.last_step > s.last_step
                                  THEN EXCLUDED.last_timestamp ELSE s.last_timestamp END,
            last_step = greatest(s.last_step, EXCLUDED.last_step)
        RETURNING 1
    ),
    audited AS (
        INSERT INTO audit_logs (id, organization_id, actor_user_id, api_key_id, action,
                                target_type, target_id, details, ip_address, user_agent)
        SELECT CAST(:audit_id AS uuid), :org_id, CAST(:actor_user_id AS uuid),
               CAST(:api_key_id AS uuid), CAST(:action AS varchar),
               CAST(:target_type AS varchar), :run_id,
               jsonb_build_object('points', CAST(:logged AS int8), 'new', CAST(:n AS int8)),
               CAST(:ip_address AS varchar), CAST(:user_agent AS varchar)
        WHERE NOT (SELECT found FROM overlap)
        RETURNING 1
    ),
    notified AS (  -- delivered by PostgreSQL if, and when, the transaction commits
        SELECT pg_notify(:channel, json_build_object('run', CAST(:run_id AS text),
                                                     'seq', b.high_water,
                                                     'experiment', b.experiment_id)::text)
        FROM bumped b
    )
    SELECT (SELECT found FROM overlap) AS overlap,
           (SELECT high_water FROM bumped) AS high_water,
           (SELECT count(*) FROM chunks) + (SELECT count(*) FROM rolled)
           + (SELECT count(*) FROM summarized) + (SELECT count(*) FROM audited)
           + (SELECT count(*) FROM notified) AS written
    """
)


async def _new_points(session: AsyncSession, run_id: uuid.UUID, batch: PointBatch) -> PointBatch:
    """The batch without the steps already stored (call under the run's row lock)."""
    stored = await session.execute(
        STORED_STEPS,
        {
            "run_id": run_id,
            "keys": [s.key for s in batch.series],
            "lows": [int(s.steps[0]) for s in batch.series],
            "highs": [int(s.steps[-1]) for s in batch.series],
        },
    )
    taken: dict[str, list[np.ndarray]] = {}
    for key, steps in stored:
        taken.setdefault(key, []).append(np.asarray(steps, dtype=np.int64))
    if not taken:
        return batch
    kept = []
    for series in batch.series:
        if series.key in taken:
            series = series.only(~np.isin(series.steps, np.concatenate(taken[series.key])))
        if len(series):
            kept.append(series)
    return PointBatch(tuple(kept))


def _log_parameters(run: IngestTarget, batch: PointBatch) -> dict[str, Any]:
    series = batch.series
    lens = [len(s) for s in series]
    key_starts = np.cumsum([0, *lens], dtype=np.int64)[:-1]  # where each key's points begin
    # Chunks hold at most CHUNK_POINTS points: a page or a chart edge unnests at most that
    # many points per chunk it touches, however large the batch.
    pieces = [
        (s.key, start, min(len(s), start + CHUNK_POINTS) - start, base)
        for s, base in zip(series, key_starts.tolist(), strict=True)
        for start in range(0, len(s), CHUNK_POINTS)
    ]
    steps = _flat([s.steps for s in series])
    values = _flat([s.values for s in series])
    names = [s.key for s in series]
    key_of = np.repeat(np.arange(len(series)), lens)
    folds = [(width, *fold_keys(steps, values, key_of, width)) for width in ROLLUP_WIDTHS]
    # Each key's min and max of its finite values (NaN: none) and count of the others.
    if series:
        mins, maxs, nonfinite = finite_bounds(values, key_starts)
    else:
        mins = maxs = nonfinite = np.empty(0)
    # Every array goes as array text (app/db/arrays.py): asyncpg's encoder checked each of
    # a batch's ~200 list elements against abstract base classes (13% of the profiled CPU).
    return {
        "run_id": run.id,
        "org_id": run.organization_id,
        "n": batch.size,
        "c_keys": str_array_text(key for key, *_ in pieces),
        "offs": int_array_text(base + start for _, start, _, base in pieces),
        "c_lens": int_array_text(length for _, _, length, _ in pieces),
        "c_min_steps": int_array_text(int(steps[base + start]) for _, start, _, base in pieces),
        "c_max_steps": int_array_text(
            int(steps[base + start + n - 1]) for _, start, n, base in pieces
        ),
        "keys": str_array_text(names),
        "lens": int_array_text(lens),
        "max_steps": int_array_text(int(s.steps[-1]) for s in series),
        "steps": array_text(steps),
        "values": array_text(values),
        "times": array_text(_flat([s.times for s in series])),
        "r_keys": str_array_text(names[i] for _, owners, _ in folds for i in owners.tolist()),
        "r_widths": int_array_text(width for width, owners, _ in folds for _ in range(len(owners))),
        "r_buckets": array_text(_flat([f.buckets for *_, f in folds])),
        "r_mins": array_text(_flat([f.mins for *_, f in folds]), nan_as_null=True),
        "r_maxs": array_text(_flat([f.maxs for *_, f in folds]), nan_as_null=True),
        "r_counts": array_text(_flat([f.counts for *_, f in folds])),
        "r_nonfinite": array_text(_flat([f.nonfinite for *_, f in folds])),
        "r_last_steps": array_text(_flat([f.last_steps for *_, f in folds])),
        "r_last_values": array_text(_flat([f.last_values for *_, f in folds])),
        "s_mins": array_text(mins, nan_as_null=True),  # NULL: no finite value
        "s_maxs": array_text(maxs, nan_as_null=True),
        "s_nonfinite": array_text(nonfinite),
        "s_last_values": array_text(np.array([s.values[-1] for s in series], dtype=np.float64)),
        "s_last_times": int_array_text(int(s.times[-1]) for s in series),
    }


def _flat(parts: list[np.ndarray]) -> np.ndarray:
    """The parts end to end (none when every point of a retried batch was stored)."""
    return np.concatenate(parts) if parts else np.empty(0)


# The run (live, in one of the caller's organizations, its project live and not hidden from
# the caller), locked, with the caller's project role: what get_visible +
# require_project_access check in three statements, in one, for the hottest write path.
LOCK_RUN_FOR_INGEST = DriverStatement(
    """
    SELECT r.id, r.organization_id, r.status, m.role AS member_role, r.project_id,
           r.experiment_id, p.rules_version, p.visibility
    FROM runs r
    JOIN projects p ON p.id = r.project_id AND p.deleted_at IS NULL
    LEFT JOIN project_members m ON m.project_id = r.project_id AND m.user_id = :user_id
    WHERE r.id = :run_id AND r.organization_id = ANY(:org_ids) AND r.deleted_at IS NULL
      AND NOT (r.project_id = ANY(CAST(:hidden AS uuid[])))  -- private projects
    FOR UPDATE OF r
    """
)


@dataclass(frozen=True)
class IngestTarget:
    id: uuid.UUID
    organization_id: uuid.UUID
    status: RunStatus = RunStatus.RUNNING
    project_id: uuid.UUID | None = None
    experiment_id: uuid.UUID | None = None
    rules_version: int = 0  # of the project's watching rules (0: none)


async def _lock_run_for_ingest(
    session: AsyncSession, actor: Actor, run_id: uuid.UUID | None
) -> IngestTarget:
    field = ["run_id"]
    if run_id is None or not actor.org_ids:
        raise not_found("run", field)
    row = await LOCK_RUN_FOR_INGEST.fetchrow(
        session,
        {
            "run_id": run_id,
            "org_ids": list(actor.org_ids),
            "user_id": actor.user_id,
            "hidden": actor.hidden,
        },
    )
    if row is None:
        raise not_found("run", field)
    check_project_role(
        actor,
        row["organization_id"],
        row["member_role"],
        ProjectRole.CONTRIBUTOR,
        field,
        visibility=row["visibility"],
    )
    return IngestTarget(
        row["id"],
        row["organization_id"],
        RunStatus(row["status"]),
        row["project_id"],
        row["experiment_id"],
        row["rules_version"],
    )


@dataclass(frozen=True)
class Logged:
    """What logging a batch did: the run, how many of its points were new, how many it held
    (a retried batch holds points already stored); and the run as its lock found it (the
    version of its project's watching rules)."""

    run_id: uuid.UUID
    new_count: int
    logged_count: int
    run: IngestTarget | None = None
    high_water: int | None = None  # the run's ingest sequence after this batch (new points)


async def run_metrics_log(
    session: AsyncSession, actor: Actor, *, run_id: uuid.UUID | None, batch: PointBatch
) -> Logged:
    """Log a batch atomically. Two statements for a batch of new steps (the lock, the
    write); a retried batch costs two more (its stored steps, the write of what is left)."""
    run = await _lock_run_for_ingest(session, actor, run_id)  # writes to a run are serial
    if run.status is not RunStatus.RUNNING:
        # A finished run's curves are closed: new points are refused; a retry of points it
        # already holds (an answer lost on the way back) is answered as before, nothing new.
        if (await _new_points(session, run.id, batch)).size:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                f"the run is {run.status.value.upper()}: a finished run takes no new points",
                ["run_id"],
            )
        return Logged(run.id, 0, batch.size, run)
    audit = audit_row(actor, "run_metrics.log", run.organization_id, "Run", run.id)
    written = await _log(session, run, batch, batch.size, audit, check=True)
    new = batch
    if written.overlap:
        new = await _new_points(session, run.id, batch)
        written = await _log(session, run, new, batch.size, audit, check=False)
    return Logged(run.id, new.size, batch.size, run, written.high_water)


# The audit row's columns the statement takes as they are (its organization and target are
# the run's, its details the counts).
AUDITED = ("actor_user_id", "api_key_id", "action", "target_type", "ip_address", "user_agent")


async def _log(
    session: AsyncSession,
    run: IngestTarget,
    batch: PointBatch,
    logged: int,
    audit: dict[str, Any],
    *,
    check: bool,
) -> Written:
    ranges = batch.series if check else ()
    parameters = {
        **_log_parameters(run, batch),
        "check_keys": str_array_text(s.key for s in ranges),
        "check_lows": int_array_text(int(s.steps[0]) for s in ranges),
        "check_highs": int_array_text(int(s.steps[-1]) for s in ranges),
        "logged": logged,
        "channel": topics.RUN_METRICS,
        "audit_id": audit["id"],
        **{name: audit[name] for name in AUDITED},
    }
    row = await LOG_POINTS.fetchrow(session, parameters)
    assert row is not None  # (one row, whatever it did)
    return Written(row["overlap"], row["high_water"])


class Written(NamedTuple):
    """What LOG_POINTS did: found a stored chunk in the batch's range (then wrote nothing),
    or wrote the batch and moved the run's ingest sequence to ``high_water``."""

    overlap: bool
    high_water: int | None


_E = ExperimentStatus
EXPERIMENT_TRANSITIONS = {
    _E.ACTIVE: frozenset({_E.COMPLETED, _E.FAILED, _E.CANCELLED, _E.ARCHIVED}),
    **{ended: frozenset({_E.ACTIVE, _E.ARCHIVED}) for ended in ENDED_EXPERIMENT_STATUSES},
    _E.ARCHIVED: frozenset({_E.ACTIVE}),
}


@dataclass(frozen=True)
class ExperimentLinks:
    """Other contexts' lookups of a visible row's project, passed in by the API (each of
    those contexts imports experiments): the model, dataset and workflow (pipeline) an
    experiment names must be in its project."""

    model: OwnerLookup
    dataset: OwnerLookup | None = None
    pipeline: OwnerLookup | None = None


async def _ensure_in_project(
    session: AsyncSession,
    actor: Actor,
    lookup: OwnerLookup | None,
    row_id: uuid.UUID,
    project_id: uuid.UUID,
    field: str,
    what: str,
) -> None:
    if lookup is None:
        raise AssertionError(f"the API passes the {what} lookup")
    await ensure_in_project(session, actor, lookup, row_id, project_id, field, what)


async def _writable_experiment(
    session: AsyncSession, actor: Actor, experiment_id: uuid.UUID | None
) -> Experiment:
    field = ["experiment_id"]
    experiment = await get_contributable(
        session, Experiment, experiment_id, actor, what="experiment", field=field, for_update=True
    )
    return experiment


async def experiment_update(
    session: AsyncSession,
    actor: Actor,
    *,
    experiment_id: uuid.UUID | None,
    changes: Mapping[str, Any],
    links: ExperimentLinks | None = None,
) -> Experiment:
    """Rename (unique among the project's live experiments), describe, replace the
    config, link or unlink its dataset and workflow (null unlinks). Contributors+."""
    experiment = await _writable_experiment(session, actor, experiment_id)
    for name, what in (("dataset_id", "dataset"), ("pipeline_id", "pipeline")):
        if name in changes:
            linked = changes[name]
            if linked is not None:
                lookup = getattr(links, what) if links is not None else None
                await _ensure_in_project(
                    session, actor, lookup, linked, experiment.project_id, name, what
                )
            setattr(experiment, name, linked)
    if "name" in changes:
        name = v.name(changes["name"], ["name"])
        taken = await session.scalar(
            select(func.count())
            .select_from(Experiment)
            .where(
                Experiment.project_id == experiment.project_id,
                Experiment.name == name,
                Experiment.id != experiment.id,
                Experiment.deleted_at.is_(None),
            )
        )
        if taken:
            raise DomainError(
                ErrorCode.CONFLICT, "an experiment in this project has this name", ["name"]
            )
        experiment.name = name
    if "description" in changes:
        experiment.description = v.optional_text(changes["description"], ["description"])
    if "config" in changes:
        experiment.config = v.json_object(changes["config"], ["config"])
    record_audit(
        session, actor, "experiment.update", experiment, details={"fields": sorted(changes)}
    )
    await session.flush()
    await session.refresh(experiment)
    return experiment


async def experiment_transition(
    session: AsyncSession,
    actor: Actor,
    *,
    experiment_id: uuid.UUID | None,
    status: ExperimentStatus,
) -> Experiment:
    """ACTIVE → COMPLETED | FAILED | CANCELLED → ARCHIVED (or straight to ARCHIVED), and
    back to ACTIVE. Entering an ended status sets completedAt (archiving an active one
    too); reopening starts it again (startedAt now, completedAt cleared). An archived
    experiment takes no new runs."""
    experiment = await _writable_experiment(session, actor, experiment_id)
    current = ExperimentStatus(experiment.status)
    ensure_transition("experiment", current, status, EXPERIMENT_TRANSITIONS[current])
    now = datetime.now(UTC)
    if status in ENDED_EXPERIMENT_STATUSES or (
        status is ExperimentStatus.ARCHIVED and experiment.completed_at is None
    ):
        experiment.completed_at = now
    elif status is ExperimentStatus.ACTIVE:
        experiment.started_at, experiment.completed_at = now, None
    experiment.status = status.value
    record_audit(
        session,
        actor,
        "experiment.transition",
        experiment,
        details={"from": current.value, "to": status.value},
    )
    await session.flush()
    await session.refresh(experiment)
    return experiment


async def experiment_delete(
    session: AsyncSession, actor: Actor, *, experiment_id: uuid.UUID | None
) -> Experiment:
    """Retire an experiment and its runs (soft delete) once none is running. Model versions
    keep their link to the runs that produced them (lineage)."""
    experiment = await _writable_experiment(session, actor, experiment_id)
    running = await session.scalar(
        select(func.count())
        .select_from(Run)
        .where(
            Run.experiment_id == experiment.id,
            Run.deleted_at.is_(None),
            Run.status == RunStatus.RUNNING.value,
        )
    )
    if running:
        raise DomainError(
            ErrorCode.CONFLICT,
            f"{running} run(s) of this experiment are running: finish them first",
            ["experiment_id"],
        )
    now = datetime.now(UTC)
    experiment.deleted_at = now
    await session.execute(
        update(Run)
        .where(Run.experiment_id == experiment.id, Run.deleted_at.is_(None))
        .values(deleted_at=now)
    )
    record_audit(session, actor, "experiment.delete", experiment, details={"name": experiment.name})
    await session.flush()
    return experiment


async def run_delete(session: AsyncSession, actor: Actor, *, run_id: uuid.UUID | None) -> Run:
    """Retire a run (soft delete) that is not running."""
    run = await _writable_run(session, actor, run_id)
    if run.status == RunStatus.RUNNING.value:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "the run is running: finish it first",
            ["run_id"],
        )
    run.deleted_at = datetime.now(UTC)
    record_audit(session, actor, "run.delete", run, details={"name": run.name})
    await session.flush()
    return run
