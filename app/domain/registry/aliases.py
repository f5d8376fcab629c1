"""Model aliases: movable names (``champion``, ``challenger``, any slug) for versions of a
model, with their full history and an optional protection (only organization admins move,
protect or unprotect a protected alias). ``alias_at`` answers for any past instant."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import validation as v
from app.domain.errors import not_found
from app.domain.registry.model_service import writable_model
from app.domain.registry.models import (
    Model,
    ModelAlias,
    ModelAliasEvent,
    ModelProductionEvent,
    ModelVersion,
)
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit_event
from app.domain.tenancy.enums import OrgRole


async def model_alias_set(
    session: AsyncSession,
    actor: Actor,
    *,
    model_id: uuid.UUID | None,
    name: str,
    version_id: uuid.UUID | None,
    protected: bool | None,
) -> ModelAlias:
    """Point ``name`` at a version of the model (creating the alias); ``protected`` None
    keeps the alias's protection as it is."""
    model = await writable_model(session, actor, model_id, ["model_id"])
    return await point_alias(session, actor, model, name, version_id, protected)


async def point_alias(
    session: AsyncSession,
    actor: Actor,
    model: Model,
    name: str,
    version_id: uuid.UUID | None,
    protected: bool | None,
) -> ModelAlias:
    """The move itself, the model locked by the caller (its access checked, or its
    promotion approved: app/domain/governance/services.py)."""
    name = v.slug(name, ["name"])
    version = await session.scalar(
        select(ModelVersion).where(
            ModelVersion.id == version_id,
            ModelVersion.model_id == model.id,
            ModelVersion.deleted_at.is_(None),
        )
    )
    if version is None:
        raise not_found("model version of this model", ["model_version_id"])
    alias = await session.scalar(
        select(ModelAlias)
        .where(ModelAlias.model_id == model.id, ModelAlias.name == name)
        .with_for_update()
    )
    guarded = (alias is not None and alias.protected) or bool(protected)
    if guarded or (alias is not None and protected is not None and protected != alias.protected):
        actor.require_org_role(model.organization_id, OrgRole.ADMIN, "model", ["name"])
    previous = alias.model_version_id if alias is not None else None
    if alias is None:
        alias = ModelAlias(
            organization_id=model.organization_id,
            model_id=model.id,
            name=name,
            model_version_id=version.id,
            protected=bool(protected),
        )
        session.add(alias)
    else:
        alias.model_version_id = version.id
        if protected is not None:
            alias.protected = protected
    await session.flush()
    if previous != version.id:
        session.add(
            ModelAliasEvent(
                organization_id=model.organization_id,
                alias_id=alias.id,
                from_version_id=previous,
                to_version_id=version.id,
                actor_user_id=actor.user_id,
            )
        )
    await session.flush()
    await session.refresh(alias)
    record_audit_event(
        session,
        actor,
        "model_alias.set",
        organization_id=model.organization_id,
        target_type="ModelVersion",
        target_id=version.id,
        details={
            "alias": name,
            "from": str(previous) if previous else None,
            "protected": alias.protected,
        },
    )
    return alias


async def alias_version_at(
    session: AsyncSession, alias_id: uuid.UUID, at: datetime
) -> uuid.UUID | None:
    """The version the alias pointed at, at instant ``at`` (None before its first move)."""
    return await session.scalar(
        select(ModelAliasEvent.to_version_id)
        .where(ModelAliasEvent.alias_id == alias_id, ModelAliasEvent.created_at <= at)
        .order_by(ModelAliasEvent.created_at.desc(), ModelAliasEvent.id.desc())
        .limit(1)
    )


async def production_version_at(
    session: AsyncSession, model_id: uuid.UUID, at: datetime
) -> uuid.UUID | None:
    """The model's production version at instant ``at`` (None if it had none)."""
    event = ModelProductionEvent
    return await session.scalar(
        select(event.version_id)
        .where(event.model_id == model_id, event.created_at <= at)
        .order_by(event.created_at.desc(), event.id.desc())
        .limit(1)
    )
