"""The notifications context's lists: how each of its child lists maps to a table (its
parent column, orders and flags), and the filters its list arguments build."""

from __future__ import annotations

from app.api.loaders.list_spec import ListSpec, orders_of
from app.api.orders import CreatedOrder, NamedOrder
from app.domain.notifications.models import (
    NotificationAttempt,
    NotificationChannel,
    NotificationDelivery,
    NotificationRule,
)

CHANNELS_OF_ORGANIZATION = ListSpec(
    "channels_of_organization", NotificationChannel, "organization_id", orders_of(NamedOrder)
)


RULES_OF_CHANNEL = ListSpec(
    "rules_of_channel", NotificationRule, "channel_id", orders_of(CreatedOrder)
)


DELIVERIES_OF_CHANNEL = ListSpec(
    "deliveries_of_channel",
    NotificationDelivery,
    "channel_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)


ATTEMPTS_OF_DELIVERY = ListSpec(
    "attempts_of_delivery",
    NotificationAttempt,
    "delivery_id",
    orders_of(CreatedOrder),
    live_only=False,
)
