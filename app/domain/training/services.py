"""Training jobs: created in a project for a target environment, moved through their
status machine by whoever runs them, cancelled from any state that is not final.

The GPU rule: ``useGpu: true`` needs a GPU type and at least one GPU, and the target
environment must offer that type, enabled (compared case-insensitively, through the
catalogue's canonical form); ``useGpu: false`` takes no GPU type and no GPUs. Each
violation is a userError naming its field."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import topics
from app.domain import validation as v
from app.domain.environments.models import Environment
from app.domain.errors import DomainError, ErrorCode, validation
from app.domain.experiments.models import Experiment, Run
from app.domain.notifications.enums import Trigger
from app.domain.notifications.services import enqueue_notifications
from app.domain.serving.gpu_types import canonical_key
from app.domain.serving.models import GpuType
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.enums import ProjectRole
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.projects import get_contributable, require_project_access
from app.domain.tenancy.visibility import visible_conditions
from app.domain.training.enums import Executor, TrainingJobStatus
from app.domain.training.models import TrainingJob, attach_run
from app.domain.training.rules import FINAL, RESOURCES, ensure_job_transition, ensure_resources
from app.domain.training.spec import JobSpec

MAX_REFERENCE = 512
MAX_ENTRY_POINT = 1024
MAX_EXTERNAL_ID = 256


async def status_changed(session: AsyncSession, job: TrainingJob) -> None:
    """Bump the job's status version and tell its subscribers (on commit)."""
    await topics.row_changed(session, job, topics.TRAINING_STATUS, "job")


# What else ends with a job, in the same transaction (a sweep's trial records its result
# and queues the next: app/domain/sweeps/trials.py). Every caller that may end a job
# passes it: this context does not import the contexts built on it.
JobFinished = Callable[[AsyncSession, Actor, TrainingJob], Awaitable[None]]


async def _enter(
    session: AsyncSession,
    actor: Actor,
    job: TrainingJob,
    status: TrainingJobStatus,
    details: dict[str, Any],
    finished: JobFinished,
) -> None:
    """Move the job to ``status`` (its checks done): its times and lease, its subscribers,
    what ends with it and the notification rules when it is final, the audit trail."""
    now = datetime.now(UTC)
    job.status = status.value
    if status is TrainingJobStatus.RUNNING:
        job.started_at = now
    if status in FINAL:
        job.ended_at = now
        job.lease_owner, job.lease_expires_at = None, None  # nobody holds a finished job
    await status_changed(session, job)
    if status in FINAL:
        await finished(session, actor, job)
        await enqueue_notifications(
            session,
            organization_id=job.organization_id,
            trigger=Trigger.TRAINING_JOB_COMPLETE,
            event_type="training_job.finished",
            payload={
                "training_job_id": str(job.id),
                "title": f"{job.name} {job.status}",
                "status": job.status,
                "error": job.error_message,
            },
            project_id=job.project_id,
        )
    record_audit(session, actor, f"training_job.{status.value}", job, details=details)


def _optional(value: str | None, max_length: int, field: list[str]) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > max_length:
        raise validation(f"at most {max_length} characters", field)
    return value


async def _offered_gpu(session: AsyncSession, environment: Environment, gpu_type: str) -> str:
    """The canonical id of a GPU type the environment offers, enabled."""
    field = [*RESOURCES, "gpu_type"]
    key = canonical_key(gpu_type, field)
    enabled = await session.scalar(
        select(GpuType.enabled).where(GpuType.environment_id == environment.id, GpuType.key == key)
    )
    if enabled is None:
        raise validation(f"environment {environment.name} offers no GPU type {key}", field)
    if not enabled:
        raise validation(f"GPU type {key} is disabled in environment {environment.name}", field)
    return key


