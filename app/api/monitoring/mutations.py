"""Monitoring mutations: record metric points."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from app.api.errors import UserError, run_mutation
from app.api.ids import decode_id
from app.api.monitoring.types import Alert
from app.api.serving.types import Deployment
from app.domain.monitoring.alerts import alert_set_status
from app.domain.monitoring.enums import AlertStatus
from app.domain.monitoring.rules import MetricPoint
from app.domain.monitoring.services import monitoring_metrics_record


@strawberry.input
class MonitoringMetricPointInput:
    name: str
    value: float
    recorded_at: datetime


@strawberry.input
class MonitoringMetricsRecordInput:
    deployment_id: strawberry.ID
    points: list[MonitoringMetricPointInput] = strawberry.field(
        description="Up to 10,000 points; a re-sent point (same name and recordedAt) "
        "replaces the stored one, so retries are safe. One bad point rejects the batch."
    )


@strawberry.type
class MonitoringMetricsRecordPayload:
    deployment: Deployment | None
    recorded_count: int
    user_errors: list[UserError]


@strawberry.input
class AlertStatusInput:
    alert_id: strawberry.ID


@strawberry.type
class AlertPayload:
    alert: Alert | None
    user_errors: list[UserError]


async def _set_alert_status(
    info: Info, input: AlertStatusInput, status: AlertStatus
) -> AlertPayload:
    row, errors = await run_mutation(
        info,
        lambda session, actor: alert_set_status(
            session,
            actor,
            alert_id=decode_id(input.alert_id, "Alert", ["input", "alertId"]),
            status=status,
        ),
    )
    return AlertPayload(alert=Alert.from_row(row) if row else None, user_errors=errors)


@strawberry.type
class MonitoringMutations:
    @strawberry.mutation(description="Acknowledge an open alert (records who and when).")
    async def alert_acknowledge(self, info: Info, input: AlertStatusInput) -> AlertPayload:
        return await _set_alert_status(info, input, AlertStatus.ACKNOWLEDGED)

    @strawberry.mutation(description="Resolve an open or acknowledged alert.")
    async def alert_resolve(self, info: Info, input: AlertStatusInput) -> AlertPayload:
        return await _set_alert_status(info, input, AlertStatus.RESOLVED)

    @strawberry.mutation(description="Record a batch of metric points for a deployment.")
    async def monitoring_metrics_record(
        self, info: Info, input: MonitoringMetricsRecordInput
    ) -> MonitoringMetricsRecordPayload:
        points = [MetricPoint(p.name, p.value, p.recorded_at) for p in input.points]
        row, errors = await run_mutation(
            info,
            lambda session, actor: monitoring_metrics_record(
                session,
                actor,
                deployment_id=decode_id(
                    input.deployment_id, "Deployment", ["input", "deploymentId"]
                ),
                points=points,
                max_points=info.context.limits.max_metric_points,
            ),
        )
        return MonitoringMetricsRecordPayload(
            deployment=Deployment.from_row(row) if row else None,
            recorded_count=0 if errors else len(points),
            user_errors=errors,
        )
