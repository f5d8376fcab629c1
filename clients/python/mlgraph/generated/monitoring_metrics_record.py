from pydantic import Field

from .base_model import BaseModel
from .fragments import UserErrors


class MonitoringMetricsRecord(BaseModel):
    monitoring_metrics_record: "MonitoringMetricsRecordMonitoringMetricsRecord" = Field(
        alias="monitoringMetricsRecord"
    )


class MonitoringMetricsRecordMonitoringMetricsRecord(BaseModel):
    recorded_count: int = Field(alias="recordedCount")
    user_errors: list["MonitoringMetricsRecordMonitoringMetricsRecordUserErrors"] = (
        Field(alias="userErrors")
    )


MonitoringMetricsRecordMonitoringMetricsRecordUserErrors = UserErrors
MonitoringMetricsRecord.model_rebuild()
MonitoringMetricsRecordMonitoringMetricsRecord.model_rebuild()
