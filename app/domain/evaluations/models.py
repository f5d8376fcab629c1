"""Evaluation runs: one model version scored on one dataset version, by hand or by a
pipeline run's EVALUATION step."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, TenantMixin, TimestampsMixin, check_in
from app.domain.evaluations.enums import EvaluationStatus


class EvaluationRun(IdMixin, TenantMixin, TimestampsMixin, Base):
    __tablename__ = "evaluation_runs"
    __table_args__ = (
        check_in("status", EvaluationStatus),
        Index("ix_evaluation_runs_model_version_id", "model_version_id", "id"),
        Index("ix_evaluation_runs_dataset_version_id", "dataset_version_id", "id"),
        Index("ix_evaluation_runs_project_id", "project_id", "id"),
        Index(
            "ix_evaluation_runs_pipeline_run_id",
            "pipeline_run_id",
            postgresql_where=text("pipeline_run_id IS NOT NULL"),
        ),
    )

    # The model version's project: its visibility is the evaluation's.
    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    model_version_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False
    )
    dataset_version_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("dataset_versions.id", ondelete="CASCADE"), nullable=False
    )
    # Made by this pipeline run's step (null: by hand).
    pipeline_run_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("pipeline_runs.id", ondelete="SET NULL"), nullable=True
    )
    step: Mapped[str | None] = mapped_column(String(100), nullable=True)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default=EvaluationStatus.PENDING.value
    )
    metrics: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
