"""Alert rules: validation, and their evaluation inside the transaction that records the data.

Evaluating in the writing transaction means a breach and the data that caused it commit
together: if the process dies right after the write, the alert is already there."""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.ids import uuid7
from app.domain import topics
from app.domain.alert_kinds import AlertType
from app.domain.errors import validation
from app.domain.monitoring.enums import Comparator
from app.domain.monitoring.opening import announce_opened
from app.domain.serving.models import Deployment

PREDICTION_METRICS = frozenset({"predictions.latency_ms", "predictions.confidence"})
METRIC_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:/-]{0,127}$")
MAX_WINDOW_SECONDS = 7 * 24 * 3600


def validate_rule_fields(
    *, metric_name: str, threshold: float, window_seconds: int, cooldown_seconds: int
) -> None:
    if not METRIC_NAME_RE.fullmatch(metric_name):
        raise validation("a metric name is 1-128 letters, digits or '_.:/-'", ["metric_name"])
    if not math.isfinite(threshold):
        raise validation("must be a finite number", ["threshold"])
    if not 1 <= window_seconds <= MAX_WINDOW_SECONDS:
        raise validation(f"must be between 1 and {MAX_WINDOW_SECONDS}", ["window_seconds"])
    if not 0 <= cooldown_seconds <= MAX_WINDOW_SECONDS:
        raise validation(f"must be between 0 and {MAX_WINDOW_SECONDS}", ["cooldown_seconds"])


def breached(comparator: Comparator, value: float, threshold: float) -> bool:
    return {
        Comparator.GT: value > threshold,
        Comparator.GTE: value >= threshold,
        Comparator.LT: value < threshold,
        Comparator.LTE: value <= threshold,
    }[comparator]


RULES_FOR = text(
    """
    SELECT r.* FROM alert_rules r
    WHERE r.organization_id = :org_id AND r.deleted_at IS NULL AND r.enabled
      AND (r.deployment_id = :deployment_id
           OR (r.deployment_id IS NULL AND r.project_id = :project_id))
      AND r.metric_name = ANY(:metrics)
    ORDER BY r.id
    """
)

# Per rule: the aggregate over the window ending at the series' latest point, the rule's open
# alert on this deployment, and when its last alert opened or resolved (for the cooldown).
EVALUATE = text(
    """
    SELECT r.id AS rule_id, w.value, w.n, oa.id AS open_id, oa.status AS open_status,
           la.at AS last_alert_at
    FROM alert_rules r
    CROSS JOIN LATERAL (
        SELECT CASE r.metric_name
            WHEN 'predictions.latency_ms' THEN
                (SELECT max(recorded_at) FROM predictions
                 WHERE deployment_id = :deployment_id AND latency_ms IS NOT NULL)
            WHEN 'predictions.confidence' THEN
                (SELECT max(recorded_at) FROM predictions
                 WHERE deployment_id = :deployment_id AND confidence IS NOT NULL)
            ELSE (SELECT max(recorded_at) FROM monitoring_metrics
                  WHERE deployment_id = :deployment_id AND name = r.metric_name)
        END AS t
    ) anchor
    CROSS JOIN LATERAL (
        SELECT count(*) AS n, CASE r.aggregation
            WHEN 'last' THEN (array_agg(s.value ORDER BY s.recorded_at DESC))[1]
            WHEN 'avg' THEN avg(s.value)
            WHEN 'max' THEN max(s.value)
            WHEN 'min' THEN min(s.value)
            WHEN 'p95' THEN percentile_cont(0.95) WITHIN GROUP (ORDER BY s.value)
        END AS value
        FROM (
            SELECT recorded_at, value FROM monitoring_metrics
            WHERE deployment_id = :deployment_id AND name = r.metric_name
              AND recorded_at > anchor.t - r.window_seconds * interval '1 second'
            UNION ALL
            SELECT recorded_at, latency_ms FROM predictions
            WHERE r.metric_name = 'predictions.latency_ms' AND deployment_id = :deployment_id
              AND latency_ms IS NOT NULL
              AND recorded_at > anchor.t - r.window_seconds * interval '1 second'
            UNION ALL
            SELECT recorded_at, confidence FROM predictions
            WHERE r.metric_name = 'predictions.confidence' AND deployment_id = :deployment_id
              AND confidence IS NOT NULL
              AND recorded_at > anchor.t - r.window_seconds * interval '1 second'
        ) s
    ) w
    LEFT JOIN alerts oa ON oa.rule_id = r.id AND oa.deployment_id = :deployment_id
        AND oa.status IN ('open', 'acknowledged')
    LEFT JOIN LATERAL (
        SELECT max(coalesce(resolved_at, opened_at)) AS at FROM alerts
        WHERE rule_id = r.id AND deployment_id = :deployment_id
    ) la ON true
    WHERE r.id = ANY(:rule_ids)
    ORDER BY r.id
    """
)

