"""Health rule operations: create (on a project, or one experiment of it), change, delete.
Contributors and above of the project."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import validation as v
from app.domain.alert_kinds import AlertSeverity
from app.domain.errors import validation
from app.domain.experiments.models import Experiment
from app.domain.health.models import HealthRule
from app.domain.health.rules import Condition, checked
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.enums import ProjectRole
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.projects import (
    get_contributable,
    require_project_access,
    watching_rules_changed,
)

CONDITION = ["condition"]
PARAMETERS = ("metric_key", "steps", "z_score", "rise", "seconds", "fraction", "percent")


def _apply(rule: HealthRule, condition: Condition) -> None:
    rule.kind = condition.kind.value
    for name in PARAMETERS:
        setattr(rule, name, getattr(condition, name))


async def health_rule_create(
    session: AsyncSession,
    actor: Actor,
    *,
    project_id: uuid.UUID | None,
    experiment_id: uuid.UUID | None,
    name: str,
    condition: Condition,
    severity: AlertSeverity,
    cancel_job: bool,
) -> HealthRule:
    """Scope: every run of the project, or (with experimentId) of one experiment of it."""
    project = await require_project_access(
        session, actor, project_id, ProjectRole.CONTRIBUTOR, what="project", field=["project_id"]
    )
    if experiment_id is not None:
        experiment = await get_visible(
            session, Experiment, experiment_id, actor, what="experiment", field=["experiment_id"]
        )
        if experiment.project_id != project.id:
            raise validation("the experiment belongs to another project", ["experiment_id"])
    rule = HealthRule(
        organization_id=project.organization_id,
        project_id=project.id,
        experiment_id=experiment_id,
        name=v.name(name, ["name"]),
        severity=severity.value,
        cancel_job=cancel_job,
        enabled=True,
        created_by_id=actor.user_id,
    )
    _apply(rule, checked(condition, CONDITION))
    session.add(rule)
    await session.flush()
    await watching_rules_changed(session, project.id)
    record_audit(
        session,
        actor,
        "health_rule.create",
        rule,
        details={"kind": rule.kind, "scope": "experiment" if experiment_id else "project"},
    )
    return rule


async def _writable_rule(
    session: AsyncSession, actor: Actor, rule_id: uuid.UUID | None
) -> HealthRule:
    return await get_contributable(
        session,
        HealthRule,
        rule_id,
        actor,
        what="health rule",
        field=["health_rule_id"],
        for_update=True,
    )


async def health_rule_update(
    session: AsyncSession, actor: Actor, *, rule_id: uuid.UUID | None, changes: Mapping[str, Any]
) -> HealthRule:
    """``changes``: name, condition (a Condition, replacing the kind and its parameters),
    severity, cancel_job, enabled."""
    rule = await _writable_rule(session, actor, rule_id)
    for key, value in changes.items():
        if value is None:
            raise validation("must not be null", [key])
    if "name" in changes:
        rule.name = v.name(changes["name"], ["name"])
    if "condition" in changes:
        _apply(rule, checked(changes["condition"], CONDITION))
    if "severity" in changes:
        rule.severity = AlertSeverity(changes["severity"]).value
    for key in ("cancel_job", "enabled"):
        if key in changes:
            setattr(rule, key, bool(changes[key]))
    rule.updated_at = datetime.now(UTC)
    record_audit(session, actor, "health_rule.update", rule, details={"fields": sorted(changes)})
    await session.flush()
    await watching_rules_changed(session, rule.project_id)
    return rule


async def health_rule_delete(
    session: AsyncSession, actor: Actor, *, rule_id: uuid.UUID | None
) -> HealthRule:
    """Soft delete: the rule stops watching; the alerts it opened stay."""
    rule = await _writable_rule(session, actor, rule_id)
    rule.deleted_at = datetime.now(UTC)
    record_audit(session, actor, "health_rule.delete", rule, details={"name": rule.name})
    await session.flush()
    await watching_rules_changed(session, rule.project_id)
    return rule
