"""Channels, rules, and the outbox write that goes with every notifiable event."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import topics
from app.domain import validation as v
from app.domain.alert_kinds import AlertSeverity, AlertType
from app.domain.environments.models import Environment
from app.domain.errors import DomainError, ErrorCode, not_found, validation
from app.domain.notifications.enums import (
    FINISHING,
    OF_DEPLOYMENTS,
    OUTCOME_OF_STATUS,
    ChannelType,
    DeliveryStatus,
    Outcome,
    Trigger,
)
from app.domain.notifications.models import (
    NotificationChannel,
    NotificationDelivery,
    NotificationRule,
)
from app.domain.secrets import PREFIX, SecretBox
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit, record_audit_event
from app.domain.tenancy.enums import OrgRole
from app.domain.tenancy.lookup import OwnerLookup, get_administered, get_visible
from app.domain.tenancy.models import Project

HTTP_URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
SEALED_URLS = (ChannelType.SLACK, ChannelType.TEAMS)


def channel_config(
    channel_type: ChannelType, url: str | None, recipients: list[str] | None
) -> dict[str, Any]:
    if channel_type in (ChannelType.WEBHOOK, ChannelType.SLACK, ChannelType.TEAMS):
        if url is None or len(url) > 2048 or not HTTP_URL_RE.fullmatch(url):
            raise validation("an http(s) URL is required", ["url"])
        return {"url": url}
    emails = [v.email(r, ["recipients", str(i)]) for i, r in enumerate(recipients or [])]
    if not 1 <= len(emails) <= 50:
        raise validation("give 1 to 50 recipients", ["recipients"])
    return {"recipients": emails}


def seal_config(
    channel_type: ChannelType, config: dict[str, Any], secrets: SecretBox
) -> dict[str, Any]:
    """A Slack or Teams webhook URL is a credential: sealed like the secret."""
    if channel_type in SEALED_URLS and isinstance(config.get("url"), str):
        return {**config, "url": secrets.seal(config["url"])}
    return config


async def seal_legacy_channel_secrets(session: AsyncSession, secrets: SecretBox) -> int:
    """Seal what was stored in plaintext before secrets were encrypted; how many rows."""
    rows = (
        await session.scalars(
            select(NotificationChannel).where(
                or_(
                    and_(
                        NotificationChannel.secret.is_not(None),
                        ~NotificationChannel.secret.startswith(PREFIX),
                    ),
                    and_(
                        NotificationChannel.channel_type == ChannelType.SLACK.value,
                        ~NotificationChannel.config["url"].astext.startswith(PREFIX),
                    ),
                )
            )
        )
    ).all()
    for channel in rows:
        if channel.secret is not None:
            channel.secret = secrets.seal(channel.secret)
        channel.config = seal_config(ChannelType(channel.channel_type), channel.config, secrets)
    return len(rows)


async def notification_channel_create(
    session: AsyncSession,
    actor: Actor,
    *,
    organization_id: uuid.UUID | None,
    name: str,
    channel_type: ChannelType,
    url: str | None,
    recipients: list[str] | None,
    secret: str | None,
    secrets: SecretBox,
    enabled: bool = True,
) -> NotificationChannel:
    """Organization admins. The secret (webhook signing key, Slack token) and a Slack
    webhook URL (itself a credential) are sealed at rest and never returned."""
    if organization_id is None:
        raise not_found("organization", ["organization_id"])
    actor.require_org_role(organization_id, OrgRole.ADMIN, field=["organization_id"])
    name = v.name(name, ["name"], max_length=100)
    config = channel_config(channel_type, url, recipients)
    if secret is not None and not 1 <= len(secret) <= 1024:
        raise validation("must be 1-1024 characters", ["secret"])
    taken = await session.scalar(
        select(func.count())
        .select_from(NotificationChannel)
        .where(
            NotificationChannel.organization_id == organization_id,
            NotificationChannel.name == name,
            NotificationChannel.deleted_at.is_(None),
        )
    )
    if taken:
        raise DomainError(ErrorCode.CONFLICT, "a channel has this name", ["name"])
    channel = NotificationChannel(
        organization_id=organization_id,
        name=name,
        channel_type=channel_type.value,
        config=seal_config(channel_type, config, secrets),
        secret=secrets.seal(secret) if secret is not None else None,
        enabled=enabled,
        created_by_id=actor.user_id,
    )
    session.add(channel)
    await session.flush()
    record_audit_event(
        session,
        actor,
        "notification_channel.create",
        organization_id=organization_id,
        target_type="NotificationChannel",
        target_id=channel.id,
        details={"name": name, "type": channel_type.value, "has_secret": secret is not None},
    )
    return channel


async def notification_channel_update(
    session: AsyncSession,
    actor: Actor,
    *,
    channel_id: uuid.UUID | None,
    changes: Mapping[str, Any],
    secrets: SecretBox,
) -> NotificationChannel:
    """Rename, retarget (url or recipients, checked as on creation), change the secret
    (null removes it), pause or resume (``enabled``). Organization admins."""
    channel = await get_administered(
        session,
        NotificationChannel,
        channel_id,
        actor,
        what="notification channel",
        field=["channel_id"],
        for_update=True,
    )
    kind = ChannelType(channel.channel_type)
    if "name" in changes:
        name = v.name(changes["name"], ["name"], max_length=100)
        taken = await session.scalar(
            select(func.count())
            .select_from(NotificationChannel)
            .where(
                NotificationChannel.organization_id == channel.organization_id,
                NotificationChannel.name == name,
                NotificationChannel.deleted_at.is_(None),
                NotificationChannel.id != channel.id,
            )
        )
        if taken:
            raise DomainError(ErrorCode.CONFLICT, "a channel has this name", ["name"])
        channel.name = name
    if "url" in changes or "recipients" in changes:
        config = channel_config(kind, changes.get("url"), changes.get("recipients"))
        channel.config = seal_config(kind, config, secrets)
    if "secret" in changes:
        secret = changes["secret"]
        if secret is not None and not 1 <= len(secret) <= 1024:
            raise validation("must be 1-1024 characters", ["secret"])
        channel.secret = secrets.seal(secret) if secret is not None else None
    if changes.get("enabled") is not None:
        channel.enabled = bool(changes["enabled"])
    record_audit(
        session, actor, "notification_channel.update", channel, details={"fields": sorted(changes)}
    )
    await session.flush()
    await session.refresh(channel)
    return channel


async def notification_channel_delete(
    session: AsyncSession, actor: Actor, *, channel_id: uuid.UUID | None
) -> NotificationChannel:
    """Retire a channel (soft delete) with its rules; deliveries still waiting are given up
    (failed: "channel deleted"), sent ones stay in its log. Organization admins."""
    channel = await get_administered(
        session,
        NotificationChannel,
        channel_id,
        actor,
        what="notification channel",
        field=["channel_id"],
        for_update=True,
    )
    now = datetime.now(UTC)
    channel.deleted_at = now
    await session.execute(
        update(NotificationRule)
        .where(NotificationRule.channel_id == channel.id, NotificationRule.deleted_at.is_(None))
        .values(deleted_at=now)
    )
    await session.execute(
        update(NotificationDelivery)
        .where(
            NotificationDelivery.channel_id == channel.id,
            NotificationDelivery.status == DeliveryStatus.PENDING.value,
        )
        .values(status=DeliveryStatus.FAILED.value, last_error="channel deleted")
    )
    record_audit(
        session, actor, "notification_channel.delete", channel, details={"name": channel.name}
    )
    await session.flush()
    return channel


async def notification_rule_update(
    session: AsyncSession,
    actor: Actor,
    *,
    rule_id: uuid.UUID | None,
    changes: Mapping[str, Any],
) -> NotificationRule:
    """Enable or disable a rule, or change its conditions (minimum severity, alert types,
    outcomes, environment). Org admins."""
    rule = await get_administered(
        session,
        NotificationRule,
        rule_id,
        actor,
        what="notification rule",
        field=["rule_id"],
        for_update=True,
    )
    if "enabled" in changes:
        if changes["enabled"] is None:
            raise validation("must not be null", ["enabled"])
        rule.enabled = bool(changes["enabled"])
    if "min_severity" in changes:
        severity = changes["min_severity"]
        if severity is not None and rule.trigger != Trigger.ALERT.value:
            raise validation("minSeverity applies to the alert trigger only", ["min_severity"])
        rule.min_severity = severity.value if severity is not None else None
    await _set_conditions(session, actor, rule, Trigger(rule.trigger), changes)
    record_audit(
        session,
        actor,
        "notification_rule.update",
        rule,
        details={
            "enabled": rule.enabled,
            "min_severity": rule.min_severity,
            "conditions": sorted(set(changes) - {"enabled", "min_severity"}),
        },
    )
    await session.flush()
    await session.refresh(rule)
    return rule


async def notification_rule_delete(
    session: AsyncSession, actor: Actor, *, rule_id: uuid.UUID | None
) -> NotificationRule:
    rule = await get_administered(
        session,
        NotificationRule,
        rule_id,
        actor,
        what="notification rule",
        field=["rule_id"],
        for_update=True,
    )
    rule.deleted_at = datetime.now(UTC)
    record_audit(
        session, actor, "notification_rule.delete", rule, details={"trigger": rule.trigger}
    )
    await session.flush()
    return rule


async def notification_rule_create(
    session: AsyncSession,
    actor: Actor,
    *,
    channel_id: uuid.UUID | None,
    trigger: Trigger,
    project_id: uuid.UUID | None,
    deployment_id: uuid.UUID | None,
    min_severity: AlertSeverity | None,
    organization_of_deployment: OwnerLookup,
    conditions: Mapping[str, Any] | None = None,
) -> NotificationRule:
    """Organization admins. Scope: the whole organization, one project or one deployment;
    conditions narrow it further (``_set_conditions``). ``organization_of_deployment``:
    serving's lookup, passed in by the API (serving imports notifications to notify)."""
    field = ["channel_id"]
    channel = await get_administered(
        session, NotificationChannel, channel_id, actor, what="notification channel", field=field
    )
    if project_id is not None:
        project = await get_visible(
            session, Project, project_id, actor, what="project", field=["project_id"]
        )
        if project.organization_id != channel.organization_id:
            raise not_found("project", ["project_id"])
    if deployment_id is not None:
        organization = await organization_of_deployment(
            session, actor, deployment_id, ["deployment_id"]
        )
        if organization != channel.organization_id:
            raise not_found("deployment", ["deployment_id"])
    if min_severity is not None and trigger != Trigger.ALERT:
        raise validation("minSeverity applies to the alert trigger only", ["min_severity"])
    rule = NotificationRule(
        organization_id=channel.organization_id,
        channel_id=channel.id,
        trigger=trigger.value,
        project_id=project_id,
        deployment_id=deployment_id,
        min_severity=min_severity.value if min_severity else None,
        enabled=True,
        created_by_id=actor.user_id,
    )
    await _set_conditions(session, actor, rule, trigger, conditions or {})
    session.add(rule)
    await session.flush()
    record_audit(
        session, actor, "notification_rule.create", rule, details={"trigger": trigger.value}
    )
    return rule