async def clean_job_spec(
    session: AsyncSession,
    environment: Environment,
    *,
    image: str | None,
    entry_point: str | None,
    config: Any,
    cpu: float | None,
    memory_mb: int | None,
    gpus: int,
    gpu_type: str | None,
    use_gpu: bool,
) -> JobSpec:
    """The job's command and resources, checked; the GPU type offered by the environment,
    enabled, in its canonical form."""
    image = v.command_word(image, ["image"], MAX_REFERENCE)
    entry_point = v.command_word(entry_point, ["entry_point"], MAX_ENTRY_POINT)
    if image is None and entry_point is None:
        raise validation("give an image or an entry point", ["image"])
    gpu_type = gpu_type.strip() or None if gpu_type is not None else None
    ensure_resources(cpu, memory_mb, gpus, gpu_type, use_gpu)
    if use_gpu and gpu_type is not None:
        gpu_type = await _offered_gpu(session, environment, gpu_type)
    return JobSpec(
        image=image,
        entry_point=entry_point,
        config=v.json_object(config, ["config"]),
        cpu=cpu,
        memory_mb=memory_mb,
        gpus=gpus,
        gpu_type=gpu_type,
        use_gpu=use_gpu,
    )


async def training_job_create(
    session: AsyncSession,
    actor: Actor,
    *,
    project_id: uuid.UUID | None,
    experiment_id: uuid.UUID | None,
    environment_id: uuid.UUID | None,
    name: str,
    image: str | None,
    entry_point: str | None,
    config: Any,
    cpu: float | None,
    memory_mb: int | None,
    gpus: int,
    gpu_type: str | None,
    use_gpu: bool,
) -> TrainingJob:
    project = await require_project_access(
        session,
        actor,
        project_id,
        ProjectRole.CONTRIBUTOR,
        what="project",
        field=["project_id"],
    )
    environment = await get_visible(
        session,
        Environment,
        environment_id,
        actor,
        what="environment",
        field=["environment_id"],
    )
    if environment.organization_id != project.organization_id:
        raise DomainError(ErrorCode.NOT_FOUND, "environment not found", ["environment_id"])
    if experiment_id is not None:
        experiment = await get_visible(
            session,
            Experiment,
            experiment_id,
            actor,
            what="experiment",
            field=["experiment_id"],
        )
        if experiment.project_id != project.id:
            raise validation("the experiment belongs to another project", ["experiment_id"])
    spec = await clean_job_spec(
        session,
        environment,
        image=image,
        entry_point=entry_point,
        config=config,
        cpu=cpu,
        memory_mb=memory_mb,
        gpus=gpus,
        gpu_type=gpu_type,
        use_gpu=use_gpu,
    )
    job = TrainingJob(
        organization_id=project.organization_id,
        project_id=project.id,
        experiment_id=experiment_id,
        environment_id=environment.id,
        name=v.name(name, ["name"]),
        **spec.columns(),
        status=TrainingJobStatus.PENDING.value,
        created_by_id=actor.user_id,
    )
    session.add(job)
    await session.flush()
    record_audit(
        session,
        actor,
        "training_job.create",
        job,
        details={
            "name": job.name,
            "environment_id": str(environment.id),
            "gpu_type": spec.gpu_type,
        },
    )
    return job


async def _writable_job(
    session: AsyncSession, actor: Actor, job_id: uuid.UUID | None
) -> TrainingJob:
    field = ["training_job_id"]
    job = await get_contributable(
        session, TrainingJob, job_id, actor, what="training job", field=field, for_update=True
    )
    return job


