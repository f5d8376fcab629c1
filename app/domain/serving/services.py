"""Serving operations: environments and deployments."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import validation as v
from app.domain.environments.models import Environment
from app.domain.errors import DomainError, ErrorCode, not_found, validation
from app.domain.registry.enums import ModelStage, ServeType
from app.domain.registry.models import Model, ModelVersion
from app.domain.serving.endpoints import endpoint_for, sync_endpoint
from app.domain.serving.enums import (
    CapacityType,
    DeploymentActionStatus,
    DeploymentEventType,
    DeploymentStatus,
    EndpointChange,
)
from app.domain.serving.lifecycle import notify_deployment
from app.domain.serving.models import Deployment, DeploymentEvent
from app.domain.serving.rules import ensure_instances
from app.domain.serving.runtime import apply_runtime
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit, record_audit_event
from app.domain.tenancy.enums import OrgRole, ProjectRole
from app.domain.tenancy.lookup import get_administered, get_visible
from app.domain.tenancy.projects import require_project_access


async def environment_create(
    session: AsyncSession,
    actor: Actor,
    *,
    organization_id: uuid.UUID | None,
    name: str,
    description: str | None,
    protected: bool,
    config: Any,
) -> Environment:
    """Org admins create environments (they gate where models serve)."""
    if organization_id is None:
        raise not_found("organization", ["organization_id"])
    actor.require_org_role(organization_id, OrgRole.ADMIN, field=["organization_id"])
    name = v.slug(name, ["name"])
    taken = await session.scalar(
        select(func.count())
        .select_from(Environment)
        .where(
            Environment.organization_id == organization_id,
            Environment.name == name,
            Environment.deleted_at.is_(None),
        )
    )
    if taken:
        raise DomainError(ErrorCode.CONFLICT, "an environment has this name", ["name"])
    environment = Environment(
        organization_id=organization_id,
        name=name,
        description=v.optional_text(description, ["description"]),
        protected=protected,
        config=v.json_object(config, ["config"]),
    )
    session.add(environment)
    await session.flush()
    record_audit_event(
        session,
        actor,
        "environment.create",
        organization_id=organization_id,
        target_type="Environment",
        target_id=environment.id,
        details={"name": name, "protected": protected},
    )
    return environment


async def deployment_create(
    session: AsyncSession,
    actor: Actor,
    *,
    model_version_id: uuid.UUID | None,
    environment_id: uuid.UUID | None,
    name: str,
    min_instances: int,
    max_instances: int,
    autoscaling: bool,
    endpoint_url: str | None,
    config: Any,
    runtime: Mapping[str, Any] | None = None,
) -> Deployment:
    version_field = ["model_version_id"]
    version = await get_visible(
        session, ModelVersion, model_version_id, actor, what="model version", field=version_field
    )
    environment = await get_visible(
        session,
        Environment,
        environment_id,
        actor,
        what="environment",
        field=["environment_id"],
    )
    if environment.organization_id != version.organization_id:
        # Both are visible to this caller, but a deployment never crosses organizations.
        raise not_found("environment", ["environment_id"])
    model = await get_visible(
        session, Model, version.model_id, actor, what="model version", field=version_field
    )
    if model.serve_type == ServeType.WORKFLOW.value:
        raise validation(
            "a WORKFLOW serve runs as a workflow (workflowConfigSet), not behind an endpoint",
            version_field,
        )
    project = await require_project_access(
        session,
        actor,
        model.project_id,
        ProjectRole.CONTRIBUTOR,
        what="model version",
        field=version_field,
    )
    if environment.protected:
        actor.require_org_role(environment.organization_id, OrgRole.ADMIN, field=["environment_id"])
    if version.stage == ModelStage.ARCHIVED.value:
        raise DomainError(
            ErrorCode.VALIDATION, "an archived version cannot be deployed", version_field
        )
    name = v.slug(name, ["name"])
    ensure_instances(min_instances, max_instances)
    taken = await session.scalar(
        select(func.count())
        .select_from(Deployment)
        .where(
            Deployment.project_id == project.id,
            Deployment.environment_id == environment.id,
            Deployment.name == name,
            Deployment.deleted_at.is_(None),
        )
    )
    if taken:
        raise DomainError(
            ErrorCode.CONFLICT,
            "a deployment of this project in this environment has this name",
            ["name"],
        )
    endpoint = await endpoint_for(
        session,
        organization_id=version.organization_id,
        project_id=project.id,
        model_id=model.id,
        environment_id=environment.id,
    )
    deployment = Deployment(
        organization_id=version.organization_id,
        project_id=project.id,
        model_version_id=version.id,
        environment_id=environment.id,
        endpoint_id=endpoint.id,
        name=name,
        status=DeploymentStatus.PENDING.value,
        min_instances=min_instances,
        max_instances=max_instances,
        autoscaling=autoscaling,
        endpoint_url=v.url(endpoint_url, ["endpoint_url"]),
        config=v.json_object(config, ["config"]),
        created_by_id=actor.user_id,
        gpu_count=0,
        capacity_type=CapacityType.ON_DEMAND.value,
    )
    await apply_runtime(session, deployment, runtime or {})
    session.add(deployment)
    await session.flush()
    session.add(
        DeploymentEvent(
            organization_id=deployment.organization_id,
            deployment_id=deployment.id,
            event_type=DeploymentEventType.DEPLOY.value,
            from_model_version_id=None,
            to_model_version_id=version.id,
            actor_user_id=actor.user_id,
            # A deploy waits for the runtime: it completes when the deployment is ACTIVE.
            status=DeploymentActionStatus.PENDING.value,
        )
    )
    record_audit(
        session,
        actor,
        "deployment.create",
        deployment,
        details={
            "name": name,
            "model_version_id": str(version.id),
            "environment": environment.name,
        },
    )
    await sync_endpoint(session, endpoint.id, actor, EndpointChange.DEPLOY)
    await notify_deployment(session, deployment, "create")
    return deployment


async def _admin_environment(
    session: AsyncSession, actor: Actor, environment_id: uuid.UUID | None
) -> Environment:
    field = ["environment_id"]
    return await get_administered(
        session,
        Environment,
        environment_id,
        actor,
        what="environment",
        field=field,
        for_update=True,
    )


async def environment_update(
    session: AsyncSession,
    actor: Actor,
    *,
    environment_id: uuid.UUID | None,
    changes: Mapping[str, Any],
) -> Environment:
    """Description, protection and config (organization admins)."""
    environment = await _admin_environment(session, actor, environment_id)
    if "description" in changes:
        environment.description = v.optional_text(changes["description"], ["description"])
    if "protected" in changes:
        if changes["protected"] is None:
            raise DomainError(ErrorCode.VALIDATION, "must not be null", ["protected"])
        environment.protected = bool(changes["protected"])
    if "config" in changes:
        environment.config = v.json_object(changes["config"], ["config"])
    record_audit(
        session,
        actor,
        "environment.update",
        environment,
        details={"fields": sorted(changes), "protected": environment.protected},
    )
    await session.flush()
    await session.refresh(environment)
    return environment


async def environment_delete(
    session: AsyncSession, actor: Actor, *, environment_id: uuid.UUID | None
) -> Environment:
    """Retire an environment (soft delete; organization admins) once nothing serves there:
    every deployment in it terminated (or retired). Its name is free again."""
    environment = await _admin_environment(session, actor, environment_id)
    serving = await session.scalar(
        select(func.count())
        .select_from(Deployment)
        .where(
            Deployment.environment_id == environment.id,
            Deployment.deleted_at.is_(None),
            Deployment.status != DeploymentStatus.TERMINATED.value,
        )
    )
    if serving:
        raise DomainError(
            ErrorCode.CONFLICT,
            f"{serving} deployment(s) in this environment are not terminated: terminate or "
            "retire them first",
            ["environment_id"],
        )
    environment.deleted_at = datetime.now(UTC)
    record_audit(
        session, actor, "environment.delete", environment, details={"name": environment.name}
    )
    await session.flush()
    return environment
