"""The artifact builds table."""

from __future__ import annotations

import uuid

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, TenantMixin, TimestampsMixin, check_in
from app.domain.builds.enums import BuildStatus
from app.domain.queue_columns import QueuedMixin, queue_table_args


class ArtifactBuild(IdMixin, TenantMixin, TimestampsMixin, QueuedMixin, Base):
    """The serving image of one model version (at most one per version), built from a git
    source by a builder that claimed it from the queue (app/domain/work_queue.py)."""

    __tablename__ = "artifact_builds"
    __table_args__ = (
        *queue_table_args("artifact_builds"),
        UniqueConstraint("model_version_id", name="uq_artifact_builds_model_version_id"),
        check_in("status", BuildStatus),
        CheckConstraint(
            "status <> 'succeeded' OR image_url IS NOT NULL", name="succeeded_has_image"
        ),
        Index("ix_artifact_builds_project_id", "project_id", "id"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    model_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("models.id", ondelete="CASCADE"), nullable=False
    )
    model_version_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False
    )
    source_repository_url: Mapped[str] = mapped_column(String(2048), nullable=False)
    source_ref: Mapped[str] = mapped_column(String(255), nullable=False)
    source_path: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    image_url: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, default=BuildStatus.PENDING.value
    )
