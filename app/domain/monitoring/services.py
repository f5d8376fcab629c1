"""Recording monitoring points: one set-based, idempotent statement per batch."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import topics
from app.domain.monitoring.rules import MetricPoint, validate_points
from app.domain.monitoring.rules_engine import evaluate_rules
from app.domain.serving.models import Deployment
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.enums import ProjectRole
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.projects import require_project_access

# One statement: the write's number (the deployment's next monitoring_seq; the caller holds
# the row lock, so numbers follow commit order), the points, and the notification that
# live charts follow (delivered at commit). Retried batches overwrite the same (deployment,
# name, recorded_at) rows instead of duplicating; a re-sent point takes this write's
# number, so live charts see the new value.
WRITE_POINTS = text(
    f"""
    WITH numbered AS (
        UPDATE deployments SET monitoring_seq = monitoring_seq + 1 WHERE id = :deployment_id
        RETURNING monitoring_seq AS seq
    ), written AS (
        INSERT INTO monitoring_metrics
            (organization_id, deployment_id, name, recorded_at, value, threshold_low,
             threshold_high, seq)
        SELECT :organization_id, :deployment_id, p.name, p.recorded_at, p.value, p.low, p.high,
               numbered.seq
        FROM unnest(CAST(:names AS varchar[]), CAST(:recorded_ats AS timestamptz[]),
                    CAST(:values AS float8[]), CAST(:lows AS float8[]),
                    CAST(:highs AS float8[])) AS p(name, recorded_at, value, low, high), numbered
        ON CONFLICT (deployment_id, name, recorded_at)
        DO UPDATE SET value = EXCLUDED.value, threshold_low = EXCLUDED.threshold_low,
                      threshold_high = EXCLUDED.threshold_high, seq = EXCLUDED.seq
    )
    SELECT seq, pg_notify('{topics.MONITORING}', json_build_object(
        'deployment', CAST(:deployment_id AS text), 'seq', seq)::text)
    FROM numbered
    """
)


async def monitoring_metrics_record(
    session: AsyncSession,
    actor: Actor,
    *,
    deployment_id: uuid.UUID | None,
    points: Sequence[MetricPoint],
    max_points: int,
) -> Deployment:
    field = ["deployment_id"]
    # Locked: rule evaluation for one deployment is serialised with its writes.
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
    validate_points(points, max_points)
    await session.execute(
        WRITE_POINTS,
        {
            "organization_id": deployment.organization_id,
            "deployment_id": deployment.id,
            "names": [p.name for p in points],
            "recorded_ats": [p.recorded_at for p in points],
            "values": [p.value for p in points],
            "lows": [p.threshold_low for p in points],
            "highs": [p.threshold_high for p in points],
        },
    )
    evaluation = await evaluate_rules(session, deployment, {p.name for p in points})
    record_audit(
        session,
        actor,
        "monitoring_metrics.record",
        deployment,
        details={
            "points": len(points),
            "names": sorted({p.name for p in points})[:20],
            "alerts_opened": len(evaluation.opened),
            "alerts_resolved": len(evaluation.resolved),
        },
    )
    return deployment
