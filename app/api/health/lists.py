"""The health context's lists: a project's health rules, a run's alerts."""

from __future__ import annotations

from app.api.loaders.list_spec import ListSpec, orders_of
from app.api.orders import CreatedOrder, NamedOrder
from app.domain.health.models import HealthRule
from app.domain.monitoring.models import Alert

HEALTH_RULES_OF_PROJECT = ListSpec(
    "health_rules_of_project", HealthRule, "project_id", orders_of(NamedOrder)
)

ALERTS_OF_RUN = ListSpec(
    "alerts_of_run",
    Alert,
    "run_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)
