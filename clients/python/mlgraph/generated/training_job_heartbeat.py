from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import TrainingJobStatus
from .fragments import UserErrors


class TrainingJobHeartbeat(BaseModel):
    training_job_heartbeat: "TrainingJobHeartbeatTrainingJobHeartbeat" = Field(
        alias="trainingJobHeartbeat"
    )


class TrainingJobHeartbeatTrainingJobHeartbeat(BaseModel):
    training_job: Optional["TrainingJobHeartbeatTrainingJobHeartbeatTrainingJob"] = (
        Field(alias="trainingJob")
    )
    user_errors: list["TrainingJobHeartbeatTrainingJobHeartbeatUserErrors"] = Field(
        alias="userErrors"
    )


class TrainingJobHeartbeatTrainingJobHeartbeatTrainingJob(BaseModel):
    id: str
    status: TrainingJobStatus


TrainingJobHeartbeatTrainingJobHeartbeatUserErrors = UserErrors
TrainingJobHeartbeat.model_rebuild()
TrainingJobHeartbeatTrainingJobHeartbeat.model_rebuild()
