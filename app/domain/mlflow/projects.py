"""Where MLflow's experiments live: one mlgraph project per organization, named by the
server's setting (``MLGRAPH_MLFLOW_PROJECT``, a project slug, or ``<org>/<project>``) or,
for one experiment, by its ``mlgraph.project`` tag when MLflow's client creates it.

MLflow names experiments globally; mlgraph names them per project. So names are looked up
(``get-by-name``, ``search``) in that project, while ids reach every experiment the caller
can see. The project is created on first use by a caller who may create projects, and
MLflow's experiment "0" (its default) is the project's experiment named "Default"."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import validation as v
from app.domain.errors import DomainError, ErrorCode, not_found
from app.domain.experiments.models import Experiment
from app.domain.experiments.run_query import NOTE_TAG
from app.domain.experiments.services import ExperimentLinks, experiment_create
from app.domain.projects.services import project_create
from app.domain.tenancy.access import Actor
from app.domain.tenancy.models import Organization, Project
from app.domain.tenancy.visibility import visible_conditions

PROJECT_TAG = "mlgraph.project"
DEFAULT_EXPERIMENT_ID = "0"
DEFAULT_EXPERIMENT_NAME = "Default"
TAGS_KEY = "mlflow_tags"  # an experiment's MLflow tags, in its config


@dataclass(frozen=True)
class ProjectRef:
    """A project named by slug, in the caller's one organization or a named one."""

    organization_slug: str | None
    project_slug: str

    @classmethod
    def parse(cls, text: str, field: list[str]) -> ProjectRef:
        organization, slash, project = text.strip().rpartition("/")
        if slash and not organization:
            raise DomainError(ErrorCode.VALIDATION, "name a project: <org>/<project>", field)
        return cls(v.slug(organization, field) if slash else None, v.slug(project, field))


def mlflow_uuid(mlflow_id: str | None) -> uuid.UUID | None:
    """An MLflow experiment or run id (the hex of an mlgraph id, as this server gives
    them, or the id with dashes) as the mlgraph id; None for anything else."""
    if not mlflow_id or len(mlflow_id) > 36:
        return None
    try:
        return uuid.UUID(mlflow_id)
    except ValueError:
        return None


async def _organization(session: AsyncSession, actor: Actor, ref: ProjectRef) -> uuid.UUID:
    if ref.organization_slug is not None:
        found = await session.scalar(
            select(Organization.id).where(
                Organization.slug == ref.organization_slug,
                Organization.id.in_(actor.org_ids),
            )
        )
        if found is None:
            raise not_found(f"organization {ref.organization_slug!r}", ["project"])
        return found
    if actor.key_organization_id is not None:
        return actor.key_organization_id
    if len(actor.org_ids) == 1:
        return actor.org_ids[0]
    raise DomainError(
        ErrorCode.VALIDATION,
        "this key reaches several organizations: use a key made for one organization, or "
        "name the project as <org>/<project> (MLGRAPH_MLFLOW_PROJECT, or the experiment's "
        "mlgraph.project tag)",
        ["project"],
    )


async def mlflow_project(session: AsyncSession, actor: Actor, ref: ProjectRef) -> Project:
    """The project MLflow's experiments go to, created on first use when the caller may."""
    actor.require_user()
    organization_id = await _organization(session, actor, ref)
    query = select(Project).where(
        Project.organization_id == organization_id,
        Project.slug == ref.project_slug,
        Project.deleted_at.is_(None),
        *visible_conditions(Project, actor.hidden),
    )
    found = await session.scalar(query)
    if found is not None:
        return found
    try:
        return await project_create(
            session,
            actor,
            organization_id=organization_id,
            slug=ref.project_slug,
            name=ref.project_slug,
            description="Experiments logged through MLflow's client (created on first use).",
        )
    except DomainError as error:
        if error.code is ErrorCode.CONFLICT:  # created meanwhile by another request
            again = await session.scalar(query)
            if again is not None:
                return again
        if error.code in (ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND):
            raise DomainError(
                error.code,
                f"project {ref.project_slug!r} does not exist and this key may not create it: "
                "ask an organization developer or admin to create it",
                ["project"],
            ) from error
        raise


async def experiment_named(session: AsyncSession, project: Project, name: str) -> Experiment | None:
    return await session.scalar(
        select(Experiment).where(
            Experiment.project_id == project.id,
            Experiment.name == name,
            Experiment.deleted_at.is_(None),
        )
    )


async def _project_of_model(
    session: AsyncSession, actor: Actor, model_id: uuid.UUID, field: Sequence[str]
) -> uuid.UUID:
    raise not_found("model", field)  # MLflow's experiments are not linked to a model


async def experiment_create_mlflow(
    session: AsyncSession,
    actor: Actor,
    *,
    project: Project,
    name: str,
    tags: dict[str, str],
) -> Experiment:
    description = tags.pop(NOTE_TAG, None)
    return await experiment_create(
        session,
        actor,
        project_id=project.id,
        name=name,
        description=description,
        config={TAGS_KEY: tags} if tags else {},
        model_id=None,
        links=ExperimentLinks(model=_project_of_model),
    )


async def default_experiment(session: AsyncSession, actor: Actor, project: Project) -> Experiment:
    found = await experiment_named(session, project, DEFAULT_EXPERIMENT_NAME)
    if found is not None:
        return found
    try:
        async with session.begin_nested():
            return await experiment_create_mlflow(
                session, actor, project=project, name=DEFAULT_EXPERIMENT_NAME, tags={}
            )
    except (DomainError, IntegrityError) as error:
        # Made meanwhile by a concurrent first request: use that one.
        conflict = isinstance(error, IntegrityError) or error.code is ErrorCode.CONFLICT
        again = await experiment_named(session, project, DEFAULT_EXPERIMENT_NAME)
        if conflict and again is not None:
            return again
        raise


def experiment_tags(experiment: Experiment) -> dict[str, Any]:
    tags = dict(experiment.config.get(TAGS_KEY) or {})
    if experiment.description:
        tags[NOTE_TAG] = experiment.description
    return tags
