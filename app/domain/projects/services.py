"""Project operations: create, update (slug, visibility), delete (which retires everything
in the project, across contexts) and project roles. Above the contexts it retires: none of
them imports it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import validation as v
from app.domain.builds.enums import FINAL as BUILD_ENDED
from app.domain.errors import DomainError, ErrorCode
from app.domain.evaluations.enums import ENDED as EVALUATION_ENDED
from app.domain.experiments.enums import TERMINAL_RUN_STATUSES
from app.domain.experiments.models import Experiment, Run
from app.domain.monitoring.models import AlertRule
from app.domain.notifications.models import NotificationRule
from app.domain.patterns.enums import FINAL as PATTERN_JOB_ENDED
from app.domain.pipelines.enums import PipelineRunStatus
from app.domain.registry.models import Model, ModelVersion
from app.domain.serving.enums import WORKFLOW_RUN_ENDED
from app.domain.serving.live import LIVE_DEPLOYMENT_STATUSES, ensure_no_live_deployments
from app.domain.serving.models import Deployment
from app.domain.tenancy.access import Actor
from app.domain.tenancy.access_news import publish_members, publish_user
from app.domain.tenancy.audit import record_audit, record_audit_event
from app.domain.tenancy.enums import OrgRole, ProjectRole, ProjectVisibility
from app.domain.tenancy.models import Membership, Project, ProjectMember, User
from app.domain.tenancy.projects import require_project_access
from app.domain.tenancy.visibility import visible_conditions
from app.domain.training.enums import TrainingJobStatus


def _ended(values: Any) -> str:
    return ", ".join(f"'{status.value}'" for status in values)


T = TrainingJobStatus
P = PipelineRunStatus
# What still moves in a project: (what, rows, their project, the condition of one still
# moving). A PUBLIC project takes no writes, so it is published once all of them have ended.
_MOVING = [
    ("running run(s)", "runs x", "x.project_id",
     f"x.status NOT IN ({_ended(TERMINAL_RUN_STATUSES)}) AND x.deleted_at IS NULL"),
    ("unfinished training job(s)", "training_jobs x", "x.project_id",
     f"x.status NOT IN ({_ended([T.SUCCEEDED, T.FAILED, T.CANCELLED])})"),
    ("unfinished pipeline run(s)", "pipeline_runs x JOIN pipelines q ON q.id = x.pipeline_id",
     "q.project_id", f"x.status NOT IN ({_ended([P.SUCCEEDED, P.FAILED, P.CANCELLED])})"),
    ("live deployment(s)", "deployments x", "x.project_id",
     "x.status IN (" + ", ".join(f"'{s}'" for s in LIVE_DEPLOYMENT_STATUSES) + ") "
     "AND x.deleted_at IS NULL"),
    ("unfinished evaluation run(s)", "evaluation_runs x", "x.project_id",
     f"x.status NOT IN ({_ended(EVALUATION_ENDED)})"),
    ("unfinished pattern job(s)", "pattern_jobs x", "x.project_id",
     f"x.status NOT IN ({_ended(PATTERN_JOB_ENDED)})"),
    ("unfinished artifact build(s)", "artifact_builds x", "x.project_id",
     f"x.status NOT IN ({_ended(BUILD_ENDED)})"),
    ("unfinished workflow run(s)", "workflow_runs x", "x.project_id",
     f"x.status NOT IN ({_ended(WORKFLOW_RUN_ENDED)})"),
]  # fmt: skip
MOVING_IN_PROJECT = text(
    "SELECT "
    + ", ".join(
        f"(SELECT count(*) FROM {rows} WHERE {project} = :project_id AND {moving}) AS m{i}"
        for i, (_, rows, project, moving) in enumerate(_MOVING)
    )
)


async def _ensure_nothing_moving(session: AsyncSession, project_id: uuid.UUID) -> None:
    """CONFLICT, naming what, while anything in the project still runs or serves: once
    PUBLIC, nothing under it may write, so a training loop or a deployment would lose data."""
    counts = (await session.execute(MOVING_IN_PROJECT, {"project_id": project_id})).one()
    moving = [f"{count} {what}" for count, (what, *_) in zip(counts, _MOVING, strict=True) if count]
    if moving:
        raise DomainError(
            ErrorCode.CONFLICT,
            "a PUBLIC project is read-only, and this one still has "
            + ", ".join(moving)
            + ": let them end (or cancel them) first",
            ["visibility"],
        )


async def _ensure_slug_free(
    session: AsyncSession,
    actor: Actor,
    organization_id: uuid.UUID,
    slug: str,
    except_id: uuid.UUID | None,
) -> None:
    """CONFLICT if a live project the caller can see holds ``slug``: a private project hidden
    from the caller is no CONFLICT oracle (README, "projectCreate"). Locks the slug for the
    rest of the transaction, so two callers choosing it at once are checked one after the
    other."""
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtextextended(f"{organization_id}/{slug}", 0)))
    )
    query = (
        select(func.count())
        .select_from(Project)
        .where(
            Project.organization_id == organization_id,
            Project.slug == slug,
            Project.deleted_at.is_(None),
            *visible_conditions(Project, actor.hidden),
        )
    )
    if except_id is not None:
        query = query.where(Project.id != except_id)
    if await session.scalar(query):
        raise DomainError(ErrorCode.CONFLICT, "a live project already has this slug", ["slug"])


async def project_create(
    session: AsyncSession,
    actor: Actor,
    *,
    organization_id: uuid.UUID | None,
    slug: str,
    name: str,
    description: str | None,
    visibility: ProjectVisibility = ProjectVisibility.ORGANIZATION,
) -> Project:
    """Org developers and admins create projects; the creator becomes the project owner."""
    if organization_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, "organization not found", ["organization_id"])
    actor.require_org_role(organization_id, OrgRole.DEVELOPER, field=["organization_id"])
    if visibility is ProjectVisibility.PUBLIC:
        raise DomainError(
            ErrorCode.VALIDATION,
            "a project is made PUBLIC (read-only) once it holds what it publishes: create it "
            "ORGANIZATION or PRIVATE, then set PUBLIC with projectUpdate",
            ["visibility"],
        )
    slug = v.slug(slug, ["slug"])
    name = v.name(name, ["name"])
    description = v.optional_text(description, ["description"])
    await _ensure_slug_free(session, actor, organization_id, slug, None)
    project = Project(
        organization_id=organization_id,
        slug=slug,
        name=name,
        description=description,
        created_by_id=actor.user_id,
        visibility=visibility.value,
    )
    session.add(project)
    await session.flush()
    session.add(
        ProjectMember(
            organization_id=organization_id,
            project_id=project.id,
            user_id=actor.user_id,
            role=ProjectRole.OWNER.value,
        )
    )
    record_audit_event(
        session,
        actor,
        "project.create",
        organization_id=organization_id,
        target_type="Project",
        target_id=project.id,
        details={"slug": slug, "visibility": visibility.value},
    )
    await session.flush()
    if visibility is ProjectVisibility.PRIVATE:
        await publish_members(session, organization_id)  # cached callers must not see it
    return project


async def project_update(
    session: AsyncSession, actor: Actor, *, project_id: uuid.UUID | None, changes: Mapping[str, Any]
) -> Project:
    field = ["project_id"]
    project = await require_project_access(
        session,
        actor,
        project_id,
        ProjectRole.OWNER,
        what="project",
        field=field,
        for_update=True,
        unpublishing=set(changes) == {"visibility"},  # what a PUBLIC project takes
    )
    slug = v.slug(changes["slug"], ["slug"]) if "slug" in changes else project.slug
    if "visibility" in changes and changes["visibility"] is None:
        raise DomainError(ErrorCode.VALIDATION, "visibility cannot be null", ["visibility"])
    shown = "visibility" in changes and changes["visibility"] is not ProjectVisibility.PRIVATE
    publishing = (
        "visibility" in changes
        and changes["visibility"] is ProjectVisibility.PUBLIC
        and project.visibility != ProjectVisibility.PUBLIC.value
    )
    if publishing:
        await _ensure_nothing_moving(session, project.id)
    # A new slug, or one every member is about to see, must be free among what the caller
    # sees (among the projects every member sees, the database holds it too).
    if slug != project.slug or shown:
        await _ensure_slug_free(session, actor, project.organization_id, slug, project.id)
    project.slug = slug
    if "name" in changes:
        project.name = v.name(changes["name"], ["name"])
    if "description" in changes:
        project.description = v.optional_text(changes["description"], ["description"])
    if "settings" in changes:
        project.settings = v.json_object(changes["settings"], ["settings"])
    visibility_changed = False
    if "visibility" in changes:
        visibility_changed = project.visibility != changes["visibility"].value
        project.visibility = changes["visibility"].value
    record_audit(session, actor, "project.update", project, details={"fields": sorted(changes)})
    await session.flush()
    if visibility_changed:
        # Every member's cached access (hidden projects) is stale; live subscriptions of
        # those who lost the project end (app/events/access.py).
        await publish_members(session, project.organization_id)
    return project


async def project_delete(
    session: AsyncSession, actor: Actor, *, project_id: uuid.UUID | None
) -> Project:
    """Soft delete: the project and everything in it leave every listing and node(id:):
    models and their versions, deployments, experiments and runs, alert rules, and the
    notification rules scoped to it (notification channels belong to the organization)."""
    field = ["project_id"]
    project = await require_project_access(
        session, actor, project_id, ProjectRole.OWNER, what="project", field=field, for_update=True
    )
    await ensure_no_live_deployments(session, Deployment.project_id == project.id, "project", field)
    now = datetime.now(UTC)
    project.deleted_at = now
    model_ids = select(Model.id).where(Model.project_id == project.id).scalar_subquery()
    await session.execute(
        update(ModelVersion)
        .where(ModelVersion.model_id.in_(model_ids), ModelVersion.deleted_at.is_(None))
        .values(deleted_at=now)
    )
    for table in (Model, Deployment, Experiment, Run, AlertRule, NotificationRule):
        await session.execute(
            update(table)
            .where(table.project_id == project.id, table.deleted_at.is_(None))
            .values(deleted_at=now)
        )
    record_audit(session, actor, "project.delete", project, details={"slug": project.slug})
    await session.flush()
    return project


async def project_member_set(
    session: AsyncSession,
    actor: Actor,
    *,
    project_id: uuid.UUID | None,
    email: str,
    role: ProjectRole | None,
) -> ProjectMember | None:
    """Give an organization member a role in one project (None removes it). Owners only.

    Project roles add to what the organization role grants: an org viewer can contribute to
    one project; they never take rights away."""
    field = ["project_id"]
    project = await require_project_access(
        session, actor, project_id, ProjectRole.OWNER, what="project", field=field, for_update=True
    )
    email = v.email(email, ["email"])
    user_id = await session.scalar(
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.organization_id == project.organization_id,
            Membership.deleted_at.is_(None),
            func.lower(User.email) == email,
        )
    )
    if user_id is None:
        raise DomainError(
            ErrorCode.NOT_FOUND, "no member of this organization has this email", ["email"]
        )
    member = await session.scalar(
        select(ProjectMember).where(
            ProjectMember.project_id == project.id, ProjectMember.user_id == user_id
        )
    )
    if role is None:
        if member is not None:
            await session.delete(member)
    elif member is None:
        member = ProjectMember(
            organization_id=project.organization_id,
            project_id=project.id,
            user_id=user_id,
            role=role.value,
        )
        session.add(member)
    else:
        member.role = role.value
    record_audit(
        session,
        actor,
        "project_member.set",
        project,
        details={"email": email, "role": role.value if role else None},
    )
    await session.flush()
    await publish_user(session, user_id)  # a private project's reach changed
    return member if role is not None else None
