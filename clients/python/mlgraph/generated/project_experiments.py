from typing import Annotated, Literal, Optional, Union

from pydantic import Field

from .base_model import BaseModel


class ProjectExperiments(BaseModel):
    node: Optional[
        Annotated[
            Union["ProjectExperimentsNodeNode", "ProjectExperimentsNodeProject"],
            Field(discriminator="typename__"),
        ]
    ]


class ProjectExperimentsNodeNode(BaseModel):
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


class ProjectExperimentsNodeProject(BaseModel):
    typename__: Literal["Project"] = Field(alias="__typename")
    experiments: "ProjectExperimentsNodeProjectExperiments"


class ProjectExperimentsNodeProjectExperiments(BaseModel):
    page_info: "ProjectExperimentsNodeProjectExperimentsPageInfo" = Field(
        alias="pageInfo"
    )
    nodes: list["ProjectExperimentsNodeProjectExperimentsNodes"]


class ProjectExperimentsNodeProjectExperimentsPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class ProjectExperimentsNodeProjectExperimentsNodes(BaseModel):
    id: str
    name: str


ProjectExperiments.model_rebuild()
ProjectExperimentsNodeProject.model_rebuild()
ProjectExperimentsNodeProjectExperiments.model_rebuild()
