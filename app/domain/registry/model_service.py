"""Model operations: create (within the plan quota), update, soft delete."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import validation as v
from app.domain.errors import DomainError, ErrorCode, validation
from app.domain.registry.enums import Framework, ModelType, ServeType, TaskType
from app.domain.registry.models import Model, ModelVersion
from app.domain.registry.rules import ensure_model_quota
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.enums import Plan, ProjectRole
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.models import Organization
from app.domain.tenancy.projects import get_contributable, require_project_access


async def _name_taken(
    session: AsyncSession, project_id: uuid.UUID, name: str, except_id: uuid.UUID | None
) -> bool:
    query = (
        select(func.count())
        .select_from(Model)
        .where(Model.project_id == project_id, Model.name == name, Model.deleted_at.is_(None))
    )
    if except_id is not None:
        query = query.where(Model.id != except_id)
    return bool(await session.scalar(query))


async def model_create(
    session: AsyncSession,
    actor: Actor,
    *,
    project_id: uuid.UUID | None,
    name: str,
    description: str | None,
    model_type: ModelType,
    framework: Framework,
    task_type: TaskType | None,
    tags: list[str],
    metadata: Any,
    serve_type: ServeType = ServeType.API,
) -> Model:
    field = ["project_id"]
    project = await require_project_access(
        session, actor, project_id, ProjectRole.CONTRIBUTOR, what="project", field=field
    )
    name = v.name(name, ["name"])
    description = v.optional_text(description, ["description"])
    clean_tags = v.tags(tags, ["tags"])
    clean_metadata = v.json_object(metadata, ["metadata"])
    # The organization row lock serialises concurrent creates, so the quota cannot be overrun.
    org = await session.scalar(
        select(Organization).where(Organization.id == project.organization_id).with_for_update()
    )
    assert org is not None
    live_models = await live_model_count(session, org.id)
    ensure_model_quota(Plan(org.plan), live_models, ["project_id"])
    if await _name_taken(session, project.id, name, None):
        raise DomainError(
            ErrorCode.CONFLICT, "a live model in this project has this name", ["name"]
        )
    model = Model(
        organization_id=project.organization_id,
        project_id=project.id,
        name=name,
        description=description,
        model_type=model_type.value,
        framework=framework.value,
        task_type=task_type.value if task_type else None,
        tags=clean_tags,
        metadata_=clean_metadata,
        created_by_id=actor.user_id,
        serve_type=serve_type.value,
    )
    session.add(model)
    await session.flush()
    record_audit(
        session, actor, "model.create", model, details={"name": name, "project_id": str(project.id)}
    )
    return model


async def writable_model(
    session: AsyncSession, actor: Actor, model_id: uuid.UUID | None, field: list[str]
) -> Model:
    """The model, locked (version creation and promotion serialise per model), if the caller
    contributes to its project."""
    model = await get_contributable(
        session, Model, model_id, actor, what="model", field=field, for_update=True
    )
    return model


async def live_model_count(session: AsyncSession, organization_id: uuid.UUID) -> int:
    """The organization's models that count toward its plan (the live ones)."""
    count = await session.scalar(
        select(func.count())
        .select_from(Model)
        .where(Model.organization_id == organization_id, Model.deleted_at.is_(None))
    )
    return int(count or 0)


async def model_update(
    session: AsyncSession, actor: Actor, *, model_id: uuid.UUID | None, changes: Mapping[str, Any]
) -> Model:
    model = await writable_model(session, actor, model_id, ["model_id"])
    if "name" in changes:
        name = v.name(changes["name"], ["name"])
        if await _name_taken(session, model.project_id, name, model.id):
            raise DomainError(
                ErrorCode.CONFLICT, "a live model in this project has this name", ["name"]
            )
        model.name = name
    if "description" in changes:
        model.description = v.optional_text(changes["description"], ["description"])
    for key in ("model_type", "framework"):
        if key in changes and changes[key] is None:
            raise validation("must not be null", ["model_type" if key == "model_type" else key])
    if "model_type" in changes:
        model.model_type = ModelType(changes["model_type"]).value
    if "framework" in changes:
        model.framework = Framework(changes["framework"]).value
    if "task_type" in changes:
        task_type = changes["task_type"]
        model.task_type = TaskType(task_type).value if task_type else None
    if "tags" in changes:
        model.tags = v.tags(changes["tags"], ["tags"])
    if "metadata" in changes:
        model.metadata_ = v.json_object(changes["metadata"], ["metadata"])
    model.updated_at = datetime.now(UTC)
    record_audit(session, actor, "model.update", model, details={"fields": sorted(changes)})
    await session.flush()
    # The search vector is computed by PostgreSQL; read it back with the row.
    await session.refresh(model)
    return model


async def model_delete(
    session: AsyncSession,
    actor: Actor,
    *,
    model_id: uuid.UUID | None,
    ensure_not_serving: Callable[[AsyncSession, uuid.UUID], Awaitable[None]],
) -> Model:
    """Retire a model and its versions, once none of them serves (``ensure_not_serving``:
    serving's check, passed in by the API, so the registry does not reach up into serving)."""
    model = await writable_model(session, actor, model_id, ["model_id"])
    await ensure_not_serving(session, model.id)
    now = datetime.now(UTC)
    model.deleted_at = now
    await session.execute(
        update(ModelVersion)
        .where(ModelVersion.model_id == model.id, ModelVersion.deleted_at.is_(None))
        .values(deleted_at=now)
    )
    record_audit(session, actor, "model.delete", model, details={"name": model.name})
    await session.flush()
    return model


async def project_of_model(
    session: AsyncSession, actor: Actor, model_id: uuid.UUID, field: Sequence[str]
) -> uuid.UUID:
    """The project of a model the caller sees (else NOT_FOUND at ``field``)."""
    model = await get_visible(session, Model, model_id, actor, what="model", field=field)
    return model.project_id
