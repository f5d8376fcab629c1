"""Monitoring types: metric points and alerts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from app.api.enums import AlertSeverity, AlertStatus
from app.api.ids import encode_id
from app.api.lists import load_row
from app.api.node import Node, register_node
from app.domain.monitoring import enums
from app.domain.monitoring.models import Alert as AlertRow
from app.domain.monitoring.models import MonitoringMetric
from app.domain.serving.models import Deployment as DeploymentRow
from app.domain.tenancy.models import User as UserRow

if TYPE_CHECKING:
    from app.api.serving.types import Deployment
    from app.api.tenancy.types import User


@strawberry.type(description="One point of a deployment's metric series.")
class MonitoringMetricPoint:
    name: str
    value: float
    recorded_at: datetime

    @classmethod
    def from_row(cls, row: MonitoringMetric) -> MonitoringMetricPoint:
        return cls(name=row.name, value=row.value, recorded_at=row.recorded_at)


@strawberry.type(description="An alert raised on a deployment.")
class Alert(Node):
    alert_type: str
    severity: AlertSeverity  # type: ignore[valid-type]
    status: AlertStatus  # type: ignore[valid-type]
    title: str
    message: str | None
    metric_name: str | None
    metric_value: float | None
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    deployment_id: strawberry.Private[uuid.UUID]
    acknowledged_by_id: strawberry.Private[uuid.UUID | None]
    resolved_by_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: AlertRow) -> Alert:
        return cls(
            id=strawberry.ID(encode_id("Alert", row.id)),
            alert_type=row.alert_type,
            severity=enums.AlertSeverity(row.severity),
            status=enums.AlertStatus(row.status),
            title=row.title,
            message=row.message,
            metric_name=row.metric_name,
            metric_value=row.metric_value,
            opened_at=row.opened_at,
            acknowledged_at=row.acknowledged_at,
            resolved_at=row.resolved_at,
            deployment_id=row.deployment_id,
            acknowledged_by_id=row.acknowledged_by_id,
            resolved_by_id=row.resolved_by_id,
        )

    @strawberry.field
    async def deployment(
        self, info: Info
    ) -> Annotated[Deployment, strawberry.lazy("app.api.serving.types")] | None:
        from app.api.serving.types import Deployment

        row = await load_row(info, DeploymentRow, self.deployment_id)
        return Deployment.from_row(row) if row else None

    @strawberry.field
    async def acknowledged_by(
        self, info: Info
    ) -> Annotated[User, strawberry.lazy("app.api.tenancy.types")] | None:
        from app.api.tenancy.types import User

        row = await load_row(info, UserRow, self.acknowledged_by_id)
        return User.from_row(row) if row else None

    @strawberry.field
    async def resolved_by(
        self, info: Info
    ) -> Annotated[User, strawberry.lazy("app.api.tenancy.types")] | None:
        from app.api.tenancy.types import User

        row = await load_row(info, UserRow, self.resolved_by_id)
        return User.from_row(row) if row else None


register_node("Alert", AlertRow, Alert.from_row)
