from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import AlertSeverity, AlertStatus


class Alerts(BaseModel):
    alerts: "AlertsAlerts"


class AlertsAlerts(BaseModel):
    id: str
    alert_type: str = Field(alias="alertType")
    severity: AlertSeverity
    status: AlertStatus
    title: str
    metric_name: Optional[str] = Field(alias="metricName")
    metric_value: Optional[float] = Field(alias="metricValue")
    opened_at: datetime = Field(alias="openedAt")
    deployment: Optional["AlertsAlertsDeployment"]


class AlertsAlertsDeployment(BaseModel):
    id: str


Alerts.model_rebuild()
AlertsAlerts.model_rebuild()
