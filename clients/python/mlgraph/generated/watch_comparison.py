from pydantic import Field

from .base_model import BaseModel
from .fragments import RunComparisonParts


class WatchComparison(BaseModel):
    experiment_comparison: "WatchComparisonExperimentComparison" = Field(
        alias="experimentComparison"
    )


class WatchComparisonExperimentComparison(BaseModel):
    reset: bool
    comparison: "WatchComparisonExperimentComparisonComparison"


WatchComparisonExperimentComparisonComparison = RunComparisonParts
WatchComparison.model_rebuild()
WatchComparisonExperimentComparison.model_rebuild()
