"""Monitoring types: metric points and alerts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.declare import Built, Computed
from app.api.graph.fields import related
from app.api.monitoring.enums import Aggregation, AlertSeverity, AlertStatus, Comparator
from app.api.monitoring.lists import SCORES_OF_REPORT
from app.api.node import Node
from app.domain.monitoring.drift import MAX_FEATURES
from app.domain.monitoring.models import Alert as AlertRow
from app.domain.monitoring.models import AlertRule as AlertRuleRow
from app.domain.monitoring.models import DriftFeatureScore as DriftFeatureScoreRow
from app.domain.monitoring.models import DriftReport as DriftReportRow
from app.domain.monitoring.models import MonitoringMetric as MonitoringMetricRow
from app.domain.monitoring.rules import is_anomaly


@from_declaration(
    MonitoringMetricRow,
    computed={
        "isAnomaly": Computed(
            sql="coalesce({a}.value < {a}.threshold_low OR {a}.value > {a}.threshold_high, false)",
            python=lambda row: is_anomaly(row.value, row.threshold_low, row.threshold_high),
        )
    },
)
@strawberry.type(description="One point of a deployment's metric series.")
class MonitoringMetricPoint(FromRow):
    name: str
    value: float
    recorded_at: datetime
    threshold_low: float | None = strawberry.field(
        description="The point's normal range, as recorded with it (either end open)."
    )
    threshold_high: float | None
    is_anomaly: bool = strawberry.field(
        description="The value is outside the point's thresholds (false without any)."
    )


@from_declaration(AlertRuleRow)
@strawberry.type(
    description="Opens an alert when aggregation(metric) over the window compares true with "
    "the threshold; evaluated whenever the metric is recorded."
)
class AlertRule(Node, FromRow):
    name: str
    metric_name: str
    comparator: Comparator
    threshold: float
    aggregation: Aggregation
    window_seconds: int
    severity: AlertSeverity
    cooldown_seconds: int
    auto_resolve: bool
    enabled: bool
    created_at: datetime
    deployment_id: strawberry.Private[uuid.UUID | None]

    deployment = related(
        description="The one deployment watched; null: every deployment of the project."
    )


@strawberry.type(description="Aggregates of a deployment's recorded predictions over a window.")
class PredictionStats:
    count: int
    avg_latency_ms: float | None
    p95_latency_ms: float | None
    avg_confidence: float | None


@from_declaration(AlertRow)
@strawberry.type(
    description="An alert raised on a deployment, on a run (a training-health rule's), or "
    "on the organization."
)
class Alert(Node, FromRow):
    alert_type: str = strawberry.field(
        description="metric_threshold, performance_degradation, data_drift, high_latency, "
        "error_rate, custom or training_health."
    )
    severity: AlertSeverity
    status: AlertStatus
    title: str
    message: str | None
    metric_name: str | None
    metric_value: float | None
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    deployment_id: strawberry.Private[uuid.UUID | None]
    rule_id: strawberry.Private[uuid.UUID | None]
    run_id: strawberry.Private[uuid.UUID | None]
    health_rule_id: strawberry.Private[uuid.UUID | None]
    created_by_id: strawberry.Private[uuid.UUID | None]
    acknowledged_by_id: strawberry.Private[uuid.UUID | None]
    resolved_by_id: strawberry.Private[uuid.UUID | None]

    deployment = related(description="null for an organization-level alert.")
    created_by = related(description="Who opened it by hand.")

    rule = related(description="The alert rule that opened this alert, if any.")
    run = related(description="The run a training-health alert is about.")
    health_rule = related(description="The health rule that opened this alert, if any.")
    acknowledged_by = related()
    resolved_by = related()


@strawberry.type(description="Drift scores of one feature.")
class DriftFeatureScore:
    name: str
    psi: float = strawberry.field(
        description="Population stability index (10 reference-quantile bins)."
    )
    ks_statistic: float = strawberry.field(description="Kolmogorov–Smirnov statistic.")
    js_distance: float = strawberry.field(description="Jensen–Shannon distance, base 2 (0..1).")
    is_drifted: bool

    @classmethod
    def from_row(cls, row: DriftFeatureScoreRow) -> DriftFeatureScore:
        return cls(
            name=row.name,
            psi=row.psi,
            ks_statistic=row.ks_statistic,
            js_distance=row.js_distance,
            is_drifted=row.is_drifted,
        )


def drift_features_sql(run: Any, parent: Any, alias: str, nodes: Any) -> str:
    """``DriftReport.features`` on the compiled path: every score, in the order given."""
    return run.child_list(
        SCORES_OF_REPORT, "CREATED_ASC", MAX_FEATURES, alias, parent, nodes, FEATURE_COLUMNS
    )


FEATURE_COLUMNS = {
    "name": "name",
    "psi": "psi",
    "ksStatistic": "ks_statistic",
    "jsDistance": "js_distance",
    "isDrifted": "is_drifted",
}


@from_declaration(DriftReportRow, built={"features": Built(drift_features_sql)})
@strawberry.type(description="Reference vs current distributions of a deployment's features.")
class DriftReport(Node, FromRow):
    threshold: float
    overall_score: float = strawberry.field(description="Mean PSI over the features.")
    is_drift_detected: bool = strawberry.field(
        description="Some feature's PSI reached the threshold."
    )
    period_start: datetime | None = strawberry.field(
        description="The traffic the current distributions come from: its start..."
    )
    period_end: datetime | None = strawberry.field(description="...and its end.")
    report_data: JSON | None = strawberry.field(
        description="The drift tool's own report, as it was given."
    )
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    alert_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="Scores per feature, in the order they were given.")
    async def features(self, info: Info) -> list[DriftFeatureScore]:
        from app.api.loaders.list_spec import PageQuery
        from app.api.pagination import PageArgs

        # A report has at most MAX_FEATURES scores: all of them, in one batched read.
        query = PageQuery("CREATED_ASC", PageArgs(size=MAX_FEATURES, backward=False, cursor=None))
        page = await info.context.loaders.page(SCORES_OF_REPORT).load((self.db_id, query))
        return [DriftFeatureScore.from_row(row) for row in page.rows]

    alert = related(description="The data_drift alert this report opened, if any.")


@strawberry.type(description="Embedding drift between reference vectors and recent ones.")
class EmbeddingDrift:
    reference_count: int
    current_count: int
    centroid_cosine_distance: float | None
    p_value: float | None = strawberry.field(
        description="Permutation test of the centroid distance."
    )
    is_drift_detected: bool


@strawberry.type(description="A recorded prediction embedding near a query vector.")
class SimilarPrediction:
    id: strawberry.ID
    distance: float = strawberry.field(description="Cosine distance (0 = same direction).")
    is_reference: bool
    recorded_at: datetime
