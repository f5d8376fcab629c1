"""Model version operations: create, and move between stages."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import validation as v
from app.domain.artifacts.rules import artifact_path
from app.domain.artifacts.services import files_size
from app.domain.datasets.services import Checksum, clean_checksum
from app.domain.errors import DomainError, ErrorCode, not_found, validation
from app.domain.experiments.models import Run
from app.domain.notifications.enums import Trigger
from app.domain.notifications.services import enqueue_notifications
from app.domain.registry.enums import ModelStage
from app.domain.registry.model_service import writable_model
from app.domain.registry.models import Model, ModelProductionEvent, ModelVersion
from app.domain.registry.rules import ensure_stage_transition, semver
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit, record_audit_event
from app.domain.tenancy.lookup import get_visible
from app.domain.training.models import TrainingJob


async def notify_model_update(
    session: AsyncSession, model: Model, version: ModelVersion, action: str
) -> None:
    await enqueue_notifications(
        session,
        organization_id=model.organization_id,
        trigger=Trigger.MODEL_UPDATE,
        event_type=f"model_version.{action}",
        payload={
            "model_id": str(model.id),
            "model_version_id": str(version.id),
            "title": f"{model.name} {version.version}: {action} ({version.stage})",
            "stage": version.stage,
        },
        project_id=model.project_id,
    )


@dataclass(frozen=True)
class RunArtifactRef:
    path: str  # as given: checked here
    uri: str  # how the version names it (the API's: runs:/<run id>/<path>)


async def model_version_create(
    session: AsyncSession,
    actor: Actor,
    *,
    model_id: uuid.UUID | None,
    version: str,
    description: str | None,
    artifact_uri: str | None,
    artifact_size_bytes: int | None,
    metrics: Any,
    signature: Any,
    run_id: uuid.UUID | None = None,
    run_artifact: RunArtifactRef | None = None,
    checksum: Checksum | None = None,
    hyperparameters: Any = None,
    training_job_id: uuid.UUID | None = None,
) -> ModelVersion:
    """``run_artifact``: the version's files are the run's at that path (a file, or a
    folder's files): its URI and size are theirs. ``training_job_id``: the job that trained
    it, of the model's project (its run, when neither names another, becomes the version's
    run). ``hyperparameters``: by default the run's params."""
    model = await writable_model(session, actor, model_id, ["model_id"])
    job = None
    if training_job_id is not None:
        job = await get_visible(
            session, TrainingJob, training_job_id, actor, what="training job",
            field=["training_job_id"],
        )  # fmt: skip
        if job.project_id != model.project_id:
            raise validation("the training job belongs to another project", ["training_job_id"])
        if run_id is None:
            run_id = job.run_id
        elif job.run_id is not None and job.run_id != run_id:
            raise validation("the training job produced another run", ["training_job_id"])
    run = None
    if run_id is not None:
        run = await get_visible(session, Run, run_id, actor, what="run", field=["run_id"])
        if run.organization_id != model.organization_id:
            raise not_found("run", ["run_id"])
    clean = clean_checksum(checksum, ["checksum"])
    if hyperparameters is None:
        hyperparameters = dict(run.params) if run is not None else {}
    if run_artifact is not None:
        if run_id is None:
            raise validation("give the run whose artifact it is (runId)", ["run_artifact_path"])
        if artifact_uri is not None or artifact_size_bytes is not None:
            raise validation(
                "give artifactUri and artifactSizeBytes, or runArtifactPath: not both",
                ["run_artifact_path"],
            )
        path = artifact_path(run_artifact.path, ["run_artifact_path"])
        artifact_size_bytes = await files_size(session, run_id, path)
        if artifact_size_bytes is None:
            raise not_found("artifact", ["run_artifact_path"])
    version = semver(version, ["version"])
    if artifact_size_bytes is not None and not 0 <= artifact_size_bytes < 2**63:
        raise DomainError(
            ErrorCode.VALIDATION, "must be between 0 and 2^63-1", ["artifact_size_bytes"]
        )
    taken = await session.scalar(
        select(func.count())
        .select_from(ModelVersion)
        .where(
            ModelVersion.model_id == model.id,
            ModelVersion.version == version,
            ModelVersion.deleted_at.is_(None),
        )
    )
    if taken:
        raise DomainError(
            ErrorCode.CONFLICT, f"version {version} of this model exists", ["version"]
        )
    row = ModelVersion(
        organization_id=model.organization_id,
        model_id=model.id,
        version=version,
        stage=ModelStage.DEVELOPMENT.value,
        description=v.optional_text(description, ["description"]),
        artifact_uri=run_artifact.uri
        if run_artifact is not None
        else v.url(artifact_uri, ["artifact_uri"]),
        artifact_size_bytes=artifact_size_bytes,
        metrics=v.json_object(metrics, ["metrics"]),
        signature=v.json_object(signature, ["signature"]) if signature else None,
        stage_changed_at=datetime.now(UTC),
        created_by_id=actor.user_id,
        run_id=run_id,
        checksum_algorithm=clean[0] if clean else None,
        checksum=clean[1] if clean else None,
        hyperparameters=v.json_object(hyperparameters, ["hyperparameters"]),
        training_job_id=job.id if job is not None else None,
    )
    session.add(row)
    await session.flush()
    record_audit(
        session,
        actor,
        "model_version.create",
        row,
        details={
            "model_id": str(model.id),
            "version": version,
            "run_id": str(run_id) if run_id else None,
        },
    )
    await notify_model_update(session, model, row, "create")
    return row


