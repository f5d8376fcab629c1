"""Registry tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import (
    Base,
    IdMixin,
    SoftDeleteMixin,
    TenantMixin,
    TimestampsMixin,
    check_in,
    utc_timestamp,
)
from app.domain.datasets.enums import ChecksumAlgorithm
from app.domain.registry.enums import Framework, ModelStage, ModelType, ServeType, TaskType

LIVE = text("deleted_at IS NULL")


class Model(IdMixin, TenantMixin, TimestampsMixin, SoftDeleteMixin, Base):
    __tablename__ = "models"
    __table_args__ = (
        check_in("model_type", ModelType),
        check_in("serve_type", ServeType),
        check_in("framework", Framework),
        check_in("task_type", TaskType),
        Index(
            "uq_models_project_id_name_live",
            "project_id",
            "name",
            unique=True,
            postgresql_where=LIVE,
        ),
        Index("ix_models_tags", "tags", postgresql_using="gin"),
        Index("ix_models_search_vector", "search_vector", postgresql_using="gin"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    model_type: Mapped[str] = mapped_column(String(32), nullable=False)
    # API or WORKFLOW (0063): which serving fields apply (app/domain/registry/enums.py).
    serve_type: Mapped[str] = mapped_column(
        String(16), nullable=False, server_default=text(f"'{ServeType.API.value}'")
    )
    framework: Mapped[str] = mapped_column(String(32), nullable=False)
    task_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    tags: Mapped[list[str]] = mapped_column(
        ARRAY(String(64)), nullable=False, server_default=text("'{}'")
    )
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata", JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    search_vector: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed(
            "to_tsvector('english', coalesce(name, '') || ' ' || coalesce(description, ''))",
            persisted=True,
        ),
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


# Index the per-project listing that model loaders page through.
Index("ix_models_project_id_live", Model.project_id, Model.id, postgresql_where=LIVE)
# A project's models by type and by framework (models(filter: {modelType, framework})).
Index(
    "ix_models_project_id_model_type_live",
    Model.project_id,
    Model.model_type,
    Model.id,
    postgresql_where=LIVE,
)
Index(
    "ix_models_project_id_framework_live",
    Model.project_id,
    Model.framework,
    Model.id,
    postgresql_where=LIVE,
)


class ModelVersion(IdMixin, TenantMixin, TimestampsMixin, SoftDeleteMixin, Base):
    __tablename__ = "model_versions"
    __under__ = ("model_id",)
    __table_args__ = (
        check_in("stage", ModelStage),
        CheckConstraint(
            "artifact_size_bytes IS NULL OR artifact_size_bytes >= 0", name="artifact_size_valid"
        ),
        Index(
            "uq_model_versions_model_id_version_live",
            "model_id",
            "version",
            unique=True,
            postgresql_where=LIVE,
        ),
        # At most one production version per model.
        Index(
            "uq_model_versions_model_id_production",
            "model_id",
            unique=True,
            postgresql_where=text("stage = 'production' AND deleted_at IS NULL"),
        ),
        Index("ix_model_versions_model_id_stage", "model_id", "stage", postgresql_where=LIVE),
        check_in("checksum_algorithm", ChecksumAlgorithm),
        CheckConstraint(
            "(checksum_algorithm IS NULL) = (checksum IS NULL)", name="checksum_complete"
        ),
        CheckConstraint("checksum ~ '^[0-9a-f]+$'", name="checksum_hex"),
        Index(
            "ix_model_versions_training_job_id",
            "training_job_id",
            postgresql_where=text("training_job_id IS NOT NULL"),
        ),
    )

    model_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("models.id", ondelete="CASCADE"), nullable=False
    )
    version: Mapped[str] = mapped_column(String(64), nullable=False)
    stage: Mapped[str] = mapped_column(
        String(20), nullable=False, default=ModelStage.DEVELOPMENT.value
    )
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    artifact_uri: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    artifact_size_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    metrics: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    signature: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    stage_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When retention removed its run files, archived too long (archived_artifacts_days).
    artifact_purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Lineage: the training run that produced this version.
    run_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("runs.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # The artifact's checksum (an algorithm's hex digest of its length), its
    # hyperparameters, and the training job that made it (0056).
    checksum_algorithm: Mapped[str | None] = mapped_column(String(16), nullable=True)
    checksum: Mapped[str | None] = mapped_column(String(128), nullable=True)
    hyperparameters: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    training_job_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("training_jobs.id", ondelete="SET NULL"), nullable=True
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class ModelAlias(IdMixin, TenantMixin, TimestampsMixin, Base):
    """A movable name (``champion``, ``challenger``, any slug) for one version of a model.
    Every move is kept in ``model_alias_events``; a protected alias moves only for admins."""

    __tablename__ = "model_aliases"
    __under__ = ("model_id",)
    __table_args__ = (UniqueConstraint("model_id", "name", name="uq_model_aliases_model_id_name"),)

    model_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("models.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(63), nullable=False)
    model_version_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False
    )
    protected: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class ModelAliasEvent(IdMixin, TenantMixin, Base):
    """One move of an alias: from which version to which, by whom, when (time travel reads
    the latest move at or before an instant)."""

    __tablename__ = "model_alias_events"
    __under__ = ("alias_id",)
    __table_args__ = (Index("ix_model_alias_events_alias_id_at", "alias_id", "created_at"),)

    alias_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("model_aliases.id", ondelete="CASCADE"), nullable=False
    )
    from_version_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("model_versions.id", ondelete="SET NULL"), nullable=True
    )
    to_version_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("model_versions.id", ondelete="SET NULL"), nullable=True
    )
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = utc_timestamp(nullable=False)


class ModelProductionEvent(IdMixin, TenantMixin, Base):
    """One change of a model's production version (``version_id`` None: none in production
    any more), by whom and when; ``productionVersion(at:)`` reads the latest one at or
    before an instant."""

    __tablename__ = "model_production_events"
    __under__ = ("model_id",)
    __table_args__ = (Index("ix_model_production_events_model_id_at", "model_id", "created_at"),)

    model_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("models.id", ondelete="CASCADE"), nullable=False
    )
    version_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("model_versions.id", ondelete="SET NULL"), nullable=True
    )
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = utc_timestamp(nullable=False)
