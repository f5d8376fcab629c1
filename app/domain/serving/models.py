"""Serving tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
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
from app.domain.pipelines.enums import MissedRuns
from app.domain.queue_columns import QueuedMixin, queue_table_args
from app.domain.serving.enums import (
    CapacityType,
    DeploymentActionStatus,
    DeploymentEventType,
    DeploymentHealth,
    DeploymentStatus,
    EndpointChange,
    EndpointStatus,
    PromotionDecision,
    ServiceType,
    WorkflowRunStatus,
    WorkflowRunTrigger,
)

LIVE = text("deleted_at IS NULL")
MAX_GPU_PRIORITY = 1_000_000


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
        check_in("health", DeploymentHealth),
        check_in("capacity_type", CapacityType),
        check_in("service_type", ServiceType),
        CheckConstraint(
            "replica_count IS NULL OR replica_count BETWEEN min_instances AND max_instances",
            name="replica_count_within_bounds",
        ),
        CheckConstraint(
            "cpu_request_millicores IS NULL OR cpu_limit_millicores IS NULL"
            " OR cpu_request_millicores <= cpu_limit_millicores",
            name="cpu_request_within_limit",
        ),
        CheckConstraint(
            "memory_request_mib IS NULL OR memory_limit_mib IS NULL"
            " OR memory_request_mib <= memory_limit_mib",
            name="memory_request_within_limit",
        ),
        CheckConstraint("gpu_count >= 0 AND (gpu_type IS NULL OR gpu_count > 0)", name="gpu_valid"),
        CheckConstraint(
            "autoscaling_target_cpu_percent IS NULL"
            " OR autoscaling_target_cpu_percent BETWEEN 1 AND 100",
            name="autoscaling_cpu_valid",
        ),
        # The organization's fleet by status (Organization.deployments(filter: {status})).
        Index(
            "ix_deployments_organization_id_status_live",
            "organization_id",
            "status",
            "id",
            postgresql_where=LIVE,
        ),
        # A framework resource serves one live deployment per environment (its cluster).
        Index(
            "uq_deployments_framework_resource_live",
            "environment_id",
            "serving_framework",
            "framework_namespace",
            "framework_resource_id",
            unique=True,
            postgresql_where=text("deleted_at IS NULL AND framework_resource_id IS NOT NULL"),
        ),
        Index("ix_deployments_endpoint_id_live", "endpoint_id", "id", postgresql_where=LIVE),
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
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("serving_endpoints.id", ondelete="RESTRICT"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(63), nullable=False)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default=DeploymentStatus.PENDING.value
    )
    # Numbers the deployment's monitoring writes, in commit order (each takes the next under
    # the deployment's row lock): monitoring_metrics.seq, what live charts resume from.
    monitoring_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    min_instances: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    max_instances: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    autoscaling: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    traffic_percentage: Mapped[int] = mapped_column(Integer, nullable=False, default=100)
    endpoint_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    config: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    # The typed runtime: what serves this deployment and with which resources.
    serving_framework: Mapped[str | None] = mapped_column(String(32), nullable=True)
    framework_resource_id: Mapped[str | None] = mapped_column(String(253), nullable=True)
    framework_namespace: Mapped[str | None] = mapped_column(String(63), nullable=True)
    machine_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cpu_request_millicores: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cpu_limit_millicores: Mapped[int | None] = mapped_column(Integer, nullable=True)
    memory_request_mib: Mapped[int | None] = mapped_column(Integer, nullable=True)
    memory_limit_mib: Mapped[int | None] = mapped_column(Integer, nullable=True)
    gpu_count: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=0)
    gpu_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    replica_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    autoscaling_target_cpu_percent: Mapped[int | None] = mapped_column(SmallInteger)
    autoscaling_target_rps: Mapped[float | None] = mapped_column(Float(precision=53))
    autoscaling_target_concurrency: Mapped[int | None] = mapped_column(Integer)
    capacity_type: Mapped[str] = mapped_column(
        String(16), nullable=False, default=CapacityType.ON_DEMAND.value
    )
    health_check_path: Mapped[str | None] = mapped_column(String(512), nullable=True)
    service_type: Mapped[str | None] = mapped_column(String(16), nullable=True)
    region: Mapped[str | None] = mapped_column(String(64), nullable=True)
    deployed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    terminated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Reported by the runtime's controller (deploymentRuntimeReport).
    health: Mapped[str | None] = mapped_column(String(16), nullable=True)
    health_reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    framework_status: Mapped[Any] = mapped_column(JSONB, nullable=True)
    # Fixed by the first recorded prediction embedding; later vectors must match it.
    embedding_dimension: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class DeploymentEvent(IdMixin, TenantMixin, Base):
    """History of a deployment (deploy / update / rollback / terminate): makes rollback one step."""

    __tablename__ = "deployment_events"
    __under__ = ("deployment_id",)
    __table_args__ = (
        check_in("event_type", DeploymentEventType),
        check_in("status", DeploymentActionStatus),
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
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, default=DeploymentActionStatus.COMPLETED.value
    )
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ServingEndpoint(IdMixin, TenantMixin, TimestampsMixin, Base):
    """What clients call for one model in one environment. Every deployment of the model
    there belongs to it; ``active_deployment_id`` is the ACTIVE one taking the most traffic
    (the others are its traffic split) and ``previous_deployment_id`` the one before it, both
    moved in the transaction of the deploy, rollback, status or traffic change that moved
    them. Every move is kept in ``serving_endpoint_events`` (time travel reads it)."""

    __tablename__ = "serving_endpoints"
    __table_args__ = (
        UniqueConstraint(
            "model_id", "environment_id", name="uq_serving_endpoints_model_id_environment_id"
        ),
        check_in("status", EndpointStatus),
        Index("ix_serving_endpoints_environment_id", "environment_id", "id"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    model_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("models.id", ondelete="CASCADE"), nullable=False
    )
    environment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("environments.id", ondelete="CASCADE"), nullable=False
    )
    url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, default=EndpointStatus.IDLE.value
    )
    active_deployment_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("deployments.id", ondelete="SET NULL", use_alter=True),
        nullable=True,
    )
    previous_deployment_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("deployments.id", ondelete="SET NULL", use_alter=True),
        nullable=True,
    )
    # Bumped by every change its page shows (traffic, active deployment, promotion policy,
    # URL): the servingEndpointChanges subscription follows it.
    status_version: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default=text("0")
    )


class ServingEndpointEvent(IdMixin, TenantMixin, Base):
    """One move of an endpoint's active deployment: from, to, why, who, when."""

    __tablename__ = "serving_endpoint_events"
    __under__ = ("endpoint_id",)
    __table_args__ = (
        check_in("reason", EndpointChange),
        Index("ix_serving_endpoint_events_endpoint_id_at", "endpoint_id", "created_at"),
    )

    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("serving_endpoints.id", ondelete="CASCADE"), nullable=False
    )
    from_deployment_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("deployments.id", ondelete="SET NULL"), nullable=True
    )
    to_deployment_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("deployments.id", ondelete="SET NULL"), nullable=True
    )
    reason: Mapped[str] = mapped_column(String(16), nullable=False)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = utc_timestamp(nullable=False)


