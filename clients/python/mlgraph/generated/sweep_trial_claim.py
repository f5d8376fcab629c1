from typing import Any, Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import SweepStatus
from .fragments import UserErrors


class SweepTrialClaim(BaseModel):
    sweep_trial_claim: "SweepTrialClaimSweepTrialClaim" = Field(alias="sweepTrialClaim")


class SweepTrialClaimSweepTrialClaim(BaseModel):
    trial: Optional["SweepTrialClaimSweepTrialClaimTrial"]
    run: Optional["SweepTrialClaimSweepTrialClaimRun"]
    sweep: Optional["SweepTrialClaimSweepTrialClaimSweep"]
    user_errors: list["SweepTrialClaimSweepTrialClaimUserErrors"] = Field(
        alias="userErrors"
    )


class SweepTrialClaimSweepTrialClaimTrial(BaseModel):
    id: str
    number: int
    params: Any
    training_job: Optional["SweepTrialClaimSweepTrialClaimTrialTrainingJob"] = Field(
        alias="trainingJob"
    )


class SweepTrialClaimSweepTrialClaimTrialTrainingJob(BaseModel):
    id: str


class SweepTrialClaimSweepTrialClaimRun(BaseModel):
    id: str
    name: str


class SweepTrialClaimSweepTrialClaimSweep(BaseModel):
    id: str
    name: str
    status: SweepStatus
    trials_active: int = Field(alias="trialsActive")


SweepTrialClaimSweepTrialClaimUserErrors = UserErrors
SweepTrialClaim.model_rebuild()
SweepTrialClaimSweepTrialClaim.model_rebuild()
SweepTrialClaimSweepTrialClaimTrial.model_rebuild()