async def _set_conditions(
    session: AsyncSession,
    actor: Actor,
    rule: NotificationRule,
    trigger: Trigger,
    changes: Mapping[str, Any],
) -> None:
    """``alert_types`` (alert trigger), ``outcomes`` (the triggers of things that finish) and
    ``environment_id`` (alerts and deployment events); null or absent: any."""
    if "alert_types" in changes:
        types: list[AlertType] | None = changes["alert_types"]
        if types is not None and trigger is not Trigger.ALERT:
            raise validation("alertTypes applies to the alert trigger only", ["alert_types"])
        rule.alert_types = _non_empty(types, "alertTypes")
    if "outcomes" in changes:
        outcomes: list[Outcome] | None = changes["outcomes"]
        if outcomes is not None and trigger not in FINISHING:
            raise validation(
                "outcomes apply to the triggers of runs, training jobs, pipeline runs and "
                "artifact builds",
                ["outcomes"],
            )
        rule.outcomes = _non_empty(outcomes, "outcomes")
    if "environment_id" in changes:
        environment_id = changes["environment_id"]
        if environment_id is not None:
            if trigger not in OF_DEPLOYMENTS:
                raise validation(
                    "environmentId applies to the alert and deployment triggers only",
                    ["environment_id"],
                )
            environment = await get_visible(
                session,
                Environment,
                environment_id,
                actor,
                what="environment",
                field=["environment_id"],
            )
            if environment.organization_id != rule.organization_id:
                raise not_found("environment", ["environment_id"])
        rule.environment_id = environment_id


