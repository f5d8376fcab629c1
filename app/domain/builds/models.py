"""The artifact builds table."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, TenantMixin, TimestampsMixin, check_in
from app.domain.builds.enums import BuildStatus


class ArtifactBuild(IdMixin, TenantMixin, TimestampsMixin, Base):
    """The serving image of one model version (at most one per version), built from a git
    source by a builder that claimed it from the queue (app/domain/work_queue.py)."""

    __tablename__ = "artifact_builds"
    __table_args__ = (
        UniqueConstraint("model_version_id", name="uq_artifact_builds_model_version_id"),
        check_in("status", BuildStatus),
        CheckConstraint("max_attempts BETWEEN 1 AND 10", name="max_attempts_valid"),
        CheckConstraint(
            "status <> 'succeeded' OR image_url IS NOT NULL", name="succeeded_has_image"
        ),
        Index("ix_artifact_builds_project_id", "project_id", "id"),
        Index("ix_artifact_builds_queue", "organization_id", "status", "id"),
        Index(
            "ix_artifact_builds_leases",
            "lease_expires_at",
            postgresql_where=text("status = 'running' AND lease_expires_at IS NOT NULL"),
        ),
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
