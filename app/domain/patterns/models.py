"""The pattern jobs table."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
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

from app.db.base import Base, IdMixin, TenantMixin, TimestampsMixin, check_in
from app.domain.patterns.enums import PatternAlgorithm, PatternJobStatus, PatternType


class PatternJob(IdMixin, TenantMixin, TimestampsMixin, Base):
    """A search for patterns (clusters, anomalies, association rules) in one dataset
    version, run by a worker that claimed it from the queue (app/domain/work_queue.py)."""

    __tablename__ = "pattern_jobs"
    __table_args__ = (
        check_in("pattern_type", PatternType),
        check_in("algorithm", PatternAlgorithm),
        check_in("status", PatternJobStatus),
        CheckConstraint("max_attempts BETWEEN 1 AND 10", name="max_attempts_valid"),
        CheckConstraint(
            "status <> 'succeeded' OR pattern_count IS NOT NULL", name="succeeded_has_results"
        ),
        Index("ix_pattern_jobs_project_id", "project_id", "id"),
        Index("ix_pattern_jobs_dataset_version_id", "dataset_version_id", "id"),
        Index("ix_pattern_jobs_queue", "organization_id", "status", "id"),
        Index(
            "ix_pattern_jobs_leases",
            "lease_expires_at",
            postgresql_where=text("status = 'running' AND lease_expires_at IS NOT NULL"),
        ),
    )

    # The dataset's project: its visibility is the job's.
    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    dataset_version_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("dataset_versions.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    pattern_type: Mapped[str] = mapped_column(String(32), nullable=False)
    algorithm: Mapped[str] = mapped_column(String(32), nullable=False)
    config: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, default=PatternJobStatus.PENDING.value
    )
    results: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    pattern_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # The queue: who holds it, until when, how many claims so far, and the retry limit.
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claims: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    max_attempts: Mapped[int] = mapped_column(
        SmallInteger, nullable=False, server_default=text("3")
    )
    status_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
