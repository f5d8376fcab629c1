from datetime import datetime
from typing import Any

from pydantic import Field

from .base_model import BaseModel


class RunMetrics(BaseModel):
    run_metrics: "RunMetricsRunMetrics" = Field(alias="runMetrics")


class RunMetricsRunMetrics(BaseModel):
    run_id: str = Field(alias="runId")
    cursor: str
    replay: bool
    points: list["RunMetricsRunMetricsPoints"]


class RunMetricsRunMetricsPoints(BaseModel):
    key: str
    step: int
    value: Any
    timestamp: datetime


RunMetrics.model_rebuild()
RunMetricsRunMetrics.model_rebuild()
