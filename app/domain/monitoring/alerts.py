"""Alert status changes: open -> acknowledged -> resolved (or open -> resolved)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import topics
from app.domain.errors import DomainError, ErrorCode
from app.domain.experiments.models import Run
from app.domain.monitoring.enums import AlertStatus
from app.domain.monitoring.models import Alert
from app.domain.serving.models import Deployment
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.enums import OrgRole, ProjectRole
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.projects import require_project_access

ALERT_TRANSITIONS = {
    AlertStatus.OPEN: frozenset({AlertStatus.ACKNOWLEDGED, AlertStatus.RESOLVED}),
    AlertStatus.ACKNOWLEDGED: frozenset({AlertStatus.RESOLVED}),
    AlertStatus.RESOLVED: frozenset(),
}


def ensure_alert_transition(current: AlertStatus, target: AlertStatus) -> None:
    if target not in ALERT_TRANSITIONS[current]:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"cannot move a {current.value} alert to {target.value}",
            ["alert_id"],
        )


async def alert_set_status(
    session: AsyncSession, actor: Actor, *, alert_id: uuid.UUID | None, status: AlertStatus
) -> Alert:
    field = ["alert_id"]
    alert = await get_visible(
        session, Alert, alert_id, actor, what="alert", field=field, for_update=True
    )
    if alert.run_id is not None:  # a training-health alert: the run's contributors
        run = await get_visible(session, Run, alert.run_id, actor, what="alert", field=field)
        await require_project_access(
            session, actor, run.project_id, ProjectRole.CONTRIBUTOR, what="alert", field=field
        )
    elif alert.deployment_id is None:  # an organization-level alert: developers and admins
        actor.require_org_role(alert.organization_id, OrgRole.DEVELOPER, "alert", field)
    else:
        deployment = await get_visible(
            session, Deployment, alert.deployment_id, actor, what="alert", field=field
        )
        await require_project_access(
            session,
            actor,
            deployment.project_id,
            ProjectRole.CONTRIBUTOR,
            what="alert",
            field=field,
        )
    ensure_alert_transition(AlertStatus(alert.status), status)
    now = datetime.now(UTC)
    alert.status = status.value
    if status == AlertStatus.ACKNOWLEDGED:
        alert.acknowledged_at, alert.acknowledged_by_id = now, actor.user_id
    else:
        alert.resolved_at, alert.resolved_by_id = now, actor.user_id
    alert.updated_at = now
    record_audit(
        session,
        actor,
        f"alert.{'acknowledge' if status == AlertStatus.ACKNOWLEDGED else 'resolve'}",
        alert,
        details={"status": status.value},
    )
    await session.flush()
    await topics.publish(session, topics.ALERTS, org=alert.organization_id, alert=alert.id)
    return alert
