"""Serving endpoints: what clients call for one model in one environment.

An endpoint's active deployment is its ACTIVE deployment taking the most traffic (the
newest on a tie); the other active ones are its traffic split. ``sync_endpoint`` moves the
pointers (and keeps the previous one) in the caller's transaction, after any deploy,
rollback, status or traffic change, and records each move for time travel."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.ids import uuid7
from app.domain import topics
from app.domain import validation as v
from app.domain.environments.models import Environment
from app.domain.errors import validation
from app.domain.serving.enums import DeploymentStatus, EndpointChange, EndpointStatus
from app.domain.serving.models import Deployment, ServingEndpoint, ServingEndpointEvent
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.enums import OrgRole
from app.domain.tenancy.projects import get_contributable


async def endpoint_for(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    project_id: uuid.UUID,
    model_id: uuid.UUID,
    environment_id: uuid.UUID,
) -> ServingEndpoint:
    """The model's endpoint in the environment, made on first use, locked."""
    await session.execute(
        insert(ServingEndpoint)
        .values(
            id=uuid7(),  # time-ordered, like every id: lists order by it
            organization_id=organization_id,
            project_id=project_id,
            model_id=model_id,
            environment_id=environment_id,
            status=EndpointStatus.IDLE.value,
        )
        .on_conflict_do_nothing(constraint="uq_serving_endpoints_model_id_environment_id")
    )
    endpoint = await session.scalar(
        select(ServingEndpoint)
        .where(
            ServingEndpoint.model_id == model_id,
            ServingEndpoint.environment_id == environment_id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert endpoint is not None  # inserted or already there, and never deleted alone
    return endpoint


async def sync_endpoint(
    session: AsyncSession,
    endpoint_id: uuid.UUID,
    actor: Actor | None,
    reason: EndpointChange,
) -> ServingEndpoint:
    """Point the endpoint at its ACTIVE deployment with the most traffic; keep the one it
    pointed at before as ``previous``; record the move."""
    await session.flush()
    endpoint = await session.scalar(
        select(ServingEndpoint)
        .where(ServingEndpoint.id == endpoint_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert endpoint is not None
    best = await session.scalar(
        select(Deployment.id)
        .where(
            Deployment.endpoint_id == endpoint_id,
            Deployment.deleted_at.is_(None),
            Deployment.status == DeploymentStatus.ACTIVE.value,
        )
        .order_by(Deployment.traffic_percentage.desc(), Deployment.id.desc())
        .limit(1)
    )
    if best != endpoint.active_deployment_id:
        session.add(
            ServingEndpointEvent(
                organization_id=endpoint.organization_id,
                endpoint_id=endpoint.id,
                from_deployment_id=endpoint.active_deployment_id,
                to_deployment_id=best,
                reason=reason.value,
                actor_user_id=actor.user_id if actor else None,
            )
        )
        if endpoint.active_deployment_id is not None:
            endpoint.previous_deployment_id = endpoint.active_deployment_id
        endpoint.active_deployment_id = best
        endpoint.status = (EndpointStatus.SERVING if best else EndpointStatus.IDLE).value
    await endpoint_changed(session, endpoint)
    return endpoint


async def endpoint_changed(session: AsyncSession, endpoint: ServingEndpoint) -> None:
    """Something the endpoint's page shows changed (traffic, the active deployment, its
    promotion policy, its URL): a newer version for those following it, told on commit
    (servingEndpointChanges)."""
    await topics.row_changed(session, endpoint, topics.ENDPOINT_CHANGES, "endpoint")


async def active_deployment_at(
    session: AsyncSession, endpoint_id: uuid.UUID, at: datetime
) -> uuid.UUID | None:
    """The deployment the endpoint served from at instant ``at`` (None if none)."""
    return await session.scalar(
        select(ServingEndpointEvent.to_deployment_id)
        .where(
            ServingEndpointEvent.endpoint_id == endpoint_id, ServingEndpointEvent.created_at <= at
        )
        .order_by(ServingEndpointEvent.created_at.desc(), ServingEndpointEvent.id.desc())
        .limit(1)
    )


async def writable_endpoint(
    session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID | None
) -> ServingEndpoint:
    """The endpoint, locked, if the caller may change it (contributor of its project; an
    organization admin in a protected environment)."""
    field = ["endpoint_id"]
    endpoint = await get_contributable(
        session,
        ServingEndpoint,
        endpoint_id,
        actor,
        what="serving endpoint",
        field=field,
        for_update=True,
    )
    await require_environment_role(session, actor, endpoint.environment_id, field)
    return endpoint


async def require_environment_role(
    session: AsyncSession, actor: Actor, environment_id: uuid.UUID, field: Sequence[str]
) -> None:
    """What runs in a protected environment (its endpoints, deployments and their traffic)
    is changed by the organization's admins only."""
    environment = await session.get(Environment, environment_id)
    if environment is not None and environment.protected:
        actor.require_org_role(environment.organization_id, OrgRole.ADMIN, field=field)


async def serving_endpoint_update(
    session: AsyncSession, actor: Actor, *, endpoint_id: uuid.UUID | None, url: str | None
) -> ServingEndpoint:
    """Set the URL clients call."""
    endpoint = await writable_endpoint(session, actor, endpoint_id)
    previous = endpoint.url
    endpoint.url = v.url(url, ["url"])
    if endpoint.url is not None and not endpoint.url.startswith(("https://", "http://")):
        raise validation("must be an http:// or https:// URL", ["url"])
    await endpoint_changed(session, endpoint)
    record_audit(
        session,
        actor,
        "serving_endpoint.update",
        endpoint,
        details={"url": [previous, endpoint.url]},
    )
    await session.flush()
    return endpoint
