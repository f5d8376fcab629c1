"""Monitoring mutations: record metric points."""

from __future__ import annotations

from datetime import datetime

import strawberry
from sqlalchemy import select
from strawberry import UNSET
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.errors import UserError, run_mutation
from app.api.graph.payloads import mutate
from app.api.ids import decode_id, encode_id, input_id
from app.api.ingest_counts import ingested
from app.api.inputs import provided
from app.api.monitoring.enums import (
    Aggregation,
    AlertSeverity,
    AlertType,
    Comparator,
    PredictionStatus,
)
from app.api.monitoring.types import Alert, AlertRule, DriftReport
from app.api.scalars import Vector
from app.api.serving.types import Deployment
from app.domain.alert_kinds import AlertSeverity as SeverityEnum
from app.domain.alert_kinds import AlertType as AlertTypeEnum
from app.domain.monitoring import (
    alert_rules,
    drift_reports,
    embeddings,
    manual_alerts,
    predictions,
)
from app.domain.monitoring.alerts import alert_set_status
from app.domain.monitoring.drift import FeatureInput
from app.domain.monitoring.enums import Aggregation as AggregationEnum
from app.domain.monitoring.enums import AlertStatus
from app.domain.monitoring.models import Alert as AlertRow
from app.domain.monitoring.predictions import PredictionIn
from app.domain.monitoring.rules import MetricPoint
from app.domain.monitoring.services import monitoring_metrics_record


@strawberry.input
class MonitoringMetricPointInput:
    name: str
    value: float
    recorded_at: datetime
    threshold_low: float | None = strawberry.field(
        default=None, description="Below it the point is an anomaly (isAnomaly)."
    )
    threshold_high: float | None = strawberry.field(
        default=None, description="Above it the point is an anomaly; >= thresholdLow."
    )


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


@strawberry.input(
    description="An alert opened by hand: about a deployment, or (no deploymentId) about "
    "the whole organization."
)
class AlertCreateInput:
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="For an organization-level alert (no deploymentId)."
    )
    deployment_id: strawberry.ID | None = None
    alert_type: AlertType = strawberry.field(default=AlertTypeEnum.CUSTOM)
    severity: AlertSeverity
    title: str
    message: str | None = None


async def _set_alert_status(
    info: Info, input: AlertStatusInput, status: AlertStatus
) -> AlertPayload:
    return await mutate(
        info,
        AlertPayload,
        "alert",
        lambda session, actor: alert_set_status(
            session,
            actor,
            alert_id=input_id(input, "alert_id", "Alert"),
            status=status,
        ),
    )


@strawberry.type
class MonitoringMutations:
    @strawberry.mutation(
        description="Open an alert by hand (any type), about a deployment (contributors of "
        "its project) or the organization (developers+); it notifies like any alert."
    )
    async def alert_create(self, info: Info, input: AlertCreateInput) -> AlertPayload:
        organization, deployment = input.organization_id, input.deployment_id
        return await mutate(
            info,
            AlertPayload,
            "alert",
            lambda session, actor: manual_alerts.alert_create(
                session,
                actor,
                organization_id=decode_id(organization, "Organization", ["organization_id"])
                if organization
                else None,
                deployment_id=decode_id(deployment, "Deployment", ["deployment_id"])
                if deployment
                else None,
                alert_type=input.alert_type,
                severity=input.severity,
                title=input.title,
                message=input.message,
            ),
        )

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
        points = [
            MetricPoint(p.name, p.value, p.recorded_at, p.threshold_low, p.threshold_high)
            for p in input.points
        ]
        row, errors = await run_mutation(
            info,
            lambda session, actor: monitoring_metrics_record(
                session,
                actor,
                deployment_id=input_id(input, "deployment_id", "Deployment"),
                points=points,
                max_points=info.context.limits.max_metric_points,
            ),
            ingest=True,
        )
        if row is not None:
            ingested("monitoring_metrics", len(points))
        return MonitoringMetricsRecordPayload(
            deployment=Deployment.from_row(row) if row else None,
            recorded_count=0 if errors else len(points),
            user_errors=errors,
        )


