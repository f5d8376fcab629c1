from typing import Annotated, Literal, Optional, Union

from pydantic import Field

from .base_model import BaseModel
from .fragments import RunComparisonParts


class CompareRuns(BaseModel):
    node: Optional[
        Annotated[
            Union["CompareRunsNodeNode", "CompareRunsNodeExperiment"],
            Field(discriminator="typename__"),
        ]
    ]


class CompareRunsNodeNode(BaseModel):
    typename__: Literal[
        "Alert",
        "AlertRule",
        "ApiKey",
        "ArtifactBuild",
        "AuditLogEntry",
        "Dataset",
        "DatasetVersion",
        "Deployment",
        "DeploymentEvent",
        "DriftReport",
        "Environment",
        "EvaluationRun",
        "GpuType",
        "HealthRule",
        "IntegrationConfig",
        "Membership",
        "Model",
        "ModelAlias",
        "ModelVersion",
        "Node",
        "NotificationChannel",
        "NotificationDelivery",
        "NotificationRule",
        "Organization",
        "PatternJob",
        "Pipeline",
        "PipelineRun",
        "PipelineSchedule",
        "Project",
        "PromotionGate",
        "PromotionPolicy",
        "PromotionRequest",
        "PromotionReview",
        "RegistryLink",
        "RetentionPolicy",
        "Run",
        "ServingEndpoint",
        "Sweep",
        "SweepTrial",
        "TrainingJob",
        "User",
        "WorkflowConfig",
        "WorkflowRun",
    ] = Field(alias="__typename")


class CompareRunsNodeExperiment(BaseModel):
    typename__: Literal["Experiment"] = Field(alias="__typename")
    comparison: "CompareRunsNodeExperimentComparison"


CompareRunsNodeExperimentComparison = RunComparisonParts
CompareRuns.model_rebuild()
CompareRunsNodeExperiment.model_rebuild()
