"""Pipeline tables."""

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
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, SoftDeleteMixin, TenantMixin, TimestampsMixin, check_in
from app.domain.pipelines.enums import (
    MissedRuns,
    Orchestrator,
    PipelineRunStatus,
    PipelineStatus,
    WorkflowType,
)

LIVE = text("deleted_at IS NULL")


class Pipeline(IdMixin, TenantMixin, TimestampsMixin, SoftDeleteMixin, Base):
    """A pipeline of a project: its orchestration system and workflow, and its steps (a
    DAG, checked when written) as ``definition`` = {"steps": [...], "order": [...]}."""

    __tablename__ = "pipelines"
    __table_args__ = (
        check_in("orchestrator", Orchestrator),
        Index(
            "uq_pipelines_project_id_name_live",
            "project_id",
            "name",
            unique=True,
            postgresql_where=LIVE,
        ),
        Index(
            "uq_pipelines_workflow",
            "project_id",  # the service checks the organization, among visible pipelines
            "orchestrator",
            "workflow_id",
            "namespace",
            unique=True,
            postgresql_where=text("workflow_id IS NOT NULL AND deleted_at IS NULL"),
        ),
        Index("ix_pipelines_project_id_live", "project_id", "id", postgresql_where=LIVE),
        check_in("status", PipelineStatus),
        check_in("workflow_type", WorkflowType),
        # A project's pipelines by status and by workflow type (pipelines(status:, ...)).
        Index(
            "ix_pipelines_project_id_status_live",
            "project_id",
            "status",
            "id",
            postgresql_where=LIVE,
        ),
        Index(
            "ix_pipelines_project_id_workflow_type_live",
            "project_id",
            "workflow_type",
            "id",
            postgresql_where=LIVE,
        ),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    orchestrator: Mapped[str] = mapped_column(String(20), nullable=False)
    workflow_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    namespace: Mapped[str] = mapped_column(String(128), nullable=False, server_default="")
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # Its lifecycle (only ACTIVE pipelines run), what it is for, and what it works on (0061).
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, server_default=text(f"'{PipelineStatus.ACTIVE.value}'")
    )
    workflow_type: Mapped[str] = mapped_column(
        String(32), nullable=False, server_default=text(f"'{WorkflowType.GENERIC.value}'")
    )
    dataset_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("datasets.id", ondelete="SET NULL"), nullable=True
    )
    model_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("models.id", ondelete="SET NULL"), nullable=True
    )
    # ``use_alter``: experiments.pipeline_id points back here (the workflow that runs it).
    experiment_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("experiments.id", ondelete="SET NULL", use_alter=True),
        nullable=True,
    )


class PipelineRun(IdMixin, TenantMixin, TimestampsMixin, Base):
    """One run of a pipeline: its status, retries, and each step's state (``steps``: a
    list of {name, status, startedAt, endedAt} in the definition's order)."""

    __tablename__ = "pipeline_runs"
    __under__ = ("pipeline_id",)
    __table_args__ = (
        check_in("status", PipelineRunStatus),
        CheckConstraint(
            "retry_count >= 0 AND max_retries BETWEEN 0 AND 10 AND retry_count <= max_retries",
            name="retries_valid",
        ),
        Index("ix_pipeline_runs_pipeline_id", "pipeline_id", "id"),
        # A pipeline's runs by status (Pipeline.runs(status:)).
        Index("ix_pipeline_runs_pipeline_id_status", "pipeline_id", "status", "id"),
    )

    pipeline_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("pipelines.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default=PipelineRunStatus.CREATED.value
    )
    retry_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    max_retries: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    current_stage: Mapped[str | None] = mapped_column(String(63), nullable=True)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # Bumped by every change of the run or a step (the pipelineRunStatus subscription).
    status_version: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default=text("0")
    )


class PipelineSchedule(IdMixin, TenantMixin, TimestampsMixin, Base):
    """Runs of a pipeline at the times a cron expression names, in a time zone. The
    scheduler claims due schedules with ``FOR UPDATE SKIP LOCKED`` and moves
    ``next_run_at`` on in the transaction that starts the run: each fire time starts at
    most one run, however many server processes schedule (app/domain/pipelines/schedules.py)."""

    __tablename__ = "pipeline_schedules"
    __table_args__ = (
        check_in("missed_runs", MissedRuns),
        CheckConstraint("max_retries BETWEEN 0 AND 10", name="max_retries_valid"),
        Index("ix_pipeline_schedules_pipeline_id", "pipeline_id", "id"),
        Index("ix_pipeline_schedules_due", "next_run_at", postgresql_where=text("enabled")),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    pipeline_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("pipelines.id", ondelete="CASCADE"), nullable=False
    )
    cron: Mapped[str] = mapped_column(String(120), nullable=False)
    time_zone: Mapped[str] = mapped_column(String(64), nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    missed_runs: Mapped[str] = mapped_column(String(16), nullable=False)
    max_retries: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    next_run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_pipeline_run_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("pipeline_runs.id", ondelete="SET NULL"), nullable=True
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
