"""Monitoring tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pgvector.sqlalchemy import VECTOR
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, SoftDeleteMixin, TenantMixin, TimestampsMixin, check_in
from app.domain.alert_kinds import AlertSeverity, AlertType
from app.domain.monitoring.enums import Aggregation, AlertStatus, Comparator, PredictionStatus

# The deployment time series are hash-partitioned by deployment (migration 0011): every
# query names one deployment, and it is their Citus distribution column.
PARTITIONED_BY_DEPLOYMENT = {"postgresql_partition_by": "HASH (deployment_id)"}

LIVE = text("deleted_at IS NULL")


class MonitoringMetric(Base):
    """One point of a deployment's metric series; the key makes re-sent points idempotent."""

    __tablename__ = "monitoring_metrics"
    __under__ = ("deployment_id",)
    __table_args__ = (
        CheckConstraint(
            "value NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)",
            name="value_finite",
        ),
        CheckConstraint(
            "threshold_low IS NULL OR threshold_high IS NULL OR threshold_low <= threshold_high",
            name="thresholds_ordered",
        ),
        Index("ix_monitoring_metrics_deployment_id_recorded_at", "deployment_id", "recorded_at"),
        Index("ix_monitoring_metrics_deployment_id_seq", "deployment_id", "seq"),
        PARTITIONED_BY_DEPLOYMENT,
    )

    deployment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("deployments.id", ondelete="CASCADE"),
        primary_key=True,
    )
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    value: Mapped[float] = mapped_column(Float(precision=53), nullable=False)
    # The deployment's monitoring_seq of the write that stored this value (a re-sent point
    # takes the newer one): live charts follow the deployment by it.
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    # The point's normal range (0057): outside it, the point is an anomaly (isAnomaly).
    threshold_low: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)
    threshold_high: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)


class AlertRule(IdMixin, TenantMixin, TimestampsMixin, SoftDeleteMixin, Base):
    """When an aggregate of a metric over a window crosses a threshold, open an alert.

    Scope: every deployment of the project, or one deployment."""

    __tablename__ = "alert_rules"
    __under__ = ("deployment_id",)
    __table_args__ = (
        check_in("comparator", Comparator),
        check_in("aggregation", Aggregation),
        check_in("severity", AlertSeverity),
        CheckConstraint("window_seconds BETWEEN 1 AND 604800", name="window_valid"),
        CheckConstraint("cooldown_seconds BETWEEN 0 AND 604800", name="cooldown_valid"),
        Index("ix_alert_rules_project_id_live", "project_id", "id", postgresql_where=LIVE),
        Index("ix_alert_rules_deployment_id_live", "deployment_id", postgresql_where=LIVE),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    deployment_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("deployments.id", ondelete="CASCADE"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    metric_name: Mapped[str] = mapped_column(String(128), nullable=False)
    comparator: Mapped[str] = mapped_column(String(8), nullable=False)
    threshold: Mapped[float] = mapped_column(Float(precision=53), nullable=False)
    aggregation: Mapped[str] = mapped_column(String(8), nullable=False)
    window_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    severity: Mapped[str] = mapped_column(String(20), nullable=False)
    cooldown_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    auto_resolve: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class Alert(IdMixin, TenantMixin, TimestampsMixin, Base):
    __tablename__ = "alerts"
    __under__ = ("deployment_id", "rule_id", "run_id", "health_rule_id")
    __table_args__ = (
        check_in("severity", AlertSeverity),
        check_in("status", AlertStatus),
        check_in("alert_type", AlertType),
        Index("ix_alerts_deployment_id", "deployment_id", "id"),
        Index("ix_alerts_organization_id_id", "organization_id", "id"),
        # The organization's alerts by status (Organization.alerts(status:)).
        Index("ix_alerts_organization_id_status", "organization_id", "status", "id"),
        # At most one open (or acknowledged) alert per rule and deployment.
        Index(
            "uq_alerts_rule_id_deployment_id_open",
            "rule_id",
            "deployment_id",
            unique=True,
            postgresql_where=text("status IN ('open', 'acknowledged') AND rule_id IS NOT NULL"),
        ),
        # At most one open (or acknowledged) alert per health rule and run: two processes
        # judging the same run never open two.
        Index(
            "uq_alerts_health_rule_id_run_id_open",
            "health_rule_id",
            "run_id",
            unique=True,
            postgresql_where=text(
                "status IN ('open', 'acknowledged') AND health_rule_id IS NOT NULL"
            ),
        ),
        Index("ix_alerts_run_id", "run_id", "id", postgresql_where=text("run_id IS NOT NULL")),
    )

    rule_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("alert_rules.id", ondelete="SET NULL"), nullable=True
    )

    # None: an organization-level alert (opened by someone, about no one deployment).
    deployment_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("deployments.id", ondelete="CASCADE"), nullable=True
    )
    # A training-health alert: the run it is about, and the health rule that opened it.
    run_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("runs.id", ondelete="CASCADE"), nullable=True
    )
    health_rule_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("health_rules.id", ondelete="SET NULL"), nullable=True
    )
    alert_type: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    severity: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=AlertStatus.OPEN.value)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    metric_name: Mapped[str | None] = mapped_column(String(128), nullable=True)
    metric_value: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class Prediction(IdMixin, TenantMixin, Base):
    """One served prediction; windows over these feed monitoring and alert rules
    (metric names ``predictions.latency_ms`` and ``predictions.confidence``)."""

    __tablename__ = "predictions"
    __under__ = ("deployment_id",)
    __table_args__ = (
        CheckConstraint("latency_ms >= 0", name="latency_non_negative"),
        check_in("status", PredictionStatus),
        CheckConstraint(
            "status <> 'pending' OR (completed_at IS NULL AND latency_ms IS NULL)",
            name="pending_not_done",
        ),
        CheckConstraint(
            "confidence IS NULL OR confidence BETWEEN 0 AND 1", name="confidence_valid"
        ),
        Index("ix_predictions_deployment_id_recorded_at", "deployment_id", "recorded_at"),
        # A deployment's predictions served by some versions (filter: {versionIds}).
        Index(
            "ix_predictions_deployment_id_model_version_id",
            "deployment_id",
            "model_version_id",
            "recorded_at",
        ),
        PARTITIONED_BY_DEPLOYMENT,
    )

    deployment_id: Mapped[uuid.UUID] = mapped_column(  # in the key: the partition column
        UUID(as_uuid=True), ForeignKey("deployments.id", ondelete="CASCADE"), primary_key=True
    )
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    input: Mapped[Any] = mapped_column(JSONB, nullable=True)
    output: Mapped[Any] = mapped_column(JSONB, nullable=True)
    # Null while PENDING (0058).
    latency_ms: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, server_default=text(f"'{PredictionStatus.COMPLETED.value}'")
    )
    # When it was answered (recorded before 0058: none).
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The version that served it (the deployment's at recording time).
    model_version_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("model_versions.id", ondelete="SET NULL"), nullable=True
    )


