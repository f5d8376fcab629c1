"""Serving tables."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy import Computed as SqlComputed
from sqlalchemy.dialects.postgresql import JSONB, UUID
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
from app.domain.serving.enums import DeploymentEventType, DeploymentStatus

LIVE = text("deleted_at IS NULL")
MAX_GPU_PRIORITY = 1_000_000


class Environment(IdMixin, TenantMixin, TimestampsMixin, SoftDeleteMixin, Base):
    __tablename__ = "environments"
    __table_args__ = (
        Index(
            "uq_environments_organization_id_name_live",
            "organization_id",
            "name",
            unique=True,
            postgresql_where=LIVE,
        ),
    )

    name: Mapped[str] = mapped_column(String(63), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    config: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    protected: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class GpuType(IdMixin, TenantMixin, TimestampsMixin, Base):
    """A GPU option an environment offers (its catalogue): ``key`` is the GPU type's id,
    stored lower-case (compared case-insensitively), unique per environment. Listed by
    ``sort_priority`` (the priority, nulls last), then label."""

    __tablename__ = "gpu_types"
    __table_args__ = (
        UniqueConstraint("environment_id", "key", name="uq_gpu_types_environment_id_key"),
        CheckConstraint("key ~ '^[a-z0-9][a-z0-9-]*$'", name="key_canonical"),
        CheckConstraint("length(btrim(label)) > 0", name="label_not_empty"),
        CheckConstraint(
            f"priority IS NULL OR priority BETWEEN 0 AND {MAX_GPU_PRIORITY}",
            name="priority_range",
        ),
        Index("ix_gpu_types_listing", "environment_id", "sort_priority", "label", "id"),
    )

    environment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("environments.id", ondelete="CASCADE"), nullable=False
    )
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    priority: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The listing's first key: the priority with nulls after every priority.
    sort_priority: Mapped[int] = mapped_column(
        Integer, SqlComputed(f"coalesce(priority, {MAX_GPU_PRIORITY + 1})", persisted=True)
    )


class Deployment(IdMixin, TenantMixin, TimestampsMixin, SoftDeleteMixin, Base):
    __tablename__ = "deployments"
    __table_args__ = (
        check_in("status", DeploymentStatus),
        CheckConstraint(
            "min_instances >= 0 AND min_instances <= max_instances", name="instances_valid"
        ),
        CheckConstraint("traffic_percentage BETWEEN 0 AND 100", name="traffic_percentage_valid"),
        Index(
            "uq_deployments_project_environment_name_live",
            "project_id",
            "environment_id",
            "name",
            unique=True,
            postgresql_where=LIVE,
        ),
        Index("ix_deployments_project_id_live", "project_id", "id", postgresql_where=LIVE),
        Index(
            "ix_deployments_model_version_id_live", "model_version_id", "id", postgresql_where=LIVE
        ),
        Index("ix_deployments_environment_id_live", "environment_id", "id", postgresql_where=LIVE),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    model_version_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("model_versions.id", ondelete="RESTRICT"), nullable=False
    )
    environment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("environments.id", ondelete="RESTRICT"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(63), nullable=False)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default=DeploymentStatus.PENDING.value
    )
    min_instances: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    max_instances: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    autoscaling: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    traffic_percentage: Mapped[int] = mapped_column(Integer, nullable=False, default=100)
    endpoint_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    config: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    # Fixed by the first recorded prediction embedding; later vectors must match it.
    embedding_dimension: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class DeploymentEvent(IdMixin, TenantMixin, Base):
    """History of a deployment (deploy / update / rollback / terminate): makes rollback one step."""

    __tablename__ = "deployment_events"
    __table_args__ = (
        check_in("event_type", DeploymentEventType),
        Index("ix_deployment_events_deployment_id", "deployment_id", "id"),
    )

    deployment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("deployments.id", ondelete="CASCADE"), nullable=False
    )
    event_type: Mapped[str] = mapped_column(String(20), nullable=False)
    from_model_version_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("model_versions.id", ondelete="SET NULL"), nullable=True
    )
    to_model_version_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("model_versions.id", ondelete="SET NULL"), nullable=True
    )
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    details: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    created_at = utc_timestamp(nullable=False)
