from typing import Any

from pydantic import Field

from .base_model import BaseModel


class WatchComparison(BaseModel):
    experiment_comparison: "WatchComparisonExperimentComparison" = Field(
        alias="experimentComparison"
    )


class WatchComparisonExperimentComparison(BaseModel):
    reset: bool
    comparison: "WatchComparisonExperimentComparisonComparison"


class WatchComparisonExperimentComparisonComparison(BaseModel):
    bucket_size: int = Field(alias="bucketSize")
    step_to: int = Field(alias="stepTo")
    groups: list["WatchComparisonExperimentComparisonComparisonGroups"]


class WatchComparisonExperimentComparisonComparisonGroups(BaseModel):
    params: Any
    run_count: int = Field(alias="runCount")
    series: list["WatchComparisonExperimentComparisonComparisonGroupsSeries"]


class WatchComparisonExperimentComparisonComparisonGroupsSeries(BaseModel):
    key: str
    step_start: Any = Field(alias="stepStart")
    mean: Any
    std: Any
    min: Any
    max: Any
    runs: Any


WatchComparison.model_rebuild()
WatchComparisonExperimentComparison.model_rebuild()
WatchComparisonExperimentComparisonComparison.model_rebuild()
WatchComparisonExperimentComparisonComparisonGroups.model_rebuild()
