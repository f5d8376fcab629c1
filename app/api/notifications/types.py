"""Notification types. Channel secrets are never exposed; deliveries are for admins."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.declare import Computed, ForeignId
from app.api.graph.fields import PAGING, children
from app.api.monitoring.enums import AlertSeverity, AlertType
from app.api.node import Node
from app.api.notifications.enums import (
    ChannelType,
    DeliveryStatus,
    NotificationOutcome,
    NotificationTrigger,
)
from app.api.notifications.lists import (
    ATTEMPTS_OF_DELIVERY,
    DELIVERIES_OF_CHANNEL,
    RULES_OF_CHANNEL,
)
from app.api.orders import CreatedOrder
from app.domain.notifications import enums
from app.domain.notifications.models import NotificationAttempt as NotificationAttemptRow
from app.domain.notifications.models import NotificationChannel as ChannelRow
from app.domain.notifications.models import NotificationDelivery as DeliveryRow
from app.domain.notifications.models import NotificationRule as RuleRow


def slack_hint(info: Info, stored: str) -> str:
    """Where a Slack URL points, without its token: https://hooks.slack.com/…"""
    try:
        url = httpx.URL(info.context.secrets.open(stored))
    except Exception:  # sealed with another key: say nothing more
        return "(sealed)"
    return f"{url.scheme}://{url.host}/…"


@from_declaration(NotificationAttemptRow)
@strawberry.type(description="One try at sending a delivery.")
class NotificationAttempt(FromRow):
    attempt: int
    started_at: datetime
    duration_ms: float
    status_code: int | None
    error: str | None
    succeeded: bool


@from_declaration(
    DeliveryRow, admin_only="only organization admins can see notification deliveries"
)
@strawberry.type(description="A notification in the outbox: pending, delivered or failed.")
class NotificationDelivery(Node, FromRow):
    event_type: str
    payload: JSON
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    db_id: strawberry.Private[uuid.UUID]
    organization_id: strawberry.Private[uuid.UUID]

    attempt_log = children(
        ATTEMPTS_OF_DELIVERY, PAGING[:2], description="Every attempt, oldest first."
    )


@from_declaration(
    RuleRow,
    computed={
        "projectId": ForeignId("project_id"),
        "deploymentId": ForeignId("deployment_id"),
        "environmentId": ForeignId("environment_id"),
    },
)
@strawberry.type(description="Which events go to a channel, and for which scope.")
class NotificationRule(Node, FromRow):
    trigger: NotificationTrigger
    min_severity: AlertSeverity | None
    alert_types: list[AlertType] | None = strawberry.field(
        description="Only alerts of these types; null: any."
    )
    outcomes: list[NotificationOutcome] | None = strawberry.field(
        description="Only things that ended so; null: any."
    )
    enabled: bool
    project_id: strawberry.ID | None
    deployment_id: strawberry.ID | None
    environment_id: strawberry.ID | None = strawberry.field(
        description="Only alerts and deployment events in this environment; null: any."
    )
    created_at: datetime


@from_declaration(
    ChannelRow,
    columns={"type": "channel_type"},
    computed={
        "hasSecret": Computed(
            sql="({a}.secret IS NOT NULL)", python=lambda row: row.secret is not None
        )
    },
    python={"config": "a Slack URL is sealed at rest: opened in Python to show its host"},
    attributes={"config_": "config"},
)
@strawberry.type(description="Where notifications go. The secret, if any, is never returned.")
class NotificationChannel(Node, FromRow):
    name: str
    type: ChannelType
    config_: strawberry.Private[dict[str, Any]]
    has_secret: bool
    enabled: bool = strawberry.field(
        description="false: paused (no delivery queued for it, none sent until it resumes)."
    )
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    organization_id: strawberry.Private[uuid.UUID]

    @strawberry.field(
        description="url (webhook, slack, teams) or recipients (email). A Slack or Teams "
        "URL is a credential, sealed at rest: shown only as its scheme and host."
    )
    def config(self, info: Info) -> JSON:
        sealed = (enums.ChannelType.SLACK, enums.ChannelType.TEAMS)
        if self.type in sealed and isinstance(self.config_.get("url"), str):
            return JSON(
                {**self.config_, "url": None, "urlHint": slack_hint(info, self.config_["url"])}
            )
        return JSON(self.config_)

    rules = children(RULES_OF_CHANNEL, PAGING[:2])
    deliveries = children(
        DELIVERIES_OF_CHANNEL,
        [*PAGING, ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC)],
        description="The outbox for this channel, newest first; admins only.",
    )
