"""The project-role check every write under a project goes through: the project (or a row
under it) if the caller sees it (else NOT_FOUND), holds the role (else FORBIDDEN), and the
project is not PUBLIC — published read-only, whoever the caller (else FORBIDDEN)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import DomainError, ErrorCode
from app.domain.tenancy.access import Actor, effective_project_role, ensure_project_role
from app.domain.tenancy.enums import ProjectRole, ProjectVisibility
from app.domain.tenancy.lookup import RowT, get_visible
from app.domain.tenancy.models import Project, ProjectMember


def ensure_writable(visibility: str, field: Sequence[str]) -> None:
    """A PUBLIC project is read-only for everyone, its owners and the organization's admins
    included: the one change it takes is its visibility, set back by an owner."""
    if visibility == ProjectVisibility.PUBLIC.value:
        raise DomainError(
            ErrorCode.FORBIDDEN,
            "the project is PUBLIC, which is read-only: an owner can set its visibility to "
            "ORGANIZATION or PRIVATE (projectUpdate) to change anything under it",
            field,
        )


async def _visibility(session: AsyncSession, project_id: uuid.UUID) -> str:
    visibility = await session.scalar(select(Project.visibility).where(Project.id == project_id))
    return visibility or ""


async def project_writable(session: AsyncSession, project_id: uuid.UUID) -> bool:
    """Not PUBLIC: the project takes writes (its own schedules' runs too)."""
    return await _visibility(session, project_id) != ProjectVisibility.PUBLIC.value


async def ensure_project_writable(
    session: AsyncSession, project_id: uuid.UUID, field: Sequence[str]
) -> None:
    """ensure_writable for a write whose role check is not a project role (an organization
    admin's, a requester's)."""
    ensure_writable(await _visibility(session, project_id), field)


def check_project_role(
    actor: Actor,
    organization_id: uuid.UUID,
    member_role: str | None,
    minimum: ProjectRole,
    field: Sequence[str],
    *,
    visibility: str,
) -> ProjectRole:
    """The caller's role in a project of that organization — its org role lifted by its
    project membership's role, if any — when it reaches ``minimum`` (else FORBIDDEN) and
    the project takes writes (not PUBLIC); a read-only key is refused first."""
    actor.require_write()
    org_role = actor.org_role(organization_id, "project", field)
    role = effective_project_role(org_role, ProjectRole(member_role) if member_role else None)
    ensure_project_role(role, minimum, field)
    ensure_writable(visibility, field)
    return role


async def require_project_role(
    session: AsyncSession,
    actor: Actor,
    project: Project,
    minimum: ProjectRole,
    field: Sequence[str],
    *,
    unpublishing: bool = False,
) -> ProjectRole:
    """As check_project_role; ``unpublishing``: the write is the one a PUBLIC project
    takes (its visibility, by an owner)."""
    actor.require_write()  # before reading anything for a read-only key
    member_role = await session.scalar(
        select(ProjectMember.role).where(
            ProjectMember.project_id == project.id, ProjectMember.user_id == actor.user_id
        )
    )
    visibility = ProjectVisibility.ORGANIZATION.value if unpublishing else project.visibility
    return check_project_role(
        actor, project.organization_id, member_role, minimum, field, visibility=visibility
    )


async def require_project_access(
    session: AsyncSession,
    actor: Actor,
    project_id: uuid.UUID | None,
    minimum: ProjectRole,
    *,
    what: str,
    field: Sequence[str],
    for_update: bool = False,
    unpublishing: bool = False,
) -> Project:
    """The project, if the caller sees it (else NOT_FOUND about ``what``), holds at least
    ``minimum`` in it and it takes writes (else FORBIDDEN): the check every write under a
    project starts with."""
    # FOR KEY SHARE at least: a project being published (projectUpdate holds it FOR UPDATE
    # while it counts what still moves) is waited for, and its new visibility read; a
    # publisher waits for this transaction, and then counts what it made.
    project = await get_visible(
        session, Project, project_id, actor, what=what, field=field, for_update=for_update,
        key_share=True,
    )  # fmt: skip
    await require_project_role(session, actor, project, minimum, field, unpublishing=unpublishing)
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
