from typing import Annotated, Literal, Optional, Union

from pydantic import Field

from .base_model import BaseModel


class ProjectModels(BaseModel):
    node: Optional[
        Annotated[
            Union["ProjectModelsNodeNode", "ProjectModelsNodeProject"],
            Field(discriminator="typename__"),
        ]
    ]


class ProjectModelsNodeNode(BaseModel):
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
        "Experiment",
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


class ProjectModelsNodeProject(BaseModel):
    typename__: Literal["Project"] = Field(alias="__typename")
    models: "ProjectModelsNodeProjectModels"


class ProjectModelsNodeProjectModels(BaseModel):
    page_info: "ProjectModelsNodeProjectModelsPageInfo" = Field(alias="pageInfo")
    nodes: list["ProjectModelsNodeProjectModelsNodes"]


class ProjectModelsNodeProjectModelsPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class ProjectModelsNodeProjectModelsNodes(BaseModel):
    id: str
    name: str


ProjectModels.model_rebuild()
ProjectModelsNodeProject.model_rebuild()
ProjectModelsNodeProjectModels.model_rebuild()
