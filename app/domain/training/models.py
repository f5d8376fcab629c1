"""Training tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, SoftDeleteMixin, TenantMixin, TimestampsMixin, check_in
from app.domain.experiments.models import Run
from app.domain.training.enums import Executor, TrainingJobStatus


class TrainingJob(IdMixin, TenantMixin, TimestampsMixin, SoftDeleteMixin, Base):
    """A job that trains a model on an external executor, in a target environment."""

    __tablename__ = "training_jobs"
    __table_args__ = (
        check_in("status", TrainingJobStatus),
        check_in("executor", Executor),
        CheckConstraint("image IS NOT NULL OR entry_point IS NOT NULL", name="runs_something"),
        CheckConstraint(
            "(use_gpu AND gpu_type IS NOT NULL AND gpus > 0) "
            "OR (NOT use_gpu AND gpu_type IS NULL AND gpus = 0)",
            name="gpu_rule",
        ),
        CheckConstraint("(executor IS NULL) = (external_id IS NULL)", name="executor_link"),
        Index("ix_training_jobs_project_id", "project_id", "id"),
        # An experiment's jobs (Experiment.trainingJobs).
        Index(
            "ix_training_jobs_experiment_id",
            "experiment_id",
            "id",
            postgresql_where=text("experiment_id IS NOT NULL"),
        ),
        # A run's jobs (a health rule or a sweep's early stop cancels them, 0048).
        Index("ix_training_jobs_run_id", "run_id", postgresql_where=text("run_id IS NOT NULL")),
        # The queue, oldest first, and the leases to expire.
        Index(
            "ix_training_jobs_queued",
            "organization_id",
            "id",
            postgresql_where=text("status = 'queued'"),
        ),
        Index(
            "ix_training_jobs_leases",
            "lease_expires_at",
            postgresql_where=text("status = 'running' AND lease_expires_at IS NOT NULL"),
        ),
        # One job per external id, per executor, within a project (the service checks the
        # organization, among the jobs the caller can see).
        Index(
            "uq_training_jobs_executor_link",
            "project_id",
            "executor",
            "external_id",
            unique=True,
            postgresql_where=text("executor IS NOT NULL"),
        ),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    experiment_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("experiments.id", ondelete="SET NULL"), nullable=True
    )
    environment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("environments.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    image: Mapped[str | None] = mapped_column(String(512), nullable=True)
    entry_point: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    config: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    cpu: Mapped[float | None] = mapped_column(Float, nullable=True)
    memory_mb: Mapped[int | None] = mapped_column(Integer, nullable=True)
    gpus: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    gpu_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    use_gpu: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default=TrainingJobStatus.PENDING.value
    )
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    executor: Mapped[str | None] = mapped_column(String(32), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    run_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("runs.id", ondelete="SET NULL"), nullable=True
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # The work queue: which worker holds the job, until when (heartbeats extend it; an
    # expired lease sends the job back to the queue), and how many times it was claimed.
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    claims: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    # The worker's last sign of life (its claim, then each heartbeat): a stalled job is one
    # whose heartbeats stopped (training health, 0045).
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Bumped by every status change (the trainingJobStatus subscription follows it).
    status_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))


def attach_run(job: TrainingJob, run: Run) -> None:
    """``run`` is the job's current attempt: the job points at it, and it is one of the
    job's runs (its retries before it stay so)."""
    job.run_id = run.id
    run.training_job_id = job.id
