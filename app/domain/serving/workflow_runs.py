"""Runs of a WORKFLOW serve's workflow, and the schedules that start them.

A run is a version of the model on the nodes its environment's workflow config names
(copied into the run when it is made). It is made by hand (``workflow_run_create``) or by
the config's schedule; workers claim runs from the queue (app/domain/work_queue.py), keep
them with heartbeats and finish them SUCCEEDED or FAILED; a lost lease sends a run back to
the queue until its retry limit.

A config's schedule fires as a pipeline schedule does (app/domain/pipelines/schedules.py):
due configs are claimed ``FOR UPDATE SKIP LOCKED`` and, in the same transaction, each one's
run is queued and its ``next_run_at`` moved past ``now`` — each fire time queues at most one
run, however many schedulers run. Missed fire times follow the config's ``missed_runs``
policy. A fire queues nothing (and the schedule moves on) when there is no version to run
(none named and none in PRODUCTION), or the project is PUBLIC (read-only)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.engine import SessionFactory
from app.domain import topics
from app.domain import validation as v
from app.domain.cron import MISSED_AFTER, Fired, fire_due, next_fire
from app.domain.errors import DomainError, ErrorCode, not_found, validation
from app.domain.pipelines.enums import MissedRuns
from app.domain.registry.enums import ModelStage
from app.domain.registry.models import ModelVersion
from app.domain.serving.enums import WORKFLOW_RUN_ENDED, WorkflowRunStatus, WorkflowRunTrigger
from app.domain.serving.models import WorkflowConfig, WorkflowRun
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.projects import get_contributable, project_writable
from app.domain.work_queue import WorkQueue

MAX_CLAIM = 20

QUEUE = WorkQueue[WorkflowRun](
    model=WorkflowRun,
    noun="workflow run",
    audit_prefix="workflow_run",
    channel=topics.WORKFLOW_RUN_STATUS,
    payload_key="workflow_run",
    waiting=WorkflowRunStatus.PENDING.value,
    running=WorkflowRunStatus.RUNNING.value,
    failed=WorkflowRunStatus.FAILED.value,
    max_claims="max_attempts",
)


async def version_to_run(
    session: AsyncSession, config: WorkflowConfig, version_id: uuid.UUID | None
) -> ModelVersion | None:
    """The version a run of ``config`` serves: ``version_id``, else the config's, else the
    model's PRODUCTION version; None when there is none (or it is no longer live)."""
    chosen = version_id or config.model_version_id
    query = select(ModelVersion).where(
        ModelVersion.model_id == config.model_id, ModelVersion.deleted_at.is_(None)
    )
    if chosen is not None:
        query = query.where(ModelVersion.id == chosen)
    else:
        query = query.where(ModelVersion.stage == ModelStage.PRODUCTION.value)
    return await session.scalar(query.order_by(ModelVersion.created_at.desc()).limit(1))


def _queued(
    config: WorkflowConfig,
    version: ModelVersion,
    trigger: WorkflowRunTrigger,
    created_by_id: uuid.UUID | None,
    scheduled_for: datetime | None = None,
) -> WorkflowRun:
    return WorkflowRun(
        organization_id=config.organization_id,
        project_id=config.project_id,
        model_id=config.model_id,
        model_version_id=version.id,
        environment_id=config.environment_id,
        workflow_config_id=config.id,
        trigger=trigger.value,
        scheduled_for=scheduled_for,
        head_node=dict(config.head_node),
        worker_node=dict(config.worker_node),
        min_workers=config.min_workers,
        max_workers=config.max_workers,
        status=WorkflowRunStatus.PENDING.value,
        created_by_id=created_by_id,
        status_version=1,
    )


async def workflow_run_create(
    session: AsyncSession,
    actor: Actor,
    *,
    config_id: uuid.UUID | None,
    model_version_id: uuid.UUID | None,
    max_attempts: int,
) -> WorkflowRun:
    """Queue a run now, on the config's environment and nodes. Contributors."""
    field = ["workflow_config_id"]
    config = await get_contributable(
        session, WorkflowConfig, config_id, actor, what="workflow config", field=field
    )
    if model_version_id is not None:
        await get_visible(  # seen like any id, then held to the serve's own versions
            session, ModelVersion, model_version_id, actor, what="model version",
            field=["model_version_id"],
        )  # fmt: skip
    if not 1 <= max_attempts <= 10:
        raise validation("must be between 1 and 10", ["max_attempts"])
    version = await version_to_run(session, config, model_version_id)
    if version is None:
        if model_version_id is not None:
            raise not_found("model version of this serve", ["model_version_id"])
        raise DomainError(
            ErrorCode.CONFLICT,
            "the serve has no PRODUCTION version and the config names none: pass "
            "modelVersionId, or name one in workflowConfigSet",
            ["model_version_id"],
        )
    run = _queued(config, version, WorkflowRunTrigger.MANUAL, actor.user_id)
    run.max_attempts = max_attempts
    session.add(run)
    await session.flush()
    await session.refresh(run)
    await QUEUE.publish(session, run.id)
    record_audit(session, actor, "workflow_run.create", run,
                 details={"model_version_id": str(version.id)})  # fmt: skip
    return run


