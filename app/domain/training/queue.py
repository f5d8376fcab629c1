"""The executors' work queue: claim the oldest queued jobs you can run, keep them with
heartbeats, lose them when the lease runs out.

A claim takes jobs with ``FOR UPDATE SKIP LOCKED``: two workers claiming at the same time
(in one process or many) lock different rows, so no job is handed out twice. Claiming
moves a job QUEUED → RUNNING under a lease (``lease_owner``, ``lease_expires_at``); each
heartbeat of its worker extends the lease; a lease that runs out sends the job back to
the queue (RUNNING → QUEUED, checked at every claim) for another worker. Finishing a job
(SUCCEEDED, FAILED, CANCELLED) ends its lease. Workers act with an API key whose role in
the job's organization is developer or admin."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import DomainError, ErrorCode, validation
from app.domain.lookup import get_visible
from app.domain.serving.gpu_types import canonical_key
from app.domain.serving.models import Environment
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.enums import OrgRole
from app.domain.training.enums import TrainingJobStatus
from app.domain.training.models import TrainingJob
from app.events import topics

MAX_CLAIM = 50
MIN_LEASE_SECONDS = 10
MAX_LEASE_SECONDS = 3600
MAX_WORKER = 200
MAX_GPU_TYPES = 50
WORKER_ROLES = (OrgRole.ADMIN, OrgRole.DEVELOPER)
QUEUED = TrainingJobStatus.QUEUED.value
RUNNING = TrainingJobStatus.RUNNING.value


def clean_worker(worker: str) -> str:
    worker = worker.strip()
    if not worker or len(worker) > MAX_WORKER or not worker.isprintable():
        raise validation(
            f"a worker name is 1-{MAX_WORKER} printable characters", ["input", "worker"]
        )
    return worker


def clean_lease(seconds: int) -> timedelta:
    if not MIN_LEASE_SECONDS <= seconds <= MAX_LEASE_SECONDS:
        raise validation(
            f"a lease is {MIN_LEASE_SECONDS} to {MAX_LEASE_SECONDS} seconds",
            ["input", "leaseSeconds"],
        )
    return timedelta(seconds=seconds)


def worker_organizations(actor: Actor) -> list[uuid.UUID]:
    """Where the caller may work: organizations it is a developer or admin of."""
    actor.require_write()
    orgs = [org for org, role in actor.org_roles.items() if role in WORKER_ROLES]
    if actor.org_roles and not orgs:
        raise DomainError(ErrorCode.FORBIDDEN, "running training jobs needs a developer role")
    return orgs


async def expire_leases(session: AsyncSession, actor: Actor, orgs: Sequence[uuid.UUID]) -> int:
    """Send every job whose lease ran out back to the queue; how many."""
    expired = (
        await session.execute(
            update(TrainingJob)
            .where(
                TrainingJob.organization_id.in_(orgs),
                TrainingJob.status == RUNNING,
                TrainingJob.lease_expires_at < func.now(),
            )
            .values(
                status=QUEUED,
                lease_owner=None,
                lease_expires_at=None,
                status_version=TrainingJob.status_version + 1,
            )
            .returning(TrainingJob.id, TrainingJob.organization_id)
        )
    ).all()
    for job_id, organization_id in expired:
        await topics.publish(session, topics.TRAINING_STATUS, job=job_id)
        record_audit(
            session, actor, "training_job.lease_expired", organization_id=organization_id,
            target_type="TrainingJob", target_id=job_id,
        )  # fmt: skip
    return len(expired)


async def training_jobs_claim(
    session: AsyncSession,
    actor: Actor,
    *,
    worker: str,
    limit: int,
    lease_seconds: int,
    environment_id: uuid.UUID | None,
    gpu_types: Sequence[str] | None,
) -> list[TrainingJob]:
    """The oldest queued jobs this worker can run (at most ``limit``), now RUNNING under
    its lease. ``gpu_types``: the GPU types it has (CPU jobs always fit); None: any."""
    worker = clean_worker(worker)
    lease = clean_lease(lease_seconds)
    if not 1 <= limit <= MAX_CLAIM:
        raise validation(f"claim 1 to {MAX_CLAIM} jobs at a time", ["input", "limit"])
    if gpu_types is not None and len(gpu_types) > MAX_GPU_TYPES:
        raise validation(f"at most {MAX_GPU_TYPES} GPU types", ["input", "gpuTypes"])
    types = (
        None
        if gpu_types is None
        else sorted(
            {canonical_key(t, ["input", "gpuTypes", str(i)]) for i, t in enumerate(gpu_types)}
        )
    )
    orgs = worker_organizations(actor)
    if environment_id is not None:
        environment = await get_visible(
            session, Environment, environment_id, actor, what="environment",
            field=["input", "environmentId"],
        )  # fmt: skip
        orgs = [org for org in orgs if org == environment.organization_id]
    if not orgs:
        return []
    await expire_leases(session, actor, orgs)
    candidates = select(TrainingJob.id).where(
        TrainingJob.organization_id.in_(orgs), TrainingJob.status == QUEUED
    )
    if environment_id is not None:
        candidates = candidates.where(TrainingJob.environment_id == environment_id)
    if types is not None:
        candidates = candidates.where(or_(~TrainingJob.use_gpu, TrainingJob.gpu_type.in_(types)))
    ids = list(
        await session.scalars(
            candidates.order_by(TrainingJob.id).limit(limit).with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return []
    await session.execute(
        update(TrainingJob)
        .where(TrainingJob.id.in_(ids))
        .values(
            status=RUNNING,
            lease_owner=worker,
            lease_expires_at=func.now() + lease,
            started_at=func.coalesce(TrainingJob.started_at, func.now()),
            claims=TrainingJob.claims + 1,
            status_version=TrainingJob.status_version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    jobs = list(
        await session.scalars(
            select(TrainingJob)
            .where(TrainingJob.id.in_(ids))
            .order_by(TrainingJob.id)
            .execution_options(populate_existing=True)
        )
    )
    for job in jobs:
        await topics.publish(session, topics.TRAINING_STATUS, job=job.id)
        record_audit(
            session, actor, "training_job.claimed", organization_id=job.organization_id,
            target_type="TrainingJob", target_id=job.id, details={"worker": worker},
        )  # fmt: skip
    return jobs


async def training_job_heartbeat(
    session: AsyncSession,
    actor: Actor,
    *,
    job_id: uuid.UUID | None,
    worker: str,
    lease_seconds: int,
) -> TrainingJob:
    """Extend the lease of a job this worker holds; CONFLICT once it is not its any more
    (the lease ran out, or another worker holds the job now)."""
    worker = clean_worker(worker)
    lease = clean_lease(lease_seconds)
    field = ["input", "trainingJobId"]
    job = await get_visible(
        session, TrainingJob, job_id, actor, what="training job", field=field, for_update=True
    )
    actor.require_org_role(job.organization_id, OrgRole.DEVELOPER, "training job", field)
    held = await session.scalar(
        select(TrainingJob.id).where(
            TrainingJob.id == job.id,
            TrainingJob.status == RUNNING,
            TrainingJob.lease_owner == worker,
            TrainingJob.lease_expires_at >= func.now(),
        )
    )
    if held is None:
        raise DomainError(
            ErrorCode.CONFLICT,
            "this worker does not hold the job (its lease ran out, or the job moved on)",
            ["input", "worker"],
        )
    job.lease_expires_at = func.now() + lease  # type: ignore[assignment]
    await session.flush()
    await session.refresh(job)
    return job
