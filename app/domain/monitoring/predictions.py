"""Recording served predictions (and evaluating the rules that watch them)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.ids import uuid7
from app.domain import validation as v
from app.domain.errors import DomainError, ErrorCode, not_found, validation
from app.domain.monitoring.enums import PredictionStatus
from app.domain.monitoring.rules_engine import PREDICTION_METRICS, Evaluation, evaluate_rules
from app.domain.serving.models import Deployment
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.enums import ProjectRole
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.projects import require_project_access

MAX_PAYLOAD_BYTES = 16 * 1024
MAX_LATENCY_MS = 86_400_000  # a day: beyond it a value is a unit mistake


@dataclass(frozen=True)
class PredictionIn:
    input: Any
    output: Any
    latency_ms: float | None
    confidence: float | None
    recorded_at: datetime | None
    status: PredictionStatus = PredictionStatus.COMPLETED
    completed_at: datetime | None = None

    def done_at(self, recorded_at: datetime) -> datetime | None:
        """When it was answered: as given, else its recording time plus its latency."""
        if self.status is PredictionStatus.PENDING:
            return None
        if self.completed_at is not None:
            return self.completed_at
        return recorded_at + timedelta(milliseconds=self.latency_ms or 0)

    def took_ms(self, recorded_at: datetime) -> float | None:
        """Its latency: as given, else from recordedAt to completedAt (none while PENDING)."""
        if self.latency_ms is not None:
            return self.latency_ms
        done = self.done_at(recorded_at)
        return None if done is None else (done - recorded_at).total_seconds() * 1000


@dataclass(frozen=True)
class Completion:
    """An asynchronous prediction's answer: COMPLETED or FAILED, its output, and when
    (default: now); its latency is then completedAt - recordedAt."""

    prediction_id: uuid.UUID
    status: PredictionStatus
    output: Any
    completed_at: datetime | None


def validate_predictions(items: Sequence[PredictionIn], max_items: int, now: datetime) -> None:
    if not items:
        raise validation("give at least one prediction", ["predictions"])
    if len(items) > max_items:
        raise validation(f"at most {max_items} predictions per call", ["predictions"])
    for index, item in enumerate(items):
        field = ["predictions", str(index)]
        pending = item.status is PredictionStatus.PENDING
        if pending and (item.latency_ms is not None or item.completed_at is not None):
            raise validation(
                "a PENDING prediction has no latency or completedAt yet", [*field, "status"]
            )
        if not pending and item.latency_ms is None and item.completed_at is None:
            raise validation("give latencyMs or completedAt", [*field, "latency_ms"])
        if item.latency_ms is not None and not (
            math.isfinite(item.latency_ms) and 0 <= item.latency_ms <= MAX_LATENCY_MS
        ):
            raise validation(
                f"must be a number of milliseconds from 0 to {MAX_LATENCY_MS:,} (a day)",
                [*field, "latency_ms"],
            )
        if item.confidence is not None and not (
            math.isfinite(item.confidence) and 0 <= item.confidence <= 1
        ):
            raise validation("must be between 0 and 1", [*field, "confidence"])
        at = item.recorded_at or now
        if at.tzinfo is None or at > now + timedelta(days=1) or at.year < 2000:
            raise validation("needs a time zone and a sane date", [*field, "recorded_at"])
        if item.completed_at is not None and not (
            item.completed_at.tzinfo is not None
            and at <= item.completed_at <= now + timedelta(days=1)
        ):
            raise validation(
                "must have a time zone, be at or after recordedAt and not in the future",
                [*field, "completed_at"],
            )
        for name, payload in (("input", item.input), ("output", item.output)):
            v.json_value(payload, [*field, name], max_bytes=MAX_PAYLOAD_BYTES)


INSERT_PREDICTIONS = text(
    """
    INSERT INTO predictions (id, organization_id, deployment_id, recorded_at, input, output,
                             latency_ms, confidence, model_version_id, status, completed_at)
    SELECT p.id, :org_id, :deployment_id, p.recorded_at, p.input, p.output, p.latency_ms,
           p.confidence, :version_id, p.status, p.completed_at
    FROM unnest(CAST(:ids AS uuid[]), CAST(:recorded_ats AS timestamptz[]),
                CAST(:inputs AS jsonb[]), CAST(:outputs AS jsonb[]),
                CAST(:latencies AS float8[]), CAST(:confidences AS float8[]),
                CAST(:statuses AS varchar[]), CAST(:completed_ats AS timestamptz[]))
         AS p(id, recorded_at, input, output, latency_ms, confidence, status, completed_at)
    """
)


@dataclass(frozen=True)
class Recorded:
    """The deployment the predictions were recorded on, what its alert rules did, and the
    ids of the predictions (in the order given: a PENDING one is completed by its id)."""

    deployment: Deployment
    evaluation: Evaluation
    prediction_ids: list[uuid.UUID]


async def predictions_record(
    session: AsyncSession,
    actor: Actor,
    *,
    deployment_id: uuid.UUID | None,
    items: Sequence[PredictionIn],
    max_items: int,
) -> Recorded:
    field = ["deployment_id"]
    deployment = await get_visible(
        session, Deployment, deployment_id, actor, what="deployment", field=field, for_update=True
    )
    await require_project_access(
        session,
        actor,
        deployment.project_id,
        ProjectRole.CONTRIBUTOR,
        what="deployment",
        field=field,
    )
    now = datetime.now(UTC)
    validate_predictions(items, max_items, now)
    ids = [uuid7() for _ in items]
    recorded_ats = [i.recorded_at or now for i in items]
    await session.execute(
        INSERT_PREDICTIONS,
        {
            "org_id": deployment.organization_id,
            "deployment_id": deployment.id,
            # Stamped with the version serving now (the deployment row is locked).
            "version_id": deployment.model_version_id,
            "ids": ids,
            "recorded_ats": recorded_ats,
            "inputs": [orjson.dumps(i.input).decode() for i in items],
            "outputs": [orjson.dumps(i.output).decode() for i in items],
            "latencies": [i.took_ms(at) for i, at in zip(items, recorded_ats, strict=True)],
            "confidences": [i.confidence for i in items],
            "statuses": [i.status.value for i in items],
            "completed_ats": [i.done_at(at) for i, at in zip(items, recorded_ats, strict=True)],
        },
    )
    evaluation = await evaluate_rules(session, deployment, set(PREDICTION_METRICS))
    record_audit(
        session,
        actor,
        "predictions.record",
        deployment,
        details={"predictions": len(items), "alerts_opened": len(evaluation.opened)},
    )
    return Recorded(deployment, evaluation, ids)


COMPLETE = text(
    """
    UPDATE predictions p SET status = c.status, completed_at = c.completed_at,
        output = coalesce(c.output, p.output),
        latency_ms = extract(epoch FROM c.completed_at - p.recorded_at) * 1000
    FROM unnest(CAST(:ids AS uuid[]), CAST(:statuses AS varchar[]),
                CAST(:completed_ats AS timestamptz[]), CAST(:outputs AS jsonb[]))
         AS c(id, status, completed_at, output)
    WHERE p.deployment_id = :deployment_id AND p.id = c.id AND p.status = 'pending'
      AND c.completed_at >= p.recorded_at
    RETURNING p.id
    """
)
FOUND = text(
    "SELECT id, status, recorded_at FROM predictions "
    "WHERE deployment_id = :deployment_id AND id = ANY(:ids)"
)


async def predictions_complete(
    session: AsyncSession,
    actor: Actor,
    *,
    deployment_id: uuid.UUID | None,
    items: Sequence[Completion],
    max_items: int,
) -> Recorded:
    """Answer PENDING predictions of a deployment: all of them or none (an unknown id is
    NOT_FOUND, one no longer pending INVALID_TRANSITION, at its index)."""
    field = ["deployment_id"]
    deployment = await get_visible(
        session, Deployment, deployment_id, actor, what="deployment", field=field, for_update=True
    )
    await require_project_access(
        session, actor, deployment.project_id, ProjectRole.CONTRIBUTOR, what="deployment",
        field=field,
    )  # fmt: skip
    if not items or len(items) > max_items:
        raise validation(f"1 to {max_items} predictions per call", ["predictions"])
    now = datetime.now(UTC)
    ids = [i.prediction_id for i in items]
    found = {
        row.id: row
        for row in await session.execute(FOUND, {"deployment_id": deployment.id, "ids": ids})
    }
    seen: set[uuid.UUID] = set()
    for index, item in enumerate(items):
        at = ["predictions", str(index)]
        row = found.get(item.prediction_id)
        if item.prediction_id in seen:  # a set: a call holds up to 10,000 ids
            raise validation("repeats an earlier prediction of this call", [*at, "prediction_id"])
        seen.add(item.prediction_id)
        if row is None:
            raise not_found("prediction", [*at, "prediction_id"])
        if row.status != PredictionStatus.PENDING.value:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                f"this prediction is {row.status.upper()} already",
                [*at, "prediction_id"],
            )
        if item.status is PredictionStatus.PENDING:
            raise validation("complete it as COMPLETED or FAILED", [*at, "status"])
        done = item.completed_at or now
        if done.tzinfo is None or not row.recorded_at <= done <= now + timedelta(days=1):
            raise validation(
                "must be at or after its recordedAt and not in the future", [*at, "completed_at"]
            )
        v.json_value(item.output, [*at, "output"], max_bytes=MAX_PAYLOAD_BYTES)
    await session.execute(
        COMPLETE,
        {
            "deployment_id": deployment.id,
            "ids": ids,
            "statuses": [i.status.value for i in items],
            "completed_ats": [i.completed_at or now for i in items],
            "outputs": [None if i.output is None else orjson.dumps(i.output).decode()
                        for i in items],
        },
    )  # fmt: skip
    evaluation = await evaluate_rules(session, deployment, {"predictions.latency_ms"})
    record_audit(
        session, actor, "predictions.complete", deployment,
        details={"predictions": len(items), "alerts_opened": len(evaluation.opened)},
    )  # fmt: skip
    return Recorded(deployment, evaluation, ids)