@strawberry.input
class AlertRuleCreateInput:
    project_id: strawberry.ID
    deployment_id: strawberry.ID | None = strawberry.field(
        default=None, description="Watch one deployment; default: every deployment of the project."
    )
    name: str
    metric_name: str = strawberry.field(
        description="A monitoring metric name, or predictions.latency_ms / predictions.confidence."
    )
    comparator: Comparator
    threshold: float
    aggregation: Aggregation = AggregationEnum.LAST
    window_seconds: int = 300
    severity: AlertSeverity = SeverityEnum.MEDIUM
    cooldown_seconds: int = strawberry.field(
        default=0,
        description="After an alert of this rule resolves, wait this long before another.",
    )
    auto_resolve: bool = strawberry.field(
        default=False, description="Resolve the open alert when the condition clears."
    )


@strawberry.input
class AlertRuleUpdateInput:
    alert_rule_id: strawberry.ID
    name: str | None = UNSET
    metric_name: str | None = UNSET
    comparator: Comparator | None = UNSET
    threshold: float | None = UNSET
    aggregation: Aggregation | None = UNSET
    window_seconds: int | None = UNSET
    severity: AlertSeverity | None = UNSET
    cooldown_seconds: int | None = UNSET
    auto_resolve: bool | None = UNSET
    enabled: bool | None = UNSET


@strawberry.input
class AlertRuleDeleteInput:
    alert_rule_id: strawberry.ID


@strawberry.type
class AlertRulePayload:
    alert_rule: AlertRule | None
    user_errors: list[UserError]


@strawberry.input
class PredictionInput:
    input: JSON | None = None
    output: JSON | None = None
    latency_ms: float | None = strawberry.field(
        default=None,
        description="How long it took (ms). Needed unless completedAt is given; none while "
        "PENDING.",
    )
    confidence: float | None = None
    recorded_at: datetime | None = strawberry.field(default=None, description="Default: now.")
    status: PredictionStatus = strawberry.field(
        default=PredictionStatus.COMPLETED,
        description="PENDING for an asynchronous prediction answered later (predictionsComplete).",
    )
    completed_at: datetime | None = strawberry.field(
        default=None, description="When it was answered (default: recordedAt + latencyMs)."
    )


@strawberry.input
class PredictionCompletionInput:
    prediction_id: strawberry.ID
    status: PredictionStatus = strawberry.field(
        default=PredictionStatus.COMPLETED, description="COMPLETED or FAILED."
    )
    output: JSON | None = strawberry.field(default=None, description="Default: kept.")
    completed_at: datetime | None = strawberry.field(default=None, description="Default: now.")


@strawberry.input
class PredictionsCompleteInput:
    deployment_id: strawberry.ID
    predictions: list[PredictionCompletionInput]


@strawberry.input
class PredictionsRecordInput:
    deployment_id: strawberry.ID
    predictions: list[PredictionInput] = strawberry.field(
        description="Up to 10,000 predictions; alert rules on predictions.* are evaluated."
    )


@strawberry.type
class PredictionsRecordPayload:
    deployment: Deployment | None
    recorded_count: int
    prediction_ids: list[strawberry.ID] = strawberry.field(
        description="The predictions' ids, in the order given."
    )
    alerts_opened: list[Alert]
    user_errors: list[UserError]


