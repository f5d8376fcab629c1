from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import SweepStatus
from .fragments import UserErrors


class SweepCreate(BaseModel):
    sweep_create: "SweepCreateSweepCreate" = Field(alias="sweepCreate")


class SweepCreateSweepCreate(BaseModel):
    sweep: Optional["SweepCreateSweepCreateSweep"]
    user_errors: list["SweepCreateSweepCreateUserErrors"] = Field(alias="userErrors")


class SweepCreateSweepCreateSweep(BaseModel):
    id: str
    name: str
    status: SweepStatus
    max_trials: int = Field(alias="maxTrials")


SweepCreateSweepCreateUserErrors = UserErrors
SweepCreate.model_rebuild()
SweepCreateSweepCreate.model_rebuild()
