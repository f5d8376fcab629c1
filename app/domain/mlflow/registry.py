"""MLflow's model registry on mlgraph's: a registered model is a model of the MLflow
project (found by name there), its versions are the model's versions numbered 1, 2, 3 in
the order they were made (MLflow numbers them; mlgraph names them by semantic version, so
a version made through MLflow is ``<n>.0.0``), and its aliases are the model's aliases,
with their history."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import DomainError, ErrorCode, not_found, validation
from app.domain.experiments.models import Run
from app.domain.experiments.run_query import compare
from app.domain.mlflow import uris
from app.domain.mlflow.filters import equalities
from app.domain.mlflow.logged_models import logged_model
from app.domain.registry.enums import Framework, ModelStage, ModelType
from app.domain.registry.model_service import model_create
from app.domain.registry.models import Model, ModelVersion
from app.domain.registry.version_service import RunArtifactRef, model_version_create
from app.domain.tenancy.access import Actor
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.models import Project
from app.domain.tenancy.visibility import visible_conditions

TAGS_KEY = "mlflow_tags"  # a registered model's MLflow tags, in its metadata
STAGE_TO_MLFLOW = {
    ModelStage.DEVELOPMENT: "None",
    ModelStage.STAGING: "Staging",
    ModelStage.PRODUCTION: "Production",
    ModelStage.ARCHIVED: "Archived",
}
STAGE_FROM_MLFLOW = {name.lower(): stage for stage, name in STAGE_TO_MLFLOW.items()}


async def registered_model(
    session: AsyncSession, actor: Actor, project: Project, name: str | None
) -> Model:
    found = await session.scalar(
        select(Model).where(
            Model.project_id == project.id,
            Model.name == (name or "").strip(),
            Model.deleted_at.is_(None),
            *visible_conditions(Model, actor.hidden),
        )
    )
    if found is None:
        raise not_found(f"registered model {name!r}", ["name"])
    return found


async def registered_model_create(
    session: AsyncSession,
    actor: Actor,
    project: Project,
    *,
    name: str,
    description: str | None,
    tags: dict[str, str],
) -> Model:
    return await model_create(
        session,
        actor,
        project_id=project.id,
        name=name,
        description=description,
        model_type=ModelType.OTHER,
        framework=Framework.OTHER,
        task_type=None,
        tags=[],
        metadata={TAGS_KEY: tags} if tags else {},
    )


def model_tags(model: Model) -> dict[str, Any]:
    return dict(model.metadata_.get(TAGS_KEY) or {})


@dataclass(frozen=True)
class Numbered:
    number: int  # MLflow's version number: the version's place in the order made (from 1)
    version: ModelVersion


async def numbered_versions(session: AsyncSession, model_id: uuid.UUID) -> list[Numbered]:
    """The model's live versions, with their numbers (retired ones keep theirs)."""
    place = func.row_number().over(order_by=ModelVersion.id).label("number")
    ranked = select(ModelVersion.id, place).where(ModelVersion.model_id == model_id).subquery()
    rows = await session.execute(
        select(ModelVersion, ranked.c.number)
        .join(ranked, ranked.c.id == ModelVersion.id)
        .where(ModelVersion.deleted_at.is_(None))
        .order_by(ModelVersion.id)
    )
    return [Numbered(int(number), version) for version, number in rows]


async def version_number(session: AsyncSession, version: ModelVersion) -> int:
    made_before = await session.scalar(
        select(func.count())
        .select_from(ModelVersion)
        .where(ModelVersion.model_id == version.model_id, ModelVersion.id <= version.id)
    )
    return int(made_before or 0)


def parse_version_number(text: Any) -> int:
    try:
        number = int(str(text))
    except ValueError:
        raise validation("a version is a whole number: 1, 2, 3...", ["version"]) from None
    if number < 1:
        raise validation("a version is a whole number from 1", ["version"])
    return number


async def version_by_number(session: AsyncSession, model: Model, number: int) -> ModelVersion:
    for numbered in await numbered_versions(session, model.id):
        if numbered.number == number:
            return numbered.version
    raise not_found(f"version {number} of registered model {model.name!r}", ["version"])


@dataclass(frozen=True)
class SourceFiles:
    run: Run
    path: str


async def source_files(
    session: AsyncSession, actor: Actor, source: str, run_id: uuid.UUID | None
) -> SourceFiles | None:
    """The run's files a version's ``source`` names (None: a URI kept as it is)."""
    named = uris.source_files(source, ["source"])
    if named is None:
        return None
    identity, path = named
    model_uuid = uris.logged_model_uuid(identity)
    if model_uuid is not None:
        model = await logged_model(session, actor, model_uuid)
        identity, path = model.run_id.hex, uris.logged_model_folder(model.id)
    run = await get_visible(
        session, Run, _run_uuid(identity), actor, what="run of the source", field=["source"]
    )
    if run_id is not None and run_id != run.id:
        raise validation("the source is another run's files than run_id's", ["run_id"])
    return SourceFiles(run, path)


def _run_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


async def version_create(
    session: AsyncSession,
    actor: Actor,
    model: Model,
    *,
    source: str,
    run_id: uuid.UUID | None,
    description: str | None,
) -> ModelVersion:
    """A new version numbered after every version the model has had."""
    files = await source_files(session, actor, source, run_id)
    number = (
        await session.scalar(
            select(func.count()).select_from(ModelVersion).where(ModelVersion.model_id == model.id)
        )
        or 0
    ) + 1
    taken = set(
        await session.scalars(
            select(ModelVersion.version).where(
                ModelVersion.model_id == model.id, ModelVersion.deleted_at.is_(None)
            )
        )
    )
    semantic = f"{number}.0.0" if f"{number}.0.0" not in taken else f"{number}.0.0+mlflow"
    if semantic in taken:
        raise DomainError(ErrorCode.CONFLICT, f"version {semantic} of this model exists")
    return await model_version_create(
        session,
        actor,
        model_id=model.id,
        version=semantic,
        description=description,
        artifact_uri=source if files is None else None,
        artifact_size_bytes=None,
        metrics=None,
        signature=None,
        run_id=run_id if files is None else files.run.id,
        run_artifact=None
        if files is None
        else RunArtifactRef(files.path, f"runs:/{files.run.id.hex}/{files.path}"),
    )


def stage(text: str | None) -> ModelStage:
    found = STAGE_FROM_MLFLOW.get((text or "").strip().lower())
    if found is None:
        raise validation("stage must be None, Staging, Production or Archived", ["stage"])
    return found


NAME_FILTER = re.compile(r"""^\s*name\s+(=|LIKE|ILIKE)\s*(?:'([^']*)'|"([^"]*)")\s*$""", re.I)


def name_condition(column: Any, text: str) -> Any:
    """MLflow's registered-model filter: ``name = '...'``, ``name LIKE '...'`` or ILIKE."""
    match = NAME_FILTER.match(text)
    if match is None:
        raise validation(
            "registered models are filtered by name = '...', name LIKE '...' or name ILIKE '...'",
            ["filter"],
        )
    op, value = (
        match.group(1).upper(),
        match.group(2) if match.group(2) is not None else match.group(3),
    )
    return compare(column, op, value)


def version_filter(text: str | None) -> dict[str, str]:
    """MLflow's model-version filter: ``name = '...'`` and ``run_id = '...'``, by AND."""
    return equalities(text, ("name", "run_id"), "model versions")
