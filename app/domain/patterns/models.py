"""The pattern jobs table."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, TenantMixin, TimestampsMixin, check_in
from app.domain.patterns.enums import PatternAlgorithm, PatternJobStatus, PatternType
from app.domain.queue_columns import QueuedMixin, queue_table_args


class PatternJob(IdMixin, TenantMixin, TimestampsMixin, QueuedMixin, Base):
    """A search for patterns (clusters, anomalies, association rules) in one dataset
    version, run by a worker that claimed it from the queue (app/domain/work_queue.py)."""

    __tablename__ = "pattern_jobs"
    __table_args__ = (
        *queue_table_args("pattern_jobs"),
        check_in("pattern_type", PatternType),
        check_in("algorithm", PatternAlgorithm),
        check_in("status", PatternJobStatus),
        CheckConstraint(
            "status <> 'succeeded' OR pattern_count IS NOT NULL", name="succeeded_has_results"
        ),
        Index("ix_pattern_jobs_project_id", "project_id", "id"),
        Index("ix_pattern_jobs_dataset_version_id", "dataset_version_id", "id"),
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
