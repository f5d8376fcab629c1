from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import RunStatus
from .fragments import UserErrors


class RunCreate(BaseModel):
    run_create: "RunCreateRunCreate" = Field(alias="runCreate")


class RunCreateRunCreate(BaseModel):
    run: Optional["RunCreateRunCreateRun"]
    user_errors: list["RunCreateRunCreateUserErrors"] = Field(alias="userErrors")


class RunCreateRunCreateRun(BaseModel):
    id: str
    name: str
    status: RunStatus


RunCreateRunCreateUserErrors = UserErrors
RunCreate.model_rebuild()
RunCreateRunCreate.model_rebuild()
