"""The notifications context's GraphQL enums: its domain enums, each registered in place (the
domain's class *is* the GraphQL enum, exposed by member name), and its orders."""

from __future__ import annotations

import enum

import strawberry

from app.domain.notifications import enums as notifications

_EXPOSED: tuple[tuple[type[enum.Enum], str | None], ...] = (
    (notifications.ChannelType, "NotificationChannelType"),
    (notifications.Trigger, "NotificationTrigger"),
    (notifications.Outcome, "NotificationOutcome"),
    (notifications.DeliveryStatus, "NotificationDeliveryStatus"),
)
for _domain_enum, _name in _EXPOSED:
    strawberry.enum(_domain_enum, name=_name)

ChannelType = notifications.ChannelType
NotificationTrigger = notifications.Trigger
NotificationOutcome = notifications.Outcome
DeliveryStatus = notifications.DeliveryStatus
