"""GraphQL enums: the domain enums, exposed by member name (e.g. PRODUCTION)."""

from __future__ import annotations

import enum

import strawberry

from app.domain import alert_kinds
from app.domain.builds import enums as builds
from app.domain.datasets import enums as datasets
from app.domain.datasets import lineage
from app.domain.experiments import enums as experiments
from app.domain.integrations import catalog
from app.domain.monitoring import enums as monitoring
from app.domain.notifications import enums as notifications
from app.domain.pipelines import enums as pipelines
from app.domain.registry import enums as registry
from app.domain.serving import enums as serving
from app.domain.tenancy import enums as tenancy
from app.domain.training import enums as training

# Each domain enum *is* its GraphQL enum: strawberry.enum registers the class in place
# (and returns it), so the API annotates with the domain's own class.
_EXPOSED: tuple[tuple[type[enum.Enum], str | None], ...] = (
    (tenancy.Plan, None),
    (tenancy.OrganizationStatus, None),
    (tenancy.OrgRole, None),
    (tenancy.ProjectRole, None),
    (tenancy.ApiKeyScope, None),
    (registry.ModelType, None),
    (tenancy.ProjectVisibility, None),
    (registry.Framework, None),
    (registry.TaskType, None),
    (registry.ModelStage, None),
    (serving.DeploymentStatus, None),
    (serving.DeploymentEventType, None),
    (serving.DeploymentActionStatus, None),
    (serving.DeploymentHealth, None),
    (serving.CapacityType, None),
    (serving.EndpointStatus, None),
    (serving.EndpointChange, None),
    (catalog.IntegrationType, None),
    (catalog.SyncState, None),
    (catalog.SyncDirection, None),
    (serving.PromotionDecision, None),
    (builds.BuildStatus, None),
    (alert_kinds.AlertSeverity, None),
    (monitoring.AlertStatus, None),
    (alert_kinds.AlertType, None),
    (monitoring.Comparator, None),
    (monitoring.Aggregation, None),
    (experiments.ExperimentStatus, None),
    (experiments.RunStatus, None),
    (notifications.ChannelType, "NotificationChannelType"),
    (notifications.Trigger, "NotificationTrigger"),
    (notifications.Outcome, "NotificationOutcome"),
    (notifications.DeliveryStatus, "NotificationDeliveryStatus"),
    (training.TrainingJobStatus, None),
    (training.Executor, "TrainingExecutor"),
    (datasets.DatasetType, None),
    (datasets.DatasetVersionStatus, None),
    (datasets.ChecksumAlgorithm, None),
    (datasets.InputRole, "DatasetInputRole"),
    (lineage.Direction, "LineageDirection"),
    (lineage.EdgeKind, "LineageEdgeKind"),
    (pipelines.Orchestrator, "PipelineOrchestrator"),
    (pipelines.StepKind, "PipelineStepKind"),
    (pipelines.PipelineRunStatus, None),
    (pipelines.StepStatus, "PipelineStepStatus"),
)
for _domain_enum, _name in _EXPOSED:
    strawberry.enum(_domain_enum, name=_name)


Plan = tenancy.Plan
OrganizationStatus = tenancy.OrganizationStatus
OrgRole = tenancy.OrgRole
ProjectRole = tenancy.ProjectRole
ApiKeyScope = tenancy.ApiKeyScope
ModelType = registry.ModelType
ProjectVisibility = tenancy.ProjectVisibility
Framework = registry.Framework
TaskType = registry.TaskType
ModelStage = registry.ModelStage
DeploymentStatus = serving.DeploymentStatus
DeploymentEventType = serving.DeploymentEventType
DeploymentActionStatus = serving.DeploymentActionStatus
DeploymentHealth = serving.DeploymentHealth
CapacityType = serving.CapacityType
EndpointStatus = serving.EndpointStatus
EndpointChange = serving.EndpointChange
IntegrationType = catalog.IntegrationType
SyncState = catalog.SyncState
SyncDirection = catalog.SyncDirection
PromotionDecision = serving.PromotionDecision
BuildStatus = builds.BuildStatus
AlertSeverity = alert_kinds.AlertSeverity
AlertStatus = monitoring.AlertStatus
AlertType = alert_kinds.AlertType
Comparator = monitoring.Comparator
Aggregation = monitoring.Aggregation


@strawberry.enum(description="Orders of projects.")
class ProjectOrder(enum.Enum):
    CREATED_ASC = "CREATED_ASC"
    CREATED_DESC = "CREATED_DESC"
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"
    SLUG_ASC = "SLUG_ASC"


@strawberry.enum(description="Orders of models.")
class ModelOrder(enum.Enum):
    CREATED_ASC = "CREATED_ASC"
    CREATED_DESC = "CREATED_DESC"
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"
    UPDATED_DESC = "UPDATED_DESC"


@strawberry.enum(description="Orders by creation time.")
class CreatedOrder(enum.Enum):
    CREATED_ASC = "CREATED_ASC"
    CREATED_DESC = "CREATED_DESC"


@strawberry.enum(description="Orders of deployments and environments.")
class NamedOrder(enum.Enum):
    CREATED_ASC = "CREATED_ASC"
    CREATED_DESC = "CREATED_DESC"
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"


@strawberry.enum(description="Orders of metric points.")
class MetricOrder(enum.Enum):
    RECORDED_AT_ASC = "RECORDED_AT_ASC"
    RECORDED_AT_DESC = "RECORDED_AT_DESC"


ExperimentStatus = experiments.ExperimentStatus
RunStatus = experiments.RunStatus


@strawberry.enum(
    description="Orders of runs. METRIC_* and PARAM_* need orderKey (the metric "
    "key, or a numeric param's name); runs without it come last."
)
class RunOrder(enum.Enum):
    CREATED_ASC = "CREATED_ASC"
    CREATED_DESC = "CREATED_DESC"
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"
    STARTED_DESC = "STARTED_DESC"
    METRIC_ASC = "METRIC_ASC"
    METRIC_DESC = "METRIC_DESC"
    PARAM_ASC = "PARAM_ASC"
    PARAM_DESC = "PARAM_DESC"


@strawberry.enum(description="Orders of raw metric points.")
class StepOrder(enum.Enum):
    STEP_ASC = "STEP_ASC"
    STEP_DESC = "STEP_DESC"


ChannelType = notifications.ChannelType
NotificationTrigger = notifications.Trigger
NotificationOutcome = notifications.Outcome
DeliveryStatus = notifications.DeliveryStatus

TrainingJobStatus = training.TrainingJobStatus
TrainingExecutor = training.Executor
DatasetType = datasets.DatasetType
DatasetVersionStatus = datasets.DatasetVersionStatus
ChecksumAlgorithm = datasets.ChecksumAlgorithm
DatasetInputRole = datasets.InputRole
LineageDirection = lineage.Direction
LineageEdgeKind = lineage.EdgeKind
Orchestrator = pipelines.Orchestrator
PipelineStepKind = pipelines.StepKind
PipelineRunStatus = pipelines.PipelineRunStatus
PipelineStepStatus = pipelines.StepStatus


@strawberry.enum(description="Orders of predictions.")
class PredictionOrder(enum.Enum):
    RECORDED_AT_ASC = "RECORDED_AT_ASC"
    RECORDED_AT_DESC = "RECORDED_AT_DESC"
