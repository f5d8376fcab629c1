"""Imports every table so that ``Base.metadata`` is complete (Alembic, tests)."""

from app.db.base import Base
from app.domain.experiments.models import (
    Experiment,
    Run,
    RunMetric,
    RunMetricRollup,
    RunMetricSummary,
)
from app.domain.monitoring.models import Alert, MonitoringMetric
from app.domain.registry.models import Model, ModelVersion, Project
from app.domain.serving.models import Deployment, DeploymentEvent, Environment
from app.domain.tenancy.models import (
    ApiKey,
    AuditLog,
    Membership,
    Organization,
    ProjectMember,
    User,
)

__all__ = [
    "Alert",
    "ApiKey",
    "AuditLog",
    "Base",
    "Deployment",
    "DeploymentEvent",
    "Environment",
    "Experiment",
    "Membership",
    "Model",
    "ModelVersion",
    "MonitoringMetric",
    "Organization",
    "Project",
    "ProjectMember",
    "Run",
    "RunMetric",
    "RunMetricRollup",
    "RunMetricSummary",
    "User",
]
