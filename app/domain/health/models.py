"""Training-health tables."""

from __future__ import annotations

import uuid

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, SoftDeleteMixin, TenantMixin, TimestampsMixin, check_in
from app.domain.alert_kinds import AlertSeverity
from app.domain.health.enums import HealthRuleKind

LIVE = text("deleted_at IS NULL")

# Which parameters each kind takes; the others are NULL (the service checks the ranges).
KIND_SHAPE = (
    "(kind = 'non_finite' AND steps IS NULL AND z_score IS NULL AND rise IS NULL"
    " AND seconds IS NULL AND fraction IS NULL AND percent IS NULL)"
    " OR (kind = 'spike' AND metric_key IS NOT NULL AND steps IS NOT NULL"
    " AND z_score IS NOT NULL AND rise IS NULL AND seconds IS NULL AND fraction IS NULL"
    " AND percent IS NULL)"
    " OR (kind = 'divergence' AND metric_key IS NOT NULL AND steps IS NOT NULL"
    " AND rise IS NOT NULL AND z_score IS NULL AND seconds IS NULL AND fraction IS NULL"
    " AND percent IS NULL)"
    " OR (kind = 'stall' AND metric_key IS NULL AND seconds IS NOT NULL AND steps IS NULL"
    " AND z_score IS NULL AND rise IS NULL AND fraction IS NULL AND percent IS NULL)"
    " OR (kind = 'throughput_drop' AND metric_key IS NOT NULL AND fraction IS NOT NULL"
    " AND steps IS NULL AND z_score IS NULL AND rise IS NULL AND seconds IS NULL"
    " AND percent IS NULL)"
    " OR (kind = 'idle_gpu' AND metric_key IS NULL AND percent IS NOT NULL"
    " AND seconds IS NOT NULL AND steps IS NULL AND z_score IS NULL AND rise IS NULL"
    " AND fraction IS NULL)"
)


class HealthRule(IdMixin, TenantMixin, TimestampsMixin, SoftDeleteMixin, Base):
    """A training-health rule: every run of the project (or of one experiment) is watched;
    a firing opens an alert on the run and, with ``cancel_job``, cancels its training job."""

    __tablename__ = "health_rules"
    __table_args__ = (
        check_in("kind", HealthRuleKind),
        check_in("severity", AlertSeverity),
        CheckConstraint(KIND_SHAPE, name="kind_shape"),
        Index("ix_health_rules_project_id_live", "project_id", "id", postgresql_where=LIVE),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    experiment_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("experiments.id", ondelete="CASCADE"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    # The metric watched (NON_FINITE: null = every key; STALL: none).
    metric_key: Mapped[str | None] = mapped_column(String(250), nullable=True)
    # SPIKE and DIVERGENCE: the window, the steps before each point.
    steps: Mapped[int | None] = mapped_column(Integer, nullable=True)
    z_score: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)  # SPIKE
    rise: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)  # DIVERGENCE
    seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)  # STALL, IDLE_GPU
    fraction: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)  # THROUGHPUT
    percent: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)  # IDLE_GPU
    severity: Mapped[str] = mapped_column(String(20), nullable=False)
    cancel_job: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
