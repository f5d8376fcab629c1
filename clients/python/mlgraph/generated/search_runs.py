from typing import Annotated, Any, Literal, Optional, Union

from pydantic import Field

from .base_model import BaseModel
from .enums import RunStatus


class SearchRuns(BaseModel):
    node: Optional[
        Annotated[
            Union["SearchRunsNodeNode", "SearchRunsNodeExperiment"],
            Field(discriminator="typename__"),
        ]
    ]


class SearchRunsNodeNode(BaseModel):
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


class SearchRunsNodeExperiment(BaseModel):
    typename__: Literal["Experiment"] = Field(alias="__typename")
    runs: "SearchRunsNodeExperimentRuns"


class SearchRunsNodeExperimentRuns(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "SearchRunsNodeExperimentRunsPageInfo" = Field(alias="pageInfo")
    nodes: list["SearchRunsNodeExperimentRunsNodes"]


class SearchRunsNodeExperimentRunsPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class SearchRunsNodeExperimentRunsNodes(BaseModel):
    id: str
    name: str
    status: RunStatus
    params: Any
    tags: Any
    metric_summary: list["SearchRunsNodeExperimentRunsNodesMetricSummary"] = Field(
        alias="metricSummary"
    )


class SearchRunsNodeExperimentRunsNodesMetricSummary(BaseModel):
    key: str
    min: Optional[float]
    max: Optional[float]
    last: Any
    last_step: int = Field(alias="lastStep")


SearchRuns.model_rebuild()
SearchRunsNodeExperiment.model_rebuild()
SearchRunsNodeExperimentRuns.model_rebuild()
SearchRunsNodeExperimentRunsNodes.model_rebuild()