def _non_empty(values: list[Any] | None, name: str) -> list[str] | None:
    if values is None:
        return None
    if not values:
        raise validation("give at least one, or null for any", [name])
    return sorted({value.value for value in values})


SEVERITY_ORDER = [s.value for s in AlertSeverity]

# One statement: a delivery for every enabled rule that matches the event's scope.
ENQUEUE = text(
    """
    INSERT INTO notification_deliveries
        (id, organization_id, rule_id, channel_id, event_type, payload, status, attempts,
         next_attempt_at, created_at)
    SELECT gen_random_uuid(), r.organization_id, r.id, r.channel_id, :event_type,
           CAST(:payload AS jsonb), 'pending', 0, :now, :now
    FROM notification_rules r
    JOIN notification_channels c ON c.id = r.channel_id AND c.deleted_at IS NULL AND c.enabled
    WHERE r.organization_id = :org_id AND r.trigger = :trigger AND r.enabled
      AND r.deleted_at IS NULL
      AND (r.project_id IS NULL OR r.project_id = :project_id)
      AND (r.deployment_id IS NULL OR r.deployment_id = :deployment_id)
      AND (r.min_severity IS NULL OR array_position(CAST(:severities AS text[]), r.min_severity)
           <= array_position(CAST(:severities AS text[]), CAST(:severity AS text)))
      AND (r.alert_types IS NULL OR CAST(:alert_type AS text) = ANY(r.alert_types))
      AND (r.outcomes IS NULL OR CAST(:outcome AS text) = ANY(r.outcomes))
      AND (r.environment_id IS NULL OR r.environment_id =
           (SELECT d.environment_id FROM deployments d WHERE d.id = :deployment_id))
    RETURNING id
    """
)


def _outcome(status: Any) -> str | None:
    outcome = OUTCOME_OF_STATUS.get(status) if isinstance(status, str) else None
    return outcome.value if outcome else None


async def enqueue_notifications(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    trigger: Trigger,
    event_type: str,
    payload: dict[str, Any],
    project_id: uuid.UUID | None = None,
    deployment_id: uuid.UUID | None = None,
    severity: str | None = None,
) -> int:
    """Write the deliveries for an event in the caller's transaction; wake the workers."""
    now = datetime.now(UTC)
    body = {
        "event": event_type,
        "organization_id": str(organization_id),
        "at": now.isoformat(),
        **payload,
    }
    created = await session.execute(
        ENQUEUE,
        {
            "event_type": event_type,
            "payload": orjson.dumps(body, default=str).decode(),
            "now": now,
            "org_id": organization_id,
            "trigger": trigger.value,
            "project_id": project_id,
            "deployment_id": deployment_id,
            "severities": SEVERITY_ORDER,
            "severity": severity or SEVERITY_ORDER[-1],
            "alert_type": payload.get("type"),
            "outcome": _outcome(payload.get("status")),
        },
    )
    count = len(created.all())
    if count:
        await topics.publish(session, topics.OUTBOX, org=organization_id)
    return count
