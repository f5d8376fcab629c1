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
from app.domain.errors import validation
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
    latency_ms: float
    confidence: float | None
    recorded_at: datetime | None


def validate_predictions(items: Sequence[PredictionIn], max_items: int, now: datetime) -> None:
    if not items:
        raise validation("give at least one prediction", ["predictions"])
    if len(items) > max_items:
        raise validation(f"at most {max_items} predictions per call", ["predictions"])
    for index, item in enumerate(items):
        field = ["predictions", str(index)]
        if not (math.isfinite(item.latency_ms) and 0 <= item.latency_ms <= MAX_LATENCY_MS):
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
        for name, payload in (("input", item.input), ("output", item.output)):
            v.json_value(payload, [*field, name], max_bytes=MAX_PAYLOAD_BYTES)


INSERT_PREDICTIONS = text(
    """
    INSERT INTO predictions (id, organization_id, deployment_id, recorded_at, input, output,
                             latency_ms, confidence, model_version_id)
    SELECT p.id, :org_id, :deployment_id, p.recorded_at, p.input, p.output, p.latency_ms,
           p.confidence, :version_id
    FROM unnest(CAST(:ids AS uuid[]), CAST(:recorded_ats AS timestamptz[]),
                CAST(:inputs AS jsonb[]), CAST(:outputs AS jsonb[]),
                CAST(:latencies AS float8[]), CAST(:confidences AS float8[]))
         AS p(id, recorded_at, input, output, latency_ms, confidence)
    """
)


@dataclass(frozen=True)
class Recorded:
    """The deployment the predictions were recorded on, and what its alert rules did."""

    deployment: Deployment
    evaluation: Evaluation


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
    await session.execute(
        INSERT_PREDICTIONS,
        {
            "org_id": deployment.organization_id,
            "deployment_id": deployment.id,
            # Stamped with the version serving now (the deployment row is locked).
            "version_id": deployment.model_version_id,
            "ids": [uuid7() for _ in items],
            "recorded_ats": [i.recorded_at or now for i in items],
            "inputs": [orjson.dumps(i.input).decode() for i in items],
            "outputs": [orjson.dumps(i.output).decode() for i in items],
            "latencies": [i.latency_ms for i in items],
            "confidences": [i.confidence for i in items],
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
    return Recorded(deployment, evaluation)
