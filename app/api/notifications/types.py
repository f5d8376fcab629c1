"""Notification types. Channel secrets are never exposed; deliveries are for admins."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.enums import (
    AlertSeverity,
    ChannelType,
    CreatedOrder,
    DeliveryStatus,
    NotificationTrigger,
)
from app.api.errors import ClientError
from app.api.ids import encode_id
from app.api.lists import child_connection
from app.api.loaders import lists
from app.api.node import Node, register_node
from app.api.pagination import Connection
from app.domain.monitoring import enums as monitoring_enums
from app.domain.notifications import enums
from app.domain.notifications.models import NotificationAttempt as AttemptRow
from app.domain.notifications.models import NotificationChannel as ChannelRow
from app.domain.notifications.models import NotificationDelivery as DeliveryRow
from app.domain.notifications.models import NotificationRule as RuleRow
from app.domain.tenancy.enums import OrgRole


def slack_hint(info: Info, stored: str) -> str:
    """Where a Slack URL points, without its token: https://hooks.slack.com/…"""
    try:
        url = httpx.URL(info.context.secrets.open(stored))
    except Exception:  # sealed with another key: say nothing more
        return "(sealed)"
    return f"{url.scheme}://{url.host}/…"


def require_admin(info: Info, organization_id: uuid.UUID) -> None:
    if info.context.actor.org_roles.get(organization_id) != OrgRole.ADMIN:
        raise ClientError("only organization admins can see notification deliveries", "FORBIDDEN")


@strawberry.type(description="One try at sending a delivery.")
class NotificationAttempt:
    attempt: int
    started_at: datetime
    duration_ms: float
    status_code: int | None
    error: str | None
    succeeded: bool

    @classmethod
    def from_row(cls, row: AttemptRow) -> NotificationAttempt:
        return cls(
            attempt=row.attempt,
            started_at=row.started_at,
            duration_ms=row.duration_ms,
            status_code=row.status_code,
            error=row.error,
            succeeded=row.succeeded,
        )


@strawberry.type(description="A notification in the outbox: pending, delivered or failed.")
class NotificationDelivery(Node):
    event_type: str
    payload: JSON
    status: DeliveryStatus  # type: ignore[valid-type]
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    db_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: DeliveryRow) -> NotificationDelivery:
        return cls(
            id=strawberry.ID(encode_id("NotificationDelivery", row.id)),
            event_type=row.event_type,
            payload=row.payload,
            status=enums.DeliveryStatus(row.status),
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_error=row.last_error,
            created_at=row.created_at,
            delivered_at=row.delivered_at,
            db_id=row.id,
        )

    @strawberry.field(description="Every attempt, oldest first.")
    async def attempt_log(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[NotificationAttempt]:
        return await child_connection(
            info,
            lists.ATTEMPTS_OF_DELIVERY,
            self.db_id,
            NotificationAttempt.from_row,
            first=first,
            after=after,
            last=None,
            before=None,
        )


@strawberry.type(description="Which events go to a channel, and for which scope.")
class NotificationRule(Node):
    trigger: NotificationTrigger  # type: ignore[valid-type]
    min_severity: AlertSeverity | None  # type: ignore[valid-type]
    enabled: bool
    project_id: strawberry.ID | None
    deployment_id: strawberry.ID | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: RuleRow) -> NotificationRule:
        return cls(
            id=strawberry.ID(encode_id("NotificationRule", row.id)),
            trigger=enums.Trigger(row.trigger),
            min_severity=monitoring_enums.AlertSeverity(row.min_severity)
            if row.min_severity
            else None,
            enabled=row.enabled,
            project_id=strawberry.ID(encode_id("Project", row.project_id))
            if row.project_id
            else None,
            deployment_id=strawberry.ID(encode_id("Deployment", row.deployment_id))
            if row.deployment_id
            else None,
            created_at=row.created_at,
        )


@strawberry.type(description="Where notifications go. The secret, if any, is never returned.")
class NotificationChannel(Node):
    name: str
    type: ChannelType  # type: ignore[valid-type]
    config_: strawberry.Private[dict[str, Any]]
    has_secret: bool
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    organization_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: ChannelRow) -> NotificationChannel:
        return cls(
            id=strawberry.ID(encode_id("NotificationChannel", row.id)),
            name=row.name,
            type=enums.ChannelType(row.channel_type),
            config_=row.config,
            has_secret=row.secret is not None,
            created_at=row.created_at,
            db_id=row.id,
            organization_id=row.organization_id,
        )

    @strawberry.field(
        description="url (webhook, slack) or recipients (email). A Slack URL is a "
        "credential, sealed at rest: shown only as its scheme and host."
    )
    def config(self, info: Info) -> JSON:
        if self.type == enums.ChannelType.SLACK and isinstance(self.config_.get("url"), str):
            return {**self.config_, "url": None, "urlHint": slack_hint(info, self.config_["url"])}
        return self.config_

    @strawberry.field
    async def rules(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[NotificationRule]:
        return await child_connection(
            info,
            lists.RULES_OF_CHANNEL,
            self.db_id,
            NotificationRule.from_row,
            first=first,
            after=after,
            last=None,
            before=None,
        )

    @strawberry.field(description="The outbox for this channel, newest first; admins only.")
    async def deliveries(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: CreatedOrder = CreatedOrder.CREATED_DESC,
    ) -> Connection[NotificationDelivery]:
        require_admin(info, self.organization_id)
        return await child_connection(
            info,
            lists.DELIVERIES_OF_CHANNEL,
            self.db_id,
            NotificationDelivery.from_row,
            first=first,
            after=after,
            last=last,
            before=before,
            order=order_by.value,
        )


register_node("NotificationChannel", ChannelRow, NotificationChannel.from_row)
register_node("NotificationRule", RuleRow, NotificationRule.from_row)
register_node("NotificationDelivery", DeliveryRow, NotificationDelivery.from_row, admin_only=True)
