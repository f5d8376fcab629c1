"""Deployment lifecycle: status moves, updates, rollback and traffic splits. Every change to a
deployment in a protected environment needs an organization admin."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import validation as v
from app.domain.environments.models import Environment
from app.domain.errors import DomainError, ErrorCode, not_found, validation
from app.domain.notifications.enums import Trigger
from app.domain.notifications.services import enqueue_notifications
from app.domain.registry.enums import ModelStage
from app.domain.registry.models import ModelVersion
from app.domain.serving.endpoints import require_environment_role, sync_endpoint
from app.domain.serving.enums import (
    DeploymentActionStatus,
    DeploymentEventType,
    DeploymentHealth,
    DeploymentStatus,
    EndpointChange,
)
from app.domain.serving.models import Deployment, DeploymentEvent
from app.domain.serving.rules import (
    ENDED,
    ensure_deployment_transition,
    ensure_instances,
    ensure_traffic_split,
    rollback_target,
)
from app.domain.serving.runtime import apply_report, apply_runtime
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.enums import ProjectRole
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.models import Project
from app.domain.tenancy.projects import require_project_access, require_project_role


async def writable_deployment(
    session: AsyncSession, actor: Actor, deployment_id: uuid.UUID | None
) -> Deployment:
    """The deployment, locked, if the caller may change it (contributor; admin if protected)."""
    field = ["deployment_id"]
    deployment = await get_visible(
        session, Deployment, deployment_id, actor, what="deployment", field=field, for_update=True
    )
    await require_project_access(
        session,
        actor,
        deployment.project_id,
        ProjectRole.CONTRIBUTOR,
        what="deployment",
        field=field,
    )
    await require_environment_role(session, actor, deployment.environment_id, field)
    return deployment


async def deployment_write_refusal(
    session: AsyncSession, actor: Actor, project: Project, environment_id: uuid.UUID
) -> DomainError | None:
    """Why the caller may not change the deployments of a project in an environment (their
    traffic, status, rollbacks) — the rule every such write applies (writable_deployment)
    — or None: what a page asks before it offers the controls."""
    try:
        await require_project_role(session, actor, project, ProjectRole.CONTRIBUTOR, [])
        await require_environment_role(session, actor, environment_id, [])
    except DomainError as refusal:
        return refusal
    return None


async def notify_deployment(
    session: AsyncSession, deployment: Deployment, action: str, reason: str | None = None
) -> None:
    await enqueue_notifications(
        session,
        organization_id=deployment.organization_id,
        trigger=Trigger.DEPLOYMENT,
        event_type=f"deployment.{action}",
        payload={
            "deployment_id": str(deployment.id),
            "title": f"{deployment.name}: {action}" + (f" ({reason})" if reason else ""),
            "status": deployment.status,
            **({"reason": reason} if reason else {}),
            "model_version_id": str(deployment.model_version_id),
        },
        project_id=deployment.project_id,
        deployment_id=deployment.id,
    )


def history_entry(
    deployment: Deployment,
    actor: Actor | None,
    event_type: DeploymentEventType,
    from_version: uuid.UUID | None,
    to_version: uuid.UUID | None,
    details: dict[str, Any] | None = None,
    status: DeploymentActionStatus = DeploymentActionStatus.COMPLETED,
) -> DeploymentEvent:
    """A history entry; one that completes in this transaction starts and ends now. No
    actor: the server decided (a promotion policy)."""
    now = datetime.now(UTC)
    done = status == DeploymentActionStatus.COMPLETED
    return DeploymentEvent(
        organization_id=deployment.organization_id,
        deployment_id=deployment.id,
        event_type=event_type.value,
        from_model_version_id=from_version,
        to_model_version_id=to_version,
        actor_user_id=actor.user_id if actor else None,
        details=details or {},
        status=status.value,
        started_at=now if status != DeploymentActionStatus.PENDING else None,
        finished_at=now if done else None,
    )


# How a status move advances the deployment's open action (a deploy or a terminate).
ACTION_STEPS: dict[DeploymentStatus, DeploymentActionStatus] = {
    DeploymentStatus.DEPLOYING: DeploymentActionStatus.IN_PROGRESS,
    DeploymentStatus.ACTIVE: DeploymentActionStatus.COMPLETED,
    DeploymentStatus.FAILED: DeploymentActionStatus.FAILED,
    DeploymentStatus.TERMINATED: DeploymentActionStatus.COMPLETED,
}
OPEN = (DeploymentActionStatus.PENDING.value, DeploymentActionStatus.IN_PROGRESS.value)


async def advance_open_action(
    session: AsyncSession, deployment: Deployment, status: DeploymentStatus, error: str | None
) -> None:
    """Move the latest unfinished deploy or terminate entry along with the deployment."""
    step = ACTION_STEPS.get(status)
    if step is None:
        return
    event = await session.scalar(
        select(DeploymentEvent)
        .where(DeploymentEvent.deployment_id == deployment.id, DeploymentEvent.status.in_(OPEN))
        .order_by(DeploymentEvent.id.desc())
        .limit(1)
    )
    if event is None:
        return
    now = datetime.now(UTC)
    event.status = step.value
    event.started_at = event.started_at or now
    if step in (DeploymentActionStatus.COMPLETED, DeploymentActionStatus.FAILED):
        event.finished_at = now
    if step == DeploymentActionStatus.FAILED:
        event.error_message = error


async def deployment_transition(
    session: AsyncSession,
    actor: Actor,
    *,
    deployment_id: uuid.UUID | None,
    status: DeploymentStatus,
    error_message: str | None = None,
) -> Deployment:
    deployment = await writable_deployment(session, actor, deployment_id)
    current = DeploymentStatus(deployment.status)
    ensure_deployment_transition(current, status)
    error = v.optional_text(error_message, ["error_message"], max_length=4000)
    if error is not None and status != DeploymentStatus.FAILED:
        raise validation("only a move to FAILED carries an error message", ["error_message"])
    if current in (
        DeploymentStatus.INACTIVE,
        DeploymentStatus.FAILED,
        DeploymentStatus.ACTIVE,
    ) and (status == DeploymentStatus.DEPLOYING):  # a redeploy is a new action in the history
        session.add(
            history_entry(
                deployment,
                actor,
                DeploymentEventType.DEPLOY,
                deployment.model_version_id,
                deployment.model_version_id,
                status=DeploymentActionStatus.PENDING,
            )
        )
        await session.flush()
    await advance_open_action(session, deployment, status, error)
    deployment.status = status.value
    now = datetime.now(UTC)
    if status == DeploymentStatus.ACTIVE:
        deployment.deployed_at = now
    if status == DeploymentStatus.TERMINATED:
        deployment.terminated_at = now
    if status == DeploymentStatus.TERMINATING:
        session.add(
            history_entry(
                deployment,
                actor,
                DeploymentEventType.TERMINATE,
                deployment.model_version_id,
                None,
                status=DeploymentActionStatus.IN_PROGRESS,
            )
        )
    if status in ENDED:
        deployment.traffic_percentage = 0
    record_audit(
        session,
        actor,
        "deployment.transition",
        deployment,
        details={"from": current.value, "to": status.value},
    )
    await sync_endpoint(session, deployment.endpoint_id, actor, EndpointChange.STATUS)
    await notify_deployment(session, deployment, "status")
    return deployment


async def _servable_version(
    session: AsyncSession, actor: Actor, deployment: Deployment, version_id: uuid.UUID | None
) -> ModelVersion:
    field = ["model_version_id"]
    version = await get_visible(
        session, ModelVersion, version_id, actor, what="model version", field=field
    )
    current = await session.get(ModelVersion, deployment.model_version_id)
    if current is None or version.model_id != current.model_id:
        raise DomainError(ErrorCode.VALIDATION, "a deployment serves versions of one model", field)
    if version.stage == ModelStage.ARCHIVED.value:
        raise DomainError(ErrorCode.VALIDATION, "an archived version cannot be deployed", field)
    return version


def _ensure_not_ended(deployment: Deployment) -> None:
    if DeploymentStatus(deployment.status) in ENDED:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"the deployment is {deployment.status}",
            ["deployment_id"],
        )


async def deployment_update(
    session: AsyncSession,
    actor: Actor,
    *,
    deployment_id: uuid.UUID | None,
    changes: Mapping[str, Any],
) -> Deployment:
    """Change the served version, the instance bounds, autoscaling or the config."""
    deployment = await writable_deployment(session, actor, deployment_id)
    _ensure_not_ended(deployment)
    from_version = deployment.model_version_id
    if changes.get("model_version_id") is not None:
        version = await _servable_version(session, actor, deployment, changes["model_version_id"])
        deployment.model_version_id = version.id
    low = changes.get("min_instances", deployment.min_instances)
    high = changes.get("max_instances", deployment.max_instances)
    if low is None or high is None:
        raise validation("must not be null", ["min_instances" if low is None else "max_instances"])
    ensure_instances(low, high)
    deployment.min_instances, deployment.max_instances = low, high
    await apply_runtime(session, deployment, changes.get("runtime") or {})
    if changes.get("autoscaling") is not None:
        deployment.autoscaling = bool(changes["autoscaling"])
    if "config" in changes:
        deployment.config = v.json_object(changes["config"], ["config"])
    session.add(
        history_entry(
            deployment,
            actor,
            DeploymentEventType.UPDATE,
            from_version,
            deployment.model_version_id,
            {"fields": sorted(changes)},
        )
    )
    record_audit(
        session, actor, "deployment.update", deployment, details={"fields": sorted(changes)}
    )
    await session.flush()
    await notify_deployment(session, deployment, "update")
    return deployment


async def deployment_rollback(
    session: AsyncSession, actor: Actor, *, deployment_id: uuid.UUID | None
) -> Deployment:
    """Serve the version that was served before the current one (from the event history)."""
    deployment = await writable_deployment(session, actor, deployment_id)
    _ensure_not_ended(deployment)
    events = (
        await session.execute(
            select(DeploymentEvent.event_type, DeploymentEvent.to_model_version_id)
            .where(DeploymentEvent.deployment_id == deployment.id)
            .order_by(DeploymentEvent.id)
        )
    ).all()
    target = rollback_target([(row.event_type, row.to_model_version_id) for row in events])
    if target is None:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "no earlier version to roll back to",
            ["deployment_id"],
        )
    from_version = deployment.model_version_id
    deployment.model_version_id = target
    session.add(
        history_entry(deployment, actor, DeploymentEventType.ROLLBACK, from_version, target)
    )
    record_audit(
        session,
        actor,
        "deployment.rollback",
        deployment,
        details={"from": str(from_version), "to": str(target)},
    )
    await session.flush()
    await notify_deployment(session, deployment, "rollback")
    return deployment


@dataclass(frozen=True)
class TrafficSplit:
    deployment_id: uuid.UUID
    percentage: int


async def deployment_traffic_set(
    session: AsyncSession,
    actor: Actor,
    *,
    model_id: uuid.UUID | None,
    environment_id: uuid.UUID | None,
    splits: Sequence[TrafficSplit],
) -> list[Deployment]:
    """Set, in one transaction, the traffic of every active deployment of a model in an
    environment (its endpoint): listed ones get their percentage, the others 0; the listed
    percentages must sum to 100."""
    ensure_traffic_split([s.percentage for s in splits])
    ids = [s.deployment_id for s in splits]
    if len(set(ids)) != len(ids):
        raise validation("a deployment is listed twice", ["splits"])
    environment = await get_visible(
        session,
        Environment,
        environment_id,
        actor,
        what="environment",
        field=["environment_id"],
    )
    endpoint = (
        await session.scalars(
            select(Deployment)
            .join(ModelVersion, ModelVersion.id == Deployment.model_version_id)
            .where(
                ModelVersion.model_id == model_id,
                Deployment.environment_id == environment.id,
                Deployment.organization_id.in_(actor.org_ids),
                Deployment.deleted_at.is_(None),
                Deployment.status == DeploymentStatus.ACTIVE.value,
            )
            .order_by(Deployment.id)
            .with_for_update(of=Deployment)
        )
    ).all()
    by_id = {d.id: d for d in endpoint}
    for index, split in enumerate(splits):
        if split.deployment_id not in by_id:
            raise not_found(
                "active deployment of this model in this environment",
                ["splits", str(index), "deployment_id"],
            )
    for deployment in endpoint:  # every write below is allowed only if each one is
        await writable_deployment(session, actor, deployment.id)
    wanted = {s.deployment_id: s.percentage for s in splits}
    for deployment in endpoint:
        percentage = wanted.get(deployment.id, 0)
        if percentage != deployment.traffic_percentage:
            session.add(
                history_entry(
                    deployment,
                    actor,
                    DeploymentEventType.UPDATE,
                    deployment.model_version_id,
                    deployment.model_version_id,
                    {"traffic_percentage": [deployment.traffic_percentage, percentage]},
                )
            )
            deployment.traffic_percentage = percentage
    record_audit(
        session,
        actor,
        "deployment.traffic_set",
        environment,
        details={"splits": {str(k): p for k, p in wanted.items()}},
    )
    endpoint_ids = {deployment.endpoint_id for deployment in endpoint}
    for endpoint_id in sorted(endpoint_ids):
        await sync_endpoint(session, endpoint_id, actor, EndpointChange.TRAFFIC)
    for deployment in endpoint:
        await notify_deployment(session, deployment, "traffic")
    return list(endpoint)


async def deployment_runtime_report(
    session: AsyncSession,
    actor: Actor,
    *,
    deployment_id: uuid.UUID | None,
    replica_count: int | None,
    health: DeploymentHealth | None,
    framework_status: Any,
    has_framework_status: bool,
) -> Deployment:
    """What the serving runtime's controller sees: live replicas, health, raw status. A
    change of health notifies (a deployment turning UNHEALTHY is worth a page)."""
    deployment = await writable_deployment(session, actor, deployment_id)
    _ensure_not_ended(deployment)
    before = deployment.health
    apply_report(
        deployment,
        replica_count=replica_count,
        health=health,
        framework_status=framework_status,
        has_framework_status=has_framework_status,
    )
    record_audit(
        session,
        actor,
        "deployment.runtime_report",
        deployment,
        details={"replica_count": replica_count, "health": health.value if health else None},
    )
    await session.flush()
    if deployment.health != before and health is not None:
        await notify_deployment(session, deployment, f"health.{health.value}")
    return deployment


# Deployments that never served, or serve no more, may be retired.
RETIRABLE = (DeploymentStatus.PENDING, DeploymentStatus.FAILED, DeploymentStatus.TERMINATED)


async def deployment_delete(
    session: AsyncSession, actor: Actor, *, deployment_id: uuid.UUID | None
) -> Deployment:
    """Retire a deployment (soft delete) that is not serving: PENDING, FAILED or TERMINATED.
    Its history, metrics and predictions stay with it (retention decides when they go);
    its name is free again in its project and environment."""
    deployment = await writable_deployment(session, actor, deployment_id)
    if DeploymentStatus(deployment.status) not in RETIRABLE:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"the deployment is {deployment.status}: terminate it first",
            ["deployment_id"],
        )
    deployment.deleted_at = datetime.now(UTC)
    record_audit(session, actor, "deployment.delete", deployment, details={"name": deployment.name})
    await sync_endpoint(session, deployment.endpoint_id, actor, EndpointChange.STATUS)
    await notify_deployment(session, deployment, "delete")
    return deployment