async def workflow_runs_claim(
    session: AsyncSession, actor: Actor, *, worker: str, limit: int, lease_seconds: int
) -> list[WorkflowRun]:
    """The oldest pending runs (at most ``limit``), now RUNNING under this worker."""
    return await QUEUE.claim(
        session, actor, worker=worker, limit=limit, max_limit=MAX_CLAIM,
        lease_seconds=lease_seconds, orgs=QUEUE.worker_organizations(actor),
    )  # fmt: skip


async def workflow_run_heartbeat(
    session: AsyncSession, actor: Actor, *, run_id: uuid.UUID | None, worker: str,
    lease_seconds: int,
) -> WorkflowRun:  # fmt: skip
    return await QUEUE.heartbeat(
        session, actor, row_id=run_id, worker=worker, lease_seconds=lease_seconds,
        field=["workflow_run_id"],
    )  # fmt: skip


async def workflow_run_finish(
    session: AsyncSession,
    actor: Actor,
    *,
    run_id: uuid.UUID | None,
    worker: str,
    status: WorkflowRunStatus,
    error_message: str | None,
) -> WorkflowRun:
    """The worker holding the run ends it: SUCCEEDED, or FAILED with an error."""
    if status not in (WorkflowRunStatus.SUCCEEDED, WorkflowRunStatus.FAILED):
        raise validation("a workflow run finishes SUCCEEDED or FAILED", ["status"])
    run = await QUEUE.held(session, actor, row_id=run_id, worker=worker, field=["workflow_run_id"])
    if status is WorkflowRunStatus.SUCCEEDED and error_message is not None:
        raise validation("a succeeded run has no error", ["error_message"])
    run.error_message = v.optional_text(error_message, ["error_message"], 4000)
    await QUEUE.end(session, run, status.value)
    record_audit(session, actor, f"workflow_run.{status.value}", run, details={"worker": worker})
    return run


async def workflow_run_cancel(
    session: AsyncSession, actor: Actor, *, run_id: uuid.UUID | None
) -> WorkflowRun:
    """Stop a pending or running run (its worker's next heartbeat or finish is refused).
    Contributors."""
    field = ["workflow_run_id"]
    run = await get_contributable(
        session, WorkflowRun, run_id, actor, what="workflow run", field=field, for_update=True
    )
    if WorkflowRunStatus(run.status) in WORKFLOW_RUN_ENDED:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"a {run.status} workflow run cannot be cancelled", field
        )
    previous = run.status
    await QUEUE.end(session, run, WorkflowRunStatus.CANCELLED.value)
    record_audit(session, actor, "workflow_run.cancelled", run, details={"from": previous})
    return run


# -- schedules -------------------------------------------------------------------------


async def workflow_schedules_fire(
    session_factory: SessionFactory, now: datetime, *, missed_after: timedelta = MISSED_AFTER
) -> Fired:
    """Every workflow config whose schedule is due at ``now``: its run queued (or its
    missed fire times skipped), its next fire time set."""
    due = (
        select(WorkflowConfig)
        .where(
            WorkflowConfig.schedule_enabled,
            WorkflowConfig.cron.is_not(None),
            WorkflowConfig.next_run_at <= now,
        )
        .order_by(WorkflowConfig.next_run_at, WorkflowConfig.id)
    )
    return await fire_due(
        session_factory, due, lambda session, row: _fire(session, row, now, missed_after)
    )


async def _fire(
    session: AsyncSession, config: WorkflowConfig, now: datetime, missed_after: timedelta
) -> uuid.UUID | None:
    assert config.next_run_at is not None and config.cron and config.time_zone  # due
    fire_time = config.next_run_at
    missed = now - fire_time > missed_after
    version = await version_to_run(session, config, None)
    run_id = None
    runnable = version is not None and await project_writable(session, config.project_id)
    if runnable and not (missed and MissedRuns(config.missed_runs) is MissedRuns.SKIP):
        assert version is not None
        run = _queued(config, version, WorkflowRunTrigger.SCHEDULE, config.created_by_id,
                      scheduled_for=fire_time)  # fmt: skip
        session.add(run)
        await session.flush()
        await QUEUE.publish(session, run.id)
        run_id, config.last_run_at = run.id, now
        record_audit(session, Actor(), "workflow_run.create", run,
                     details={"workflow_config_id": str(config.id), "missed": missed})  # fmt: skip
    config.next_run_at = next_fire(config.cron, config.time_zone, now)
    return run_id
