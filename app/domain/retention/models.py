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
    "rollups_days",
    "archived_artifacts_days",
)
MAX_DAYS = 3650


class RetentionPolicy(IdMixin, TenantMixin, TimestampsMixin, Base):
    """How long an organization keeps each kind of data (null: forever). Raw run metric
    points go with their run's end, their chart rollups (``rollups_days``, never before the
    raw points) later, and summaries stay; reference embeddings stay; audit rows are
    archived before they go; an archived model version's files go that long after it was
    archived (``archived_artifacts_days``)."""

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
    rollups_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    archived_artifacts_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    last_applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