@dataclass(frozen=True)
class TransitionResult:
    version: ModelVersion
    archived: ModelVersion | None  # the previous production version, when one was replaced


async def model_version_update(
    session: AsyncSession,
    actor: Actor,
    *,
    version_id: uuid.UUID | None,
    changes: Mapping[str, Any],
) -> ModelVersion:
    """Describe a version and add evaluation metrics (merged: a metric recorded later, say
    on a holdout set, joins the others; null removes one). The version number, artifact
    and run it came from stay: they are what was registered. Contributors+."""
    field = ["model_version_id"]
    row = await get_visible(
        session, ModelVersion, version_id, actor, what="model version", field=field
    )
    model = await writable_model(session, actor, row.model_id, field)
    await session.refresh(row, with_for_update=True)
    if "description" in changes:
        row.description = v.optional_text(changes["description"], ["description"])
    if changes.get("metrics") is not None:
        merged = {**row.metrics, **v.json_object(changes["metrics"], ["metrics"])}
        row.metrics = v.json_object(
            {key: value for key, value in merged.items() if value is not None},
            ["metrics"],
        )
    record_audit_event(
        session,
        actor,
        "model_version.update",
        organization_id=model.organization_id,
        target_type="ModelVersion",
        target_id=row.id,
        details={"fields": sorted(changes)},
    )
    await session.flush()
    await session.refresh(row)
    return row


async def model_version_transition(
    session: AsyncSession,
    actor: Actor,
    *,
    version_id: uuid.UUID | None,
    stage: ModelStage,
) -> TransitionResult:
    """Move a version to a stage. Promoting to production archives the previous production
    version in the same transaction, so a model never has two."""
    field = ["model_version_id"]
    row = await get_visible(
        session, ModelVersion, version_id, actor, what="model version", field=field
    )
    model = await writable_model(session, actor, row.model_id, field)
    return await move_version(session, actor, row, model, stage)


async def move_version(
    session: AsyncSession, actor: Actor, row: ModelVersion, model: Model, stage: ModelStage
) -> TransitionResult:
    """The move itself, the model locked by the caller (its access checked, or its
    promotion approved: app/domain/governance/services.py)."""
    # Re-read under the model lock: a concurrent transition may have moved it.
    await session.refresh(row, with_for_update=True)
    current = ModelStage(row.stage)
    ensure_stage_transition(current, stage, ["stage"])
    now = datetime.now(UTC)
    archived: ModelVersion | None = None
    if stage == ModelStage.PRODUCTION:
        archived = await session.scalar(
            select(ModelVersion).where(
                ModelVersion.model_id == row.model_id,
                ModelVersion.stage == ModelStage.PRODUCTION.value,
                ModelVersion.deleted_at.is_(None),
            )
        )
        if archived is not None:
            archived.stage = ModelStage.ARCHIVED.value
            archived.stage_changed_at = now
            await session.flush()  # free the one-production-per-model index before promoting
    row.stage = stage.value
    row.stage_changed_at = now
    if ModelStage.PRODUCTION in (current, stage) and current != stage:
        # The model's production version changed: to this one, or to none.
        session.add(
            ModelProductionEvent(
                organization_id=row.organization_id,
                model_id=row.model_id,
                version_id=row.id if stage == ModelStage.PRODUCTION else None,
                actor_user_id=actor.user_id,
            )
        )
    record_audit(
        session,
        actor,
        "model_version.transition",
        row,
        details={
            "from": current.value,
            "to": stage.value,
            "archived_version_id": str(archived.id) if archived else None,
        },
    )
    await session.flush()
    await notify_model_update(session, model, row, "transition")
    return TransitionResult(version=row, archived=archived)
