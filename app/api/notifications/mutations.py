"""Notification mutations: channels and rules (organization admins)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from app.api.errors import UserError
from app.api.graph.payloads import mutate
from app.api.ids import decode_id, input_id
from app.api.inputs import provided
from app.api.monitoring.enums import AlertSeverity, AlertType
from app.api.notifications.enums import ChannelType, NotificationOutcome, NotificationTrigger
from app.api.notifications.types import NotificationChannel, NotificationRule
from app.domain.notifications import services
from app.domain.serving.live import organization_of_deployment


@strawberry.input
class NotificationChannelCreateInput:
    organization_id: strawberry.ID
    name: str
    type: ChannelType
    url: str | None = strawberry.field(default=None, description="Webhook, Slack or Teams URL.")
    recipients: list[str] | None = strawberry.field(default=None, description="Email addresses.")
    secret: str | None = strawberry.field(
        default=None,
        description="Webhook signing key (X-Mlgraph-Signature: sha256=HMAC) or Slack token. "
        "Stored for delivery; never returned.",
    )
    enabled: bool = strawberry.field(
        default=True, description="false: paused (nothing is queued for it or sent)."
    )


@strawberry.type
class NotificationChannelCreatePayload:
    notification_channel: NotificationChannel | None
    user_errors: list[UserError]


@strawberry.input
class NotificationRuleCreateInput:
    channel_id: strawberry.ID
    trigger: NotificationTrigger
    project_id: strawberry.ID | None = strawberry.field(
        default=None, description="Scope: a project."
    )
    deployment_id: strawberry.ID | None = strawberry.field(
        default=None, description="Scope: one deployment."
    )
    min_severity: AlertSeverity | None = strawberry.field(
        default=None, description="For the alert trigger: only alerts at least this severe."
    )
    alert_types: list[AlertType] | None = strawberry.field(
        default=None, description="For the alert trigger: only alerts of these types."
    )
    outcomes: list[NotificationOutcome] | None = strawberry.field(
        default=None,
        description="For runs, training jobs, pipeline runs and artifact builds: only those "
        "that ended so (e.g. [FAILED]).",
    )
    environment_id: strawberry.ID | None = strawberry.field(
        default=None, description="For alerts and deployment events: only in this environment."
    )


@strawberry.type
class NotificationRuleCreatePayload:
    notification_rule: NotificationRule | None
    user_errors: list[UserError]


@strawberry.input(description="Only the fields given change.")
class NotificationChannelUpdateInput:
    channel_id: strawberry.ID
    name: str | None = UNSET
    url: str | None = strawberry.field(default=UNSET, description="Webhook, Slack or Teams.")
    recipients: list[str] | None = strawberry.field(default=UNSET, description="Email.")
    secret: str | None = strawberry.field(default=UNSET, description="null removes it.")
    enabled: bool | None = strawberry.field(
        default=UNSET,
        description="false pauses it: events are not queued for it while paused, and what "
        "was queued before waits until it resumes (true).",
    )


@strawberry.input
class NotificationChannelDeleteInput:
    channel_id: strawberry.ID


@strawberry.input(description="Only the fields given change.")
class NotificationRuleUpdateInput:
    rule_id: strawberry.ID
    enabled: bool | None = UNSET
    min_severity: AlertSeverity | None = UNSET
    alert_types: list[AlertType] | None = UNSET
    outcomes: list[NotificationOutcome] | None = UNSET
    environment_id: strawberry.ID | None = UNSET


@strawberry.input
class NotificationRuleDeleteInput:
    rule_id: strawberry.ID


def rule_conditions(
    input: NotificationRuleCreateInput | NotificationRuleUpdateInput, *names: str
) -> dict[str, Any]:
    """The conditions given (and ``names``), the environment's id decoded."""
    changes = provided(input, *names, "alert_types", "outcomes", "environment_id")
    if changes.get("environment_id") is not None:
        changes["environment_id"] = decode_id(
            changes["environment_id"], "Environment", ["environment_id"]
        )
    return changes


@strawberry.type
class NotificationMutations:
    @strawberry.mutation(description="Create a webhook, Slack, Teams or email channel. Admins.")
    async def notification_channel_create(
        self, info: Info, input: NotificationChannelCreateInput
    ) -> NotificationChannelCreatePayload:
        return await mutate(
            info,
            NotificationChannelCreatePayload,
            "notification_channel",
            lambda session, actor: services.notification_channel_create(
                session,
                actor,
                organization_id=input_id(input, "organization_id", "Organization"),
                name=input.name,
                channel_type=input.type,
                url=input.url,
                recipients=input.recipients,
                secret=input.secret,
                secrets=info.context.secrets,
                enabled=input.enabled,
            ),
        )

    @strawberry.mutation(
        description="Rename a channel, change its target or secret. Organization admins."
    )
    async def notification_channel_update(
        self, info: Info, input: NotificationChannelUpdateInput
    ) -> NotificationChannelCreatePayload:
        return await mutate(
            info,
            NotificationChannelCreatePayload,
            "notification_channel",
            lambda session, actor: services.notification_channel_update(
                session,
                actor,
                channel_id=input_id(input, "channel_id", "NotificationChannel"),
                changes=provided(input, "name", "url", "recipients", "secret", "enabled"),
                secrets=info.context.secrets,
            ),
        )

    @strawberry.mutation(
        description="Retire a channel and its rules; its waiting deliveries are given up. "
        "Organization admins."
    )
    async def notification_channel_delete(
        self, info: Info, input: NotificationChannelDeleteInput
    ) -> NotificationChannelCreatePayload:
        return await mutate(
            info,
            NotificationChannelCreatePayload,
            "notification_channel",
            lambda session, actor: services.notification_channel_delete(
                session,
                actor,
                channel_id=input_id(input, "channel_id", "NotificationChannel"),
            ),
        )

    @strawberry.mutation(description="Enable or disable a rule, change its conditions. Admins.")
    async def notification_rule_update(
        self, info: Info, input: NotificationRuleUpdateInput
    ) -> NotificationRuleCreatePayload:
        return await mutate(
            info,
            NotificationRuleCreatePayload,
            "notification_rule",
            lambda session, actor: services.notification_rule_update(
                session,
                actor,
                rule_id=input_id(input, "rule_id", "NotificationRule"),
                changes=rule_conditions(input, "enabled", "min_severity"),
            ),
        )

    @strawberry.mutation(description="Retire a rule. Organization admins.")
    async def notification_rule_delete(
        self, info: Info, input: NotificationRuleDeleteInput
    ) -> NotificationRuleCreatePayload:
        return await mutate(
            info,
            NotificationRuleCreatePayload,
            "notification_rule",
            lambda session, actor: services.notification_rule_delete(
                session, actor, rule_id=input_id(input, "rule_id", "NotificationRule")
            ),
        )

    @strawberry.mutation(description="Route events of a trigger (and scope) to a channel. Admins.")
    async def notification_rule_create(
        self, info: Info, input: NotificationRuleCreateInput
    ) -> NotificationRuleCreatePayload:
        return await mutate(
            info,
            NotificationRuleCreatePayload,
            "notification_rule",
            lambda session, actor: services.notification_rule_create(
                session,
                actor,
                channel_id=input_id(input, "channel_id", "NotificationChannel"),
                trigger=input.trigger,
                project_id=input_id(input, "project_id", "Project") if input.project_id else None,
                deployment_id=input_id(input, "deployment_id", "Deployment")
                if input.deployment_id
                else None,
                min_severity=input.min_severity,
                organization_of_deployment=organization_of_deployment,
                conditions=rule_conditions(input),
            ),
        )
