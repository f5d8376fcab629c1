"""Pattern jobs: a contributor asks for a search in a dataset version (a pattern type, an
algorithm, its config); workers claim jobs from the queue (app/domain/work_queue.py), keep
them with heartbeats and finish them with their results (SUCCEEDED) or an error (FAILED).
A job whose lease runs out goes back to the queue until its retry limit, then FAILED."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import topics
from app.domain import validation as v
from app.domain.datasets.models import Dataset, DatasetVersion
from app.domain.errors import DomainError, ErrorCode, validation
from app.domain.patterns.algorithms import clean_config
from app.domain.patterns.enums import FINAL, PatternAlgorithm, PatternJobStatus, PatternType
from app.domain.patterns.models import PatternJob
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.enums import ProjectRole
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.projects import get_contributable, require_project_access
from app.domain.work_queue import WorkQueue

MAX_CLAIM = 20
MAX_RESULTS_BYTES = 1024 * 1024
MAX_PATTERNS = 10_000_000

QUEUE = WorkQueue[PatternJob](
    model=PatternJob,
    noun="pattern job",
    audit_prefix="pattern_job",
    channel=topics.PATTERN_JOB_STATUS,
    payload_key="pattern_job",
    waiting=PatternJobStatus.PENDING.value,
    running=PatternJobStatus.RUNNING.value,
    failed=PatternJobStatus.FAILED.value,
    max_claims="max_attempts",
)


async def pattern_job_create(
    session: AsyncSession,
    actor: Actor,
    *,
    dataset_version_id: uuid.UUID | None,
    name: str,
    pattern_type: PatternType,
    algorithm: PatternAlgorithm,
    config: Any,
    max_attempts: int,
) -> PatternJob:
    """A PENDING job over a dataset version the caller contributes to (its project's)."""
    field = ["dataset_version_id"]
    data = await get_visible(
        session, DatasetVersion, dataset_version_id, actor, what="dataset version", field=field
    )
    dataset = await session.get_one(Dataset, data.dataset_id)
    await require_project_access(
        session, actor, dataset.project_id, ProjectRole.CONTRIBUTOR, what="dataset version",
        field=field,
    )  # fmt: skip
    name = v.name(name, ["name"])
    clean = clean_config(pattern_type, algorithm, config)
    if not 1 <= max_attempts <= 10:
        raise validation("must be between 1 and 10", ["max_attempts"])
    job = PatternJob(
        organization_id=data.organization_id,
        project_id=dataset.project_id,
        dataset_version_id=data.id,
        name=name,
        pattern_type=pattern_type.value,
        algorithm=algorithm.value,
        config=clean,
        status=PatternJobStatus.PENDING.value,
        max_attempts=max_attempts,
        created_by_id=actor.user_id,
        status_version=1,
    )
    session.add(job)
    await session.flush()
    await session.refresh(job)
    await QUEUE.publish(session, job.id)
    record_audit(
        session, actor, "pattern_job.create", job,
        details={"algorithm": algorithm.value, "dataset_version_id": str(data.id)},
    )  # fmt: skip
    return job


async def pattern_jobs_claim(
    session: AsyncSession, actor: Actor, *, worker: str, limit: int, lease_seconds: int
) -> list[PatternJob]:
    """The oldest pending jobs (at most ``limit``), now RUNNING under this worker."""
    return await QUEUE.claim(
        session, actor, worker=worker, limit=limit, max_limit=MAX_CLAIM,
        lease_seconds=lease_seconds, orgs=QUEUE.worker_organizations(actor),
    )  # fmt: skip


async def pattern_job_heartbeat(
    session: AsyncSession, actor: Actor, *, job_id: uuid.UUID | None, worker: str,
    lease_seconds: int,
) -> PatternJob:  # fmt: skip
    return await QUEUE.heartbeat(
        session, actor, row_id=job_id, worker=worker, lease_seconds=lease_seconds,
        field=["pattern_job_id"],
    )  # fmt: skip


async def pattern_job_finish(
    session: AsyncSession,
    actor: Actor,
    *,
    job_id: uuid.UUID | None,
    worker: str,
    status: PatternJobStatus,
    results: Any,
    pattern_count: int | None,
    error_message: str | None,
) -> PatternJob:
    """The worker holding the job ends it: SUCCEEDED with its results (a JSON object of at
    most 1 MiB) and how many patterns it found, or FAILED with an error."""
    if status not in (PatternJobStatus.SUCCEEDED, PatternJobStatus.FAILED):
        raise validation("a pattern job finishes SUCCEEDED or FAILED", ["status"])
    job = await QUEUE.held(session, actor, row_id=job_id, worker=worker, field=["pattern_job_id"])
    if status is PatternJobStatus.SUCCEEDED:
        if pattern_count is None or not 0 <= pattern_count <= MAX_PATTERNS:
            raise validation(f"a succeeded job says how many patterns (0 to {MAX_PATTERNS:,})",
                             ["pattern_count"])  # fmt: skip
        v.json_value(v.json_object(results, ["results"]), ["results"], max_bytes=MAX_RESULTS_BYTES)
        if error_message is not None:
            raise validation("a succeeded job has no error", ["error_message"])
        job.results, job.pattern_count = results or {}, pattern_count
    else:
        if results is not None or pattern_count is not None:
            raise validation("a failed job has no results", ["results"])
        job.error_message = v.optional_text(error_message, ["error_message"], 4000)
    await QUEUE.end(session, job, status.value)
    record_audit(session, actor, f"pattern_job.{status.value}", job, details={"worker": worker})
    return job


async def pattern_job_cancel(
    session: AsyncSession, actor: Actor, *, job_id: uuid.UUID | None
) -> PatternJob:
    """Stop a pending or running job (its worker's next heartbeat or finish is refused).
    Contributors+."""
    field = ["pattern_job_id"]
    job = await get_contributable(
        session, PatternJob, job_id, actor, what="pattern job", field=field, for_update=True
    )
    if PatternJobStatus(job.status) in FINAL:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"a {job.status} pattern job cannot be cancelled", field
        )
    previous = job.status
    await QUEUE.end(session, job, PatternJobStatus.CANCELLED.value)
    record_audit(session, actor, "pattern_job.cancelled", job, details={"from": previous})
    return job
