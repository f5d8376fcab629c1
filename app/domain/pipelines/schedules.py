"""Pipeline schedules: a cron expression in a time zone starts runs of an ACTIVE pipeline.

Exactly once, with any number of schedulers: ``schedules_fire`` claims the due schedules
with ``FOR UPDATE SKIP LOCKED`` and, in the same transaction, starts each one's run and
moves its ``next_run_at`` past ``now``; another scheduler either skips the locked rows or,
after the commit, finds them no longer due. ``now`` is passed in, so a test (or an operator
running ``mlgraph schedules-fire``) decides what time it is.

Missed fire times (no scheduler ran: downtime) follow the schedule's policy: a fire time
more than ``missed_after`` in the past counts as missed; RUN_ONCE starts one run for all
of them, SKIP starts none. Either way the schedule then waits for its next fire time. A
pipeline that is not ACTIVE, or is in a PUBLIC (read-only) project, starts nothing: its
schedule moves on."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.engine import SessionFactory
from app.domain.cron import MISSED_AFTER, Fired, clean_schedule, fire_due, next_fire
from app.domain.errors import validation
from app.domain.pipelines.enums import MissedRuns, PipelineStatus
from app.domain.pipelines.models import Pipeline, PipelineSchedule
from app.domain.pipelines.rules import MAX_RETRIES
from app.domain.pipelines.services import new_run
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.projects import get_contributable, project_writable


async def schedules_fire(
    session_factory: SessionFactory,
    now: datetime,
    *,
    missed_after: timedelta = MISSED_AFTER,
) -> Fired:
    """Every pipeline schedule due at ``now``: its run started (or its missed fire times
    skipped), its next fire time set."""
    due = (
        select(PipelineSchedule)
        .where(PipelineSchedule.enabled, PipelineSchedule.next_run_at <= now)
        .order_by(PipelineSchedule.next_run_at, PipelineSchedule.id)
    )
    return await fire_due(
        session_factory, due, lambda session, row: _fire(session, row, now, missed_after)
    )


async def _fire(
    session: AsyncSession,
    schedule: PipelineSchedule,
    now: datetime,
    missed_after: timedelta,
) -> uuid.UUID | None:
    missed = now - schedule.next_run_at > missed_after
    pipeline = await session.get(Pipeline, schedule.pipeline_id)
    runnable = (
        pipeline is not None
        and pipeline.deleted_at is None
        and pipeline.status == PipelineStatus.ACTIVE.value
        and await project_writable(session, pipeline.project_id)
    )
    run_id = None
    if runnable and not (missed and MissedRuns(schedule.missed_runs) is MissedRuns.SKIP):
        assert pipeline is not None
        run = await new_run(session, pipeline, schedule.max_retries, schedule.created_by_id)
        run_id = run.id
        record_audit(session, Actor(), "pipeline_run.create", run,
                     details={"schedule_id": str(schedule.id)})  # fmt: skip
        schedule.last_run_at, schedule.last_pipeline_run_id = now, run_id
    schedule.next_run_at = next_fire(schedule.cron, schedule.time_zone, now)
    record_audit(
        session, Actor(), "pipeline_schedule.fired", schedule,
        details={"pipeline_run_id": str(run_id) if run_id else None, "missed": missed,
                 "next_run_at": schedule.next_run_at.isoformat()},
    )  # fmt: skip
    return run_id


async def pipeline_schedule_create(
    session: AsyncSession,
    actor: Actor,
    *,
    pipeline_id: uuid.UUID | None,
    cron: str,
    time_zone: str,
    missed_runs: MissedRuns,
    max_retries: int,
    enabled: bool,
) -> PipelineSchedule:
    """A schedule of a pipeline the caller contributes to; its first fire time is the
    first after now."""
    pipeline = await get_contributable(
        session, Pipeline, pipeline_id, actor, what="pipeline", field=["pipeline_id"]
    )
    cron, time_zone = clean_schedule(cron, time_zone)
    if not 0 <= max_retries <= MAX_RETRIES:
        raise validation(f"must be 0 to {MAX_RETRIES}", ["max_retries"])
    schedule = PipelineSchedule(
        organization_id=pipeline.organization_id,
        project_id=pipeline.project_id,
        pipeline_id=pipeline.id,
        cron=cron,
        time_zone=time_zone,
        missed_runs=missed_runs.value,
        max_retries=max_retries,
        enabled=enabled,
        next_run_at=next_fire(cron, time_zone, datetime.now(UTC)),
        created_by_id=actor.user_id,
    )
    session.add(schedule)
    await session.flush()
    record_audit(session, actor, "pipeline_schedule.create", schedule,
                 details={"cron": cron, "time_zone": time_zone})  # fmt: skip
    return schedule


async def pipeline_schedule_update(
    session: AsyncSession,
    actor: Actor,
    *,
    schedule_id: uuid.UUID | None,
    changes: Mapping[str, Any],
) -> PipelineSchedule:
    """Change what is given; a new cron expression or time zone, or enabling it again,
    sets the next fire time anew from now."""
    schedule = await get_contributable(
        session, PipelineSchedule, schedule_id, actor, what="pipeline schedule",
        field=["pipeline_schedule_id"], for_update=True,
    )  # fmt: skip
    for name in ("cron", "time_zone", "enabled", "missed_runs", "max_retries"):
        if name in changes and changes[name] is None:
            raise validation("cannot be null", [name])
    cron, time_zone = clean_schedule(
        changes.get("cron", schedule.cron), changes.get("time_zone", schedule.time_zone)
    )
    if "max_retries" in changes and not 0 <= changes["max_retries"] <= MAX_RETRIES:
        raise validation(f"must be 0 to {MAX_RETRIES}", ["max_retries"])
    retimed = (cron, time_zone) != (schedule.cron, schedule.time_zone) or (
        changes.get("enabled") is True and not schedule.enabled
    )
    schedule.cron, schedule.time_zone = cron, time_zone
    if "missed_runs" in changes:
        schedule.missed_runs = changes["missed_runs"].value
    if "max_retries" in changes:
        schedule.max_retries = changes["max_retries"]
    if "enabled" in changes:
        schedule.enabled = changes["enabled"]
    if retimed:
        schedule.next_run_at = next_fire(cron, time_zone, datetime.now(UTC))
    await session.flush()
    record_audit(session, actor, "pipeline_schedule.update", schedule,
                 details={"fields": sorted(changes)})  # fmt: skip
    return schedule


async def pipeline_schedule_delete(
    session: AsyncSession, actor: Actor, *, schedule_id: uuid.UUID | None
) -> PipelineSchedule:
    schedule = await get_contributable(
        session, PipelineSchedule, schedule_id, actor, what="pipeline schedule",
        field=["pipeline_schedule_id"], for_update=True,
    )  # fmt: skip
    record_audit(session, actor, "pipeline_schedule.delete", schedule,
                 details={"cron": schedule.cron})  # fmt: skip
    await session.delete(schedule)
    await session.flush()
    return schedule