OPEN_ALERT = text(
    """
    INSERT INTO alerts (id, organization_id, deployment_id, rule_id, alert_type, severity,
                        status, title, message, metric_name, metric_value, opened_at,
                        created_at, updated_at)
    VALUES (:id, :org_id, :deployment_id, :rule_id, 'metric_threshold', :severity, 'open',
            :title, :message, :metric_name, :value, :now, :now, :now)
    ON CONFLICT (rule_id, deployment_id) WHERE status IN ('open', 'acknowledged')
        AND rule_id IS NOT NULL DO NOTHING
    RETURNING id
    """
)
AUTO_RESOLVE = text(
    "UPDATE alerts SET status = 'resolved', resolved_at = :now, updated_at = :now "
    "WHERE id = :id AND status IN ('open', 'acknowledged')"
)


@dataclass(frozen=True)
class Evaluation:
    rules: int
    opened: list[uuid.UUID]
    resolved: list[uuid.UUID]


async def evaluate_rules(
    session: AsyncSession, deployment: Deployment, metrics: set[str]
) -> Evaluation:
    """Evaluate the rules watching these metrics on this deployment; open or resolve alerts.
    The caller holds the deployment's row lock, so evaluations of one deployment serialise."""
    found = await session.execute(
        RULES_FOR,
        {
            "org_id": deployment.organization_id,
            "deployment_id": deployment.id,
            "project_id": deployment.project_id,
            "metrics": sorted(metrics),
        },
    )
    rules = {row["id"]: row for row in found.mappings()}
    if not rules:
        return Evaluation(0, [], [])
    now = datetime.now(UTC)
    opened: list[uuid.UUID] = []
    resolved: list[uuid.UUID] = []
    results = await session.execute(
        EVALUATE, {"deployment_id": deployment.id, "rule_ids": list(rules)}
    )
    for result in results.all():
        rule = rules[result.rule_id]
        if not result.n or result.value is None:
            continue
        value = float(result.value)
        if breached(Comparator(rule["comparator"]), value, rule["threshold"]):
            cooled = result.last_alert_at is None or now - result.last_alert_at >= timedelta(
                seconds=rule["cooldown_seconds"]
            )
            if result.open_id is None and cooled:
                alert_id = await session.scalar(
                    OPEN_ALERT,
                    {
                        "id": uuid7(),
                        "org_id": deployment.organization_id,
                        "deployment_id": deployment.id,
                        "rule_id": rule["id"],
                        "severity": rule["severity"],
                        "title": "{}: {}({}) {} {:g}".format(
                            rule["name"],
                            rule["aggregation"],
                            rule["metric_name"],
                            rule["comparator"],
                            rule["threshold"],
                        ),
                        "message": "{} of {} over {}s was {:g} ({})".format(
                            rule["aggregation"],
                            rule["metric_name"],
                            rule["window_seconds"],
                            value,
                            deployment.name,
                        ),
                        "metric_name": rule["metric_name"],
                        "value": value,
                        "now": now,
                    },
                )
                if alert_id is not None:  # (none if one opened concurrently: one per rule)
                    opened.append(alert_id)
                    await announce_opened(
                        session,
                        alert_id=alert_id,
                        organization_id=deployment.organization_id,
                        deployment=deployment,
                        title=f"{rule['name']} on {deployment.name}",
                        severity=rule["severity"],
                        alert_type=AlertType.METRIC_THRESHOLD.value,
                        details={
                            "metric": rule["metric_name"],
                            "value": value,
                            "threshold": rule["threshold"],
                            "deployment_id": str(deployment.id),
                        },
                    )
        elif result.open_id is not None and rule["auto_resolve"]:
            await session.execute(AUTO_RESOLVE, {"id": result.open_id, "now": now})
            resolved.append(result.open_id)
    for alert_id in resolved:  # (opened ones were announced as they opened)
        await topics.publish(session, topics.ALERTS, org=deployment.organization_id, alert=alert_id)
    return Evaluation(len(rules), opened, resolved)
