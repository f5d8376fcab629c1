"""MLflow's logged models (``mlflow.<flavor>.log_model``): created PENDING by the client
before it uploads the files (into the run's ``models/m-<id>/`` folder), then finalized
READY or FAILED. A logged model belongs to the run that logged it: one outside a run has
nowhere to keep its files here and is refused."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import validation as v
from app.domain.errors import DomainError, ErrorCode, not_found, validation
from app.domain.experiments.models import Experiment, Run
from app.domain.mlflow.enums import LoggedModelStatus
from app.domain.mlflow.models import LoggedModel
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.projects import get_contributable
from app.domain.tenancy.visibility import visible_conditions

MAX_SEARCH = 1_000


def _strings(values: Mapping[str, Any], field: str) -> dict[str, str]:
    return v.json_object({str(k): str(val) for k, val in values.items()}, [field])


async def logged_model_create(
    session: AsyncSession,
    actor: Actor,
    *,
    experiment_id: uuid.UUID | None,
    run_id: uuid.UUID | None,
    name: str | None,
    model_type: str | None,
    tags: Mapping[str, Any],
    params: Mapping[str, Any],
) -> LoggedModel:
    if run_id is None:
        raise validation(
            "log the model inside a run (mlflow.start_run()): this server keeps a model's "
            "files with the run that logged it",
            ["source_run_id"],
        )
    run = await get_contributable(session, Run, run_id, actor, what="run", field=["source_run_id"])
    if experiment_id is not None and experiment_id != run.experiment_id:
        raise validation("the run belongs to another experiment", ["experiment_id"])
    row = LoggedModel(
        organization_id=run.organization_id,
        run_id=run.id,
        experiment_id=run.experiment_id,
        name=v.name(name or "model", ["name"]),
        status=LoggedModelStatus.PENDING.value,
        model_type=v.optional_text(model_type, ["model_type"], max_length=200),
        tags=_strings(tags, "tags"),
        params=_strings(params, "params"),
        created_by_id=actor.user_id,
    )
    session.add(row)
    await session.flush()
    record_audit(session, actor, "logged_model.create", row, details={"run_id": str(run.id)})
    return row


async def logged_model(
    session: AsyncSession, actor: Actor, model_id: uuid.UUID | None, *, for_update: bool = False
) -> LoggedModel:
    return await get_visible(
        session,
        LoggedModel,
        model_id,
        actor,
        what="logged model",
        field=["model_id"],
        for_update=for_update,
    )


async def writable_logged_model(
    session: AsyncSession, actor: Actor, model_id: uuid.UUID | None
) -> LoggedModel:
    row = await logged_model(session, actor, model_id, for_update=True)
    await get_contributable(
        session, Run, row.run_id, actor, what="logged model", field=["model_id"]
    )
    return row


async def logged_model_finalize(
    session: AsyncSession, actor: Actor, model_id: uuid.UUID | None, status: LoggedModelStatus
) -> LoggedModel:
    row = await writable_logged_model(session, actor, model_id)
    if status is LoggedModelStatus.PENDING:
        raise validation("finalize as READY or FAILED", ["status"])
    row.status = status.value
    record_audit(session, actor, "logged_model.finalize", row, details={"status": status.value})
    await session.flush()
    return row


async def logged_model_set_tags(
    session: AsyncSession, actor: Actor, model_id: uuid.UUID | None, tags: Mapping[str, Any]
) -> LoggedModel:
    row = await writable_logged_model(session, actor, model_id)
    row.tags = _strings({**row.tags, **tags}, "tags")
    await session.flush()
    return row


async def logged_model_delete_tag(
    session: AsyncSession, actor: Actor, model_id: uuid.UUID | None, key: str
) -> LoggedModel:
    row = await writable_logged_model(session, actor, model_id)
    if key not in row.tags:
        raise not_found(f"tag {key!r} of the logged model", ["key"])
    row.tags = {k: val for k, val in row.tags.items() if k != key}
    await session.flush()
    return row


async def logged_models_of(
    session: AsyncSession,
    actor: Actor,
    *,
    experiment_ids: Sequence[uuid.UUID],
    name: str | None = None,
    run_id: uuid.UUID | None = None,
    offset: int = 0,
    limit: int = MAX_SEARCH,
) -> list[LoggedModel]:
    """The live logged models of the experiments (and run) the caller sees, newest first."""
    if not actor.org_ids:
        return []
    query = (
        select(LoggedModel)
        .join(Experiment, Experiment.id == LoggedModel.experiment_id)
        .join(Run, Run.id == LoggedModel.run_id)
        .where(
            LoggedModel.experiment_id.in_(list(experiment_ids)),
            LoggedModel.organization_id.in_(actor.org_ids),
            LoggedModel.deleted_at.is_(None),
            Run.deleted_at.is_(None),
            *visible_conditions(LoggedModel, actor.hidden),
        )
        .order_by(LoggedModel.id.desc())
        .offset(offset)
        .limit(limit)
    )
    if name is not None:
        query = query.where(LoggedModel.name == name)
    if run_id is not None:
        query = query.where(LoggedModel.run_id == run_id)
    return list((await session.scalars(query)).all())


def logged_model_status(text: str | None) -> LoggedModelStatus:
    names = {
        "LOGGED_MODEL_PENDING": LoggedModelStatus.PENDING,
        "LOGGED_MODEL_READY": LoggedModelStatus.READY,
        "LOGGED_MODEL_UPLOAD_FAILED": LoggedModelStatus.FAILED,
    }
    if text not in names:
        raise DomainError(
            ErrorCode.VALIDATION,
            "status must be LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED",
            ["status"],
        )
    return names[text]
