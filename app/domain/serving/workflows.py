"""A WORKFLOW serve's infrastructure per environment: its head node and its worker nodes
(instance type, CPU, memory, GPUs from the environment's catalogue) and how many workers,
validated as a deployment's runtime is; the version its runs serve; and its schedule (runs:
app/domain/serving/workflow_runs.py). API serves have deployments instead."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.cron import clean_schedule, next_fire
from app.domain.environments.models import Environment
from app.domain.errors import DomainError, not_found, validation
from app.domain.pipelines.enums import MissedRuns
from app.domain.registry.enums import ServeType
from app.domain.registry.models import Model, ModelVersion
from app.domain.serving.models import WorkflowConfig
from app.domain.serving.runtime import BOUNDS, GPU_TYPE_RE, MACHINE_TYPE_RE, ensure_gpu_offered
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.enums import ProjectRole
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.projects import get_contributable, require_project_access

MAX_WORKERS = 1000


@dataclass(frozen=True)
class NodeSpec:
    instance_type: str
    cpu_millicores: int
    memory_mib: int
    gpu_count: int = 0
    gpu_type: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Schedule:
    """When a WORKFLOW serve's runs start in one environment: a 5-field cron expression
    read in an IANA time zone, and what missed fire times do."""

    cron: str
    time_zone: str = "UTC"
    missed_runs: MissedRuns = MissedRuns.RUN_ONCE
    enabled: bool = True


async def _clean_node(
    session: AsyncSession, environment_id: uuid.UUID, node: NodeSpec, field: str
) -> NodeSpec:
    if not MACHINE_TYPE_RE.fullmatch(node.instance_type):
        raise validation("must be 1-64 letters, digits and . _ -", [field, "instance_type"])
    limits = (
        ("cpu_millicores", "cpu_limit_millicores"),
        ("memory_mib", "memory_limit_mib"),
        ("gpu_count", "gpu_count"),
    )
    for name, bound in limits:
        low, high = BOUNDS[bound]
        if not low <= getattr(node, name) <= high:
            raise validation(f"must be between {low} and {high}", [field, name])
    gpu_type = node.gpu_type.strip().lower() if node.gpu_type is not None else None
    if gpu_type is not None:
        if not GPU_TYPE_RE.fullmatch(gpu_type):
            raise validation("must be a GPU type key such as nvidia-a100", [field, "gpu_type"])
        if node.gpu_count < 1:
            raise validation("a GPU type needs gpuCount >= 1", [field, "gpu_count"])
        await ensure_gpu_offered(session, environment_id, gpu_type, [field, "gpu_type"])
    return NodeSpec(node.instance_type, node.cpu_millicores, node.memory_mib, node.gpu_count,
                    gpu_type)  # fmt: skip


async def workflow_config_set(
    session: AsyncSession,
    actor: Actor,
    *,
    model_id: uuid.UUID | None,
    environment_id: uuid.UUID | None,
    head: NodeSpec,
    worker: NodeSpec,
    min_workers: int,
    max_workers: int,
    model_version_id: uuid.UUID | None = None,
    schedule: Schedule | None = None,
) -> WorkflowConfig:
    """Create or replace a WORKFLOW serve's infrastructure in one environment of its
    organization (the version and the schedule too: absent, there is none). Contributors
    of the model's project."""
    model = await get_visible(session, Model, model_id, actor, what="model", field=["model_id"])
    await require_project_access(
        session, actor, model.project_id, ProjectRole.CONTRIBUTOR, what="model", field=["model_id"]
    )
    environment = await get_visible(  # every id checked before any rule
        session, Environment, environment_id, actor, what="environment", field=["environment_id"]
    )
    if environment.organization_id != model.organization_id:
        raise not_found("environment", ["environment_id"])
    if model_version_id is not None:
        version = await get_visible(
            session, ModelVersion, model_version_id, actor, what="model version",
            field=["model_version_id"],
        )  # fmt: skip
        if version.model_id != model.id:
            raise validation("a version of this serve", ["model_version_id"])
    if model.serve_type != ServeType.WORKFLOW.value:
        raise validation(
            "an API serve is served by deployments; only a WORKFLOW serve has a workflow "
            "configuration",
            ["model_id"],
        )
    clean_head = await _clean_node(session, environment.id, head, "head_node")
    clean_worker = await _clean_node(session, environment.id, worker, "worker_node")
    if not 0 <= min_workers <= MAX_WORKERS:
        raise validation(f"must be between 0 and {MAX_WORKERS}", ["min_workers"])
    if not 1 <= max_workers <= MAX_WORKERS or max_workers < min_workers:
        raise validation(f"must be between minWorkers and {MAX_WORKERS} (and >= 1)",
                         ["max_workers"])  # fmt: skip
    cron: str | None = None
    time_zone: str | None = None
    next_run_at: datetime | None = None
    if schedule is not None:
        try:
            cron, time_zone = clean_schedule(schedule.cron, schedule.time_zone)
        except DomainError as error:  # its fields are the schedule's
            field = ["schedule", *(error.field or ())]
            raise DomainError(error.code, error.message, field) from None
        next_run_at = next_fire(cron, time_zone, datetime.now(UTC))
    config = await session.scalar(
        select(WorkflowConfig)
        .where(WorkflowConfig.model_id == model.id, WorkflowConfig.environment_id == environment.id)
        .with_for_update()
    )
    if config is None:
        config = WorkflowConfig(
            organization_id=model.organization_id,
            project_id=model.project_id,
            model_id=model.id,
            environment_id=environment.id,
            created_by_id=actor.user_id,
        )
        session.add(config)
    config.head_node, config.worker_node = clean_head.as_json(), clean_worker.as_json()
    config.min_workers, config.max_workers = min_workers, max_workers
    config.model_version_id = model_version_id
    config.cron, config.time_zone, config.next_run_at = cron, time_zone, next_run_at
    if schedule is not None:
        config.schedule_enabled, config.missed_runs = schedule.enabled, schedule.missed_runs.value
    await session.flush()
    await session.refresh(config)
    record_audit(session, actor, "workflow_config.set", config,
                 details={"environment_id": str(environment.id), "cron": cron})  # fmt: skip
    return config


async def workflow_config_delete(
    session: AsyncSession, actor: Actor, *, config_id: uuid.UUID | None
) -> WorkflowConfig:
    config = await get_contributable(
        session, WorkflowConfig, config_id, actor, what="workflow config",
        field=["workflow_config_id"], for_update=True,
    )  # fmt: skip
    record_audit(session, actor, "workflow_config.delete", config)
    await session.delete(config)
    await session.flush()
    return config
