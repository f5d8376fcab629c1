from typing import Any, Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import ErrorCode


class RunComparisonParts(BaseModel):
    bucket_size: int = Field(alias="bucketSize")
    step_to: int = Field(alias="stepTo")
    groups: list["RunComparisonPartsGroups"]


class RunComparisonPartsGroups(BaseModel):
    params: Any
    run_count: int = Field(alias="runCount")
    series: list["RunComparisonPartsGroupsSeries"]


class RunComparisonPartsGroupsSeries(BaseModel):
    key: str
    step_start: Any = Field(alias="stepStart")
    mean: Any
    std: Any
    min: Any
    max: Any
    runs: Any


class UserErrors(BaseModel):
    field: Optional[list[str]]
    code: ErrorCode
    message: str


RunComparisonParts.model_rebuild()
UserErrors.model_rebuild()
