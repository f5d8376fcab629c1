"""The notifications context's GraphQL enums: its domain enums, each registered in place (the
domain's class *is* the GraphQL enum, exposed by member name), and its orders."""

from __future__ import annotations

from app.api.exposing import expose
from app.domain.notifications import enums as notifications

expose(
    (notifications.ChannelType, "NotificationChannelType"),
    (notifications.Trigger, "NotificationTrigger"),
    (notifications.Outcome, "NotificationOutcome"),
    (notifications.DeliveryStatus, "NotificationDeliveryStatus"),
)

ChannelType = notifications.ChannelType
NotificationTrigger = notifications.Trigger
NotificationOutcome = notifications.Outcome
DeliveryStatus = notifications.DeliveryStatus
