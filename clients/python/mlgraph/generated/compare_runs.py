from typing import Annotated, Any, Literal, Optional, Union

from pydantic import Field

from .base_model import BaseModel


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
        "GpuType",
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
        "Pipeline",
        "PipelineRun",
        "Project",
        "PromotionPolicy",
        "RegistryLink",
        "RetentionPolicy",
        "Run",
        "ServingEndpoint",
        "TrainingJob",
        "User",
    ] = Field(alias="__typename")


class CompareRunsNodeExperiment(BaseModel):
    typename__: Literal["Experiment"] = Field(alias="__typename")
    comparison: "CompareRunsNodeExperimentComparison"


class CompareRunsNodeExperimentComparison(BaseModel):
    bucket_size: int = Field(alias="bucketSize")
    step_to: int = Field(alias="stepTo")
    groups: list["CompareRunsNodeExperimentComparisonGroups"]


class CompareRunsNodeExperimentComparisonGroups(BaseModel):
    params: Any
    run_count: int = Field(alias="runCount")
    series: list["CompareRunsNodeExperimentComparisonGroupsSeries"]


class CompareRunsNodeExperimentComparisonGroupsSeries(BaseModel):
    key: str
    step_start: Any = Field(alias="stepStart")
    mean: Any
    std: Any
    min: Any
    max: Any
    runs: Any


CompareRuns.model_rebuild()
CompareRunsNodeExperiment.model_rebuild()
CompareRunsNodeExperimentComparison.model_rebuild()
CompareRunsNodeExperimentComparisonGroups.model_rebuild()
