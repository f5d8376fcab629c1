from typing import Any

from pydantic import Field

from .base_model import BaseModel


class RunMetricHistory(BaseModel):
    run_metric_histories: list["RunMetricHistoryRunMetricHistories"] = Field(
        alias="runMetricHistories"
    )


class RunMetricHistoryRunMetricHistories(BaseModel):
    key: str
    columns: "RunMetricHistoryRunMetricHistoriesColumns"


class RunMetricHistoryRunMetricHistoriesColumns(BaseModel):
    last_step: Any = Field(alias="lastStep")
    last: Any
    min: Any
    max: Any
    count: Any


RunMetricHistory.model_rebuild()
RunMetricHistoryRunMetricHistories.model_rebuild()