@strawberry.type
class AlertRuleMutations:
    @strawberry.mutation(description="Create an alert rule. Contributors+.")
    async def alert_rule_create(self, info: Info, input: AlertRuleCreateInput) -> AlertRulePayload:
        return await mutate(
            info,
            AlertRulePayload,
            "alert_rule",
            lambda session, actor: alert_rules.alert_rule_create(
                session,
                actor,
                project_id=input_id(input, "project_id", "Project"),
                deployment_id=input_id(input, "deployment_id", "Deployment")
                if input.deployment_id
                else None,
                name=input.name,
                metric_name=input.metric_name,
                comparator=input.comparator,
                threshold=input.threshold,
                aggregation=input.aggregation,
                window_seconds=input.window_seconds,
                severity=input.severity,
                cooldown_seconds=input.cooldown_seconds,
                auto_resolve=input.auto_resolve,
            ),
        )

    @strawberry.mutation(description="Change an alert rule (enabled: false pauses it).")
    async def alert_rule_update(self, info: Info, input: AlertRuleUpdateInput) -> AlertRulePayload:
        changes = provided(
            input,
            "name",
            "metric_name",
            "comparator",
            "threshold",
            "aggregation",
            "window_seconds",
            "severity",
            "cooldown_seconds",
            "auto_resolve",
            "enabled",
        )
        for key in ("comparator", "aggregation", "severity"):
            if changes.get(key) is not None:
                changes[key] = changes[key].value
        return await mutate(
            info,
            AlertRulePayload,
            "alert_rule",
            lambda session, actor: alert_rules.alert_rule_update(
                session,
                actor,
                rule_id=input_id(input, "alert_rule_id", "AlertRule"),
                changes=changes,
            ),
        )

    @strawberry.mutation(description="Delete an alert rule (its alerts stay).")
    async def alert_rule_delete(self, info: Info, input: AlertRuleDeleteInput) -> AlertRulePayload:
        return await mutate(
            info,
            AlertRulePayload,
            "alert_rule",
            lambda session, actor: alert_rules.alert_rule_delete(
                session,
                actor,
                rule_id=input_id(input, "alert_rule_id", "AlertRule"),
            ),
        )

    @strawberry.mutation(description="Record served predictions for a deployment.")
    async def predictions_record(
        self, info: Info, input: PredictionsRecordInput
    ) -> PredictionsRecordPayload:
        items = [
            PredictionIn(
                p.input, p.output, p.latency_ms, p.confidence, p.recorded_at, p.status,
                p.completed_at,
            )
            for p in input.predictions
        ]  # fmt: skip
        result, errors = await run_mutation(
            info,
            lambda session, actor: predictions.predictions_record(
                session,
                actor,
                deployment_id=input_id(input, "deployment_id", "Deployment"),
                items=items,
                max_items=info.context.limits.max_metric_points,
            ),
            ingest=True,
        )
        if result is not None:
            ingested("predictions", len(items))
        return await _recorded(info, result, errors)

    @strawberry.mutation(
        description="Answer PENDING predictions of a deployment (up to 10,000): COMPLETED or "
        "FAILED, their output, when (default: now; latencyMs becomes completedAt - "
        "recordedAt). All or none: an unknown id is NOT_FOUND, one already answered "
        "INVALID_TRANSITION. Alert rules on predictions.latency_ms are evaluated."
    )
    async def predictions_complete(
        self, info: Info, input: PredictionsCompleteInput
    ) -> PredictionsRecordPayload:
        def completions() -> list[predictions.Completion]:  # ids decoded inside the work
            return [
                predictions.Completion(
                    decode_id(p.prediction_id, "Prediction", ["predictions", str(i),
                                                              "prediction_id"]),
                    p.status, p.output, p.completed_at,
                )
                for i, p in enumerate(input.predictions)
            ]  # fmt: skip

        result, errors = await run_mutation(
            info,
            lambda session, actor: predictions.predictions_complete(
                session,
                actor,
                deployment_id=input_id(input, "deployment_id", "Deployment"),
                items=completions(),
                max_items=info.context.limits.max_metric_points,
            ),
            ingest=True,
        )
        return await _recorded(info, result, errors)


