"""Evaluation runs (contributors of the model version's project): made by hand or by a
pipeline run's EVALUATION step, moved PENDING → RUNNING → SUCCEEDED | FAILED (CANCELLED
from either), SUCCEEDED with the metrics the evaluator measured."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import validation as v
from app.domain.datasets.models import DatasetVersion
from app.domain.errors import ensure_transition, not_found, validation
from app.domain.evaluations.enums import ENDED, EVALUATION_TRANSITIONS, EvaluationStatus
from app.domain.evaluations.models import EvaluationRun
from app.domain.registry.models import Model, ModelVersion
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.enums import ProjectRole
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.projects import get_contributable, require_project_access

MAX_METRICS = 200
MAX_METRIC_NAME = 250


def clean_metrics(metrics: Any, field: list[str]) -> dict[str, float]:
    """A JSON object of metric name → finite number (at most 200)."""
    if metrics is None:
        return {}
    if not isinstance(metrics, Mapping):
        raise validation("must be a JSON object of metric name → number", field)
    if len(metrics) > MAX_METRICS:
        raise validation(f"at most {MAX_METRICS} metrics", field)
    clean: dict[str, float] = {}
    for name, value in metrics.items():
        if not 1 <= len(name) <= MAX_METRIC_NAME:
            raise validation(f"a metric name is 1 to {MAX_METRIC_NAME} characters", field)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise validation(f"{name}: must be a number", [*field, name])
        if not math.isfinite(value):
            raise validation(f"{name}: must be a finite number", [*field, name])
        clean[name] = float(value)
    return clean


async def check_evaluation(
    session: AsyncSession,
    actor: Actor,
    model_version_id: uuid.UUID | None,
    dataset_version_id: uuid.UUID | None,
    field_prefix: Sequence[str] = (),
) -> tuple[ModelVersion, Model, DatasetVersion]:
    """The model version (the caller contributes to its project) and a dataset version of
    the same organization the caller sees; NOT_FOUND or FORBIDDEN at their fields."""
    version = await get_visible(
        session, ModelVersion, model_version_id, actor, what="model version",
        field=[*field_prefix, "model_version_id"],
    )  # fmt: skip
    model = await session.get_one(Model, version.model_id)
    await require_project_access(
        session, actor, model.project_id, ProjectRole.CONTRIBUTOR, what="model version",
        field=[*field_prefix, "model_version_id"],
    )  # fmt: skip
    data = await get_visible(
        session, DatasetVersion, dataset_version_id, actor, what="dataset version",
        field=[*field_prefix, "dataset_version_id"],
    )  # fmt: skip
    if data.organization_id != version.organization_id:
        raise not_found("dataset version", [*field_prefix, "dataset_version_id"])
    return version, model, data


async def evaluation_run_create(
    session: AsyncSession,
    actor: Actor,
    *,
    model_version_id: uuid.UUID | None,
    dataset_version_id: uuid.UUID | None,
    pipeline_run_id: uuid.UUID | None = None,
    step: str | None = None,
    status: EvaluationStatus = EvaluationStatus.PENDING,
) -> EvaluationRun:
    """A model version (the caller contributes to its project) scored on a dataset version
    of the same organization the caller sees."""
    version, model, data = await check_evaluation(
        session, actor, model_version_id, dataset_version_id
    )
    now = datetime.now(UTC)
    row = EvaluationRun(
        organization_id=version.organization_id,
        project_id=model.project_id,
        model_version_id=version.id,
        dataset_version_id=data.id,
        pipeline_run_id=pipeline_run_id,
        step=step,
        status=status.value,
        started_at=now if status is EvaluationStatus.RUNNING else None,
        created_by_id=actor.user_id,
    )
    session.add(row)
    await session.flush()
    record_audit(
        session, actor, "evaluation_run.create", row,
        details={"model_version_id": str(version.id), "dataset_version_id": str(data.id),
                 "pipeline_run_id": str(pipeline_run_id) if pipeline_run_id else None},
    )  # fmt: skip
    return row


async def evaluation_run_transition(
    session: AsyncSession,
    actor: Actor,
    *,
    evaluation_run_id: uuid.UUID | None,
    status: EvaluationStatus,
    metrics: Any = None,
    error_message: str | None = None,
) -> EvaluationRun:
    """Move an evaluation: RUNNING stamps startedAt, an end stamps endedAt; SUCCEEDED
    records its metrics (replacing any), FAILED its error message."""
    row = await get_contributable(
        session, EvaluationRun, evaluation_run_id, actor, what="evaluation run",
        field=["evaluation_run_id"], for_update=True,
    )  # fmt: skip
    current = EvaluationStatus(row.status)
    ensure_transition("evaluation run", current, status, EVALUATION_TRANSITIONS[current])
    if metrics is not None and status is not EvaluationStatus.SUCCEEDED:
        raise validation("metrics go with SUCCEEDED", ["metrics"])
    if error_message is not None and status is not EvaluationStatus.FAILED:
        raise validation("an error message goes with FAILED", ["error_message"])
    now = datetime.now(UTC)
    if status is EvaluationStatus.SUCCEEDED:
        row.metrics = clean_metrics(metrics, ["metrics"])
    if status is EvaluationStatus.FAILED:
        row.error_message = v.optional_text(error_message, ["error_message"])
    if row.started_at is None and status is not EvaluationStatus.CANCELLED:
        row.started_at = now
    if status in ENDED:
        row.ended_at = now
    row.status = status.value
    await session.flush()
    record_audit(
        session, actor, f"evaluation_run.{status.value}", row, details={"from": current.value}
    )
    return row
