"""Alerts people open (``alertCreate``): about a deployment (contributors of its project)
or about the whole organization (developers and admins), of any alert type. They notify
ALERT rules and reach ``alerts`` subscribers like the ones rules open."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import validation as v
from app.domain.alert_kinds import AlertSeverity, AlertType
from app.domain.errors import not_found, validation
from app.domain.monitoring.models import Alert
from app.domain.monitoring.opening import open_alert
from app.domain.serving.models import Deployment
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit_event
from app.domain.tenancy.enums import OrgRole
from app.domain.tenancy.projects import get_contributable


async def alert_create(
    session: AsyncSession,
    actor: Actor,
    *,
    organization_id: uuid.UUID | None,
    deployment_id: uuid.UUID | None,
    alert_type: AlertType,
    severity: AlertSeverity,
    title: str,
    message: str | None,
) -> Alert:
    if alert_type is AlertType.TRAINING_HEALTH:  # about a run, by a rule: the system's
        raise validation("training_health alerts are opened by health rules", ["alert_type"])
    deployment = None
    if deployment_id is not None:
        field = ["deployment_id"]
        deployment = await get_contributable(
            session, Deployment, deployment_id, actor, what="deployment", field=field
        )
        organization_id = deployment.organization_id
    elif organization_id is None:
        raise not_found("organization", ["organization_id"])
    else:
        actor.require_org_role(organization_id, OrgRole.DEVELOPER, field=["organization_id"])
    now = datetime.now(UTC)
    alert = await open_alert(
        session,
        organization_id=organization_id,
        deployment=deployment,
        alert_type=alert_type,
        severity=severity,
        title=v.name(title, ["title"]),
        message=v.optional_text(message, ["message"], max_length=4000),
        opened_at=now,
        created_by_id=actor.user_id,
        details={"deployment_id": str(deployment.id) if deployment else None},
    )
    record_audit_event(
        session,
        actor,
        "alert.create",
        organization_id=organization_id,
        target_type="Alert",
        target_id=alert.id,
        details={"type": alert.alert_type, "severity": alert.severity},
    )
    return alert
