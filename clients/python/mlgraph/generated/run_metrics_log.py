from pydantic import Field

from .base_model import BaseModel
from .fragments import UserErrors


class RunMetricsLog(BaseModel):
    run_metrics_log: "RunMetricsLogRunMetricsLog" = Field(alias="runMetricsLog")


class RunMetricsLogRunMetricsLog(BaseModel):
    logged_count: int = Field(alias="loggedCount")
    new_count: int = Field(alias="newCount")
    user_errors: list["RunMetricsLogRunMetricsLogUserErrors"] = Field(
        alias="userErrors"
    )


RunMetricsLogRunMetricsLogUserErrors = UserErrors
RunMetricsLog.model_rebuild()
RunMetricsLogRunMetricsLog.model_rebuild()
