"""Retention policies."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, TenantMixin, TimestampsMixin

KINDS = (
    "run_metrics_days",
    "monitoring_metrics_days",
    "predictions_days",
    "embeddings_days",
    "audit_log_days",
)
MAX_DAYS = 3650


class RetentionPolicy(IdMixin, TenantMixin, TimestampsMixin, Base):
    """How long an organization keeps each kind of data (null: forever). Raw run metric
    points go with their run's end (rollups and summaries stay); reference embeddings
    stay; audit rows are archived before they go."""

    __tablename__ = "retention_policies"
    __table_args__ = (
        UniqueConstraint("organization_id", name="uq_retention_policies_organization_id"),
        *(
            CheckConstraint(f"{kind} IS NULL OR {kind} BETWEEN 1 AND {MAX_DAYS}", name=kind)
            for kind in KINDS
        ),
    )

    run_metrics_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    monitoring_metrics_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    predictions_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    embeddings_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    audit_log_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    last_applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