class PromotionPolicy(IdMixin, TenantMixin, TimestampsMixin, Base):
    """A gate on an endpoint's canary: after ``bake_minutes`` with no open alert of
    ``max_alert_severity`` or above on the canary and every metric bound held (the metric's
    average since the canary started), the canary takes all traffic; an alert, a bound
    broken or a metric without data rolls it back. Evaluated by the server's background
    worker (app/domain/promotion/services.py)."""

    __tablename__ = "promotion_policies"
    __under__ = ("endpoint_id",)
    __table_args__ = (
        UniqueConstraint("endpoint_id", name="uq_promotion_policies_endpoint_id"),
        CheckConstraint("bake_minutes BETWEEN 0 AND 10080", name="bake_minutes_valid"),
        CheckConstraint(
            "max_alert_severity IN ('low', 'medium', 'high', 'critical')",
            name="max_alert_severity_valid",
        ),
        check_in("last_decision", PromotionDecision),
    )

    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("serving_endpoints.id", ondelete="CASCADE"), nullable=False
    )
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    bake_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    max_alert_severity: Mapped[str] = mapped_column(String(16), nullable=False, default="high")
    # [{"metric": name, "min": number | null, "max": number | null}, ...]
    metric_bounds: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'::jsonb")
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    last_evaluated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_decision: Mapped[str | None] = mapped_column(String(16), nullable=True)
    last_decision_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class WorkflowConfig(IdMixin, TenantMixin, TimestampsMixin, Base):
    """A WORKFLOW serve's infrastructure in one environment: head and worker node specs
    (instance type, CPU, memory, GPUs; app/domain/serving/workflows.py) and worker count;
    and, optionally, its schedule: a cron expression in a time zone at whose fire times a
    run of the workflow joins the queue (app/domain/serving/workflow_runs.py), exactly once
    per fire time as pipeline schedules are (claimed FOR UPDATE SKIP LOCKED)."""

    __tablename__ = "workflow_configs"
    __table_args__ = (
        UniqueConstraint(
            "model_id", "environment_id", name="uq_workflow_configs_model_environment"
        ),
        CheckConstraint(
            "min_workers >= 0 AND max_workers >= 1 AND min_workers <= max_workers",
            name="workers_valid",
        ),
        CheckConstraint(
            "(cron IS NULL) = (time_zone IS NULL) AND (cron IS NULL) = (next_run_at IS NULL)",
            name="schedule_whole",
        ),
        check_in("missed_runs", MissedRuns),
        Index("ix_workflow_configs_environment_id", "environment_id"),
        Index(
            "ix_workflow_configs_due",
            "next_run_at",
            postgresql_where=text("schedule_enabled AND cron IS NOT NULL"),
        ),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    model_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("models.id", ondelete="CASCADE"), nullable=False
    )
    environment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("environments.id", ondelete="CASCADE"), nullable=False
    )
    head_node: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    worker_node: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    min_workers: Mapped[int] = mapped_column(Integer, nullable=False)
    max_workers: Mapped[int] = mapped_column(Integer, nullable=False)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # The version its runs serve (a version of this model); none: the model's PRODUCTION
    # version at each run's start.
    model_version_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("model_versions.id", ondelete="SET NULL"), nullable=True
    )
    cron: Mapped[str | None] = mapped_column(String(120), nullable=True)
    time_zone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    schedule_enabled: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("true")
    )
    missed_runs: Mapped[str] = mapped_column(
        String(16), nullable=False, server_default=MissedRuns.RUN_ONCE.value
    )
    next_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WorkflowRun(IdMixin, TenantMixin, TimestampsMixin, QueuedMixin, Base):
    """One run of a WORKFLOW serve's workflow in an environment: a version of the model on
    the nodes its config named when the run was made (a copy, so a later config change
    leaves it as it ran). Started by hand or by the config's schedule; run by a worker that
    claimed it from the queue (app/domain/work_queue.py)."""

    __tablename__ = "workflow_runs"
    __table_args__ = (
        *queue_table_args("workflow_runs"),
        check_in("status", WorkflowRunStatus),
        check_in("trigger", WorkflowRunTrigger),
        Index("ix_workflow_runs_model_id", "model_id", "id"),
        Index("ix_workflow_runs_workflow_config_id", "workflow_config_id", "id"),
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
    environment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("environments.id", ondelete="CASCADE"), nullable=False
    )
    workflow_config_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("workflow_configs.id", ondelete="SET NULL"), nullable=True
    )
    trigger: Mapped[str] = mapped_column(String(16), nullable=False)
    scheduled_for: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    head_node: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    worker_node: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    min_workers: Mapped[int] = mapped_column(Integer, nullable=False)
    max_workers: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, default=WorkflowRunStatus.PENDING.value
    )
