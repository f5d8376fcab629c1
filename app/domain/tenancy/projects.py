"""The project-role check every write under a project goes through: the project (or a row
under it) if the caller sees it (else NOT_FOUND) and holds the role (else FORBIDDEN)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.tenancy.access import Actor, effective_project_role, ensure_project_role
from app.domain.tenancy.enums import ProjectRole
from app.domain.tenancy.lookup import RowT, get_visible
from app.domain.tenancy.models import Project, ProjectMember


def check_project_role(
    actor: Actor,
    organization_id: uuid.UUID,
    member_role: str | None,
    minimum: ProjectRole,
    field: Sequence[str],
) -> ProjectRole:
    """The caller's role in a project of that organization — its org role lifted by its
    project membership's role, if any — when it reaches ``minimum`` (else FORBIDDEN); a
    read-only key is refused first."""
    actor.require_write()
    org_role = actor.org_role(organization_id, "project", field)
    role = effective_project_role(org_role, ProjectRole(member_role) if member_role else None)
    ensure_project_role(role, minimum, field)
    return role


async def require_project_role(
    session: AsyncSession,
    actor: Actor,
    project: Project,
    minimum: ProjectRole,
    field: Sequence[str],
) -> ProjectRole:
    actor.require_write()  # before reading anything for a read-only key
    member_role = await session.scalar(
        select(ProjectMember.role).where(
            ProjectMember.project_id == project.id, ProjectMember.user_id == actor.user_id
        )
    )
    return check_project_role(actor, project.organization_id, member_role, minimum, field)


async def require_project_access(
    session: AsyncSession,
    actor: Actor,
    project_id: uuid.UUID | None,
    minimum: ProjectRole,
    *,
    what: str,
    field: Sequence[str],
    for_update: bool = False,
) -> Project:
    """The project, if the caller sees it (else NOT_FOUND about ``what``) and holds at least
    ``minimum`` in it (else FORBIDDEN): the check every write under a project starts with."""
    project = await get_visible(
        session, Project, project_id, actor, what=what, field=field, for_update=for_update
    )
    await require_project_role(session, actor, project, minimum, field)
    return project


async def get_contributable(
    session: AsyncSession,
    model: type[RowT],
    row_id: uuid.UUID | None,
    actor: Actor,
    *,
    what: str,
    field: Sequence[str],
    for_update: bool = False,
) -> RowT:
    """A row that lives under a project (it has ``project_id``), if the caller sees it
    (else NOT_FOUND) and may contribute to its project (else FORBIDDEN)."""
    row = await get_visible(
        session, model, row_id, actor, what=what, field=field, for_update=for_update
    )
    project_id = cast(Any, row).project_id  # every model passed here has one
    await require_project_access(
        session, actor, project_id, ProjectRole.CONTRIBUTOR, what=what, field=field
    )
    return row


async def watching_rules_changed(session: AsyncSession, project_id: uuid.UUID) -> None:
    """A new version of what watches the project's runs as their points arrive (health
    rules, sweeps that stop trials early): ingest reads it with the run's lock and so
    never judges a batch by rules older than its transaction (app/domain/health/watching.py)."""
    await session.execute(
        update(Project)
        .where(Project.id == project_id)
        .values(rules_version=Project.rules_version + 1, updated_at=Project.updated_at)
    )
