from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import RunStatus
from .fragments import UserErrors


class RunFinish(BaseModel):
    run_finish: "RunFinishRunFinish" = Field(alias="runFinish")


class RunFinishRunFinish(BaseModel):
    run: Optional["RunFinishRunFinishRun"]
    user_errors: list["RunFinishRunFinishUserErrors"] = Field(alias="userErrors")


class RunFinishRunFinishRun(BaseModel):
    id: str
    status: RunStatus
    ended_at: Optional[datetime] = Field(alias="endedAt")


RunFinishRunFinishUserErrors = UserErrors
RunFinish.model_rebuild()
RunFinishRunFinish.model_rebuild()