async def _recorded(
    info: Info, result: predictions.Recorded | None, errors: list[UserError]
) -> PredictionsRecordPayload:
    """The payload both prediction mutations answer with (alerts they opened read back)."""
    opened: list[Alert] = []
    if result is not None and result.evaluation.opened:
        async with info.context.read_session_factory() as session:
            rows = await session.scalars(
                select(AlertRow).where(AlertRow.id.in_(result.evaluation.opened))
            )
            opened = [Alert.from_row(row) for row in rows]
    return PredictionsRecordPayload(
        deployment=Deployment.from_row(result.deployment) if result else None,
        recorded_count=len(result.prediction_ids) if result else 0,
        prediction_ids=[strawberry.ID(encode_id("Prediction", i)) for i in result.prediction_ids]
        if result
        else [],
        alerts_opened=opened,
        user_errors=errors,
    )


@strawberry.input(
    description="One feature: raw samples (reference, current) or histogram counts over the "
    "same bins (referenceCounts, currentCounts)."
)
class DriftFeatureInput:
    name: str
    reference: list[float] | None = None
    current: list[float] | None = None
    reference_counts: list[float] | None = None
    current_counts: list[float] | None = None


@strawberry.input
class DriftReportCreateInput:
    deployment_id: strawberry.ID
    features: list[DriftFeatureInput]
    threshold: float = strawberry.field(
        default=0.2, description="PSI at which a feature counts as drifted (0.2: the usual rule)."
    )
    period_start: datetime | None = strawberry.field(
        default=None, description="The start of the traffic the current values come from."
    )
    period_end: datetime | None = strawberry.field(
        default=None, description="Its end (at or after periodStart)."
    )
    report_data: JSON | None = strawberry.field(
        default=None,
        description="The drift tool's own report, kept as given (a JSON object, at most 256 KiB).",
    )


@strawberry.type
class DriftReportCreatePayload:
    drift_report: DriftReport | None
    user_errors: list[UserError]


@strawberry.input
class PredictionEmbeddingsRecordInput:
    deployment_id: strawberry.ID
    vectors: list[Vector]
    reference: bool = strawberry.field(
        default=False, description="Reference vectors (e.g. from validation data) for drift."
    )


@strawberry.type
class PredictionEmbeddingsRecordPayload:
    deployment: Deployment | None
    recorded_count: int
    dimension: int | None
    user_errors: list[UserError]


@strawberry.type
class DriftMutations:
    @strawberry.mutation(
        description="Score feature drift; detected drift opens a data_drift alert."
    )
    async def drift_report_create(
        self, info: Info, input: DriftReportCreateInput
    ) -> DriftReportCreatePayload:
        features = [
            FeatureInput(f.name, f.reference, f.current, f.reference_counts, f.current_counts)
            for f in input.features
        ]
        return await mutate(
            info,
            DriftReportCreatePayload,
            "drift_report",
            lambda session, actor: drift_reports.drift_report_create(
                session,
                actor,
                deployment_id=input_id(input, "deployment_id", "Deployment"),
                features=features,
                threshold=input.threshold,
                period_start=input.period_start,
                period_end=input.period_end,
                report_data=input.report_data,
            ),
        )

    @strawberry.mutation(
        description="Record prediction embeddings (up to 1,000); the first batch fixes the "
        "deployment's dimension."
    )
    async def prediction_embeddings_record(
        self, info: Info, input: PredictionEmbeddingsRecordInput
    ) -> PredictionEmbeddingsRecordPayload:
        result, errors = await run_mutation(
            info,
            lambda session, actor: embeddings.prediction_embeddings_record(
                session,
                actor,
                deployment_id=input_id(input, "deployment_id", "Deployment"),
                vectors=input.vectors,
                is_reference=input.reference,
            ),
            ingest=True,
        )
        if result is not None:
            ingested("embeddings", len(input.vectors))
        return PredictionEmbeddingsRecordPayload(
            deployment=Deployment.from_row(result.deployment) if result else None,
            recorded_count=len(input.vectors) if result else 0,
            dimension=result.dimension if result else None,
            user_errors=errors,
        )