class DriftReport(IdMixin, TenantMixin, Base):
    """A comparison of reference and current feature distributions for a deployment."""

    __tablename__ = "drift_reports"
    __under__ = ("deployment_id",)
    __table_args__ = (
        Index("ix_drift_reports_deployment_id", "deployment_id", "id"),
        # The report of a period: a deployment's reports by the end of what they cover.
        Index("ix_drift_reports_deployment_id_period_end", "deployment_id", "period_end"),
        CheckConstraint(
            "period_start IS NULL OR period_end IS NULL OR period_start <= period_end",
            name="period_ordered",
        ),
    )

    deployment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("deployments.id", ondelete="CASCADE"), nullable=False
    )
    threshold: Mapped[float] = mapped_column(Float(precision=53), nullable=False)
    overall_score: Mapped[float] = mapped_column(Float(precision=53), nullable=False)
    is_drift_detected: Mapped[bool] = mapped_column(Boolean, nullable=False)
    # The traffic the current distributions come from, and the tool's own report (0058).
    period_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    period_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    report_data: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    alert_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("alerts.id", ondelete="SET NULL"), nullable=True
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()"), nullable=False
    )


class DriftFeatureScore(IdMixin, TenantMixin, Base):
    __tablename__ = "drift_feature_scores"
    __under__ = ("report_id",)
    __table_args__ = (Index("ix_drift_feature_scores_report_id", "report_id", "id"),)

    report_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("drift_reports.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    psi: Mapped[float] = mapped_column(Float(precision=53), nullable=False)
    ks_statistic: Mapped[float] = mapped_column(Float(precision=53), nullable=False)
    js_distance: Mapped[float] = mapped_column(Float(precision=53), nullable=False)
    is_drifted: Mapped[bool] = mapped_column(Boolean, nullable=False)


# Dimensions with an HNSW index (cosine). pgvector indexes need a fixed dimension, so each is a
# partial expression index over rows of that dimension; other dimensions are searched exactly.
HNSW_DIMENSIONS = (8, 16, 32, 64, 128, 256, 384, 512, 768, 1024, 1536)


class PredictionEmbedding(IdMixin, TenantMixin, Base):
    __tablename__ = "prediction_embeddings"
    __under__ = ("deployment_id",)
    __table_args__ = (
        CheckConstraint("dimension BETWEEN 1 AND 2000", name="dimension_valid"),
        Index(
            "ix_prediction_embeddings_deployment_reference_time",
            "deployment_id",
            "is_reference",
            "recorded_at",
        ),
        *(
            Index(
                f"ix_prediction_embeddings_hnsw_{dim}",
                text(f"(embedding::vector({dim})) vector_cosine_ops"),
                postgresql_using="hnsw",
                postgresql_where=text(f"dimension = {dim}"),
            )
            for dim in HNSW_DIMENSIONS
        ),
        PARTITIONED_BY_DEPLOYMENT,
    )

    deployment_id: Mapped[uuid.UUID] = mapped_column(  # in the key: the partition column
        UUID(as_uuid=True), ForeignKey("deployments.id", ondelete="CASCADE"), primary_key=True
    )
    dimension: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    embedding: Mapped[Any] = mapped_column(VECTOR(), nullable=False)
    is_reference: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
