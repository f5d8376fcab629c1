"""The notifications context's lists: how each of its child lists maps to a table (its
parent column, orders and flags), and the filters its list arguments build."""

from __future__ import annotations

from app.api.loaders.list_spec import (
    BY_NAME,
    CREATED,
    ListSpec,
)
from app.domain.notifications.models import (
    NotificationAttempt,
    NotificationChannel,
    NotificationDelivery,
    NotificationRule,
)

CHANNELS_OF_ORGANIZATION = ListSpec(
    "channels_of_organization", NotificationChannel, "organization_id", {**CREATED, **BY_NAME}
)


RULES_OF_CHANNEL = ListSpec("rules_of_channel", NotificationRule, "channel_id", CREATED)


DELIVERIES_OF_CHANNEL = ListSpec(
    "deliveries_of_channel",
    NotificationDelivery,
    "channel_id",
    CREATED,
    default_order="CREATED_DESC",
    live_only=False,
)


ATTEMPTS_OF_DELIVERY = ListSpec(
    "attempts_of_delivery", NotificationAttempt, "delivery_id", CREATED, live_only=False
)
