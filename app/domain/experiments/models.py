"""Experiment tables, including the metric rollups kept at ingest time."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, SoftDeleteMixin, TenantMixin, TimestampsMixin, check_in
from app.domain.experiments.enums import ExperimentStatus, RunStatus

LIVE = text("deleted_at IS NULL")
RUN_SEARCH_VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, coalesce(name, '')), 'A') || "
    "to_tsvector('simple'::regconfig, coalesce(description, '')) || "
    "jsonb_to_tsvector('simple'::regconfig, tags, '[\"string\", \"numeric\"]'::jsonb) || "
    "jsonb_to_tsvector('simple'::regconfig, params, '[\"string\", \"numeric\"]'::jsonb)"
)


class Experiment(IdMixin, TenantMixin, TimestampsMixin, SoftDeleteMixin, Base):
    __tablename__ = "experiments"
    __table_args__ = (
        check_in("status", ExperimentStatus),
        Index(
            "uq_experiments_project_id_name_live",
            "project_id",
            "name",
            unique=True,
            postgresql_where=LIVE,
        ),
        Index("ix_experiments_project_id_live", "project_id", "id", postgresql_where=LIVE),
        Index("ix_experiments_search_vector", "search_vector", postgresql_using="gin"),
        Index(
            "ix_experiments_dataset_id",
            "dataset_id",
            postgresql_where=text("dataset_id IS NOT NULL"),
        ),
        Index(
            "ix_experiments_pipeline_id",
            "pipeline_id",
            postgresql_where=text("pipeline_id IS NOT NULL"),
        ),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    model_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("models.id", ondelete="SET NULL"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default=ExperimentStatus.ACTIVE.value
    )
    config: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # Set by transitions (0055): started when made (or reopened), completed on entering
    # COMPLETED, FAILED or CANCELLED (archiving an active one ends it too).
    started_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # What it trains on and the workflow that runs it (same project).
    dataset_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("datasets.id", ondelete="SET NULL"), nullable=True
    )
    pipeline_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("pipelines.id", ondelete="SET NULL"), nullable=True
    )
    search_vector: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed(
            "to_tsvector('english', coalesce(name, '') || ' ' || coalesce(description, ''))",
            persisted=True,
        ),
    )


class Run(IdMixin, TenantMixin, TimestampsMixin, SoftDeleteMixin, Base):
    __tablename__ = "runs"
    __table_args__ = (
        check_in("status", RunStatus),
        CheckConstraint(
            "(tracking_system IS NULL) = (tracking_run_id IS NULL)", name="tracking_link_complete"
        ),
        Index("ix_runs_experiment_id_live", "experiment_id", "id", postgresql_where=LIVE),
        # An experiment's runs by status (runs(filter: {status})).
        Index(
            "ix_runs_experiment_id_status_live",
            "experiment_id",
            "status",
            "id",
            postgresql_where=LIVE,
        ),
        Index("ix_runs_search_vector", "search_vector", postgresql_using="gin"),
        Index("ix_runs_project_id_live", "project_id", "id", postgresql_where=LIVE),
        Index(
            "ix_runs_training_job_id",
            "training_job_id",
            "id",
            postgresql_where=text("training_job_id IS NOT NULL"),
        ),
        # One mlgraph run per external run, per tracking system, within a project (the
        # service checks the organization, among the runs the caller can see: 0034).
        Index(
            "uq_runs_tracking_link",
            "project_id",
            "tracking_system",
            "tracking_run_id",
            unique=True,
            postgresql_where=text("tracking_system IS NOT NULL AND deleted_at IS NULL"),
        ),
    )

    experiment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False
    )
    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=RunStatus.RUNNING.value)
    params: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    tags: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # What ended a FAILED or KILLED run, as its client saw it (0035).
    failure_reason: Mapped[str | None] = mapped_column(String(4000), nullable=True)
    tracking_system: Mapped[str | None] = mapped_column(String(32), nullable=True)
    tracking_run_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Ingest sequence: bumped under this row's lock by every metric batch, so sequence order
    # is commit order and subscribers can resume from a sequence number without gaps.
    metric_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    # When a batch of points last arrived (the server's clock): a stalled run is one whose
    # points stopped (training health, 0045).
    last_logged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Bumped with every status change: the runStatus subscription's high-water mark.
    status_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # The training job this run is an attempt of (a job's retries are its runs; 0056).
    # ``use_alter``: training_jobs.run_id points back here (the job's latest run).
    training_job_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("training_jobs.id", ondelete="SET NULL", use_alter=True),
        nullable=True,
    )
    # Full text over the name, description and the values of tags and params (0043): the
    # run query's ``search``. The 'simple' configuration: names, ids and values are not
    # English prose to stem.
    search_vector: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed(RUN_SEARCH_VECTOR, persisted=True),
    )


class RunMetricChunk(Base):
    """The new points of one key from one batch, as arrays in step order. Points are numbered
    ``seq_lo..seq_hi`` in the run's ingest sequence (commit order). (run, key, step) is
    unique: a batch is written under the run's row lock, after dropping steps already stored
    (migration 0010 explains the layout; the table is hash-partitioned by run)."""

    __tablename__ = "run_metric_chunks"
    __under__ = ("run_id",)
    __table_args__ = (
        CheckConstraint(
            "seq_hi - seq_lo + 1 = cardinality(steps) "
            'AND cardinality("values") = cardinality(steps) '
            "AND cardinality(times) = cardinality(steps) "
            "AND 0 <= min_step AND min_step <= max_step",
            name="shape",
        ),
        Index("ix_run_metric_chunks_run_id_key_max_step", "run_id", "key", "max_step"),
        {"postgresql_partition_by": "HASH (run_id)"},
    )

    run_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    seq_hi: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    key: Mapped[str] = mapped_column(String(250), nullable=False)
    seq_lo: Mapped[int] = mapped_column(BigInteger, nullable=False)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    )
    min_step: Mapped[int] = mapped_column(BigInteger, nullable=False)
    max_step: Mapped[int] = mapped_column(BigInteger, nullable=False)
    steps: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), nullable=False)
    values: Mapped[list[float]] = mapped_column(ARRAY(Float(precision=53)), nullable=False)
    times: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), nullable=False)  # epoch µs


class RunMetricRollup(Base):
    """min/max/last/count of one key over a bucket of ``width`` steps, kept at ingest time so
    that chart reads of million-point series touch thousands of rows, not millions."""

    __tablename__ = "run_metric_rollups"
    __under__ = ("run_id",)

    run_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    width: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # step // width
    organization_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    )
    # Over the finite values (None when the bucket has none: 0036); NaN and ±Infinity are
    # counted in ``nonfinite`` (and in ``count``); ``last_value`` may be one of them.
    min_value: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)
    max_value: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)
    count: Mapped[int] = mapped_column(BigInteger, nullable=False)
    nonfinite: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    last_step: Mapped[int] = mapped_column(BigInteger, nullable=False)
    last_value: Mapped[float] = mapped_column(Float(precision=53), nullable=False)


class RunMetricSummary(Base):
    """Per run and key: count, min, max and the value at the highest step."""

    __tablename__ = "run_metric_summaries"
    __under__ = ("run_id",)
    __table_args__ = (Index("ix_run_metric_summaries_key_last", "key", "last_value"),)

    run_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    )
    count: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # As in rollups: over the finite values; the non-finite ones counted apart (0036).
    min_value: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)
    max_value: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)
    nonfinite: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    last_step: Mapped[int] = mapped_column(BigInteger, nullable=False)
    last_value: Mapped[float] = mapped_column(Float(precision=53), nullable=False)
    last_timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
