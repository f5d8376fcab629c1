from datetime import datetime
from typing import Any, Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import ModelStage, RunStatus


class ExperimentCreateInput(BaseModel):
    project_id: str = Field(alias="projectId")
    name: str
    "Unique per project among live experiments."
    description: Optional[str] = None
    config: Optional[Any] = None
    model_id: Optional[str] = Field(alias="modelId", default=None)
    "The model this experiment works on (same project)."


class ModelAliasSetInput(BaseModel):
    model_id: str = Field(alias="modelId")
    name: str
    "A slug, e.g. champion; unique per model."
    model_version_id: str = Field(alias="modelVersionId")
    protected: Optional[bool] = None
    "Protect (true) or unprotect (false) the alias; null keeps it as it is. Only organization admins change it, or move a protected alias."


class ModelVersionCreateInput(BaseModel):
    model_id: str = Field(alias="modelId")
    version: str
    "A semantic version, unique per model."
    description: Optional[str] = None
    artifact_uri: Optional[str] = Field(alias="artifactUri", default=None)
    artifact_size_bytes: Optional[float] = Field(
        alias="artifactSizeBytes", default=None
    )
    metrics: Optional[Any] = None
    signature: Optional[Any] = None
    run_id: Optional[str] = Field(alias="runId", default=None)
    "The training run that produced this version."
    run_artifact_path: Optional[str] = Field(alias="runArtifactPath", default=None)
    "The version's files are the run's artifacts at this path (a file, or a folder's files): artifactUri becomes runs:/<runId>/<path> and artifactSizeBytes their size. Needs runId; instead of artifactUri and artifactSizeBytes."


class ModelVersionTransitionInput(BaseModel):
    model_version_id: str = Field(alias="modelVersionId")
    stage: ModelStage


class PredictionInput(BaseModel):
    input: Optional[Any] = None
    output: Optional[Any] = None
    latency_ms: float = Field(alias="latencyMs")
    confidence: Optional[float] = None
    recorded_at: Optional[datetime] = Field(alias="recordedAt", default=None)
    "Default: now."


class PredictionsRecordInput(BaseModel):
    deployment_id: str = Field(alias="deploymentId")
    predictions: list["PredictionInput"]
    "Up to 10,000 predictions; alert rules on predictions.* are evaluated."


class RunCreateInput(BaseModel):
    experiment_id: str = Field(alias="experimentId")
    name: Optional[str] = None
    description: Optional[str] = None
    params: Optional[Any] = None
    "Immutable once logged."
    tags: Optional[Any] = None
    started_at: Optional[datetime] = Field(alias="startedAt", default=None)
    tracking_system: Optional[str] = Field(alias="trackingSystem", default=None)
    "mlflow, wandb, tensorboard, neptune, comet or other."
    tracking_run_id: Optional[str] = Field(alias="trackingRunId", default=None)
    "The run's id in that system; unique per system."


class RunFinishInput(BaseModel):
    run_id: str = Field(alias="runId")
    status: RunStatus
    ended_at: Optional[datetime] = Field(alias="endedAt", default=None)
    failure_reason: Optional[str] = Field(alias="failureReason", default=None)
    "With FAILED or KILLED: what ended the run (the Python client sends the exception's type and message); at most 4,000 characters, a longer one keeps its end."


PredictionsRecordInput.model_rebuild()
