"""Serving enums."""

from __future__ import annotations

import enum


class DeploymentStatus(enum.Enum):
    PENDING = "pending"
    DEPLOYING = "deploying"
    ACTIVE = "active"
    INACTIVE = "inactive"
    FAILED = "failed"
    TERMINATING = "terminating"
    TERMINATED = "terminated"


class DeploymentEventType(enum.Enum):
    DEPLOY = "deploy"
    UPDATE = "update"
    ROLLBACK = "rollback"
    TERMINATE = "terminate"
    PROMOTE = "promote"  # a promotion policy moved all traffic to the canary


class DeploymentActionStatus(enum.Enum):
    """Where one action of a deployment's history stands (a deploy waits for the runtime;
    updates, rollbacks and traffic changes complete in their transaction)."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"


class DeploymentHealth(enum.Enum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"


class CapacityType(enum.Enum):
    ON_DEMAND = "on_demand"
    SPOT = "spot"


class ServiceType(enum.Enum):
    """Where a deployment is served: a Kubernetes cluster (KServe, Seldon, Ray Serve, ...)
    or a Google Cloud Run service (the cloud-run framework), whose platform limits apply."""

    KUBERNETES = "kubernetes"
    CLOUD_RUN = "cloud_run"


class EndpointStatus(enum.Enum):
    """SERVING while one deployment is active behind the endpoint, IDLE otherwise."""

    SERVING = "serving"
    IDLE = "idle"


class EndpointChange(enum.Enum):
    """Why an endpoint's active deployment changed."""

    DEPLOY = "deploy"
    STATUS = "status"
    TRAFFIC = "traffic"
    PROMOTION = "promotion"  # a promotion policy's decision (promote or roll back)


class PromotionDecision(enum.Enum):
    PROMOTED = "promoted"
    ROLLED_BACK = "rolled_back"


class WorkflowRunStatus(enum.Enum):
    """A run of a WORKFLOW serve's workflow on its environment's nodes, on the work queue."""

    PENDING = "pending"  # waiting for a worker
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


WORKFLOW_RUN_ENDED = frozenset(
    {WorkflowRunStatus.SUCCEEDED, WorkflowRunStatus.FAILED, WorkflowRunStatus.CANCELLED}
)


class WorkflowRunTrigger(enum.Enum):
    MANUAL = "manual"  # workflowRunCreate
    SCHEDULE = "schedule"  # the workflow config's schedule, at a fire time