async def training_job_transition(
    session: AsyncSession,
    actor: Actor,
    *,
    job_id: uuid.UUID | None,
    status: TrainingJobStatus,
    error_message: str | None,
    executor: Executor | None,
    external_id: str | None,
    run_id: uuid.UUID | None,
    finished: JobFinished,
) -> TrainingJob:
    """What an executor reports: the next status, and on the way its id for the job, the
    run the job produced, and why it failed."""
    job = await _writable_job(session, actor, job_id)
    current = TrainingJobStatus(job.status)
    ensure_job_transition(current, status)
    if error_message is not None and status is not TrainingJobStatus.FAILED:
        raise validation("an error message goes with FAILED only", ["error_message"])
    if (executor is None) != (external_id is None or not external_id.strip()):
        raise validation("an executor and its external id go together", ["external_id"])
    if executor is not None and external_id is not None:
        if job.executor is not None and (job.executor, job.external_id) != (
            executor.value,
            external_id.strip(),
        ):
            raise validation("the job already has an executor id", ["external_id"])
        clean_id = _optional(external_id, MAX_EXTERNAL_ID, ["external_id"])
        taken = await session.scalar(
            select(TrainingJob.id).where(
                TrainingJob.organization_id == job.organization_id,
                TrainingJob.executor == executor.value,
                TrainingJob.external_id == clean_id,
                TrainingJob.id != job.id,
                *visible_conditions(TrainingJob, actor.hidden),  # a hidden one is no oracle
            )
        )
        if taken is not None:
            raise DomainError(
                ErrorCode.CONFLICT,
                "another training job has this id on this executor",
                ["external_id"],
            )
        job.executor = executor.value
        job.external_id = clean_id
    if run_id is not None:
        run = await get_visible(session, Run, run_id, actor, what="run", field=["run_id"])
        if run.project_id != job.project_id:
            raise validation("the run belongs to another project", ["run_id"])
        attach_run(job, run)
    if status is TrainingJobStatus.FAILED:
        job.error_message = v.optional_text(error_message, ["error_message"])
    await _enter(session, actor, job, status, {"from": current.value}, finished)
    return job


async def training_job_cancel(
    session: AsyncSession, actor: Actor, *, job_id: uuid.UUID | None, finished: JobFinished
) -> TrainingJob:
    """From any state that is not final."""
    job = await _writable_job(session, actor, job_id)
    if TrainingJobStatus(job.status) in FINAL:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"a {job.status} training job cannot be cancelled",
            ["training_job_id"],
        )
    return await training_job_transition(
        session,
        actor,
        job_id=job.id,
        status=TrainingJobStatus.CANCELLED,
        error_message=None,
        executor=None,
        external_id=None,
        run_id=None,
        finished=finished,
    )


async def training_job_delete(
    session: AsyncSession, actor: Actor, *, job_id: uuid.UUID | None
) -> TrainingJob:
    """Retire a finished job (soft delete): it leaves the project's list, ``node`` and the
    lineage graph; its run, dataset inputs and audit trail stay. Contributors+."""
    job = await _writable_job(session, actor, job_id)
    if TrainingJobStatus(job.status) not in FINAL:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"a {job.status} training job cannot be deleted; cancel it first",
            ["training_job_id"],
        )
    job.deleted_at = datetime.now(UTC)
    record_audit(session, actor, "training_job.delete", job, details={"status": job.status})
    await session.flush()
    return job


async def training_jobs_cancel_for_run(
    session: AsyncSession,
    actor: Actor,
    *,
    run_id: uuid.UUID,
    reason: str,
    finished: JobFinished,
) -> list[TrainingJob]:
    """Cancel every unfinished training job of a run, saying why (a health rule fired):
    each is CANCELLED with ``reason`` as its error message, its lease ends, and its
    worker's next heartbeat is refused with the reason (app/domain/work_queue.py)."""
    jobs = list(
        await session.scalars(
            select(TrainingJob)
            .where(
                TrainingJob.run_id == run_id,
                TrainingJob.deleted_at.is_(None),
                TrainingJob.status.not_in([s.value for s in FINAL]),
            )
            .order_by(TrainingJob.id)
            .with_for_update()
        )
    )
    for job in jobs:
        await training_job_stop(session, actor, job, reason, finished)
    return jobs


async def training_job_stop(
    session: AsyncSession, actor: Actor, job: TrainingJob, reason: str, finished: JobFinished
) -> None:
    """Cancel an unfinished job (locked by the caller) saying why: CANCELLED with
    ``reason`` as its error message; its worker's next heartbeat is refused with it."""
    was = job.status
    job.error_message = reason[:4000]
    details = {"from": was, "why": reason}
    await _enter(session, actor, job, TrainingJobStatus.CANCELLED, details, finished)
