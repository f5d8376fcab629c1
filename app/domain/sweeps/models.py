"""Sweep tables: a sweep over an experiment, and its trials (each one training job)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, TenantMixin, TimestampsMixin, check_in
from app.domain.sweeps.enums import (
    EarlyStopping,
    SweepGoal,
    SweepMethod,
    SweepStatus,
    TrialStatus,
)

STOPPING_SHAPE = (
    "(early_stopping = 'none' AND stopping_eta IS NULL AND stopping_startup IS NULL)"
    " OR (early_stopping = 'median' AND stopping_startup IS NOT NULL AND stopping_eta IS NULL)"
    " OR (early_stopping = 'asha' AND stopping_eta IS NOT NULL AND stopping_startup IS NULL"
    " AND stopping_min_step >= 1)"
)


class Sweep(IdMixin, TenantMixin, TimestampsMixin, Base):
    """A search over a space of params within an experiment: each trial is a training
    job (``job_spec`` says what it runs), scored by the last value of ``metric_key``."""

    __tablename__ = "sweeps"
    __table_args__ = (
        check_in("method", SweepMethod),
        check_in("goal", SweepGoal),
        check_in("early_stopping", EarlyStopping),
        check_in("status", SweepStatus),
        CheckConstraint(STOPPING_SHAPE, name="stopping_shape"),
        CheckConstraint("max_trials BETWEEN 1 AND 1000", name="max_trials_range"),
        CheckConstraint("max_parallel BETWEEN 1 AND 100", name="max_parallel_range"),
        Index("ix_sweeps_project_id", "project_id", "id"),
        Index("ix_sweeps_experiment_id", "experiment_id", "id"),
        # The sweeps whose trials are judged as points arrive (app/domain/sweeps/judging.py).
        Index(
            "ix_sweeps_project_id_stopping",
            "project_id",
            postgresql_where=text("status = 'running' AND early_stopping <> 'none'"),
        ),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    experiment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False
    )
    environment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("environments.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    method: Mapped[str] = mapped_column(String(20), nullable=False)
    metric_key: Mapped[str] = mapped_column(String(250), nullable=False)
    goal: Mapped[str] = mapped_column(String(20), nullable=False)
    # [{"name", "kind", "values" | "low", "high"[, "step"]}] (app/domain/sweeps/space.py)
    space: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    seed: Mapped[int] = mapped_column(BigInteger, nullable=False)
    max_trials: Mapped[int] = mapped_column(Integer, nullable=False)
    max_parallel: Mapped[int] = mapped_column(Integer, nullable=False)
    early_stopping: Mapped[str] = mapped_column(String(20), nullable=False)
    stopping_min_step: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    stopping_eta: Mapped[int | None] = mapped_column(Integer, nullable=True)  # ASHA
    stopping_startup: Mapped[int | None] = mapped_column(Integer, nullable=True)  # MEDIAN
    # What each trial's training job runs (app/domain/training/services.py JobSpec).
    job_spec: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    stop_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Kept with the sweep's row lock, by whoever makes or ends a trial.
    trials_made: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    trials_active: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    trials_completed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    trials_pruned: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    trials_failed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    trials_cancelled: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    best_value: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)
    best_trial_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # Bumped by every change a sweepStatus subscriber sees.
    status_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))


class SweepTrial(IdMixin, TenantMixin, TimestampsMixin, Base):
    """One point of a sweep's space, tried by one training job (its run is the job's)."""

    __tablename__ = "sweep_trials"
    __under__ = ("sweep_id",)
    __table_args__ = (
        check_in("status", TrialStatus),
        UniqueConstraint("sweep_id", "number"),
        UniqueConstraint("training_job_id"),
    )

    sweep_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("sweeps.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)  # 0, 1, ... in the sweep
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    training_job_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("training_jobs.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    # The objective: the last value of the sweep's metric when the job succeeded.
    value: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)
    pruned_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    stop_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # ASHA: the trial's value at each rung it reached, in order.
    rung_values: Mapped[list[float]] = mapped_column(
        ARRAY(Float(precision=53)), nullable=False, server_default=text("'{}'")
    )
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
