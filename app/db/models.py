"""Imports every table so that ``Base.metadata`` is complete (Alembic, tests)."""

from app.db.base import Base
from app.db.rate_limits import RateLimitCounter
from app.domain.artifacts.models import RunArtifact
from app.domain.builds.models import ArtifactBuild
from app.domain.datasets.models import Dataset, DatasetInput, DatasetVersion, DatasetVersionParent
from app.domain.environments.models import Environment
from app.domain.evaluations.models import EvaluationRun
from app.domain.experiments.models import (
    Experiment,
    Run,
    RunMetricChunk,
    RunMetricRollup,
    RunMetricSummary,
)
from app.domain.governance.models import PromotionGate, PromotionRequest, PromotionReview
from app.domain.health.models import HealthRule
from app.domain.integrations.models import IntegrationConfig, RegistryLink
from app.domain.logs.models import RunLogLine, RunLogState
from app.domain.mlflow.models import LoggedModel
from app.domain.monitoring.models import (
    Alert,
    AlertRule,
    DriftFeatureScore,
    DriftReport,
    MonitoringMetric,
    Prediction,
    PredictionEmbedding,
)
from app.domain.notifications.models import (
    NotificationAttempt,
    NotificationChannel,
    NotificationDelivery,
    NotificationRule,
)
from app.domain.patterns.models import PatternJob
from app.domain.pipelines.models import Pipeline, PipelineRun, PipelineSchedule
from app.domain.registry.models import (
    Model,
    ModelAlias,
    ModelAliasEvent,
    ModelProductionEvent,
    ModelVersion,
)
from app.domain.retention.models import RetentionPolicy
from app.domain.serving.models import (
    Deployment,
    DeploymentEvent,
    GpuType,
    PromotionPolicy,
    ServingEndpoint,
    ServingEndpointEvent,
    WorkflowConfig,
    WorkflowRun,
)
from app.domain.sweeps.models import Sweep, SweepTrial
from app.domain.tenancy.models import (
    ApiKey,
    AuditLog,
    Membership,
    Organization,
    Project,
    ProjectMember,
    User,
)
from app.domain.training.models import TrainingJob

__all__ = [
    "Alert",
    "AlertRule",
    "ApiKey",
    "ArtifactBuild",
    "AuditLog",
    "Base",
    "Dataset",
    "DatasetInput",
    "DatasetVersion",
    "DatasetVersionParent",
    "Deployment",
    "DeploymentEvent",
    "DriftFeatureScore",
    "DriftReport",
    "Environment",
    "Experiment",
    "GpuType",
    "HealthRule",
    "IntegrationConfig",
    "LoggedModel",
    "Membership",
    "Model",
    "ModelAlias",
    "ModelAliasEvent",
    "ModelProductionEvent",
    "ModelVersion",
    "MonitoringMetric",
    "NotificationAttempt",
    "NotificationChannel",
    "NotificationDelivery",
    "NotificationRule",
    "Organization",
    "Pipeline",
    "PipelineRun",
    "PipelineSchedule",
    "WorkflowConfig",
    "WorkflowRun",
    "Sweep",
    "SweepTrial",
    "EvaluationRun",
    "PatternJob",
    "TrainingJob",
    "Prediction",
    "PredictionEmbedding",
    "Project",
    "PromotionGate",
    "PromotionPolicy",
    "PromotionRequest",
    "PromotionReview",
    "ProjectMember",
    "RateLimitCounter",
    "RegistryLink",
    "RetentionPolicy",
    "RunArtifact",
    "RunLogLine",
    "RunLogState",
    "Run",
    "RunMetricChunk",
    "RunMetricRollup",
    "RunMetricSummary",
    "ServingEndpoint",
    "ServingEndpointEvent",
    "User",
]
