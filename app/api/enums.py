"""GraphQL enums: the domain enums, exposed by member name (e.g. PRODUCTION)."""

from __future__ import annotations

import enum

import strawberry

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

Plan = strawberry.enum(tenancy.Plan)
OrganizationStatus = strawberry.enum(tenancy.OrganizationStatus)
OrgRole = strawberry.enum(tenancy.OrgRole)
ProjectRole = strawberry.enum(tenancy.ProjectRole)
ApiKeyScope = strawberry.enum(tenancy.ApiKeyScope)
ModelType = strawberry.enum(registry.ModelType)
ProjectVisibility = strawberry.enum(registry.ProjectVisibility)
Framework = strawberry.enum(registry.Framework)
TaskType = strawberry.enum(registry.TaskType)
ModelStage = strawberry.enum(registry.ModelStage)
DeploymentStatus = strawberry.enum(serving.DeploymentStatus)
DeploymentEventType = strawberry.enum(serving.DeploymentEventType)
DeploymentActionStatus = strawberry.enum(serving.DeploymentActionStatus)
DeploymentHealth = strawberry.enum(serving.DeploymentHealth)
CapacityType = strawberry.enum(serving.CapacityType)
EndpointStatus = strawberry.enum(serving.EndpointStatus)
EndpointChange = strawberry.enum(serving.EndpointChange)
IntegrationType = strawberry.enum(catalog.IntegrationType)
SyncState = strawberry.enum(catalog.SyncState)
SyncDirection = strawberry.enum(catalog.SyncDirection)
PromotionDecision = strawberry.enum(serving.PromotionDecision)
BuildStatus = strawberry.enum(builds.BuildStatus)
AlertSeverity = strawberry.enum(monitoring.AlertSeverity)
AlertStatus = strawberry.enum(monitoring.AlertStatus)
AlertType = strawberry.enum(monitoring.AlertType)
Comparator = strawberry.enum(monitoring.Comparator)
Aggregation = strawberry.enum(monitoring.Aggregation)


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


ExperimentStatus = strawberry.enum(experiments.ExperimentStatus)
RunStatus = strawberry.enum(experiments.RunStatus)


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


ChannelType = strawberry.enum(notifications.ChannelType, name="NotificationChannelType")
NotificationTrigger = strawberry.enum(notifications.Trigger, name="NotificationTrigger")
NotificationOutcome = strawberry.enum(notifications.Outcome, name="NotificationOutcome")
DeliveryStatus = strawberry.enum(notifications.DeliveryStatus, name="NotificationDeliveryStatus")

TrainingJobStatus = strawberry.enum(training.TrainingJobStatus)
TrainingExecutor = strawberry.enum(training.Executor, name="TrainingExecutor")
DatasetType = strawberry.enum(datasets.DatasetType)
DatasetVersionStatus = strawberry.enum(datasets.DatasetVersionStatus)
ChecksumAlgorithm = strawberry.enum(datasets.ChecksumAlgorithm)
DatasetInputRole = strawberry.enum(datasets.InputRole, name="DatasetInputRole")
LineageDirection = strawberry.enum(lineage.Direction, name="LineageDirection")
LineageEdgeKind = strawberry.enum(lineage.EdgeKind, name="LineageEdgeKind")
Orchestrator = strawberry.enum(pipelines.Orchestrator, name="PipelineOrchestrator")
PipelineStepKind = strawberry.enum(pipelines.StepKind, name="PipelineStepKind")
PipelineRunStatus = strawberry.enum(pipelines.PipelineRunStatus)
PipelineStepStatus = strawberry.enum(pipelines.StepStatus, name="PipelineStepStatus")


@strawberry.enum(description="Orders of predictions.")
class PredictionOrder(enum.Enum):
    RECORDED_AT_ASC = "RECORDED_AT_ASC"
    RECORDED_AT_DESC = "RECORDED_AT_DESC"
