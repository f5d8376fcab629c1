from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import UserErrors


class ExperimentCreate(BaseModel):
    experiment_create: "ExperimentCreateExperimentCreate" = Field(
        alias="experimentCreate"
    )


class ExperimentCreateExperimentCreate(BaseModel):
    experiment: Optional["ExperimentCreateExperimentCreateExperiment"]
    user_errors: list["ExperimentCreateExperimentCreateUserErrors"] = Field(
        alias="userErrors"
    )


class ExperimentCreateExperimentCreateExperiment(BaseModel):
    id: str
    name: str


ExperimentCreateExperimentCreateUserErrors = UserErrors
ExperimentCreate.model_rebuild()
ExperimentCreateExperimentCreate.model_rebuild()
