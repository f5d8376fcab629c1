from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import TrainingJobStatus
from .fragments import UserErrors


class TrainingJobFinish(BaseModel):
    training_job_transition: "TrainingJobFinishTrainingJobTransition" = Field(
        alias="trainingJobTransition"
    )


class TrainingJobFinishTrainingJobTransition(BaseModel):
    training_job: Optional["TrainingJobFinishTrainingJobTransitionTrainingJob"] = Field(
        alias="trainingJob"
    )
    user_errors: list["TrainingJobFinishTrainingJobTransitionUserErrors"] = Field(
        alias="userErrors"
    )


class TrainingJobFinishTrainingJobTransitionTrainingJob(BaseModel):
    id: str
    status: TrainingJobStatus


TrainingJobFinishTrainingJobTransitionUserErrors = UserErrors
TrainingJobFinish.model_rebuild()
TrainingJobFinishTrainingJobTransition.model_rebuild()
