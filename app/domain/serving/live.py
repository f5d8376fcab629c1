"""Which deployments still serve: what retiring a model or a project must wait for."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import DomainError, ErrorCode
from app.domain.registry.models import ModelVersion
from app.domain.serving.enums import DeploymentStatus
from app.domain.serving.models import Deployment
from app.domain.tenancy.access import Actor
from app.domain.tenancy.lookup import get_visible

# Deployments in these states still serve (or may serve) traffic.
LIVE_DEPLOYMENT_STATUSES = [
    s.value
    for s in DeploymentStatus
    if s not in (DeploymentStatus.TERMINATED, DeploymentStatus.FAILED, DeploymentStatus.INACTIVE)
]


async def ensure_no_live_deployments(
    session: AsyncSession, condition: Any, what: str, field: Sequence[str]
) -> None:
    live = await session.scalar(
        select(func.count())
        .select_from(Deployment)
        .where(
            condition,
            Deployment.deleted_at.is_(None),
            Deployment.status.in_(LIVE_DEPLOYMENT_STATUSES),
        )
    )
    if live:
        raise DomainError(
            ErrorCode.CONFLICT,
            f"this {what} has {live} live deployment(s); terminate them first",
            field,
        )


async def ensure_model_not_serving(session: AsyncSession, model_id: uuid.UUID) -> None:
    """CONFLICT while a version of the model has a live deployment (retiring a model)."""
    versions = select(ModelVersion.id).where(ModelVersion.model_id == model_id).scalar_subquery()
    await ensure_no_live_deployments(
        session, Deployment.model_version_id.in_(versions), "model", ["model_id"]
    )


async def organization_of_deployment(
    session: AsyncSession, actor: Actor, deployment_id: uuid.UUID, field: Sequence[str]
) -> uuid.UUID:
    """The organization of a deployment the caller sees (else NOT_FOUND at ``field``)."""
    deployment = await get_visible(
        session, Deployment, deployment_id, actor, what="deployment", field=field
    )
    return deployment.organization_id
