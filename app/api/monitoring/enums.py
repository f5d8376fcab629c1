"""The monitoring context's GraphQL enums: its domain enums, each registered in place (the
domain's class *is* the GraphQL enum, exposed by member name), and its orders."""

from __future__ import annotations

import enum

import strawberry

from app.domain import alert_kinds
from app.domain.monitoring import enums as monitoring

_EXPOSED: tuple[tuple[type[enum.Enum], str | None], ...] = (
    (alert_kinds.AlertSeverity, None),
    (monitoring.AlertStatus, None),
    (alert_kinds.AlertType, None),
    (monitoring.Comparator, None),
    (monitoring.Aggregation, None),
)
for _domain_enum, _name in _EXPOSED:
    strawberry.enum(_domain_enum, name=_name)

AlertSeverity = alert_kinds.AlertSeverity
AlertStatus = monitoring.AlertStatus
AlertType = alert_kinds.AlertType
Comparator = monitoring.Comparator
Aggregation = monitoring.Aggregation
