"""How an alert opens, whoever opens it (an alert rule, a drift report, a person): the row,
then, at commit, the alerts stream (``mlgraph_alerts``) and the notification rules
(``alert.opened``). The one place that says what an opened alert announces."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import topics
from app.domain.alert_kinds import AlertSeverity, AlertType
from app.domain.monitoring.enums import AlertStatus
from app.domain.monitoring.models import Alert
from app.domain.notifications.enums import Trigger
from app.domain.notifications.services import enqueue_notifications
from app.domain.serving.models import Deployment


async def announce_opened(
    session: AsyncSession,
    *,
    alert_id: uuid.UUID,
    organization_id: uuid.UUID,
    deployment: Deployment | None,
    title: str,
    severity: str,
    alert_type: str,
    details: Mapping[str, Any],
    project_id: uuid.UUID | None = None,
) -> None:
    """An alert row exists and is open: tell the alerts stream and the notification rules
    (both delivered when the transaction commits). ``details`` add to the payload;
    ``project_id``: the project of an alert about no deployment (a run's)."""
    await enqueue_notifications(
        session,
        organization_id=organization_id,
        trigger=Trigger.ALERT,
        event_type="alert.opened",
        payload={
            "alert_id": str(alert_id),
            "title": title,
            "severity": severity,
            "type": alert_type,
            **details,
        },
        project_id=deployment.project_id if deployment else project_id,
        deployment_id=deployment.id if deployment else None,
        severity=severity,
    )
    await topics.publish(session, topics.ALERTS, org=organization_id, alert=alert_id)


async def open_alert(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    deployment: Deployment | None,
    alert_type: AlertType,
    severity: AlertSeverity,
    title: str,
    message: str | None,
    opened_at: datetime,
    metric_name: str | None = None,
    metric_value: float | None = None,
    created_by_id: uuid.UUID | None = None,
    details: Mapping[str, Any],
) -> Alert:
    """A new open alert, announced (``announce_opened``)."""
    alert = Alert(
        organization_id=organization_id,
        deployment_id=deployment.id if deployment else None,
        alert_type=alert_type.value,
        severity=severity.value,
        status=AlertStatus.OPEN.value,
        title=title,
        message=message,
        metric_name=metric_name,
        metric_value=metric_value,
        opened_at=opened_at,
        created_by_id=created_by_id,
    )
    session.add(alert)
    await session.flush()
    await announce_opened(
        session,
        alert_id=alert.id,
        organization_id=organization_id,
        deployment=deployment,
        title=title,
        severity=severity.value,
        alert_type=alert_type.value,
        details=details,
    )
    return alert
