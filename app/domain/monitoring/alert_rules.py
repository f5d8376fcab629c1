"""Alert rule operations."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import validation as v
from app.domain.alert_kinds import AlertSeverity
from app.domain.errors import validation
from app.domain.monitoring.enums import Aggregation, Comparator
from app.domain.monitoring.models import AlertRule
from app.domain.monitoring.rules_engine import validate_rule_fields
from app.domain.serving.models import Deployment
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.enums import ProjectRole
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.projects import get_contributable, require_project_access


async def alert_rule_create(
    session: AsyncSession,
    actor: Actor,
    *,
    project_id: uuid.UUID | None,
    deployment_id: uuid.UUID | None,
    name: str,
    metric_name: str,
    comparator: Comparator,
    threshold: float,
    aggregation: Aggregation,
    window_seconds: int,
    severity: AlertSeverity,
    cooldown_seconds: int,
    auto_resolve: bool,
) -> AlertRule:
    """Scope: the project's deployments, or (with deploymentId) one deployment of it."""
    field = ["project_id"]
    project = await require_project_access(
        session, actor, project_id, ProjectRole.CONTRIBUTOR, what="project", field=field
    )
    if deployment_id is not None:
        deployment = await get_visible(
            session,
            Deployment,
            deployment_id,
            actor,
            what="deployment",
            field=["deployment_id"],
        )
        if deployment.project_id != project.id:
            raise validation("the deployment belongs to another project", ["deployment_id"])
    validate_rule_fields(
        metric_name=metric_name,
        threshold=threshold,
        window_seconds=window_seconds,
        cooldown_seconds=cooldown_seconds,
    )
    rule = AlertRule(
        organization_id=project.organization_id,
        project_id=project.id,
        deployment_id=deployment_id,
        name=v.name(name, ["name"]),
        metric_name=metric_name,
        comparator=comparator.value,
        threshold=threshold,
        aggregation=aggregation.value,
        window_seconds=window_seconds,
        severity=severity.value,
        cooldown_seconds=cooldown_seconds,
        auto_resolve=auto_resolve,
        enabled=True,
        created_by_id=actor.user_id,
    )
    session.add(rule)
    await session.flush()
    record_audit(
        session,
        actor,
        "alert_rule.create",
        rule,
        details={"metric": metric_name, "scope": "deployment" if deployment_id else "project"},
    )
    return rule


async def _writable_rule(
    session: AsyncSession, actor: Actor, rule_id: uuid.UUID | None
) -> AlertRule:
    field = ["alert_rule_id"]
    rule = await get_contributable(
        session, AlertRule, rule_id, actor, what="alert rule", field=field, for_update=True
    )
    return rule


ENUM_FIELDS = {"comparator": Comparator, "aggregation": Aggregation, "severity": AlertSeverity}


async def alert_rule_update(
    session: AsyncSession, actor: Actor, *, rule_id: uuid.UUID | None, changes: Mapping[str, Any]
) -> AlertRule:
    rule = await _writable_rule(session, actor, rule_id)
    for key, value in changes.items():
        if value is None:
            raise validation("must not be null", [key])
    if "name" in changes:
        rule.name = v.name(changes["name"], ["name"])
    for key, enum_type in ENUM_FIELDS.items():
        if key in changes:
            setattr(rule, key, enum_type(changes[key]).value)
    for key in (
        "metric_name",
        "threshold",
        "window_seconds",
        "cooldown_seconds",
        "auto_resolve",
        "enabled",
    ):
        if key in changes:
            setattr(rule, key, changes[key])
    validate_rule_fields(
        metric_name=rule.metric_name,
        threshold=rule.threshold,
        window_seconds=rule.window_seconds,
        cooldown_seconds=rule.cooldown_seconds,
    )
    rule.updated_at = datetime.now(UTC)
    record_audit(session, actor, "alert_rule.update", rule, details={"fields": sorted(changes)})
    await session.flush()
    return rule


async def alert_rule_delete(
    session: AsyncSession, actor: Actor, *, rule_id: uuid.UUID | None
) -> AlertRule:
    rule = await _writable_rule(session, actor, rule_id)
    rule.deleted_at = datetime.now(UTC)
    record_audit(session, actor, "alert_rule.delete", rule, details={"name": rule.name})
    await session.flush()
    return rule
