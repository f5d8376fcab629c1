"""Dataset tables: datasets, their versions, derivations between versions, and what
consumed them (runs and training jobs)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, SoftDeleteMixin, TenantMixin, TimestampsMixin, check_in
from app.domain.datasets.enums import (
    ChecksumAlgorithm,
    DatasetType,
    DatasetVersionStatus,
    InputRole,
)

LIVE = text("deleted_at IS NULL")


class Dataset(IdMixin, TenantMixin, TimestampsMixin, SoftDeleteMixin, Base):
    __tablename__ = "datasets"
    __table_args__ = (
        check_in("dataset_type", DatasetType),
        Index(
            "uq_datasets_project_id_name_live",
            "project_id",
            "name",
            unique=True,
            postgresql_where=LIVE,
        ),
        Index("ix_datasets_project_id_live", "project_id", "id", postgresql_where=LIVE),
        Index("ix_datasets_tags", "tags", postgresql_using="gin"),
        Index("ix_datasets_search_vector", "search_vector", postgresql_using="gin"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    dataset_type: Mapped[str] = mapped_column(String(20), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    format: Mapped[str | None] = mapped_column(String(64), nullable=True)
    schema_: Mapped[dict[str, Any] | None] = mapped_column("schema", JSONB, nullable=True)
    tags: Mapped[list[str]] = mapped_column(
        ARRAY(String(64)), nullable=False, server_default=text("'{}'")
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


class DatasetVersion(IdMixin, TenantMixin, TimestampsMixin, SoftDeleteMixin, Base):
    __tablename__ = "dataset_versions"
    __under__ = ("dataset_id",)
    __table_args__ = (
        check_in("status", DatasetVersionStatus),
        check_in("checksum_algorithm", ChecksumAlgorithm),
        CheckConstraint(
            "(checksum_algorithm IS NULL) = (checksum IS NULL)", name="checksum_complete"
        ),
        CheckConstraint("checksum ~ '^[0-9a-f]+$'", name="checksum_hex"),
        CheckConstraint(
            "(file_count IS NULL OR file_count >= 0) AND (total_size_bytes IS NULL OR "
            "total_size_bytes >= 0) AND (record_count IS NULL OR record_count >= 0)",
            name="counts_valid",
        ),
        Index(
            "uq_dataset_versions_dataset_id_version_live",
            "dataset_id",
            "version",
            unique=True,
            postgresql_where=LIVE,
        ),
        Index(
            "uq_dataset_versions_external",
            "dataset_id",
            "versioning_system",
            "external_version_id",
            unique=True,
            postgresql_where=text("external_version_id IS NOT NULL AND deleted_at IS NULL"),
        ),
        # "Find versions by checksum" is one lookup.
        Index("ix_dataset_versions_checksum", "checksum", "checksum_algorithm"),
        Index("ix_dataset_versions_dataset_id_live", "dataset_id", "id", postgresql_where=LIVE),
    )

    dataset_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False
    )
    version: Mapped[str] = mapped_column(String(64), nullable=False)
    versioning_system: Mapped[str] = mapped_column(String(32), nullable=False)
    external_version_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    storage_uri: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    checksum_algorithm: Mapped[str | None] = mapped_column(String(16), nullable=True)
    checksum: Mapped[str | None] = mapped_column(String(128), nullable=True)
    file_count: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    total_size_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    record_count: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    diff_summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default=DatasetVersionStatus.CREATED.value
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # When a verifier's digest matched the recorded checksum, and whose (0052).
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    verified_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class DatasetVersionParent(TenantMixin, Base):
    """``child_id`` was derived from ``parent_id`` (a split, a join, a cleaning). Parents
    are named when the child is created and must exist by then: no cycles can form."""

    __tablename__ = "dataset_version_parents"
    __under__ = ("child_id",)
    __table_args__ = (
        PrimaryKeyConstraint("child_id", "parent_id"),
        CheckConstraint("child_id <> parent_id", name="not_self"),
        Index("ix_dataset_version_parents_parent_id", "parent_id"),
    )

    child_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("dataset_versions.id", ondelete="CASCADE"), nullable=False
    )
    parent_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("dataset_versions.id", ondelete="CASCADE"), nullable=False
    )


class DatasetInput(IdMixin, TenantMixin, Base):
    """A dataset version a run or a training job consumed, in a role."""

    __tablename__ = "dataset_inputs"
    __under__ = ("dataset_version_id", "run_id")
    __table_args__ = (
        check_in("role", InputRole),
        CheckConstraint("(run_id IS NULL) <> (training_job_id IS NULL)", name="one_consumer"),
        Index(
            "uq_dataset_inputs_run",
            "run_id",
            "dataset_version_id",
            "role",
            unique=True,
            postgresql_where=text("run_id IS NOT NULL"),
        ),
        Index(
            "uq_dataset_inputs_job",
            "training_job_id",
            "dataset_version_id",
            "role",
            unique=True,
            postgresql_where=text("training_job_id IS NOT NULL"),
        ),
        Index("ix_dataset_inputs_dataset_version_id", "dataset_version_id"),
    )

    dataset_version_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("dataset_versions.id", ondelete="CASCADE"), nullable=False
    )
    run_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("runs.id", ondelete="CASCADE"), nullable=True
    )
    training_job_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("training_jobs.id", ondelete="CASCADE"), nullable=True
    )
    role: Mapped[str] = mapped_column(String(20), nullable=False)
