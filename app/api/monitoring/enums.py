"""The monitoring context's GraphQL enums: its domain enums, each registered in place (the
domain's class *is* the GraphQL enum, exposed by member name), and its orders."""

from __future__ import annotations

from app.api.exposing import expose
from app.domain import alert_kinds
from app.domain.monitoring import enums as monitoring

expose(
    alert_kinds.AlertSeverity,
    monitoring.AlertStatus,
    alert_kinds.AlertType,
    monitoring.Comparator,
    monitoring.Aggregation,
    monitoring.PredictionStatus,
)

AlertSeverity = alert_kinds.AlertSeverity
AlertStatus = monitoring.AlertStatus
AlertType = alert_kinds.AlertType
Comparator = monitoring.Comparator
Aggregation = monitoring.Aggregation
PredictionStatus = monitoring.PredictionStatus
