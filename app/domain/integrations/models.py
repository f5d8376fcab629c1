"""Integration configuration per environment."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, TenantMixin, TimestampsMixin
from app.domain.integrations.catalog import SUPPORTED_TOOLS

TYPES = ", ".join(f"'{t}'" for t in SUPPORTED_TOOLS)


class IntegrationConfig(IdMixin, TenantMixin, TimestampsMixin, Base):
    """One tool an environment integrates with (e.g. serving through KServe), its config
    (validated by the tool's JSON schema in app/domain/integrations/catalog.py) and feature
    flags. Unique per environment, type and tool."""

    __tablename__ = "integration_configs"
    __table_args__ = (
        UniqueConstraint(
            "environment_id",
            "integration_type",
            "tool",
            name="uq_integration_configs_environment_id_type_tool",
        ),
        CheckConstraint(f"integration_type IN ({TYPES})", name="integration_type_valid"),
    )

    environment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("environments.id", ondelete="CASCADE"), nullable=False
    )
    integration_type: Mapped[str] = mapped_column(String(20), nullable=False)
    tool: Mapped[str] = mapped_column(String(32), nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    config: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    feature_flags: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class RegistryLink(IdMixin, TenantMixin, TimestampsMixin, Base):
    """A model (or one of its versions) in an external registry (Hugging Face, MLflow,
    SageMaker, Vertex AI, W&B): its id there (checked per registry), where it was imported
    from or exported to, and whether the two are in sync. Unique per registry and external
    id within an organization, among the links the caller can see (held per project by the
    database, so a private project's link is no oracle)."""

    __tablename__ = "registry_links"
    __table_args__ = (
        UniqueConstraint(
            "project_id",
            "registry_type",
            "external_id",
            name="uq_registry_links_project_id_registry_external_id",
        ),
        CheckConstraint(
            "registry_type IN (" + ", ".join(f"'{t}'" for t in SUPPORTED_TOOLS["registry"]) + ")",
            name="registry_type_valid",
        ),
        CheckConstraint(
            "sync_state IN ('never_synced', 'synced', 'out_of_sync')", name="sync_state_valid"
        ),
        Index("ix_registry_links_model_id", "model_id", "id"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    model_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("models.id", ondelete="CASCADE"), nullable=False
    )
    model_version_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=True
    )
    registry_type: Mapped[str] = mapped_column(String(32), nullable=False)
    external_id: Mapped[str] = mapped_column(String(512), nullable=False)
    repo_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    external_version: Mapped[str | None] = mapped_column(String(128), nullable=True)
    imported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    exported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata", JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    sync_state: Mapped[str] = mapped_column(String(16), nullable=False, default="never_synced")
    last_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
