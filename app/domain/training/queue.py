"""The executors' work queue of training jobs (app/domain/work_queue.py): claim the oldest
queued jobs you can run, keep them with heartbeats, lose them when the lease runs out
(RUNNING → QUEUED, for another worker). Finishing a job (SUCCEEDED, FAILED, CANCELLED) ends
its lease."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import topics
from app.domain.environments.models import Environment
from app.domain.errors import validation
from app.domain.experiments.models import Run
from app.domain.serving.gpu_types import canonical_key
from app.domain.tenancy.access import Actor
from app.domain.tenancy.lookup import get_visible
from app.domain.training.enums import TrainingJobStatus
from app.domain.training.models import TrainingJob, attach_run
from app.domain.work_queue import WorkQueue

MAX_CLAIM = 50
MAX_GPU_TYPES = 50
QUEUED = TrainingJobStatus.QUEUED.value
RUNNING = TrainingJobStatus.RUNNING.value
QUEUE = WorkQueue[TrainingJob](
    model=TrainingJob,
    noun="training job",
    audit_prefix="training_job",
    channel=topics.TRAINING_STATUS,
    payload_key="job",
    waiting=QUEUED,
    running=RUNNING,
    heartbeat_column="heartbeat_at",
)


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
    if gpu_types is not None and len(gpu_types) > MAX_GPU_TYPES:
        raise validation(f"at most {MAX_GPU_TYPES} GPU types", ["gpu_types"])
    types = (
        None
        if gpu_types is None
        else sorted({canonical_key(t, ["gpu_types", str(i)]) for i, t in enumerate(gpu_types)})
    )
    orgs = QUEUE.worker_organizations(actor)
    if environment_id is not None:
        environment = await get_visible(
            session,
            Environment,
            environment_id,
            actor,
            what="environment",
            field=["environment_id"],
        )
        orgs = [org for org in orgs if org == environment.organization_id]
    conditions = []
    if environment_id is not None:
        conditions.append(TrainingJob.environment_id == environment_id)
    if types is not None:
        conditions.append(or_(~TrainingJob.use_gpu, TrainingJob.gpu_type.in_(types)))
    return await QUEUE.claim(
        session,
        actor,
        worker=worker,
        limit=limit,
        max_limit=MAX_CLAIM,
        lease_seconds=lease_seconds,
        orgs=orgs,
        conditions=conditions,
    )


async def training_job_heartbeat(
    session: AsyncSession,
    actor: Actor,
    *,
    job_id: uuid.UUID | None,
    worker: str,
    lease_seconds: int,
    run_id: uuid.UUID | None = None,
) -> TrainingJob:
    """Extend the lease of a job this worker holds; CONFLICT once it is not its any more
    (the lease ran out, another worker holds the job now, or it was cancelled: the message
    says which). ``run_id``: the run the worker logs to, linked to the job."""
    run = None
    if run_id is not None:  # every id checked like a read, before anything else
        run = await get_visible(session, Run, run_id, actor, what="run", field=["run_id"])
    job = await QUEUE.heartbeat(
        session,
        actor,
        row_id=job_id,
        worker=worker,
        lease_seconds=lease_seconds,
        field=["training_job_id"],
    )
    if run is not None and job.run_id != run.id:
        if job.run_id is not None:
            raise validation("the job is linked to another run", ["run_id"])
        if run.project_id != job.project_id:
            raise validation("the run belongs to another project", ["run_id"])
        attach_run(job, run)
        await session.flush()
    return job
