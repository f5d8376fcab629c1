"""GPU usage: the GPU-hours an organization's training jobs used, grouped as asked (read
in Python: a grouped sum, app/domain/health/gpu_usage.py)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from app.api.errors import ClientError
from app.api.exposing import expose
from app.domain.errors import DomainError
from app.domain.experiments.models import Run as RunRow
from app.domain.health import gpu_usage as usage
from app.domain.registry.models import ModelVersion as ModelVersionRow
from app.domain.tenancy.models import Project as ProjectRow

if TYPE_CHECKING:
    from app.api.experiments.types import Run
    from app.api.registry.types import ModelVersion, Project

expose(usage.GpuUsageGroup)
GpuUsageGroup = usage.GpuUsageGroup

ProjectType = Annotated["Project", strawberry.lazy("app.api.registry.types")]
RunType = Annotated["Run", strawberry.lazy("app.api.experiments.types")]
VersionType = Annotated["ModelVersion", strawberry.lazy("app.api.registry.types")]


@strawberry.type(
    description="GPU-hours of training jobs (GPUs × the time each ran) and how many jobs, "
    "for one combination of the groupings asked (the others are null)."
)
class GpuUsage:
    jobs: int
    gpu_hours: float
    gpu_type: str | None
    project_id: strawberry.Private[uuid.UUID | None]
    run_id: strawberry.Private[uuid.UUID | None]
    model_version_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field
    async def project(self, info: Info) -> ProjectType | None:
        from app.api.registry.types import Project

        row = await _row(info, ProjectRow, self.project_id)
        return Project.from_row(row) if row is not None else None

    @strawberry.field
    async def run(self, info: Info) -> RunType | None:
        from app.api.experiments.types import Run

        row = await _row(info, RunRow, self.run_id)
        return Run.from_row(row) if row is not None else None

    @strawberry.field
    async def model_version(self, info: Info) -> VersionType | None:
        from app.api.registry.types import ModelVersion

        row = await _row(info, ModelVersionRow, self.model_version_id)
        return ModelVersion.from_row(row) if row is not None else None


async def _row(info: Info, model: type, row_id: uuid.UUID | None) -> object | None:
    if row_id is None:
        return None
    return await info.context.loaders.by_id(model).load(row_id)


async def gpu_usage(
    info: Info,
    organization_id: uuid.UUID,
    project_id: uuid.UUID | None,
    group_by: list[GpuUsageGroup],
) -> list[GpuUsage]:
    try:
        async with info.context.read_session_factory() as session:
            found = await usage.gpu_usage(
                session,
                info.context.actor,
                organization_id=organization_id,
                project_id=project_id,
                group_by=group_by,
            )
    except DomainError as error:
        raise ClientError(error.message, error.code.value) from error
    return [
        GpuUsage(
            jobs=row.jobs,
            gpu_hours=row.gpu_hours,
            gpu_type=row.gpu_type,
            project_id=row.project_id,
            run_id=row.run_id,
            model_version_id=row.model_version_id,
        )
        for row in found
    ]
