"""GPU efficiency: the GPU-hours training jobs used, per job and summed per project, GPU
type, run or model version of an organization.

A job's GPU-hours are its GPUs times the time it ran: from ``started_at`` to ``ended_at``
(finished), or to its worker's last heartbeat (still running; nothing before the first).
Whole seconds, so the figure is the same whichever path reads it. Only the caller's
organization and the projects it can see are summed (a private project's jobs never show
in an organization total of someone who cannot see the project)."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Float, cast, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import not_found, validation
from app.domain.registry.models import ModelVersion
from app.domain.tenancy.access import Actor
from app.domain.tenancy.visibility import visible_conditions
from app.domain.training.models import TrainingJob

MAX_ROWS = 1_000


class GpuUsageGroup(enum.Enum):
    PROJECT = "project"
    GPU_TYPE = "gpu_type"
    RUN = "run"
    MODEL_VERSION = "model_version"


def gpu_seconds(job: Any) -> ColumnElement[Any]:
    """GPU-seconds of a job row (``job``: the table or an alias of it)."""
    until = func.coalesce(job.ended_at, job.heartbeat_at, job.started_at)
    seconds: ColumnElement[Any] = job.gpus * func.floor(
        func.extract("epoch", until - job.started_at)
    )
    return seconds


@dataclass(frozen=True)
class GpuUsage:
    jobs: int
    gpu_hours: float
    project_id: uuid.UUID | None = None
    gpu_type: str | None = None
    run_id: uuid.UUID | None = None
    model_version_id: uuid.UUID | None = None


async def gpu_usage(
    session: AsyncSession,
    actor: Actor,
    *,
    organization_id: uuid.UUID,
    project_id: uuid.UUID | None,
    group_by: Sequence[GpuUsageGroup],
) -> list[GpuUsage]:
    """GPU-hours of the organization's GPU jobs that started (of one project), summed per
    combination of ``group_by`` (none: one total), most first, at most MAX_ROWS."""
    if organization_id not in actor.org_ids:
        raise not_found("organization", ["organization_id"])
    if len(set(group_by)) != len(group_by):
        raise validation("name each grouping once", ["group_by"])
    job = TrainingJob.__table__
    seconds = gpu_seconds(job.c)
    columns: dict[GpuUsageGroup, Any] = {
        GpuUsageGroup.PROJECT: job.c.project_id,
        GpuUsageGroup.GPU_TYPE: job.c.gpu_type,
        GpuUsageGroup.RUN: job.c.run_id,
        GpuUsageGroup.MODEL_VERSION: ModelVersion.id,
    }
    chosen = [columns[group] for group in group_by]
    hours = cast(func.coalesce(func.sum(seconds), 0), Float) / literal_column("3600.0")
    query = select(*chosen, func.count(func.distinct(job.c.id)), hours).where(
        job.c.organization_id == organization_id,
        job.c.deleted_at.is_(None),
        job.c.use_gpu,
        job.c.started_at.is_not(None),
        *visible_conditions(job, actor.hidden),
    )
    if project_id is not None:
        query = query.where(job.c.project_id == project_id)
    if GpuUsageGroup.MODEL_VERSION in group_by:  # a job counts toward each version of its run
        query = query.join(
            ModelVersion,
            (ModelVersion.run_id == job.c.run_id) & ModelVersion.deleted_at.is_(None),
        ).where(*visible_conditions(ModelVersion, actor.hidden))
    if chosen:
        query = query.group_by(*chosen)
    query = query.order_by(hours.desc(), *chosen).limit(MAX_ROWS)
    rows = (await session.execute(query)).all()
    out = []
    for row in rows:
        named = dict(zip(group_by, row[: len(group_by)], strict=True))
        jobs, total = row[len(group_by)], row[len(group_by) + 1]
        out.append(
            GpuUsage(
                jobs=int(jobs),
                gpu_hours=float(total or 0.0),
                project_id=named.get(GpuUsageGroup.PROJECT),
                gpu_type=named.get(GpuUsageGroup.GPU_TYPE),
                run_id=named.get(GpuUsageGroup.RUN),
                model_version_id=named.get(GpuUsageGroup.MODEL_VERSION),
            )
        )
    return out
